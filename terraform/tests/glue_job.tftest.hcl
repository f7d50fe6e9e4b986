# glue_job: runtime flags, Delta/Deequ wiring, script upload, capacity validation.
mock_provider "aws" {}

variables {
  name                   = "lh-dev-bronze-ingest"
  script_path            = "./tests/fixtures/scripts/bronze_ingest.py"
  artifacts_bucket       = "lh-dev-artifacts-123456789012"
  kms_key_arn            = "arn:aws:kms:eu-west-1:123456789012:key/abc"
  role_arn               = "arn:aws:iam::123456789012:role/lh-dev-bronze"
  extra_py_files         = ["s3://lh-dev-artifacts-123456789012/packages/lakehouse.zip"]
  extra_jars             = ["s3://lh-dev-artifacts-123456789012/jars/deequ-2.1.0-spark-3.5.jar", "s3://lh-dev-artifacts-123456789012/jars/dqdl-1.0.0.jar"]
  log_group_prefix       = "/aws-glue/jobs/lh-dev"
  temp_dir               = "s3://lh-dev-artifacts-123456789012/tmp/bronze/"
  security_configuration = "lh-dev-glue"
  job_arguments          = { lake_root = "s3://lh-dev-lake-123456789012", sources = "all" }
}

run "job" {
  command = plan
  module {
    source = "./modules/glue_job"
  }

  assert {
    condition     = aws_glue_job.this.glue_version == "5.1" && aws_glue_job.this.command[0].name == "glueetl" && aws_glue_job.this.command[0].python_version == "3"
    error_message = "Jobs run on Glue 5.1 (Spark 3.5.6, Delta 3.3.2), Python 3."
  }
  assert {
    condition     = aws_glue_job.this.command[0].script_location == "s3://lh-dev-artifacts-123456789012/scripts/bronze_ingest.py"
    error_message = "The script location must be the uploaded object."
  }
  assert {
    condition     = aws_s3_object.script.source_hash == filemd5("./tests/fixtures/scripts/bronze_ingest.py") && aws_s3_object.script.server_side_encryption == "aws:kms"
    error_message = "The script upload must be content-hashed and KMS-encrypted."
  }
  assert {
    condition     = aws_glue_job.this.default_arguments["--datalake-formats"] == "delta"
    error_message = "--datalake-formats delta is required."
  }
  assert {
    condition     = aws_glue_job.this.default_arguments["--conf"] == "spark.sql.catalog.spark_catalog=org.apache.spark.sql.delta.catalog.DeltaCatalog --conf spark.sql.extensions=io.delta.sql.DeltaSparkSessionExtension"
    error_message = "The --conf chain must set the Delta catalog and extension."
  }
  assert {
    condition     = aws_glue_job.this.default_arguments["--extra-py-files"] == "s3://lh-dev-artifacts-123456789012/packages/lakehouse.zip"
    error_message = "The package zip goes to --extra-py-files."
  }
  assert {
    condition     = aws_glue_job.this.default_arguments["--extra-jars"] == "s3://lh-dev-artifacts-123456789012/jars/deequ-2.1.0-spark-3.5.jar,s3://lh-dev-artifacts-123456789012/jars/dqdl-1.0.0.jar"
    error_message = "Deequ and DQDL go to --extra-jars, comma-separated."
  }
  assert {
    condition     = aws_glue_job.this.default_arguments["--additional-python-modules"] == "pydeequ==1.7.0"
    error_message = "pydeequ 1.7.0 goes to --additional-python-modules."
  }
  assert {
    condition     = aws_glue_job.this.default_arguments["--enable-metrics"] == "true" && aws_glue_job.this.default_arguments["--job-language"] == "python"
    error_message = "Metrics must be on; job language python."
  }
  # Glue 5: logs go to <prefix>/{output,error} with --custom-logGroup-prefix; the Glue 4.0
  # continuous-logging flags do nothing there. Jobs read/write Delta by path: no catalog.
  assert {
    condition = aws_glue_job.this.default_arguments["--custom-logGroup-prefix"] == "/aws-glue/jobs/lh-dev" && length(setintersection(keys(aws_glue_job.this.default_arguments), [
      "--enable-continuous-cloudwatch-log", "--continuous-log-logGroup", "--enable-continuous-log-filter", "--enable-glue-datacatalog",
    ])) == 0
    error_message = "Glue 5 logging: --custom-logGroup-prefix, none of the Glue 4 continuous-logging flags, no Glue catalog."
  }
  assert {
    condition     = aws_glue_job.this.default_arguments["--user-jars-first"] == "true"
    error_message = "The job's Deequ/DQDL jars go first on the classpath (see the module README)."
  }
  assert {
    condition     = aws_glue_job.this.worker_type == "G.1X" && aws_glue_job.this.number_of_workers == 2 && aws_glue_job.this.execution_class == "STANDARD" && aws_glue_job.this.timeout == 60 && aws_glue_job.this.max_retries == 0
    error_message = "Capacity defaults come from the capacity variable's optional() defaults."
  }
  assert {
    condition     = aws_glue_job.this.default_arguments["--lake_root"] == "s3://lh-dev-lake-123456789012" && aws_glue_job.this.default_arguments["--sources"] == "all"
    error_message = "The script's own arguments must be passed with a -- prefix."
  }
  assert {
    condition     = aws_glue_job.this.security_configuration == "lh-dev-glue"
    error_message = "The job must use the security configuration."
  }
}

run "flex" {
  command = plan
  module {
    source = "./modules/glue_job"
  }
  variables {
    capacity = { execution_class = "FLEX", worker_type = "G.2X", number_of_workers = 5, timeout_minutes = null }
  }
  assert {
    condition     = aws_glue_job.this.execution_class == "FLEX" && aws_glue_job.this.worker_type == "G.2X" && aws_glue_job.this.number_of_workers == 5 && aws_glue_job.this.timeout == 60
    error_message = "Capacity and Flex come from the variable; a null attribute takes its default."
  }
}

run "rejects_flex_on_large_workers" {
  command = plan
  module {
    source = "./modules/glue_job"
  }
  variables {
    capacity = { execution_class = "FLEX", worker_type = "G.4X" }
  }
  expect_failures = [var.capacity]
}

run "rejects_streaming_worker_type" {
  command = plan
  module {
    source = "./modules/glue_job"
  }
  variables {
    capacity = { worker_type = "G.025X" }
  }
  expect_failures = [var.capacity]
}

run "rejects_old_glue" {
  command = plan
  module {
    source = "./modules/glue_job"
  }
  variables {
    glue_version = "4.0"
  }
  expect_failures = [var.glue_version]
}
