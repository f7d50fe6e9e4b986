output "namespace_name" {
  description = "Redshift Serverless namespace."
  value       = aws_redshiftserverless_namespace.this.namespace_name
}

output "workgroup_name" {
  description = "Redshift Serverless workgroup (deploy.sh runs redshift_sql/ through it)."
  value       = aws_redshiftserverless_workgroup.this.workgroup_name
}

output "database_name" {
  description = "Database in the namespace."
  value       = aws_redshiftserverless_namespace.this.db_name
}

output "role_arn" {
  description = "Role used by Spectrum and COPY (the $${redshift_role_arn} of redshift_sql/)."
  value       = aws_iam_role.this.arn
}

output "admin_password_secret_arn" {
  description = "Secrets Manager secret holding the managed admin password."
  value       = try(aws_redshiftserverless_namespace.this.admin_password_secret_arn, null)
}

output "endpoint" {
  description = "Workgroup endpoint address."
  value       = try(aws_redshiftserverless_workgroup.this.endpoint[0].address, null)
}
