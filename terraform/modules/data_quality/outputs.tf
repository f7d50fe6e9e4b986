output "ruleset_names" {
  description = "Ruleset name by silver entity."
  value       = { for k, r in aws_glue_data_quality_ruleset.this : k => r.name }
}

output "rulesets" {
  description = "DQDL text by silver entity."
  value       = local.rulesets
}
