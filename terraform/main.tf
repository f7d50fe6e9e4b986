data "aws_caller_identity" "current" {}
data "aws_partition" "current" {}
data "aws_region" "current" {}

locals {
  name       = "${var.project}-${var.environment}"
  db_prefix  = "${var.project}_${var.environment}"
  account_id = data.aws_caller_identity.current.account_id
  partition  = data.aws_partition.current.partition
  region     = data.aws_region.current.name
  repo_root  = "${path.module}/.."

  tags = merge(var.tags, {
    project     = var.project
    environment = var.environment
    managed-by  = "terraform"
  })

  # ---- contracts/*.yaml: the single declaration of sources, entities, columns and DQDL rules.
  contract_files = fileset("${local.repo_root}/contracts", "*.yaml")
  contracts = {
    for f in local.contract_files :
    yamldecode(file("${local.repo_root}/contracts/${f}")).entity => yamldecode(file("${local.repo_root}/contracts/${f}"))
  }

  # ---- crawlers/*.yaml: one crawler each; bronze's table list comes from the contracts.
  crawler_defs = {
    for f in fileset("${local.repo_root}/crawlers", "*.yaml") :
    yamldecode(file("${local.repo_root}/crawlers/${f}")).name => yamldecode(file("${local.repo_root}/crawlers/${f}"))
  }
  crawlers = {
    for name, c in local.crawler_defs : name => {
      layer       = c.layer
      database    = try(c.database, c.layer)
      description = try(c.description, "")
      tables = (
        try(c.tables, null) != null ? c.tables :
        try(c.tables_from_gold_tables, false) ? local.gold_table_names :
        try(c.tables_from_crawler, null) != null ? local.crawler_defs[c.tables_from_crawler].tables :
        sort(distinct([for ct in local.contracts : ct[c.tables_from_contracts]]))
      )
      create_native_delta_table = try(c.create_native_delta_table, true)
      schema_change_policy      = try(c.schema_change_policy, {})
    }
  }
  # Databases: the four layers plus any a crawler definition names (gold_spectrum).
  catalog_databases = merge(
    { bronze = "bronze", silver = "silver", gold = "gold", ops = "ops" },
    { for name, c in local.crawlers : c.database => c.layer },
  )
}

# ----------------------------------------------------------------------- storage
module "lake_storage" {
  source = "./modules/lake_storage"

  name_prefix                        = local.name
  name_suffix                        = local.account_id
  landing_expiration_days            = var.landing_expiration_days
  noncurrent_version_expiration_days = var.noncurrent_version_expiration_days
  lifecycle_rules_enabled            = var.enable_lifecycle_rules
  deny_insecure_transport            = var.enforce_tls_bucket_policy
  kms_default_encryption             = var.kms_bucket_encryption
  force_destroy                      = var.force_destroy
  tags                               = local.tags
}

# ----------------------------------------------------------------------- catalog
module "glue_catalog" {
  source = "./modules/glue_catalog"

  database_prefix = local.db_prefix
  lake_root       = module.lake_storage.lake_root
  databases       = local.catalog_databases
  contracts       = local.contracts
  silver_metadata = local.silver_metadata
  tags            = local.tags
}

# ------------------------------------------------------------- shared Glue runtime
resource "aws_s3_object" "package" {
  bucket                 = local.buckets["artifacts"]
  key                    = local.package_key
  source                 = local.package_zip_path
  source_hash            = filemd5(local.package_zip_path)
  server_side_encryption = "aws:kms"
  kms_key_id             = module.lake_storage.kms_key_arn
  content_type           = "application/zip"
}

resource "aws_s3_object" "jar" {
  for_each = local.jar_keys

  bucket                 = local.buckets["artifacts"]
  key                    = each.value
  source                 = "${local.jar_dir}/${each.key}"
  source_hash            = filemd5("${local.jar_dir}/${each.key}")
  server_side_encryption = "aws:kms"
  kms_key_id             = module.lake_storage.kms_key_arn
  content_type           = "application/java-archive"
}

resource "aws_cloudwatch_log_group" "glue" {
  for_each = toset(local.log_streams)

  name              = "${local.log_group_prefix}/${each.key}"
  retention_in_days = var.log_retention_days
  kms_key_id        = module.lake_storage.kms_key_arn
}

resource "aws_glue_security_configuration" "this" {
  name = "${local.name}-glue"

  encryption_configuration {
    s3_encryption {
      s3_encryption_mode = "SSE-KMS"
      kms_key_arn        = module.lake_storage.kms_key_arn
    }
    cloudwatch_encryption {
      cloudwatch_encryption_mode = "SSE-KMS"
      kms_key_arn                = module.lake_storage.kms_key_arn
    }
    job_bookmarks_encryption {
      job_bookmarks_encryption_mode = "CSE-KMS"
      kms_key_arn                   = module.lake_storage.kms_key_arn
    }
  }
}

