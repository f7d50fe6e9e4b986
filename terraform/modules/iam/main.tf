data "aws_caller_identity" "current" {}
data "aws_partition" "current" {}
data "aws_region" "current" {}

locals {
  account_id = data.aws_caller_identity.current.account_id
  partition  = data.aws_partition.current.partition
  region     = data.aws_region.current.name
  glue_arn   = "arn:${local.partition}:glue:${local.region}:${local.account_id}"

  catalog_read_actions = [
    "glue:GetDatabase", "glue:GetDatabases", "glue:GetTable", "glue:GetTables",
    "glue:GetPartition", "glue:GetPartitions", "glue:BatchGetPartition",
  ]
  catalog_write_actions = [
    "glue:CreateTable", "glue:UpdateTable", "glue:DeleteTable", "glue:BatchDeleteTable",
    "glue:CreatePartition", "glue:BatchCreatePartition", "glue:UpdatePartition",
    "glue:DeletePartition", "glue:BatchDeletePartition",
  ]

  policies = {
    for name, p in var.principals : name => [for s in [
      # s3:prefix is only in the request context of ListBucket (ListObjects), so GetBucketLocation
      # gets its own statement without that condition, or it is never granted ("Actions,
      # resources, and condition keys for Amazon S3", Service Authorization Reference,
      # https://docs.aws.amazon.com/service-authorization/latest/reference/list_amazons3.html).
      {
        Sid      = "LocateOwnBuckets"
        Effect   = "Allow"
        Action   = ["s3:GetBucketLocation"]
        Resource = distinct(concat(length(concat(p.lake_read_prefixes, p.lake_write_prefixes)) > 0 ? [var.lake_bucket_arn] : [], length(concat(p.artifact_read_keys, p.artifact_write_prefixes)) > 0 ? [var.artifacts_bucket_arn] : []))
        enabled  = length(concat(p.lake_read_prefixes, p.lake_write_prefixes, p.artifact_read_keys, p.artifact_write_prefixes)) > 0
      },
      {
        Sid       = "ListOwnLakePrefixes"
        Effect    = "Allow"
        Action    = ["s3:ListBucket"]
        Resource  = [var.lake_bucket_arn]
        Condition = { StringLike = { "s3:prefix" = [for x in distinct(concat(p.lake_read_prefixes, p.lake_write_prefixes)) : "${x}*"] } }
        enabled   = length(concat(p.lake_read_prefixes, p.lake_write_prefixes)) > 0
      },
      {
        Sid      = "ReadOwnLakePrefixes"
        Effect   = "Allow"
        Action   = ["s3:GetObject", "s3:GetObjectVersion"]
        Resource = [for x in distinct(concat(p.lake_read_prefixes, p.lake_write_prefixes)) : "${var.lake_bucket_arn}/${x}*"]
        enabled  = length(concat(p.lake_read_prefixes, p.lake_write_prefixes)) > 0
      },
      {
        Sid      = "WriteOwnLakePrefixes"
        Effect   = "Allow"
        Action   = ["s3:PutObject", "s3:DeleteObject"]
        Resource = [for x in p.lake_write_prefixes : "${var.lake_bucket_arn}/${x}*"]
        enabled  = length(p.lake_write_prefixes) > 0
      },
      {
        Sid      = "ReadOwnArtifacts"
        Effect   = "Allow"
        Action   = ["s3:GetObject", "s3:GetObjectVersion"]
        Resource = concat([for k in p.artifact_read_keys : "${var.artifacts_bucket_arn}/${k}"], [for x in p.artifact_write_prefixes : "${var.artifacts_bucket_arn}/${x}*"])
        enabled  = length(concat(p.artifact_read_keys, p.artifact_write_prefixes)) > 0
      },
      {
        Sid       = "ListOwnArtifactPrefixes"
        Effect    = "Allow"
        Action    = ["s3:ListBucket"]
        Resource  = [var.artifacts_bucket_arn]
        Condition = { StringLike = { "s3:prefix" = [for x in p.artifact_write_prefixes : "${x}*"] } }
        enabled   = length(p.artifact_write_prefixes) > 0
      },
      {
        Sid      = "WriteOwnArtifactPrefixes"
        Effect   = "Allow"
        Action   = ["s3:PutObject", "s3:DeleteObject"]
        Resource = [for x in p.artifact_write_prefixes : "${var.artifacts_bucket_arn}/${x}*"]
        enabled  = length(p.artifact_write_prefixes) > 0
      },
      {
        Sid       = "UseLakeKey"
        Effect    = "Allow"
        Action    = ["kms:Decrypt", "kms:Encrypt", "kms:GenerateDataKey", "kms:DescribeKey"]
        Resource  = ["arn:${local.partition}:kms:${local.region}:${local.account_id}:key/*"]
        Condition = { "ForAnyValue:StringEquals" = { "kms:ResourceAliases" = [var.kms_key_alias] } }
        enabled   = true
      },
      {
        Sid    = "ReadOwnCatalog"
        Effect = "Allow"
        Action = local.catalog_read_actions
        Resource = concat(["${local.glue_arn}:catalog"], flatten([
          for db in distinct(concat(p.catalog_read_databases, p.catalog_write_databases)) :
          ["${local.glue_arn}:database/${db}", "${local.glue_arn}:table/${db}/*"]
        ]))
        enabled = length(concat(p.catalog_read_databases, p.catalog_write_databases)) > 0
      },
      {
        Sid    = "WriteOwnCatalog"
        Effect = "Allow"
        Action = local.catalog_write_actions
        Resource = concat(["${local.glue_arn}:catalog"], flatten([
          for db in p.catalog_write_databases : ["${local.glue_arn}:database/${db}", "${local.glue_arn}:table/${db}/*"]
        ]))
        enabled = length(p.catalog_write_databases) > 0
      },
      {
        Sid      = "ReadOwnParameters"
        Effect   = "Allow"
        Action   = ["ssm:GetParameter", "ssm:GetParameters"]
        Resource = p.ssm_parameter_arns
        enabled  = length(p.ssm_parameter_arns) > 0
      },
      {
        Sid      = "PublishDataQualityResults"
        Effect   = "Allow"
        Action   = ["glue:PublishDataQuality", "glue:GetDataQualityRuleset"]
        Resource = ["${local.glue_arn}:dataQualityRuleset/${var.name_prefix}-*"]
        enabled  = p.data_quality_rulesets
      },
      {
        Sid    = "WriteGlueLogs"
        Effect = "Allow"
        Action = ["logs:CreateLogGroup", "logs:CreateLogStream", "logs:PutLogEvents", "logs:AssociateKmsKey"]
        Resource = concat(
          ["arn:${local.partition}:logs:${local.region}:${local.account_id}:log-group:/aws-glue/*"],
          flatten([for g in var.log_group_arns : [g, "${g}:*"]]),
        )
        enabled = true
      },
      {
        Sid       = "PutOwnMetrics"
        Effect    = "Allow"
        Action    = ["cloudwatch:PutMetricData"]
        Resource  = ["*"]
        Condition = { StringEquals = { "cloudwatch:namespace" = p.metric_namespaces } }
        enabled   = length(p.metric_namespaces) > 0
      },
    ] : { for k, v in s : k => v if k != "enabled" } if s.enabled]
  }
}

resource "aws_iam_role" "this" {
  for_each = var.principals

  name        = "${var.name_prefix}-${replace(each.key, "_", "-")}"
  description = each.value.description
  assume_role_policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Effect    = "Allow"
      Principal = { Service = "glue.amazonaws.com" }
      Action    = "sts:AssumeRole"
      Condition = { StringEquals = { "aws:SourceAccount" = local.account_id } }
    }]
  })
  tags = merge(var.tags, { "lakehouse:principal" = each.key })
}

resource "aws_iam_role_policy" "this" {
  #checkov:skip=CKV_AWS_290:The only statement without resource constraint is cloudwatch:PutMetricData, which supports no resource ARNs; it is constrained by cloudwatch:namespace.
  #checkov:skip=CKV_AWS_355:The only "*" resource is cloudwatch:PutMetricData (no resource-level permissions exist), limited by a cloudwatch:namespace condition.
  for_each = var.principals

  name   = "scoped-access"
  role   = aws_iam_role.this[each.key].id
  policy = jsonencode({ Version = "2012-10-17", Statement = local.policies[each.key] })
}
