# Root module: the whole stack wired together, per environment, with a mocked provider.
# Scripts, package zip and jars come from tests/fixtures so this runs without a build.
# mock_provider cannot represent the ephemeral salt generator, so the root runs against the real
# provider configured offline (static fake keys, no credential/account/metadata calls) with
# command = plan only, and the data sources that would call AWS overridden.
provider "aws" {
  region                      = "eu-west-1"
  access_key                  = "mock"
  secret_key                  = "mock"
  skip_credentials_validation = true
  skip_requesting_account_id  = true
  skip_metadata_api_check     = true
  skip_region_validation      = true
}

override_data {
  target = data.aws_caller_identity.current
  values = { account_id = "123456789012" }
}

override_data {
  target = module.lake_storage.data.aws_caller_identity.current
  values = { account_id = "123456789012" }
}

override_data {
  target = module.iam.data.aws_caller_identity.current
  values = { account_id = "123456789012" }
}

override_data {
  target = module.redshift_serverless[0].data.aws_caller_identity.current
  values = { account_id = "123456789012" }
}

override_data {
  target = module.athena[0].data.aws_caller_identity.current
  values = { account_id = "123456789012" }
}

override_data {
  target = module.monitoring[0].data.aws_caller_identity.current
  values = { account_id = "123456789012" }
}

# A default VPC with default subnets in three Availability Zones, where the workgroup lands when
# no redshift subnet_ids are given.
override_data {
  target = module.redshift_serverless[0].data.aws_vpcs.default[0]
  values = { ids = ["vpc-default"] }
}

override_data {
  target = module.redshift_serverless[0].data.aws_subnets.default_vpc[0]
  values = { ids = ["subnet-1a", "subnet-1b", "subnet-1c"] }
}

variables {
  # mock_provider cannot mock ephemeral resources: give the salt instead of generating it.
  generate_pii_salt = false
  pii_salt          = "test-salt-0123456789abcdef"
  scripts_dir       = "./tests/fixtures/scripts"
  package_zip_path  = "./tests/fixtures/lakehouse.zip"
  jar_dir           = "./tests/fixtures/jars"
}

run "dev" {
  command = plan
  variables {
    environment = "dev"
  }

  assert {
    condition     = output.lake_bucket_name == "lakehouse-dev-lake-123456789012" && output.lake_root == "s3://lakehouse-dev-lake-123456789012"
    error_message = "Lake bucket is <project>-<env>-lake-<account>."
  }
  assert {
    condition     = output.glue_database_names == { bronze = "lakehouse_dev_bronze", silver = "lakehouse_dev_silver", gold = "lakehouse_dev_gold", ops = "lakehouse_dev_ops", gold_spectrum = "lakehouse_dev_gold_spectrum" }
    error_message = "Databases are <project>_<env>_<layer> (+ gold_spectrum for Redshift)."
  }
  assert {
    condition     = output.glue_job_names == { bronze = "lakehouse-dev-bronze-ingest", silver = "lakehouse-dev-silver-clean", gold = "lakehouse-dev-gold-aggregates", maintain = "lakehouse-dev-maintain-tables" }
    error_message = "One job per stage and the maintenance job, named after their scripts."
  }
  assert {
    condition = (
      aws_glue_trigger.maintenance.type == "SCHEDULED" && aws_glue_trigger.maintenance.schedule == "cron(0 12 ? * SUN *)" &&
      aws_glue_trigger.maintenance.workflow_name == null &&
      [for a in aws_glue_trigger.maintenance.actions : a.job_name] == ["lakehouse-dev-maintain-tables"] &&
      module.glue_job["maintain"].default_arguments["--retain_hours"] == "168"
    )
    error_message = "The maintenance job has its own weekly SCHEDULED trigger outside the workflow, and VACUUM keeps 7 days."
  }
  assert {
    condition = jsonencode(output.glue_trigger_names) == jsonencode([
      "lakehouse-dev-medallion-start-bronze",
      "lakehouse-dev-medallion-after-bronze-start-silver",
      "lakehouse-dev-medallion-after-silver-start-gold",
      "lakehouse-dev-medallion-after-gold-start-crawlers",
    ])
    error_message = "The chain is start -> bronze -> silver -> gold -> crawlers."
  }
  assert {
    condition     = toset(keys(output.glue_crawler_names)) == toset(["bronze", "gold", "gold_spectrum", "ops"])
    error_message = "One crawler per crawlers/*.yaml."
  }
  assert {
    condition     = length(output.dq_ruleset_names) == length(fileset("${path.module}/../contracts", "*.yaml")) && output.dq_ruleset_names["sales"] == "lakehouse-dev-sales"
    error_message = "Every contract gets a Glue Data Quality ruleset."
  }
  assert {
    condition     = length([for t in output.silver_table_names : t if !endswith(t, "_versions")]) == 2 * length(fileset("${path.module}/../contracts", "*.yaml")) && contains(output.silver_table_names, "quarantine_sales") && contains(output.silver_table_names, "customers_versions")
    error_message = "Every contract gets silver.<entity> and silver.quarantine_<entity>."
  }
  assert {
    condition     = module.glue_job["gold"].default_arguments["--pii_salt_parameter"] == "/lakehouse/dev/pii-salt" && output.pii_salt_parameter_name == "/lakehouse/dev/pii-salt"
    error_message = "gold gets the SSM parameter name of the PII salt."
  }
  assert {
    condition = alltrue([for k, j in module.glue_job :
      j.default_arguments["--lake_root"] == "s3://lakehouse-dev-lake-123456789012" &&
      j.default_arguments["--extra-py-files"] == "s3://lakehouse-dev-artifacts-123456789012/packages/lakehouse.zip" &&
      j.default_arguments["--extra-jars"] == "s3://lakehouse-dev-artifacts-123456789012/jars/deequ-2.1.0-spark-3.5.jar,s3://lakehouse-dev-artifacts-123456789012/jars/dqdl-1.0.0.jar"
    ])
    error_message = "Every job gets the lake root, the package zip and the Deequ/DQDL jars."
  }
  assert {
    condition     = module.glue_job["bronze"].default_arguments["--sources"] == "all" && module.glue_job["silver"].default_arguments["--sources"] == "all"
    error_message = "bronze and silver get --sources."
  }
  assert {
    condition     = output.redshift_workgroup_name == "lakehouse-dev-wg" && output.athena_workgroup_name == "lakehouse-dev-analysts"
    error_message = "dev deploys Redshift Serverless and Athena."
  }
  assert {
    condition     = output.redshift_spectrum_database_name == "lakehouse_dev_gold_spectrum"
    error_message = "Spectrum's external schema reads the symlink-manifest tables."
  }
  assert {
    condition     = output.exports_uri == "s3://lakehouse-dev-lake-123456789012/exports"
    error_message = "exports_uri feeds redshift_sql/ COPY."
  }
  assert {
    condition     = toset(keys(output.glue_role_arns)) == toset(["bronze", "silver", "gold", "maintain", "crawler_bronze", "crawler_gold", "crawler_gold_spectrum", "crawler_ops", "data_quality"])
    error_message = "One role per job, per crawler and for DQ evaluation."
  }
  assert {
    condition     = output.aws_region == "eu-west-1"
    error_message = "deploy.sh reads the region Terraform deploys to from output aws_region."
  }
  # Glue 5 writes to <--custom-logGroup-prefix>/{output,error}: those are the managed groups.
  assert {
    condition = (
      output.glue_log_group_names == { output = "/aws-glue/jobs/lakehouse-dev/output", error = "/aws-glue/jobs/lakehouse-dev/error" } &&
      alltrue([for k, j in module.glue_job : j.default_arguments["--custom-logGroup-prefix"] == "/aws-glue/jobs/lakehouse-dev"]) &&
      alltrue([for k, g in aws_cloudwatch_log_group.glue : g.retention_in_days == 365])
    )
    error_message = "The jobs' log groups are the KMS-encrypted, retention-managed ones Terraform creates."
  }
  assert {
    condition     = alltrue([for k, j in module.glue_job : length([for a in keys(j.default_arguments) : a if endswith(a, "_database") || a == "--enable-glue-datacatalog"]) == 0])
    error_message = "Jobs read and write Delta by path: no catalog arguments."
  }
  assert {
    condition = alltrue([for k, j in module.glue_job :
      !contains(keys(j.default_arguments), "--lineage_url")
      && j.default_arguments["--additional-python-modules"] == "pydeequ==1.7.0"
    ])
    error_message = "Without lineage_url no job gets --lineage_url or the client package."
  }
}

