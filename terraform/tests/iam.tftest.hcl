# iam: one role per principal, scoped to its own prefixes, databases and parameters.
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
  name_prefix          = "lh-dev"
  lake_bucket_arn      = "arn:aws:s3:::lh-dev-lake-123456789012"
  artifacts_bucket_arn = "arn:aws:s3:::lh-dev-artifacts-123456789012"
  kms_key_arn          = "arn:aws:kms:eu-west-1:123456789012:key/1111-2222"
  log_group_arns = [
    "arn:aws:logs:eu-west-1:123456789012:log-group:/aws-glue/jobs/lh-dev/output",
    "arn:aws:logs:eu-west-1:123456789012:log-group:/aws-glue/jobs/lh-dev/error",
  ]
  security_configuration_name = "lh-dev-glue"
  principals = {
    bronze = {
      description             = "bronze job"
      lake_read_prefixes      = ["landing/"]
      lake_write_prefixes     = ["bronze/", "ops/"]
      artifact_read_keys      = ["scripts/bronze_ingest.py", "packages/lakehouse.zip"]
      artifact_write_prefixes = ["tmp/bronze/"]
      catalog_write_databases = ["lh_dev_bronze", "lh_dev_ops"]
      lease_table_arns        = ["arn:aws:dynamodb:eu-west-1:123456789012:table/lh-dev-table-leases"]
    }
    gold = {
      description             = "gold job"
      lake_read_prefixes      = ["silver/"]
      lake_write_prefixes     = ["gold/", "exports/"]
      catalog_read_databases  = ["lh_dev_silver"]
      catalog_write_databases = ["lh_dev_gold"]
      ssm_parameter_arns      = ["arn:aws:ssm:eu-west-1:123456789012:parameter/lh/dev/pii-salt"]
      metric_namespaces       = ["Glue", "Lakehouse/DataQuality"]
    }
    crawler_gold = {
      description             = "gold crawler"
      lake_read_prefixes      = ["gold/"]
      catalog_write_databases = ["lh_dev_gold"]
      glue_logs               = "crawler"
    }
    data_quality = {
      description            = "DQ evaluator"
      lake_read_prefixes     = ["silver/"]
      catalog_read_databases = ["lh_dev_silver"]
      glue_logs              = "data_quality"
    }
  }
}

