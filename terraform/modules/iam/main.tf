data "aws_caller_identity" "current" {}
data "aws_partition" "current" {}
data "aws_region" "current" {}

locals {
  account_id = data.aws_caller_identity.current.account_id
  partition  = data.aws_partition.current.partition
  region     = data.aws_region.current.name
  glue_arn   = "arn:${local.partition}:glue:${local.region}:${local.account_id}"
  logs_arn   = "arn:${local.partition}:logs:${local.region}:${local.account_id}:log-group"

  role_names = { for name, p in var.principals : name => "${var.name_prefix}-${replace(name, "_", "-")}" }

  # The log groups Glue itself creates for a role's runs when the security configuration encrypts
  # CloudWatch Logs: crawlers write to /aws-glue/crawlers-role/<role>-<security configuration>,
  # jobs to /aws-glue/jobs/<security configuration>-role/<role>/{output,error} ("JobRun"
  # LogGroupName, AWS Glue API: the role and security configuration names select the encrypted
  # group). Glue creates them under the role and associates the key (logs:CreateLogGroup,
  # logs:AssociateKmsKey), so each role gets those two actions on its own groups only. The jobs'
  # --custom-logGroup-prefix groups are created by Terraform (var.log_group_arns): there the
  # roles only write.
  glue_created_log_groups = {
    for name, p in var.principals : name => (
      var.security_configuration_name == null ? [] :
      p.glue_logs == "crawler" ? ["${local.logs_arn}:/aws-glue/crawlers-role/${local.role_names[name]}-${var.security_configuration_name}"] :
      p.glue_logs == "job" ? ["${local.logs_arn}:/aws-glue/jobs/${var.security_configuration_name}-role/${local.role_names[name]}/*"] :
      []
    )
  }

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
        # Unconditional: Hadoop's S3 clients and Delta look up keys that do not exist yet (a table's
        # next commit, a folder's own key), and S3 answers such a HEAD with 404 only to an identity
        # that has s3:ListBucket on the bucket, else 403 ("HeadObject", Amazon S3 API Reference,
        # Permissions), which the clients take as a failure. A ListBucket limited by an s3:prefix
        # condition does not count there: a HEAD carries no s3:prefix. It lists key names, not data.
        Sid      = "ListLakeBucket"
        Effect   = "Allow"
        Action   = ["s3:ListBucket"]
        Resource = [var.lake_bucket_arn]
        enabled  = length(concat(p.lake_read_prefixes, p.lake_write_prefixes)) > 0
      },
      {
        Sid      = "ReadOwnLakePrefixes"
        Effect   = "Allow"
        Action   = ["s3:GetObject", "s3:GetObjectVersion"]
        Resource = [for x in distinct(concat(p.lake_read_prefixes, p.lake_write_prefixes)) : "${var.lake_bucket_arn}/${x}*"]
        enabled  = length(concat(p.lake_read_prefixes, p.lake_write_prefixes)) > 0
      },
      {
        # Hadoop's S3 clients look up a folder's own key (HEAD `landing` as well as `landing/`) and
        # Delta looks for a table's root up its parents (HEAD `_delta_log` at the lake root). Those
        # keys hold no object, and HEAD needs s3:GetObject on the key ("HeadObject", Amazon S3 API
        # Reference), so without these exact keys the lookup is denied and the job fails.
        Sid      = "ProbeOwnLakeFolders"
        Effect   = "Allow"
        Action   = ["s3:GetObject"]
        Resource = concat([for x in distinct(concat(p.lake_read_prefixes, p.lake_write_prefixes)) : "${var.lake_bucket_arn}/${trimsuffix(x, "/")}"], ["${var.lake_bucket_arn}/_delta_log"])
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
        # Unconditional, as ListLakeBucket: Glue's scratch (TempDir, Spark UI logs) is looked up
        # before it is written.
        Sid      = "ListArtifactsBucket"
        Effect   = "Allow"
        Action   = ["s3:ListBucket"]
        Resource = [var.artifacts_bucket_arn]
        enabled  = length(p.artifact_write_prefixes) > 0
      },
      {
        Sid      = "WriteOwnArtifactPrefixes"
        Effect   = "Allow"
        Action   = ["s3:PutObject", "s3:DeleteObject"]
        Resource = [for x in p.artifact_write_prefixes : "${var.artifacts_bucket_arn}/${x}*"]
        enabled  = length(p.artifact_write_prefixes) > 0
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
        Sid      = "WriteManagedJobLogs"
        Effect   = "Allow"
        Action   = ["logs:CreateLogStream", "logs:PutLogEvents"]
        Resource = flatten([for g in var.log_group_arns : [g, "${g}:*"]])
        enabled  = p.glue_logs == "job" && length(var.log_group_arns) > 0
      },
      {
        Sid      = "CreateOwnEncryptedLogGroups"
        Effect   = "Allow"
        Action   = ["logs:CreateLogGroup", "logs:AssociateKmsKey", "logs:CreateLogStream", "logs:PutLogEvents"]
        Resource = flatten([for g in local.glue_created_log_groups[name] : [g, "${g}:*"]])
        enabled  = length(local.glue_created_log_groups[name]) > 0
      },
      # Glue Data Quality evaluation runs take no security configuration and no log group
      # setting: they write to Glue's default groups, which Glue creates (no key to associate).
      {
        Sid      = "WriteDataQualityLogs"
        Effect   = "Allow"
        Action   = ["logs:CreateLogGroup", "logs:CreateLogStream", "logs:PutLogEvents"]
        Resource = ["${local.logs_arn}:/aws-glue/*"]
        enabled  = p.glue_logs == "data_quality"
      },
      {
        Sid      = "HoldTableLeases"
        Effect   = "Allow"
        Action   = ["dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:UpdateItem", "dynamodb:DeleteItem"]
        Resource = p.lease_table_arns
        enabled  = length(p.lease_table_arns) > 0
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

  name        = local.role_names[each.key]
  description = each.value.description
  # The trust relationship AWS Glue documents ("Step 2: Create an IAM role for AWS Glue": AWS
  # service Glue as the trusted entity), without conditions: the Glue docs name no confused-deputy
  # key that Glue sends when it assumes a role, and a condition on a key it does not send is false,
  # so no job or crawler could assume its role. A role can only be passed to Glue within this
  # account (iam:PassRole).
  assume_role_policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Effect    = "Allow"
      Principal = { Service = "glue.amazonaws.com" }
      Action    = "sts:AssumeRole"
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

# The lake key, granted by its ARN. Not by alias (kms:ResourceAliases): "It might take up to five
# minutes for tag and alias changes to affect KMS key authorization" ("Use aliases to control
# access to KMS keys", AWS KMS Developer Guide), and the first `up` starts jobs within minutes of
# creating the alias. Its own policy, so the scoped policy above stays known at plan time while the
# key ARN of a first apply is not. Principals that write nothing (crawlers, the DQ evaluator) only
# decrypt: the logs they write are encrypted by CloudWatch Logs under the key policy's logs
# statement ("Setting up encryption in AWS Glue").
resource "aws_iam_role_policy" "lake_key" {
  for_each = var.principals

  name = "lake-key"
  role = aws_iam_role.this[each.key].id
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Sid    = "UseLakeKey"
      Effect = "Allow"
      Action = (
        length(concat(each.value.lake_write_prefixes, each.value.artifact_write_prefixes)) > 0
        ? ["kms:Decrypt", "kms:Encrypt", "kms:GenerateDataKey", "kms:DescribeKey"]
        : ["kms:Decrypt", "kms:DescribeKey"]
      )
      Resource = [var.kms_key_arn]
    }]
  })
}
