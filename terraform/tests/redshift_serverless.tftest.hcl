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
  mock_resource "aws_redshiftserverless_namespace" {
    defaults        = { admin_password_secret_arn = "arn:aws:secretsmanager:eu-west-1:123456789012:secret:redshift!lh-prod-ns-admin-AbCdEf" }
    override_during = plan
  }
  mock_resource "aws_security_group" {
    defaults        = { id = "sg-glue-endpoint" }
    override_during = plan
  }
  # A default VPC with default subnets in three Availability Zones (one default subnet per zone).
  mock_data "aws_vpcs" {
    defaults = { ids = ["vpc-default"] }
  }
  mock_data "aws_subnets" {
    defaults = { ids = ["subnet-1a", "subnet-1b", "subnet-1c"] }
  }
}

variables {
  name_prefix           = "lh-prod"
  kms_key_arn           = "arn:aws:kms:eu-west-1:123456789012:key/abc"
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
  # "Granting permissions to Amazon Redshift Serverless": both service principals, no condition.
  assert {
    condition = (
      toset(one(jsondecode(aws_iam_role.this.assume_role_policy).Statement).Principal.Service) == toset(["redshift.amazonaws.com", "redshift-serverless.amazonaws.com"]) &&
      !can(one(jsondecode(aws_iam_role.this.assume_role_policy).Statement).Condition)
    )
    error_message = "The Redshift role trusts both Redshift service principals, with no condition the Redshift docs don't document."
  }
  # By key ARN, in its own policy: alias changes take up to five minutes to affect KMS authorization.
  assert {
    condition = (
      one(jsondecode(aws_iam_role_policy.lake_key.policy).Statement).Resource == ["arn:aws:kms:eu-west-1:123456789012:key/abc"] &&
      !can(one(jsondecode(aws_iam_role_policy.lake_key.policy).Statement).Condition) &&
      !strcontains(aws_iam_role_policy.this.policy, "kms:")
    )
    error_message = "The Redshift role decrypts the lake key by ARN, with no alias condition."
  }
  # AmazonRedshiftDataFullAccess reads only secrets tagged RedshiftDataFullAccess; the managed
  # admin secret is not, so the module hands out the one statement the Data API caller needs.
  assert {
    condition = one(jsondecode(output.admin_secret_reader_policy).Statement) == {
      Sid      = "ReadRedshiftAdminSecret"
      Effect   = "Allow"
      Action   = ["secretsmanager:GetSecretValue"]
      Resource = ["arn:aws:secretsmanager:eu-west-1:123456789012:secret:redshift!lh-prod-ns-admin-AbCdEf"]
    }
    error_message = "The admin secret reader policy grants GetSecretValue on exactly the managed admin secret."
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
    subnet_ids           = ["subnet-a", "subnet-b", "subnet-c"]
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
    condition     = aws_vpc_endpoint.glue[0].vpc_endpoint_type == "Interface" && aws_vpc_endpoint.glue[0].service_name == "com.amazonaws.eu-west-1.glue" && aws_vpc_endpoint.glue[0].private_dns_enabled && aws_vpc_endpoint.glue[0].subnet_ids == toset(["subnet-a", "subnet-b", "subnet-c"])
    error_message = "A Glue interface endpoint (private DNS) in the workgroup's subnets."
  }
  # The endpoints serve every workload on those route tables / in the VPC: a policy naming only the
  # Redshift role would cut the others off, so the created endpoints keep the default policy.
  assert {
    condition = alltrue([for p in [aws_vpc_endpoint.s3[0].policy, aws_vpc_endpoint.glue[0].policy] :
    jsondecode(p) == { Statement = [{ Effect = "Allow", Principal = "*", Action = "*", Resource = "*" }] }])
    error_message = "Created endpoints must not restrict other workloads in the VPC (no Redshift-only endpoint policy)."
  }
  # The interface endpoint's ENIs accept HTTPS from the workgroup's security groups.
  assert {
    condition = (
      aws_vpc_endpoint.glue[0].security_group_ids == toset([aws_security_group.glue_endpoint[0].id]) &&
      aws_vpc_security_group_ingress_rule.glue_endpoint_https["sg-redshift"].from_port == 443 &&
      aws_vpc_security_group_ingress_rule.glue_endpoint_https["sg-redshift"].to_port == 443 &&
      aws_vpc_security_group_ingress_rule.glue_endpoint_https["sg-redshift"].ip_protocol == "tcp" &&
      aws_vpc_security_group_ingress_rule.glue_endpoint_https["sg-redshift"].referenced_security_group_id == "sg-redshift" &&
      aws_vpc_security_group_ingress_rule.glue_endpoint_https["sg-redshift"].security_group_id == aws_security_group.glue_endpoint[0].id
    )
    error_message = "The Glue endpoint's security group allows inbound 443 from the workgroup."
  }
  assert {
    condition = (
      jsondecode(output.vpc_endpoint_policy_statements.s3)[0].Resource == ["arn:aws:s3:::lh-prod-lake-123456789012/gold/*", "arn:aws:s3:::lh-prod-lake-123456789012/exports/*"] &&
      jsondecode(output.vpc_endpoint_policy_statements.glue)[0].Resource == ["arn:aws:glue:eu-west-1:123456789012:catalog", "arn:aws:glue:eu-west-1:123456789012:database/lh_prod_gold", "arn:aws:glue:eu-west-1:123456789012:table/lh_prod_gold/*"] &&
      alltrue([for s in concat(jsondecode(output.vpc_endpoint_policy_statements.s3), jsondecode(output.vpc_endpoint_policy_statements.glue)) : s.Principal == { AWS = ["arn:aws:iam::123456789012:role/lh-prod-redshift"] } && !contains(s.Action, "s3:PutObject")])
    )
    error_message = "The statements a restricted endpoint policy must allow are read-only, for the Redshift role, on gold/exports and the gold database."
  }
}

