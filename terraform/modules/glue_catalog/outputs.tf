output "database_names" {
  description = "Glue database name per key (bronze, silver, gold, ops, and any extra such as gold_spectrum)."
  value       = { for k, d in aws_glue_catalog_database.this : k => d.name }
}

output "database_arns" {
  description = "Glue database ARN per layer."
  value       = { for k, d in aws_glue_catalog_database.this : k => d.arn }
}

output "silver_table_names" {
  description = "Silver tables declared from the contracts (entities and quarantine_<entity>)."
  value       = sort(keys(aws_glue_catalog_table.silver))
}

output "silver_tables" {
  description = "Silver tables declared from the contracts: the contract entity, kind (entity, quarantine, versions) and column names of each (known at plan)."
  value       = { for k, t in local.silver_tables : k => { entity = t.entity, kind = t.kind, columns = [for col in t.columns : col.name] } }
}