run "roles" {
  command = plan
  module {
    source = "./modules/iam"
  }

  assert {
    condition     = aws_iam_role.this["bronze"].name == "lh-dev-bronze" && aws_iam_role.this["gold"].name == "lh-dev-gold"
    error_message = "One role per principal, named <prefix>-<principal>."
  }
  assert {
    condition     = jsondecode(aws_iam_role.this["bronze"].assume_role_policy).Statement[0].Principal.Service == "glue.amazonaws.com"
    error_message = "Roles are assumed by Glue."
  }
  # "Step 2: Create an IAM role for AWS Glue" documents the trust without conditions; a condition
  # on a key Glue does not send (aws:SourceAccount) would stop every job and crawler.
  assert {
    condition     = alltrue([for r in aws_iam_role.this : !can(jsondecode(r.assume_role_policy).Statement[0].Condition)])
    error_message = "Glue trust policies carry no condition the Glue docs don't document."
  }
  assert {
    condition = alltrue(flatten([for k, p in aws_iam_role_policy.this : [for s in jsondecode(p.policy).Statement : [
      !contains(flatten([s.Action]), "s3:*"), !contains(flatten([s.Action]), "*"),
      !(contains(flatten([s.Resource]), "*") && !startswith(join(",", flatten([s.Action])), "cloudwatch:PutMetricData")),
    ]]]))
    error_message = "No statement may grant s3:* or * , nor any action but PutMetricData on *."
  }
  assert {
    condition = one([for s in jsondecode(aws_iam_role_policy.this["bronze"].policy).Statement : s.Resource if s.Sid == "WriteOwnLakePrefixes"]) == [
      "arn:aws:s3:::lh-dev-lake-123456789012/bronze/*", "arn:aws:s3:::lh-dev-lake-123456789012/ops/*",
    ]
    error_message = "bronze may write only bronze/ and ops/."
  }
  assert {
    condition = [for s in jsondecode(aws_iam_role_policy.this["bronze"].policy).Statement : [s.Action, s.Resource] if startswith(join(",", flatten([s.Action])), "dynamodb:")] == [[
      ["dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:UpdateItem", "dynamodb:DeleteItem"],
      ["arn:aws:dynamodb:eu-west-1:123456789012:table/lh-dev-table-leases"],
    ]]
    error_message = "A job role holds leases with item reads and writes on its lease table only."
  }
  assert {
    condition     = !strcontains(aws_iam_role_policy.this["gold"].policy, "dynamodb:")
    error_message = "A principal without lease_table_arns gets no DynamoDB access."
  }
  assert {
    condition = one([for s in jsondecode(aws_iam_role_policy.this["bronze"].policy).Statement : s.Resource if s.Sid == "ReadOwnLakePrefixes"]) == [
      "arn:aws:s3:::lh-dev-lake-123456789012/landing/*", "arn:aws:s3:::lh-dev-lake-123456789012/bronze/*", "arn:aws:s3:::lh-dev-lake-123456789012/ops/*",
    ]
    error_message = "bronze reads landing/ and its own outputs only."
  }
  assert {
    condition = one([for s in jsondecode(aws_iam_role_policy.this["gold"].policy).Statement : s.Resource if s.Sid == "WriteOwnCatalog"]) == [
      "arn:aws:glue:eu-west-1:123456789012:catalog", "arn:aws:glue:eu-west-1:123456789012:database/lh_dev_gold", "arn:aws:glue:eu-west-1:123456789012:table/lh_dev_gold/*",
    ]
    error_message = "gold may change tables only in the gold database."
  }
  assert {
    condition     = one([for s in jsondecode(aws_iam_role_policy.this["gold"].policy).Statement : s.Resource if s.Sid == "ReadOwnParameters"]) == ["arn:aws:ssm:eu-west-1:123456789012:parameter/lh/dev/pii-salt"]
    error_message = "gold reads the PII salt parameter."
  }
  assert {
    condition     = length([for s in jsondecode(aws_iam_role_policy.this["bronze"].policy).Statement : s if s.Sid == "ReadOwnParameters"]) == 0
    error_message = "bronze must not read SSM parameters."
  }
  # By key ARN: alias changes take up to five minutes to affect KMS authorization.
  assert {
    condition = alltrue([for k, p in aws_iam_role_policy.lake_key :
      one(jsondecode(p.policy).Statement).Resource == ["arn:aws:kms:eu-west-1:123456789012:key/1111-2222"] &&
      !can(one(jsondecode(p.policy).Statement).Condition)
    ]) && !strcontains(join("", [for k, p in aws_iam_role_policy.this : p.policy]), "kms:")
    error_message = "KMS use is granted on the lake key's ARN only, with no alias condition, in its own policy."
  }
  assert {
    condition = (
      one(jsondecode(aws_iam_role_policy.lake_key["bronze"].policy).Statement).Action == ["kms:Decrypt", "kms:Encrypt", "kms:GenerateDataKey", "kms:DescribeKey"] &&
      one(jsondecode(aws_iam_role_policy.lake_key["crawler_gold"].policy).Statement).Action == ["kms:Decrypt", "kms:DescribeKey"] &&
      one(jsondecode(aws_iam_role_policy.lake_key["data_quality"].policy).Statement).Action == ["kms:Decrypt", "kms:DescribeKey"]
    )
    error_message = "Only principals that write may encrypt; read-only crawlers and the DQ evaluator only decrypt."
  }
  # Log groups: jobs write to the Terraform-made groups and may create only their own encrypted
  # group (/aws-glue/jobs/<security configuration>-role/<role>/...); a crawler only its own
  # /aws-glue/crawlers-role/<role>-<security configuration>; nobody gets /aws-glue/*
  # with logs:AssociateKmsKey.
  assert {
    condition = (
      one([for s in jsondecode(aws_iam_role_policy.this["bronze"].policy).Statement : s if s.Sid == "WriteManagedJobLogs"]).Action == ["logs:CreateLogStream", "logs:PutLogEvents"] &&
      one([for s in jsondecode(aws_iam_role_policy.this["bronze"].policy).Statement : s if s.Sid == "CreateOwnEncryptedLogGroups"]).Resource == [
        "arn:aws:logs:eu-west-1:123456789012:log-group:/aws-glue/jobs/lh-dev-glue-role/lh-dev-bronze/*",
        "arn:aws:logs:eu-west-1:123456789012:log-group:/aws-glue/jobs/lh-dev-glue-role/lh-dev-bronze/*:*",
      ] &&
      one([for s in jsondecode(aws_iam_role_policy.this["crawler_gold"].policy).Statement : s if s.Sid == "CreateOwnEncryptedLogGroups"]).Resource == [
        "arn:aws:logs:eu-west-1:123456789012:log-group:/aws-glue/crawlers-role/lh-dev-crawler-gold-lh-dev-glue",
        "arn:aws:logs:eu-west-1:123456789012:log-group:/aws-glue/crawlers-role/lh-dev-crawler-gold-lh-dev-glue:*",
      ] &&
      length([for s in jsondecode(aws_iam_role_policy.this["crawler_gold"].policy).Statement : s if s.Sid == "WriteManagedJobLogs"]) == 0 &&
      alltrue(flatten([for k, p in aws_iam_role_policy.this : [for s in jsondecode(p.policy).Statement :
      !(contains(flatten([s.Action]), "logs:AssociateKmsKey") && anytrue([for r in flatten([s.Resource]) : endswith(r, ":/aws-glue/*")]))]]))
    )
    error_message = "Each role creates and keys only its own log groups; jobs write to the managed groups."
  }
  # Only ListBucket requests carry s3:prefix: GetBucketLocation under that condition is never granted.
  assert {
    condition = alltrue(flatten([for k, p in aws_iam_role_policy.this : [for s in jsondecode(p.policy).Statement :
    !(contains(flatten([s.Action]), "s3:GetBucketLocation") && can(s.Condition.StringLike["s3:prefix"]))]]))
    error_message = "s3:GetBucketLocation must not sit under an s3:prefix condition."
  }
  assert {
    condition = (
      one([for s in jsondecode(aws_iam_role_policy.this["bronze"].policy).Statement : s if s.Sid == "LocateOwnBuckets"]).Action == ["s3:GetBucketLocation"] &&
      one([for s in jsondecode(aws_iam_role_policy.this["bronze"].policy).Statement : s if s.Sid == "LocateOwnBuckets"]).Resource == ["arn:aws:s3:::lh-dev-lake-123456789012", "arn:aws:s3:::lh-dev-artifacts-123456789012"] &&
      !can(one([for s in jsondecode(aws_iam_role_policy.this["bronze"].policy).Statement : s if s.Sid == "LocateOwnBuckets"]).Condition)
    )
    error_message = "Each role may locate the buckets it uses, unconditionally."
  }
  assert {
    condition = (
      one([for s in jsondecode(aws_iam_role_policy.this["gold"].policy).Statement : s.Condition if s.Sid == "PutOwnMetrics"]).StringEquals["cloudwatch:namespace"] == ["Glue", "Lakehouse/DataQuality"] &&
      length([for s in jsondecode(aws_iam_role_policy.this["bronze"].policy).Statement : s if s.Sid == "PutOwnMetrics"]) == 0
    )
    error_message = "PutMetricData only in the principal's own namespaces, and only for principals that have some."
  }
}

run "rejects_whole_bucket_prefix" {
  command = plan
  module {
    source = "./modules/iam"
  }
  variables {
    principals = {
      bad = { description = "too broad", lake_write_prefixes = ["*"] }
    }
  }
  expect_failures = [var.principals]
}