# The PII hashing salt: a random value from Secrets Manager's GetRandomPassword (only the aws
# provider is needed, and it works against the emulator), or var.pii_salt when
# generate_pii_salt = false. Both are ephemeral and the SSM value is write-only, so the salt never
# enters plan or state.
# Bump var.pii_salt_version to write a new value.
ephemeral "aws_secretsmanager_random_password" "pii_salt" {
  count               = var.generate_pii_salt ? 1 : 0
  password_length     = 48
  exclude_punctuation = true
}

resource "aws_ssm_parameter" "pii_salt" {
  name             = local.pii_salt_parameter
  description      = "Salt for hashing PII columns in gold (read by ${local.job_names["gold"]})"
  type             = "SecureString"
  key_id           = module.lake_storage.kms_key_arn
  value_wo         = var.generate_pii_salt ? ephemeral.aws_secretsmanager_random_password.pii_salt[0].random_password : var.pii_salt
  value_wo_version = var.pii_salt_version
}

# ----------------------------------------------------------------- table leases
# One writing job per Delta table at a time (docs/concurrency.md); the jobs take the leases.
module "lease_table" {
  source = "./modules/lease_table"

  name                = local.lease_table_name
  kms_key_arn         = module.lake_storage.kms_key_arn
  deletion_protection = !var.force_destroy
  tags                = local.tags
}

# ----------------------------------------------------------------------- IAM
module "iam" {
  source = "./modules/iam"

  name_prefix          = local.name
  lake_bucket_arn      = local.bucket_arns["lake"]
  artifacts_bucket_arn = local.bucket_arns["artifacts"]
  kms_key_arn          = module.lake_storage.kms_key_arn
  log_group_arns       = [for s in local.log_streams : "arn:${local.partition}:logs:${local.region}:${local.account_id}:log-group:${local.log_group_prefix}/${s}"]
  principals           = local.principals

  security_configuration_name = aws_glue_security_configuration.this.name
  tags                        = local.tags
}

# ----------------------------------------------------------------------- jobs
module "glue_job" {
  source   = "./modules/glue_job"
  for_each = local.jobs

  name                      = local.job_names[each.key]
  description               = each.value.description
  script_path               = "${local.scripts_dir}/${each.value.script}"
  artifacts_bucket          = local.buckets["artifacts"]
  kms_key_arn               = module.lake_storage.kms_key_arn
  role_arn                  = module.iam.role_arns[each.key]
  glue_version              = var.glue_version
  capacity                  = try(var.jobs[each.key], {}) # nulls take the module's defaults
  extra_py_files            = ["s3://${aws_s3_object.package.bucket}/${aws_s3_object.package.key}"]
  extra_jars                = [for j, o in aws_s3_object.jar : "s3://${o.bucket}/${o.key}"]
  log_group_prefix          = local.log_group_prefix
  temp_dir                  = "s3://${local.buckets["artifacts"]}/tmp/${each.key}/"
  spark_event_logs_path     = "s3://${local.buckets["artifacts"]}/sparkui/${each.key}/"
  security_configuration    = aws_glue_security_configuration.this.name
  job_arguments             = local.job_arguments[each.key]
  additional_python_modules = local.python_modules
  tags                      = local.tags
}

# ----------------------------------------------------------------------- crawlers
module "glue_crawler" {
  source   = "./modules/glue_crawler"
  for_each = local.crawlers

  name                      = "${local.name}-${each.key}"
  description               = each.value.description
  database_name             = local.databases[each.value.database]
  role_arn                  = module.iam.role_arns["crawler_${each.key}"]
  delta_tables              = [for t in each.value.tables : "${local.lake_root}/${each.value.layer}/${t}/"]
  create_native_delta_table = each.value.create_native_delta_table
  schema_change_policy      = each.value.schema_change_policy
  security_configuration    = aws_glue_security_configuration.this.name
  tags                      = local.tags
}

# ----------------------------------------------------------------------- workflow
module "glue_pipeline" {
  source = "./modules/glue_pipeline"

  name     = "${local.name}-medallion"
  schedule = var.schedule
  stages = [
    { name = "bronze", jobs = [module.glue_job["bronze"].name] },
    { name = "silver", jobs = [module.glue_job["silver"].name] },
    { name = "gold", jobs = [module.glue_job["gold"].name] },
    { name = "crawlers", crawlers = [for k in sort(keys(module.glue_crawler)) : module.glue_crawler[k].name] },
  ]
  tags = local.tags
}

