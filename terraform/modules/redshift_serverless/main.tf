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
  regions_with_1024_rpus = ["us-east-1", "us-east-2", "us-west-2", "eu-west-1", "eu-central-1"]

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
# Trust as "Granting permissions to Amazon Redshift Serverless" documents it: both service
# principals, redshift-serverless.amazonaws.com and redshift.amazonaws.com, and no condition. The
# Redshift docs name no confused-deputy key Redshift sends when it assumes the role (their
# "Restricting access to IAM roles" uses sts:ExternalId to pick database users, not this); a
# condition on a key it does not send is false and every COPY and Spectrum query would fail.
resource "aws_iam_role" "this" {
  name        = "${var.name_prefix}-redshift"
  description = "Redshift Serverless: Spectrum over gold and COPY from exports"
  assume_role_policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Effect    = "Allow"
      Principal = { Service = ["redshift.amazonaws.com", "redshift-serverless.amazonaws.com"] }
      Action    = "sts:AssumeRole"
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
        Sid      = "ReadGoldCatalog"
        Effect   = "Allow"
        Action   = local.gold_catalog_actions
        Resource = local.gold_catalog_arns
      },
    ]
  })
}

# The lake key by its ARN, not by alias: alias changes take up to five minutes to affect KMS
# authorization ("Use aliases to control access to KMS keys", AWS KMS Developer Guide). Its own
# policy, so the one above stays known at plan time on a first apply.
resource "aws_iam_role_policy" "lake_key" {
  name = "decrypt-lake"
  role = aws_iam_role.this.id
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Sid      = "DecryptLake"
      Effect   = "Allow"
      Action   = ["kms:Decrypt", "kms:DescribeKey"]
      Resource = [var.kms_key_arn]
    }]
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

  lifecycle {
    # Base capacity above 512 RPUs exists only in these Regions ("Compute capacity for Amazon
    # Redshift Serverless").
    precondition {
      condition     = var.base_capacity <= 512 || contains(local.regions_with_1024_rpus, data.aws_region.current.name)
      error_message = "base_capacity above 512 RPUs is only available in ${join(", ", local.regions_with_1024_rpus)}; ${data.aws_region.current.name} allows at most 512."
    }
    # Without subnet_ids the workgroup goes into the default VPC, and a workgroup needs at least
    # three subnets in three Availability Zones ("Considerations when using Amazon Redshift
    # Serverless"). The default VPC has one default subnet per Availability Zone, so three
    # default subnets mean three zones. Checked here so the plan fails, not the apply.
    precondition {
      condition     = var.subnet_ids != null || length(try(data.aws_vpcs.default[0].ids, [])) == 1
      error_message = "No redshift subnet_ids were given and ${data.aws_region.current.name} has no default VPC: pass subnet_ids (at least three subnets in three Availability Zones) and security_group_ids."
    }
    precondition {
      condition     = var.subnet_ids != null || length(try(data.aws_subnets.default_vpc[0].ids, [])) >= 3
      error_message = "No redshift subnet_ids were given and the default VPC has default subnets in fewer than three Availability Zones (Redshift Serverless needs three): pass subnet_ids (at least three subnets in three Availability Zones)."
    }
  }
}

# The default VPC and its default subnets (one per Availability Zone), read only when no subnets
# are given: the workgroup then lands there.
data "aws_vpcs" "default" {
  count = var.subnet_ids == null ? 1 : 0

  filter {
    name   = "is-default"
    values = ["true"]
  }
}

data "aws_subnets" "default_vpc" {
  count = var.subnet_ids == null ? 1 : 0

  filter {
    name   = "vpc-id"
    values = coalescelist(data.aws_vpcs.default[0].ids, ["no-default-vpc"])
  }
  filter {
    name   = "default-for-az"
    values = ["true"]
  }
}

