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

# The AWS managed policy AmazonRedshiftDataFullAccess lets its holder read only secrets tagged
# RedshiftDataFullAccess ("Configuring IAM permissions", Amazon Redshift Data API), and the admin
# secret is created and owned by Redshift (manage_admin_password): the aws provider has no resource
# to tag a secret it did not create. So whoever runs redshift_sql/ (deploy.sh) attaches this policy
# next to the managed one.
output "admin_secret_reader_policy" {
  description = "IAM policy (JSON) letting a Data API caller read the managed admin secret, which AmazonRedshiftDataFullAccess does not cover (it only reads secrets tagged RedshiftDataFullAccess)."
  value = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Sid      = "ReadRedshiftAdminSecret"
      Effect   = "Allow"
      Action   = ["secretsmanager:GetSecretValue"]
      Resource = [aws_redshiftserverless_namespace.this.admin_password_secret_arn]
    }]
  })
}

output "endpoint" {
  description = "Workgroup endpoint address."
  value       = try(aws_redshiftserverless_workgroup.this.endpoint[0].address, null)
}

output "vpc_endpoint_ids" {
  description = "S3 gateway and Glue interface endpoints the workgroup uses, created or passed in (null without enhanced VPC routing)."
  value = {
    s3   = try(aws_vpc_endpoint.s3[0].id, local.vpc_endpoints.existing_s3_endpoint_id, null)
    glue = try(aws_vpc_endpoint.glue[0].id, local.vpc_endpoints.existing_glue_endpoint_id, null)
  }
}

output "vpc_endpoint_policy_statements" {
  description = "Statements (JSON, by endpoint: s3, glue) an endpoint policy must allow for COPY and Spectrum, when your endpoints have a policy other than the default full access."
  value       = { for k, v in local.endpoint_policy_statements : k => jsonencode(v) }
}
