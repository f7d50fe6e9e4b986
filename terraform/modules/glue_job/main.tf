locals {
  script_key = "${var.script_prefix}/${basename(var.script_path)}"

  conf_chain = join(" --conf ", [for k in sort(keys(var.spark_conf)) : "${k}=${var.spark_conf[k]}"])

  runtime_arguments = merge(
    {
      "--job-language"                 = "python"
      "--datalake-formats"             = var.datalake_formats
      "--conf"                         = local.conf_chain
      "--enable-metrics"               = "true"
      "--enable-observability-metrics" = "true"
      # Glue 5.x logs to /aws-glue/jobs/{output,error} unless --custom-logGroup-prefix is set, then
      # to <prefix>/output and <prefix>/error ("Logging for AWS Glue jobs",
      # https://docs.aws.amazon.com/glue/latest/dg/monitor-continuous-logging.html). The
      # --enable-continuous-cloudwatch-log / --continuous-log-logGroup flags are Glue <= 4.0 only.
      "--custom-logGroup-prefix" = var.log_group_prefix
      "--job-bookmark-option"    = "job-bookmark-disable"
      "--TempDir"                = var.temp_dir
    },
    length(var.extra_py_files) > 0 ? { "--extra-py-files" = join(",", var.extra_py_files) } : {},
    length(var.extra_jars) > 0 ? { "--extra-jars" = join(",", var.extra_jars) } : {},
    # See README: Glue 5.1 has its own Data Quality runtime on the classpath; our thin Deequ/DQDL
    # jars must win so the evaluator is the version the local tests pin.
    length(var.extra_jars) > 0 && var.user_jars_first ? { "--user-jars-first" = "true" } : {},
    length(var.additional_python_modules) > 0 ? { "--additional-python-modules" = join(",", var.additional_python_modules) } : {},
    var.spark_event_logs_path != null ? { "--enable-spark-ui" = "true", "--spark-event-logs-path" = var.spark_event_logs_path } : {},
  )

  default_arguments = merge(local.runtime_arguments, { for k, v in var.job_arguments : "--${k}" => v })
}

resource "aws_s3_object" "script" {
  bucket                 = var.artifacts_bucket
  key                    = local.script_key
  source                 = var.script_path
  source_hash            = filemd5(var.script_path)
  server_side_encryption = "aws:kms"
  kms_key_id             = var.kms_key_arn
  content_type           = "text/x-python"
  tags                   = var.tags
}

resource "aws_glue_job" "this" {
  name                   = var.name
  description            = var.description
  role_arn               = var.role_arn
  glue_version           = var.glue_version
  worker_type            = var.capacity.worker_type
  number_of_workers      = var.capacity.number_of_workers
  execution_class        = var.capacity.execution_class
  timeout                = var.capacity.timeout_minutes
  max_retries            = var.capacity.max_retries
  security_configuration = var.security_configuration

  command {
    name            = "glueetl"
    python_version  = "3"
    script_location = "s3://${aws_s3_object.script.bucket}/${aws_s3_object.script.key}"
  }

  default_arguments = local.default_arguments

  execution_property {
    max_concurrent_runs = 1
  }

  tags = merge(var.tags, { "lakehouse:script_md5" = filemd5(var.script_path) })
}