# A VPC that already has an S3 gateway endpoint on its route tables (a second one fails) and a
# Glue endpoint: the module uses them and creates neither.
run "enhanced_vpc_routing_with_existing_endpoints" {
  command = plan
  module {
    source = "./modules/redshift_serverless"
  }
  variables {
    enhanced_vpc_routing = true
    subnet_ids           = ["subnet-a", "subnet-b", "subnet-c"]
    security_group_ids   = ["sg-redshift"]
    vpc_endpoints        = { vpc_id = "vpc-1", existing_s3_endpoint_id = "vpce-s3", existing_glue_endpoint_id = "vpce-glue" }
  }
  assert {
    condition     = length(aws_vpc_endpoint.s3) == 0 && length(aws_vpc_endpoint.glue) == 0 && length(aws_security_group.glue_endpoint) == 0
    error_message = "Existing endpoints are used, not duplicated."
  }
  assert {
    condition     = output.vpc_endpoint_ids == { s3 = "vpce-s3", glue = "vpce-glue" }
    error_message = "The output names the endpoints the workgroup uses."
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

# "Compute capacity for Amazon Redshift Serverless": 4, 8..512 by 8, 512..1024 by 32.
run "rejects_capacity_between_the_steps" {
  command = plan
  module {
    source = "./modules/redshift_serverless"
  }
  variables {
    base_capacity = 12
  }
  expect_failures = [var.base_capacity]
}

run "rejects_capacity_not_a_multiple_of_32_above_512" {
  command = plan
  module {
    source = "./modules/redshift_serverless"
  }
  variables {
    base_capacity = 520
  }
  expect_failures = [var.base_capacity]
}

run "accepts_the_documented_capacities" {
  command = plan
  module {
    source = "./modules/redshift_serverless"
  }
  variables {
    base_capacity = 4
  }
  assert {
    condition     = aws_redshiftserverless_workgroup.this.base_capacity == 4
    error_message = "4 RPUs is an allowed base capacity."
  }
}

run "accepts_1024_in_a_region_that_has_it" {
  command = plan
  module {
    source = "./modules/redshift_serverless"
  }
  variables {
    base_capacity = 1024
  }
  assert {
    condition     = aws_redshiftserverless_workgroup.this.base_capacity == 1024
    error_message = "eu-west-1 offers up to 1024 RPUs."
  }
}

run "rejects_1024_in_a_region_without_it" {
  command = plan
  module {
    source = "./modules/redshift_serverless"
  }
  variables {
    base_capacity = 1024
  }
  override_data {
    target = data.aws_region.current
    values = { name = "ap-south-1" }
  }
  expect_failures = [aws_redshiftserverless_workgroup.this]
}

# Subnets: at least three, in three Availability Zones ("Considerations when using Amazon
# Redshift Serverless"); without subnet_ids the default VPC must provide them.
run "rejects_two_subnets" {
  command = plan
  module {
    source = "./modules/redshift_serverless"
  }
  variables {
    subnet_ids = ["subnet-a", "subnet-b"]
  }
  expect_failures = [var.subnet_ids]
}

run "rejects_a_default_vpc_with_two_zones" {
  command = plan
  module {
    source = "./modules/redshift_serverless"
  }
  override_data {
    target = data.aws_subnets.default_vpc[0]
    values = { ids = ["subnet-1a", "subnet-1b"] }
  }
  expect_failures = [aws_redshiftserverless_workgroup.this]
}

run "rejects_no_subnets_without_a_default_vpc" {
  command = plan
  module {
    source = "./modules/redshift_serverless"
  }
  override_data {
    target = data.aws_vpcs.default[0]
    values = { ids = [] }
  }
  expect_failures = [aws_redshiftserverless_workgroup.this]
}