# ----------------------------------------------------------------------- table maintenance
# OPTIMIZE + VACUUM on its own schedule: a trigger of no workflow, so it is not part of the daily
# chain (and the emulator's runner, which follows the workflow's triggers, never starts it).
resource "aws_glue_trigger" "maintenance" {
  name              = "${local.name}-maintain-tables"
  description       = "Starts ${module.glue_job["maintain"].name} (${var.maintenance_schedule}), outside the daily chain."
  type              = "SCHEDULED"
  schedule          = var.maintenance_schedule
  start_on_creation = true

  actions {
    job_name = module.glue_job["maintain"].name
  }

  tags = local.tags
}

# ----------------------------------------------------------------------- data quality
module "data_quality" {
  source = "./modules/data_quality"
  count  = var.enable_data_quality ? 1 : 0

  name_prefix   = local.name
  database_name = local.databases["silver"]
  rulesets      = { for e, c in local.contracts : e => c.dq }
  tags          = local.tags

  depends_on = [module.glue_catalog]
}

# ----------------------------------------------------------------------- analytics
module "athena" {
  source = "./modules/athena"
  count  = var.enable_athena ? 1 : 0

  name                           = "${local.name}-analysts"
  results_bucket                 = local.buckets["athena_results"]
  kms_key_arn                    = module.lake_storage.kms_key_arn
  bytes_scanned_cutoff_per_query = var.athena_bytes_scanned_cutoff
  database                       = local.databases["gold"]
  named_queries                  = local.athena_queries
  force_destroy                  = var.force_destroy
  tags                           = local.tags
}

module "redshift_serverless" {
  source = "./modules/redshift_serverless"
  count  = var.enable_redshift ? 1 : 0

  name_prefix     = local.name
  database_name   = var.redshift.database_name
  kms_key_arn     = module.lake_storage.kms_key_arn
  lake_bucket_arn = local.bucket_arns["lake"]
  # Spectrum reads the symlink-manifest tables (the native Delta tables are for Athena).
  gold_database_name        = try(local.databases["gold_spectrum"], local.databases["gold"])
  base_capacity             = var.redshift.base_capacity
  max_capacity              = var.redshift.max_capacity
  usage_limit_rpu_hours     = var.redshift.usage_limit_rpu_hours
  usage_limit_period        = var.redshift.usage_limit_period
  usage_limit_breach_action = var.redshift.breach_action
  subnet_ids                = var.redshift.subnet_ids
  security_group_ids        = var.redshift.security_group_ids
  enhanced_vpc_routing      = var.redshift.enhanced_vpc_routing
  vpc_endpoints             = var.redshift.vpc_endpoints
  tags                      = local.tags
}

# ----------------------------------------------------------------------- governance
# Lake Formation for the readers. Every PII input comes from the contracts (`pii:` of each source,
# `pii:` and columns of each gold table): adding a PII column to a contract tags it and takes it out
# of every grant without pii clearance, with no other edit (tests/infra/test_lake_formation.py).
# The principal running Terraform, as its role ARN (not the STS session): it stays an LF admin.
data "aws_iam_session_context" "current" {
  count = var.enable_lake_formation ? 1 : 0
  arn   = data.aws_caller_identity.current.arn
}

module "lake_formation" {
  source = "./modules/lake_formation"
  count  = var.enable_lake_formation ? 1 : 0

  name_prefix             = local.name
  account_id              = local.account_id
  partition               = local.partition
  terraform_principal_arn = data.aws_iam_session_context.current[0].issuer_arn
  lake_bucket_arn         = local.bucket_arns["lake"]
  kms_key_arn             = module.lake_storage.kms_key_arn
  databases = {
    for k, layer in local.catalog_databases : k => { name = module.glue_catalog.database_names[k], layer = layer }
  }
  silver_tables   = module.glue_catalog.silver_tables
  pii_columns     = { for e, c in local.contracts : e => try(keys(c.pii), []) }
  gold_tables     = { for n, t in local.gold_tables : n => { columns = [for col in t.columns : col.name], pii = try(t.pii, "none") } }
  tag_gold_tables = var.lake_formation_tag_gold_tables
  location_writers = {
    for name, c in local.crawlers : "crawler_${name}" => { principal = module.iam.role_arns["crawler_${name}"], layers = [c.layer] }
  }
  admins   = var.lake_formation_admins
  personas = var.lake_formation_personas
  tags     = local.tags

  # Grants need the catalog and the principals this stack creates (the Redshift Spectrum role).
  depends_on = [module.glue_catalog, module.redshift_serverless]
}

# ----------------------------------------------------------------------- monitoring
module "monitoring" {
  source = "./modules/monitoring"
  count  = var.enable_monitoring ? 1 : 0

  name_prefix   = local.name
  kms_key_arn   = module.lake_storage.kms_key_arn
  job_names     = values(local.job_names)
  crawler_names = [for k in keys(local.crawlers) : "${local.name}-${k}"]
  alert_emails  = var.alert_emails
  dq_metric = {
    namespace  = local.dq_metric_namespace
    name       = "RuleFailed"
    dimensions = ["entity", "rule"]
  }
  tags = local.tags
}
