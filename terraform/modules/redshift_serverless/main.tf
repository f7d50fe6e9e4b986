data "aws_caller_identity" "current" {}
data "aws_partition" "current" {}
data "aws_region" "current" {}

locals {
  glue_arn = "arn:${data.aws_partition.current.partition}:glue:${data.aws_region.current.name}:${data.aws_caller_identity.current.account_id}"
}

# Role for Spectrum (external schema over the gold Glue database) and COPY from exports/.
resource "aws_iam_role" "this" {
  name        = "${var.name_prefix}-redshift"
  description = "Redshift Serverless: Spectrum over gold and COPY from exports"
  assume_role_policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Effect    = "Allow"
      Principal = { Service = ["redshift.amazonaws.com", "redshift-serverless.amazonaws.com"] }
      Action    = "sts:AssumeRole"
      Condition = { StringEquals = { "aws:SourceAccount" = data.aws_caller_identity.current.account_id } }
    }]
  })
  tags = var.tags
}

resource "aws_iam_role_policy" "this" {
  name = "spectrum-and-copy"
  role = aws_iam_role.this.id
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [
      {
        Sid       = "ListGoldAndExports"
        Effect    = "Allow"
        Action    = ["s3:ListBucket", "s3:GetBucketLocation"]
        Resource  = [var.lake_bucket_arn]
        Condition = { StringLike = { "s3:prefix" = [for p in var.spectrum_prefixes : "${p}*"] } }
      },
      {
        Sid      = "ReadGoldAndExports"
        Effect   = "Allow"
        Action   = ["s3:GetObject", "s3:GetObjectVersion"]
        Resource = [for p in var.spectrum_prefixes : "${var.lake_bucket_arn}/${p}*"]
      },
      {
        Sid       = "DecryptLake"
        Effect    = "Allow"
        Action    = ["kms:Decrypt", "kms:DescribeKey"]
        Resource  = ["arn:${data.aws_partition.current.partition}:kms:${data.aws_region.current.name}:${data.aws_caller_identity.current.account_id}:key/*"]
        Condition = { "ForAnyValue:StringEquals" = { "kms:ResourceAliases" = [var.kms_key_alias] } }
      },
      {
        Sid    = "ReadGoldCatalog"
        Effect = "Allow"
        Action = ["glue:GetDatabase", "glue:GetDatabases", "glue:GetTable", "glue:GetTables", "glue:GetPartition", "glue:GetPartitions", "glue:BatchGetPartition"]
        Resource = [
          "${local.glue_arn}:catalog",
          "${local.glue_arn}:database/${var.gold_database_name}",
          "${local.glue_arn}:table/${var.gold_database_name}/*",
        ]
      },
    ]
  })
}

resource "aws_redshiftserverless_namespace" "this" {
  namespace_name        = "${var.name_prefix}-ns"
  db_name               = var.database_name
  admin_username        = var.admin_username
  manage_admin_password = true
  kms_key_id            = var.kms_key_arn
  iam_roles             = [aws_iam_role.this.arn]
  default_iam_role_arn  = aws_iam_role.this.arn
  log_exports           = ["userlog", "connectionlog", "useractivitylog"]
  tags                  = var.tags

  lifecycle {
    ignore_changes = [iam_roles]
  }
}

resource "aws_redshiftserverless_workgroup" "this" {
  namespace_name       = aws_redshiftserverless_namespace.this.namespace_name
  workgroup_name       = "${var.name_prefix}-wg"
  base_capacity        = var.base_capacity
  max_capacity         = var.max_capacity
  publicly_accessible  = false
  enhanced_vpc_routing = true
  subnet_ids           = var.subnet_ids
  security_group_ids   = var.security_group_ids

  config_parameter {
    parameter_key   = "require_ssl"
    parameter_value = "true"
  }

  config_parameter {
    parameter_key   = "enable_user_activity_logging"
    parameter_value = "true"
  }

  tags = var.tags
}

resource "aws_redshiftserverless_usage_limit" "compute" {
  resource_arn  = aws_redshiftserverless_workgroup.this.arn
  usage_type    = "serverless-compute"
  amount        = var.usage_limit_rpu_hours
  period        = var.usage_limit_period
  breach_action = var.usage_limit_breach_action
}