run "prod" {
  command = plan
  variables {
    environment = "prod"
    jobs        = { silver = { worker_type = "G.2X", number_of_workers = 6 } }
  }
  assert {
    condition     = output.lake_bucket_name == "lakehouse-prod-lake-123456789012" && output.glue_workflow_name == "lakehouse-prod-medallion"
    error_message = "Names follow the environment."
  }
  assert {
    condition     = output.glue_job_names["gold"] == "lakehouse-prod-gold-aggregates"
    error_message = "Job names follow the environment."
  }
  # Overrides pass through; what is left out takes the glue_job module's optional() defaults.
  assert {
    condition = (
      module.glue_job["silver"].capacity == { worker_type = "G.2X", number_of_workers = 6, execution_class = "STANDARD", timeout_minutes = 60, max_retries = 0 } &&
      module.glue_job["bronze"].capacity == { worker_type = "G.1X", number_of_workers = 2, execution_class = "STANDARD", timeout_minutes = 60, max_retries = 0 }
    )
    error_message = "var.jobs overrides pass through; the rest are the glue_job module's capacity defaults."
  }
}

run "emulator_switches" {
  command = plan
  variables {
    environment         = "emulator"
    enable_redshift     = false
    enable_athena       = false
    enable_data_quality = false
  }
  assert {
    condition     = output.redshift_workgroup_name == null && output.athena_workgroup_name == null && output.dq_ruleset_names == {}
    error_message = "The feature switches must remove Redshift, Athena and the DQ rulesets."
  }
  assert {
    condition     = !contains(keys(output.glue_role_arns), "data_quality")
    error_message = "No DQ evaluator role without rulesets."
  }
}

run "rejects_short_vacuum_retention" {
  command = plan
  variables {
    environment              = "dev"
    maintenance_retain_hours = 24
  }
  expect_failures = [var.maintenance_retain_hours]
}

run "lineage_url_reaches_every_job_with_the_client" {
  command = plan
  variables {
    environment = "dev"
    lineage_url = "http://marquez.internal:5000"
  }
  assert {
    condition = alltrue([for k, j in module.glue_job :
      j.default_arguments["--lineage_url"] == "http://marquez.internal:5000"
      && j.default_arguments["--additional-python-modules"] == "pydeequ==1.7.0,openlineage-python==1.54.0"
    ])
    error_message = "With lineage_url every job gets --lineage_url and the pinned openlineage-python."
  }
}

run "rejects_unknown_environment" {
  command = plan
  variables {
    environment = "qa"
  }
  expect_failures = [var.environment]
}

run "rejects_remote_endpoint" {
  command = plan
  variables {
    environment      = "emulator"
    aws_endpoint_url = "https://example.com"
  }
  expect_failures = [var.aws_endpoint_url]
}
