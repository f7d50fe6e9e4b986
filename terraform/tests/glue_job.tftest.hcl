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
  log_group_name         = "/aws-glue/jobs/lh-dev"
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
    condition = alltrue([for k in ["--enable-metrics", "--enable-continuous-cloudwatch-log", "--enable-glue-datacatalog"] :
    aws_glue_job.this.default_arguments[k] == "true"]) && aws_glue_job.this.default_arguments["--job-language"] == "python"
    error_message = "Metrics, continuous logging and the Glue Data Catalog must be on; job language python."
  }
  assert {
    condition     = aws_glue_job.this.default_arguments["--lake_root"] == "s3://lh-dev-lake-123456789012" && aws_glue_job.this.default_arguments["--sources"] == "all"
    error_message = "The script's own arguments must be passed with a -- prefix."
  }
  assert {
    condition     = aws_glue_job.this.security_configuration == "lh-dev-glue" && aws_glue_job.this.default_arguments["--continuous-log-logGroup"] == "/aws-glue/jobs/lh-dev"
    error_message = "The job must use the security configuration and the log group."
  }
}

run "flex" {
  command = plan
  module {
    source = "./modules/glue_job"
  }
  variables {
    execution_class   = "FLEX"
    worker_type       = "G.2X"
    number_of_workers = 5
  }
  assert {
    condition     = aws_glue_job.this.execution_class == "FLEX" && aws_glue_job.this.worker_type == "G.2X" && aws_glue_job.this.number_of_workers == 5
    error_message = "Capacity and Flex come from the variables."
  }
}

run "rejects_flex_on_large_workers" {
  command = plan
  module {
    source = "./modules/glue_job"
  }
  variables {
    execution_class = "FLEX"
    worker_type     = "G.4X"
  }
  expect_failures = [var.execution_class]
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
