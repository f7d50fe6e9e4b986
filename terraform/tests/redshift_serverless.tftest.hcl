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
  mock_resource "aws_iam_role" {
    defaults        = { arn = "arn:aws:iam::123456789012:role/lh-prod-redshift" }
    override_during = plan
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
    condition     = !aws_redshiftserverless_workgroup.this.publicly_accessible && !aws_redshiftserverless_workgroup.this.enhanced_vpc_routing && aws_redshiftserverless_workgroup.this.base_capacity == 32
    error_message = "The workgroup is private, has the configured base capacity, and by default no enhanced VPC routing (it would need endpoints)."
  }
  assert {
    condition     = length(aws_vpc_endpoint.s3) == 0 && length(aws_vpc_endpoint.glue) == 0
    error_message = "No VPC endpoints without enhanced VPC routing."
  }
  # Every key AWS returns is set, or the next plan shows a diff.
  assert {
    condition = toset([for p in aws_redshiftserverless_workgroup.this.config_parameter : p.parameter_key]) == toset([
      "auto_mv", "datestyle", "enable_case_sensitive_identifier", "enable_user_activity_logging", "max_query_execution_time",
      "query_group", "require_ssl", "search_path", "use_fips_ssl",
    ])
    error_message = "config_parameter must list every key AWS returns for a workgroup."
  }
  assert {
    condition     = one([for p in aws_redshiftserverless_workgroup.this.config_parameter : p.parameter_value if p.parameter_key == "require_ssl"]) == "true" && one([for p in aws_redshiftserverless_workgroup.this.config_parameter : p.parameter_value if p.parameter_key == "enable_user_activity_logging"]) == "true"
    error_message = "SSL is required and user activity is logged."
  }
  assert {
    condition = (
      one([for s in jsondecode(aws_iam_role_policy.this.policy).Statement : s if s.Sid == "LocateLakeBucket"]).Action == ["s3:GetBucketLocation"] &&
      !can(one([for s in jsondecode(aws_iam_role_policy.this.policy).Statement : s if s.Sid == "LocateLakeBucket"]).Condition) &&
      alltrue([for s in jsondecode(aws_iam_role_policy.this.policy).Statement : !(contains(flatten([s.Action]), "s3:GetBucketLocation") && can(s.Condition.StringLike["s3:prefix"]))])
    )
    error_message = "GetBucketLocation is granted without the s3:prefix condition only ListBucket requests carry."
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

run "enhanced_vpc_routing_with_endpoints" {
  command = plan
  module {
    source = "./modules/redshift_serverless"
  }
  variables {
    enhanced_vpc_routing = true
    subnet_ids           = ["subnet-a", "subnet-b"]
    security_group_ids   = ["sg-redshift"]
    vpc_endpoints        = { vpc_id = "vpc-1", route_table_ids = ["rtb-1"] }
  }
  assert {
    condition     = aws_redshiftserverless_workgroup.this.enhanced_vpc_routing
    error_message = "enhanced_vpc_routing is passed to the workgroup."
  }
  assert {
    condition     = aws_vpc_endpoint.s3[0].vpc_endpoint_type == "Gateway" && aws_vpc_endpoint.s3[0].service_name == "com.amazonaws.eu-west-1.s3" && aws_vpc_endpoint.s3[0].route_table_ids == toset(["rtb-1"]) && aws_vpc_endpoint.s3[0].vpc_id == "vpc-1"
    error_message = "An S3 gateway endpoint on the workgroup's route tables."
  }
  assert {
    condition     = aws_vpc_endpoint.glue[0].vpc_endpoint_type == "Interface" && aws_vpc_endpoint.glue[0].service_name == "com.amazonaws.eu-west-1.glue" && aws_vpc_endpoint.glue[0].private_dns_enabled && aws_vpc_endpoint.glue[0].subnet_ids == toset(["subnet-a", "subnet-b"])
    error_message = "A Glue interface endpoint (private DNS) in the workgroup's subnets."
  }
  assert {
    condition = (
      one([for s in jsondecode(aws_vpc_endpoint.s3[0].policy).Statement : s.Resource if s.Sid == "RedshiftReadsGoldAndExports"]) == ["arn:aws:s3:::lh-prod-lake-123456789012/gold/*", "arn:aws:s3:::lh-prod-lake-123456789012/exports/*"] &&
      alltrue([for s in jsondecode(aws_vpc_endpoint.s3[0].policy).Statement : s.Effect == "Allow" && s.Principal == { AWS = ["arn:aws:iam::123456789012:role/lh-prod-redshift"] } && !contains(flatten([s.Action]), "s3:*") && !contains(flatten([s.Action]), "s3:PutObject")]) &&
      one(jsondecode(aws_vpc_endpoint.glue[0].policy).Statement).Resource == ["arn:aws:glue:eu-west-1:123456789012:catalog", "arn:aws:glue:eu-west-1:123456789012:database/lh_prod_gold", "arn:aws:glue:eu-west-1:123456789012:table/lh_prod_gold/*"] &&
      alltrue([for a in one(jsondecode(aws_vpc_endpoint.glue[0].policy).Statement).Action : startswith(a, "glue:Get") || startswith(a, "glue:BatchGet")])
    )
    error_message = "Endpoint policies are least privilege: read-only, gold/exports and the gold database only, for named principals."
  }
}

run "rejects_enhanced_vpc_routing_without_endpoints" {
  command = plan
  module {
    source = "./modules/redshift_serverless"
  }
  variables {
    enhanced_vpc_routing = true
  }
  expect_failures = [var.enhanced_vpc_routing]
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
