# redshift_serverless: managed admin password, private workgroup, usage limit, Spectrum/COPY role.
mock_provider "aws" {
  mock_data "aws_caller_identity" {
    defaults = { account_id = "123456789012" }
  }
  mock_data "aws_partition" {
    defaults = { partition = "aws" }
  }
  mock_data "aws_region" {
    defaults = { name = "eu-west-1" }
  }
}

variables {
  name_prefix           = "lh-prod"
  kms_key_arn           = "arn:aws:kms:eu-west-1:123456789012:key/abc"
  kms_key_alias         = "alias/lh-prod-lakehouse"
  lake_bucket_arn       = "arn:aws:s3:::lh-prod-lake-123456789012"
  gold_database_name    = "lh_prod_gold"
  base_capacity         = 32
  usage_limit_rpu_hours = 500
}

run "redshift" {
  command = plan
  module {
    source = "./modules/redshift_serverless"
  }

  assert {
    condition     = aws_redshiftserverless_namespace.this.manage_admin_password && aws_redshiftserverless_namespace.this.admin_user_password == null
    error_message = "The admin password must be managed by Redshift (Secrets Manager), never set in Terraform."
  }
  assert {
    condition     = aws_redshiftserverless_workgroup.this.namespace_name == "lh-prod-ns" && aws_redshiftserverless_workgroup.this.workgroup_name == "lh-prod-wg"
    error_message = "Names follow the environment prefix."
  }
  assert {
    condition     = !aws_redshiftserverless_workgroup.this.publicly_accessible && aws_redshiftserverless_workgroup.this.enhanced_vpc_routing && aws_redshiftserverless_workgroup.this.base_capacity == 32
    error_message = "The workgroup is private, uses enhanced VPC routing and the configured base capacity."
  }
  assert {
    condition     = aws_redshiftserverless_usage_limit.compute.usage_type == "serverless-compute" && aws_redshiftserverless_usage_limit.compute.amount == 500 && aws_redshiftserverless_usage_limit.compute.breach_action == "deactivate"
    error_message = "A compute usage limit must cap RPU-hours."
  }
  assert {
    condition = one([for s in jsondecode(aws_iam_role_policy.this.policy).Statement : s.Resource if s.Sid == "ReadGoldAndExports"]) == [
      "arn:aws:s3:::lh-prod-lake-123456789012/gold/*", "arn:aws:s3:::lh-prod-lake-123456789012/exports/*",
    ]
    error_message = "The Redshift role reads only gold/ and exports/."
  }
  assert {
    condition     = alltrue([for s in jsondecode(aws_iam_role_policy.this.policy).Statement : !anytrue([for a in flatten([s.Action]) : endswith(a, ":*") || a == "*" || startswith(a, "s3:Put") || startswith(a, "s3:Delete")])])
    error_message = "The Redshift role is read-only."
  }
}

run "rejects_odd_capacity" {
  command = plan
  module {
    source = "./modules/redshift_serverless"
  }
  variables {
    base_capacity = 6
  }
  expect_failures = [var.base_capacity]
}
