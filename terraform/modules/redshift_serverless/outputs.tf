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
  description = "Secrets Manager secret of the managed admin user: deploy.sh runs redshift_sql/ with it (--secret-arn)."
  value       = try(aws_redshiftserverless_namespace.this.admin_password_secret_arn, null)
}

output "endpoint" {
  description = "Workgroup endpoint address."
  value       = try(aws_redshiftserverless_workgroup.this.endpoint[0].address, null)
}

output "vpc_endpoint_ids" {
  description = "S3 gateway and Glue interface endpoints (empty without enhanced VPC routing)."
  value       = { s3 = try(aws_vpc_endpoint.s3[0].id, null), glue = try(aws_vpc_endpoint.glue[0].id, null) }
}
