data "aws_caller_identity" "current" {}
data "aws_partition" "current" {}
data "aws_region" "current" {}

locals {
  glue_arn = "arn:${data.aws_partition.current.partition}:glue:${data.aws_region.current.name}:${data.aws_caller_identity.current.account_id}"

  gold_catalog_arns = [
    "${local.glue_arn}:catalog",
    "${local.glue_arn}:database/${var.gold_database_name}",
    "${local.glue_arn}:table/${var.gold_database_name}/*",
  ]
  gold_catalog_actions = ["glue:GetDatabase", "glue:GetDatabases", "glue:GetTable", "glue:GetTables", "glue:GetPartition", "glue:GetPartitions", "glue:BatchGetPartition"]

  # Every key AWS returns for a workgroup, so the plan shows no diff after apply (a key left out
  # comes back with its default and Terraform wants to remove it). Keys: "ConfigParameter",
  # Redshift Serverless API Reference,
  # https://docs.aws.amazon.com/redshift-serverless/latest/APIReference/API_ConfigParameter.html
  # (+ max_query_execution_time, which AWS sets by default). Values are the AWS defaults except
  # require_ssl and enable_user_activity_logging.
  config_parameters = merge({
    auto_mv                          = "true"
    datestyle                        = "ISO, MDY"
    enable_case_sensitive_identifier = "false"
    enable_user_activity_logging     = "true"
    max_query_execution_time         = "14400"
    query_group                      = "default"
    require_ssl                      = "true"
    search_path                      = "$user, public"
    use_fips_ssl                     = "false"
  }, var.config_parameters)
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
      # No s3:prefix condition on GetBucketLocation: only ListBucket requests carry that key
      # ("Actions, resources, and condition keys for Amazon S3", Service Authorization Reference).
      {
        Sid      = "LocateLakeBucket"
        Effect   = "Allow"
        Action   = ["s3:GetBucketLocation"]
        Resource = [var.lake_bucket_arn]
      },
      {
        Sid       = "ListGoldAndExports"
        Effect    = "Allow"
        Action    = ["s3:ListBucket"]
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
        Sid      = "ReadGoldCatalog"
        Effect   = "Allow"
        Action   = local.gold_catalog_actions
        Resource = local.gold_catalog_arns
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
  enhanced_vpc_routing = var.enhanced_vpc_routing
  subnet_ids           = var.subnet_ids
  security_group_ids   = var.security_group_ids

  dynamic "config_parameter" {
    for_each = local.config_parameters
    content {
      parameter_key   = config_parameter.key
      parameter_value = config_parameter.value
    }
  }

  tags = var.tags

  # With enhanced VPC routing, COPY and Spectrum reach S3 and the Glue catalog through the VPC.
  depends_on = [aws_vpc_endpoint.s3, aws_vpc_endpoint.glue]
}

# ---- enhanced VPC routing: the endpoints COPY and Spectrum need
# "When enhanced VPC routing is turned on, Redshift Spectrum queries against data lake tables in
# Amazon S3 require VPC endpoints for Amazon S3 and AWS Glue" ("Amazon Redshift Spectrum
# limitations", https://docs.aws.amazon.com/redshift/latest/dg/c-spectrum-considerations.html);
# COPY from Parquet uses Spectrum too ("COPY from columnar data formats"). Policies allow only
# the Redshift role, only on what it reads.
resource "aws_vpc_endpoint" "s3" {
  count = var.enhanced_vpc_routing ? 1 : 0

  vpc_id            = var.vpc_endpoints.vpc_id
  service_name      = "com.amazonaws.${data.aws_region.current.name}.s3"
  vpc_endpoint_type = "Gateway"
  route_table_ids   = var.vpc_endpoints.route_table_ids
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [
      {
        Sid       = "RedshiftReadsGoldAndExports"
        Effect    = "Allow"
        Principal = { AWS = [aws_iam_role.this.arn] }
        Action    = ["s3:GetObject", "s3:GetObjectVersion"]
        Resource  = [for p in var.spectrum_prefixes : "${var.lake_bucket_arn}/${p}*"]
      },
      {
        Sid       = "RedshiftListsLakeBucket"
        Effect    = "Allow"
        Principal = { AWS = [aws_iam_role.this.arn] }
        Action    = ["s3:ListBucket", "s3:GetBucketLocation"]
        Resource  = [var.lake_bucket_arn]
      },
    ]
  })
  tags = merge(var.tags, { Name = "${var.name_prefix}-redshift-s3" })
}

resource "aws_vpc_endpoint" "glue" {
  count = var.enhanced_vpc_routing ? 1 : 0

  vpc_id              = var.vpc_endpoints.vpc_id
  service_name        = "com.amazonaws.${data.aws_region.current.name}.glue"
  vpc_endpoint_type   = "Interface"
  private_dns_enabled = true
  subnet_ids          = var.subnet_ids
  security_group_ids  = var.security_group_ids
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Sid       = "RedshiftReadsGoldCatalog"
      Effect    = "Allow"
      Principal = { AWS = [aws_iam_role.this.arn] }
      Action    = local.gold_catalog_actions
      Resource  = local.gold_catalog_arns
    }]
  })
  tags = merge(var.tags, { Name = "${var.name_prefix}-redshift-glue" })
}

resource "aws_redshiftserverless_usage_limit" "compute" {
  resource_arn  = aws_redshiftserverless_workgroup.this.arn
  usage_type    = "serverless-compute"
  amount        = var.usage_limit_rpu_hours
  period        = var.usage_limit_period
  breach_action = var.usage_limit_breach_action
}
