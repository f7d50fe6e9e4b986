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
  kms_key_alias        = "alias/lh-dev-lakehouse"
  principals = {
    bronze = {
      description             = "bronze job"
      lake_read_prefixes      = ["landing/"]
      lake_write_prefixes     = ["bronze/", "ops/"]
      artifact_read_keys      = ["scripts/bronze_ingest.py", "packages/lakehouse.zip"]
      artifact_write_prefixes = ["tmp/bronze/"]
      catalog_write_databases = ["lh_dev_bronze", "lh_dev_ops"]
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
  assert {
    condition     = one([for s in jsondecode(aws_iam_role_policy.this["bronze"].policy).Statement : s.Condition if s.Sid == "UseLakeKey"])["ForAnyValue:StringEquals"]["kms:ResourceAliases"] == ["alias/lh-dev-lakehouse"]
    error_message = "KMS use is limited to the lake key (by alias)."
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
