data "aws_caller_identity" "current" {}

resource "aws_athena_workgroup" "this" {
  name          = var.name
  description   = "Lakehouse analysts: gold on engine v3"
  force_destroy = var.force_destroy

  configuration {
    enforce_workgroup_configuration    = true
    publish_cloudwatch_metrics_enabled = true
    bytes_scanned_cutoff_per_query     = var.bytes_scanned_cutoff_per_query

    engine_version {
      selected_engine_version = var.engine_version
    }

    result_configuration {
      output_location       = "s3://${var.results_bucket}/athena/"
      expected_bucket_owner = data.aws_caller_identity.current.account_id

      encryption_configuration {
        encryption_option = "SSE_KMS"
        kms_key_arn       = var.kms_key_arn
      }
    }
  }

  tags = var.tags
}

resource "aws_athena_named_query" "this" {
  for_each = var.named_queries

  name        = each.key
  description = "athena_sql/${each.key}.sql"
  workgroup   = aws_athena_workgroup.this.id
  database    = var.database
  query       = each.value
}
