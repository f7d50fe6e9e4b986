# athena: engine v3, enforced configuration, bytes-scanned cutoff, encrypted results, named queries.
mock_provider "aws" {}

variables {
  name                           = "lh-dev-analysts"
  results_bucket                 = "lh-dev-athena-results-123456789012"
  kms_key_arn                    = "arn:aws:kms:eu-west-1:123456789012:key/abc"
  bytes_scanned_cutoff_per_query = 1073741824
  database                       = "lh_dev_gold"
  named_queries = {
    top_products = "SELECT 1 FROM lh_dev_gold.product_performance"
    daily        = "SELECT 2 FROM lh_dev_gold.daily_sales"
  }
}

run "workgroup" {
  command = plan
  module {
    source = "./modules/athena"
  }

  assert {
    condition     = aws_athena_workgroup.this.configuration[0].engine_version[0].selected_engine_version == "Athena engine version 3"
    error_message = "The workgroup runs engine v3."
  }
  assert {
    condition     = aws_athena_workgroup.this.configuration[0].enforce_workgroup_configuration && aws_athena_workgroup.this.configuration[0].publish_cloudwatch_metrics_enabled
    error_message = "The configuration is enforced and publishes metrics."
  }
  assert {
    condition     = aws_athena_workgroup.this.configuration[0].bytes_scanned_cutoff_per_query == 1073741824
    error_message = "The bytes-scanned cutoff must be set."
  }
  assert {
    condition = (
      aws_athena_workgroup.this.configuration[0].result_configuration[0].encryption_configuration[0].encryption_option == "SSE_KMS" &&
      aws_athena_workgroup.this.configuration[0].result_configuration[0].output_location == "s3://lh-dev-athena-results-123456789012/athena/"
    )
    error_message = "Results are KMS-encrypted in the results bucket."
  }
  assert {
    condition     = toset(keys(aws_athena_named_query.this)) == toset(["daily", "top_products"]) && aws_athena_named_query.this["daily"].database == "lh_dev_gold" && aws_athena_named_query.this["daily"].query == "SELECT 2 FROM lh_dev_gold.daily_sales"
    error_message = "One named query per SQL file, on the gold database."
  }
}

run "rejects_tiny_cutoff" {
  command = plan
  module {
    source = "./modules/athena"
  }
  variables {
    bytes_scanned_cutoff_per_query = 1000
  }
  expect_failures = [var.bytes_scanned_cutoff_per_query]
}
