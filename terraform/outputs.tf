output "lake_bucket_name" {
  description = "Lake bucket (landing/, bronze/, silver/, gold/, exports/, ops/)."
  value       = local.buckets["lake"]
}

output "lake_root" {
  description = "The --lake_root every job gets."
  value       = local.lake_root
}

output "artifacts_bucket_name" {
  description = "Bucket with scripts, the package zip, jars, temp and Spark UI logs."
  value       = local.buckets["artifacts"]
}

output "kms_key_arn" {
  description = "KMS key of the lake."
  value       = module.lake_storage.kms_key_arn
}

output "glue_database_names" {
  description = "Glue database per key: bronze, silver, gold, ops, gold_spectrum."
  value       = local.databases
}

output "glue_job_names" {
  description = "Glue job per stage (bronze, silver, gold) and the table maintenance job (maintain)."
  value       = { for k, j in module.glue_job : k => j.name }
}

output "glue_workflow_name" {
  description = "Glue workflow that chains the jobs and crawlers."
  value       = module.glue_pipeline.workflow_name
}

output "glue_maintenance_trigger_name" {
  description = "The table maintenance job's SCHEDULED trigger (no workflow: outside the daily chain)."
  value       = aws_glue_trigger.maintenance.name
}

output "glue_trigger_names" {
  description = "Triggers in chain order."
  value       = module.glue_pipeline.trigger_names
}

output "glue_crawler_names" {
  description = "Crawlers by definition file."
  value       = { for k, c in module.glue_crawler : k => c.name }
}

output "glue_role_arns" {
  description = "IAM role per job, crawler and the DQ evaluator."
  value       = module.iam.role_arns
}

output "dq_ruleset_names" {
  description = "Glue Data Quality ruleset per silver entity."
  value       = try(module.data_quality[0].ruleset_names, {})
}

output "silver_table_names" {
  description = "Silver tables declared from the contracts."
  value       = module.glue_catalog.silver_table_names
}

output "pii_salt_parameter_name" {
  description = "SSM SecureString with the PII hashing salt (the gold job's --pii_salt_parameter)."
  value       = aws_ssm_parameter.pii_salt.name
}

output "athena_workgroup_name" {
  description = "Athena workgroup (null when enable_athena = false)."
  value       = try(module.athena[0].workgroup_name, null)
}

output "redshift_workgroup_name" {
  description = "Redshift Serverless workgroup (null when enable_redshift = false)."
  value       = try(module.redshift_serverless[0].workgroup_name, null)
}

output "redshift_database_name" {
  description = "Redshift database (null when enable_redshift = false)."
  value       = try(module.redshift_serverless[0].database_name, null)
}

output "redshift_spectrum_database_name" {
  description = "Glue database behind the Spectrum external schema: substituted for $${gold_db} in redshift_sql/."
  value       = try(local.databases["gold_spectrum"], local.databases["gold"])
}

output "redshift_role_arn" {
  description = "Role for Spectrum and COPY: substituted for $${redshift_role_arn} in redshift_sql/."
  value       = try(module.redshift_serverless[0].role_arn, null)
}

output "exports_uri" {
  description = "Prefix of the Parquet exports for Redshift COPY: substituted for $${exports_uri} in redshift_sql/."
  value       = "${local.lake_root}/exports"
}

output "sns_topic_arn" {
  description = "Alert topic (null when enable_monitoring = false)."
  value       = try(module.monitoring[0].sns_topic_arn, null)
}

output "aws_region" {
  description = "Region everything is deployed to: deploy.sh passes it to every aws CLI call (never the profile's default)."
  value       = local.region
}

output "glue_log_group_names" {
  description = "The log groups the Glue 5 jobs write to (--custom-logGroup-prefix): output (stdout/stderr) and error (driver/executor logs)."
  value       = { for k, g in aws_cloudwatch_log_group.glue : k => g.name }
}

output "redshift_admin_secret_arn" {
  description = "Secrets Manager secret of the namespace's managed admin user: deploy.sh runs redshift_sql/ with --secret-arn so the SQL runs as the admin (null when enable_redshift = false)."
  value       = try(module.redshift_serverless[0].admin_password_secret_arn, null)
}

output "redshift_admin_secret_reader_policy" {
  description = "IAM policy (JSON) the caller of deploy.sh needs besides AmazonRedshiftDataFullAccess to read the managed admin secret (null when enable_redshift = false)."
  value       = try(module.redshift_serverless[0].admin_secret_reader_policy, null)
}

output "dq_metric_namespace" {
  description = "CloudWatch namespace of the silver job's DQ rule outcomes (the DQ alarm reads it)."
  value       = local.dq_metric_namespace
}

output "lake_formation" {
  description = "Lake Formation (enable_lake_formation): registered locations, LF-tags, PII columns by tag value, grants per persona."
  value = var.enable_lake_formation ? {
    registered_locations = module.lake_formation[0].registered_locations
    lf_tags              = module.lake_formation[0].lf_tags
    pii_columns          = module.lake_formation[0].pii_columns
    grants               = module.lake_formation[0].grants
  } : null
}
