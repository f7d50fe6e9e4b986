# The Glue jobs of the chain, their artifacts, logs and IAM principals.
locals {
  # ---- artifacts
  package_zip_path = coalesce(var.package_zip_path, "${local.repo_root}/dist/lakehouse.zip")
  jar_dir          = coalesce(var.jar_dir, "${local.repo_root}/.cache/jars")
  scripts_dir      = coalesce(var.scripts_dir, "${local.repo_root}/glue_jobs")
  buckets          = module.lake_storage.bucket_names
  bucket_arns      = module.lake_storage.bucket_arns
  lake_root        = module.lake_storage.lake_root
  databases        = module.glue_catalog.database_names

  package_key = "packages/lakehouse.zip"
  jar_keys    = { for j in var.extra_jars : j => "jars/${j}" }

  pii_salt_parameter = "/${var.project}/${var.environment}/pii-salt"

  # The table leases (modules/lease_table, glue_jobs/lakehouse/lease.py): every job gets its name as
  # --lease_table, and its role may only get, put, update and delete items of it. The ARN is built from
  # the name so the roles' policies are known at plan time.
  lease_table_name = "${local.name}-table-leases"
  lease_table_arn  = "arn:${local.partition}:dynamodb:${local.region}:${local.account_id}:table/${local.lease_table_name}"

  # Glue 5 jobs write to <prefix>/output (stdout/stderr) and <prefix>/error (driver, executors,
  # GlueLogger) when --custom-logGroup-prefix is set; both groups are created here, KMS-encrypted,
  # with retention, so the jobs never create unmanaged ones.
  log_group_prefix = "/aws-glue/jobs/${local.name}"
  log_streams      = ["output", "error"]

  # Silver publishes its DQ rule outcomes here (glue_jobs/lakehouse/metrics.py declares the same
  # name; tests/infra/test_plan.py checks they agree).
  dq_metric_namespace = "Lakehouse/DataQuality"

  # The lake report (glue_jobs/lakehouse/report.py): with enable_lake_report the chain's last job writes it
  # to <lake root>/report/index.html at the end of each successful run (--report_uri). Besides that job's
  # own tables, the report counts the bronze rows of each batch (landing = bronze), so its role also reads
  # bronze/, and writes report/ only (S3A's create looks the key up and deletes the parent folder marker).
  report_job        = "gold"
  report_arguments  = var.enable_lake_report ? { report_uri = "${local.lake_root}/report/index.html" } : {}
  report_lake_read  = var.enable_lake_report ? ["bronze/"] : []
  report_lake_write = var.enable_lake_report ? ["report/"] : []

  # ---- the jobs; each script's REQUIRED_ARGS are covered by `arguments` (JOB_NAME is
  # supplied by Glue itself). Jobs read and write Delta by path: no Glue Data Catalog access
  # (the crawlers own the catalog).
  jobs = {
    bronze = {
      script      = "bronze_ingest.py"
      description = "landing -> bronze (append, ingest metadata, file ledger)"
      arguments   = { lake_root = local.lake_root, sources = var.sources }
      lake_read   = ["landing/"]
      lake_write  = ["bronze/", "ops/"]
      ssm         = []
      metrics     = ["Glue"]
    }
    silver = {
      script      = "silver_clean.py"
      description = "bronze -> silver (contracts, DQDL, quarantine, MERGE, SCD2)"
      arguments   = { lake_root = local.lake_root, sources = var.sources }
      lake_read   = ["bronze/"]
      lake_write  = ["silver/", "ops/"]
      ssm         = []
      metrics     = ["Glue", local.dq_metric_namespace]
    }
    gold = {
      script      = "gold_aggregates.py"
      description = "silver -> gold marts, star schema, exports for Redshift COPY"
      arguments   = { lake_root = local.lake_root, pii_salt_parameter = local.pii_salt_parameter }
      lake_read   = ["silver/"]
      lake_write  = ["gold/", "exports/", "ops/"]
      ssm         = ["arn:${local.partition}:ssm:${local.region}:${local.account_id}:parameter${local.pii_salt_parameter}"]
      metrics     = ["Glue"]
    }
    # Not in the chain: started by its own SCHEDULED trigger (main.tf, aws_glue_trigger.maintenance).
    # It rewrites (OPTIMIZE) and deletes (VACUUM) files of the tables under these prefixes.
    maintain = {
      script      = "maintain_tables.py"
      description = "OPTIMIZE (compaction, Z-order) and VACUUM of the lake tables, on its own schedule"
      arguments   = { lake_root = local.lake_root, retain_hours = tostring(var.maintenance_retain_hours) }
      lake_read   = []
      lake_write  = ["bronze/", "silver/", "gold/", "ops/"]
      ssm         = []
      metrics     = ["Glue"]
    }
  }
  # OpenLineage (glue_jobs/lakehouse/lineage.py): with a lineage URL every job gets --lineage_url and the
  # client package, pinned as in requirements.txt; without one neither (the jobs emit nothing in AWS).
  lineage_arguments = var.lineage_url == null ? {} : { lineage_url = var.lineage_url }
  python_modules    = concat(["pydeequ==1.7.0"], var.lineage_url == null ? [] : ["openlineage-python==1.54.0"])

  job_arguments = { for k, j in local.jobs : k => merge(
    j.arguments, local.lineage_arguments, { lease_table = local.lease_table_name },
    k == local.report_job ? local.report_arguments : {},
  ) }

  job_names = { for k, j in local.jobs : k => "${local.name}-${replace(trimsuffix(j.script, ".py"), "_", "-")}" }

  # ---- one IAM principal per job, per crawler, and for Glue Data Quality runs
  principals = merge(
    { for k, j in local.jobs : k => {
      description             = "Glue job ${local.job_names[k]}"
      lake_read_prefixes      = concat(j.lake_read, k == local.report_job ? local.report_lake_read : [])
      lake_write_prefixes     = concat(j.lake_write, k == local.report_job ? local.report_lake_write : [])
      artifact_read_keys      = concat(["scripts/${j.script}", local.package_key], values(local.jar_keys))
      artifact_write_prefixes = ["tmp/${k}/", "sparkui/${k}/"]
      ssm_parameter_arns      = j.ssm
      metric_namespaces       = j.metrics
      lease_table_arns        = [local.lease_table_arn]
    } },
    { for k, c in local.crawlers : "crawler_${k}" => {
      description             = "Glue crawler ${local.name}-${k}"
      lake_read_prefixes      = ["${c.layer}/"]
      catalog_write_databases = [local.databases[c.database]]
      glue_logs               = "crawler"
    } },
    var.enable_data_quality ? { data_quality = {
      description            = "Glue Data Quality evaluation of the silver rulesets"
      lake_read_prefixes     = ["silver/"]
      catalog_read_databases = [local.databases["silver"]]
      data_quality_rulesets  = true
      metric_namespaces      = ["Glue Data Quality"]
      glue_logs              = "data_quality"
    } } : {},
  )
}
