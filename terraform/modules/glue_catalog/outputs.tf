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