# ---- enhanced VPC routing: the endpoints COPY and Spectrum need
# "When enhanced VPC routing is turned on, Redshift Spectrum queries against data lake tables in
# Amazon S3 require VPC endpoints for Amazon S3 and AWS Glue" ("Amazon Redshift Spectrum
# limitations", https://docs.aws.amazon.com/redshift/latest/dg/c-spectrum-considerations.html);
# COPY from Parquet uses Spectrum too ("COPY from columnar data formats").
# A gateway endpoint serves every subnet on its route tables, and an interface endpoint with
# private DNS every workload in the VPC, so an endpoint policy naming only the Redshift role would
# cut S3 and Glue off for all of them. Endpoints created here therefore carry the default policy,
# written out so the plan shows it ("If you don't attach an endpoint policy, we attach the default
# endpoint policy", full access: "Control access to VPC endpoints using endpoint policies"); the
# Redshift role's own policy stays least privilege. A VPC that already has them (a route table holds one route to the S3 prefix
# list, so a second S3 gateway endpoint on it fails) passes their ids instead; the statements its
# policies must allow are the output vpc_endpoint_policy_statements.
locals {
  vpc_endpoints     = var.enhanced_vpc_routing ? var.vpc_endpoints : null
  create_s3_gateway = local.vpc_endpoints != null && try(local.vpc_endpoints.existing_s3_endpoint_id, null) == null
  create_glue       = local.vpc_endpoints != null && try(local.vpc_endpoints.existing_glue_endpoint_id, null) == null

  default_endpoint_policy = jsonencode({
    Statement = [{ Effect = "Allow", Principal = "*", Action = "*", Resource = "*" }]
  })

  # What an endpoint policy that is restricted must allow for COPY and Spectrum.
  endpoint_policy_statements = {
    s3 = [
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
    glue = [{
      Sid       = "RedshiftReadsGoldCatalog"
      Effect    = "Allow"
      Principal = { AWS = [aws_iam_role.this.arn] }
      Action    = local.gold_catalog_actions
      Resource  = local.gold_catalog_arns
    }]
  }
}

resource "aws_vpc_endpoint" "s3" {
  count = local.create_s3_gateway ? 1 : 0

  vpc_id            = local.vpc_endpoints.vpc_id
  service_name      = "com.amazonaws.${data.aws_region.current.name}.s3"
  vpc_endpoint_type = "Gateway"
  route_table_ids   = local.vpc_endpoints.route_table_ids
  policy            = local.default_endpoint_policy
  tags              = merge(var.tags, { Name = "${var.name_prefix}-redshift-s3" })
}

# The interface endpoint's ENIs accept HTTPS from the workgroup: without an inbound 443 rule the
# workgroup's calls to the Glue catalog time out ("Access an AWS service using an interface VPC
# endpoint": the endpoint's security group must allow traffic from the resources that use it).
resource "aws_security_group" "glue_endpoint" {
  count = local.create_glue ? 1 : 0

  name        = "${var.name_prefix}-redshift-glue-endpoint"
  description = "Glue interface endpoint: HTTPS from the Redshift Serverless workgroup"
  vpc_id      = local.vpc_endpoints.vpc_id
  tags        = var.tags
}

resource "aws_vpc_security_group_ingress_rule" "glue_endpoint_https" {
  for_each = local.create_glue ? toset(var.security_group_ids) : toset([])

  security_group_id            = aws_security_group.glue_endpoint[0].id
  description                  = "HTTPS from the Redshift workgroup security group ${each.value}"
  ip_protocol                  = "tcp"
  from_port                    = 443
  to_port                      = 443
  referenced_security_group_id = each.value
}

resource "aws_vpc_endpoint" "glue" {
  count = local.create_glue ? 1 : 0

  vpc_id              = local.vpc_endpoints.vpc_id
  service_name        = "com.amazonaws.${data.aws_region.current.name}.glue"
  vpc_endpoint_type   = "Interface"
  private_dns_enabled = true
  subnet_ids          = var.subnet_ids
  security_group_ids  = [aws_security_group.glue_endpoint[0].id]
  policy              = local.default_endpoint_policy
  tags                = merge(var.tags, { Name = "${var.name_prefix}-redshift-glue" })
}

resource "aws_redshiftserverless_usage_limit" "compute" {
  resource_arn  = aws_redshiftserverless_workgroup.this.arn
  usage_type    = "serverless-compute"
  amount        = var.usage_limit_rpu_hours
  period        = var.usage_limit_period
  breach_action = var.usage_limit_breach_action
}
