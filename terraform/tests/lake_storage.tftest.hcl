# lake_storage: encryption, versioning, public access block, TLS-only policy, lifecycle.
mock_provider "aws" {
  mock_data "aws_caller_identity" {
    defaults = { account_id = "123456789012" }
  }
  mock_data "aws_partition" {
    defaults = { partition = "aws" }
  }
  mock_data "aws_region" {
    defaults = { name = "eu-west-1" }
  }
}

variables {
  name_prefix             = "lh-dev"
  name_suffix             = "123456789012"
  landing_expiration_days = 45
}

run "buckets" {
  command = apply
  module {
    source = "./modules/lake_storage"
  }

  assert {
    condition     = output.bucket_names == { lake = "lh-dev-lake-123456789012", artifacts = "lh-dev-artifacts-123456789012", athena_results = "lh-dev-athena-results-123456789012", access_logs = "lh-dev-access-logs-123456789012" }
    error_message = "Bucket names must be <prefix>-<role>-<suffix>."
  }
  assert {
    condition     = output.lake_root == "s3://lh-dev-lake-123456789012"
    error_message = "lake_root must be s3://<lake bucket>."
  }
  assert {
    condition     = output.bucket_arns["lake"] == "arn:aws:s3:::lh-dev-lake-123456789012"
    error_message = "Bucket ARNs must be known at plan time and match the names."
  }
  assert {
    condition     = aws_kms_key.this.enable_key_rotation
    error_message = "The KMS key must rotate."
  }
  assert {
    condition     = alltrue([for k, c in aws_s3_bucket_server_side_encryption_configuration.this : one(c.rule).apply_server_side_encryption_by_default[0].sse_algorithm == "aws:kms" && one(c.rule).bucket_key_enabled])
    error_message = "Data buckets must use SSE-KMS with a bucket key."
  }
  assert {
    condition     = alltrue([for k, v in aws_s3_bucket_versioning.this : v.versioning_configuration[0].status == "Enabled"]) && aws_s3_bucket_versioning.access_logs.versioning_configuration[0].status == "Enabled"
    error_message = "Every bucket must be versioned."
  }
  assert {
    condition = alltrue([for k, b in merge(aws_s3_bucket_public_access_block.this, { logs = aws_s3_bucket_public_access_block.access_logs }) :
    b.block_public_acls && b.block_public_policy && b.ignore_public_acls && b.restrict_public_buckets])
    error_message = "Every bucket must block public access."
  }
  assert {
    condition = alltrue([for k, p in aws_s3_bucket_policy.this :
      jsondecode(p.policy).Statement[0].Effect == "Deny" &&
    jsondecode(p.policy).Statement[0].Condition.Bool["aws:SecureTransport"] == "false"])
    error_message = "Every data bucket policy must deny non-TLS access."
  }
  assert {
    condition     = length([for r in aws_s3_bucket_lifecycle_configuration.this["lake"].rule : r if r.id == "expire-landing" && r.filter[0].prefix == "landing/" && r.expiration[0].days == 45]) == 1
    error_message = "landing/ must expire after landing_expiration_days."
  }
  assert {
    condition     = alltrue([for k, c in aws_s3_bucket_lifecycle_configuration.this : length([for r in c.rule : r if length(r.noncurrent_version_expiration) == 1]) == 1])
    error_message = "Every data bucket must expire noncurrent versions."
  }
  assert {
    condition     = one(aws_s3_bucket_server_side_encryption_configuration.access_logs.rule).apply_server_side_encryption_by_default[0].sse_algorithm == "AES256"
    error_message = "The access-log bucket must use SSE-S3 (the only encryption S3 log delivery supports)."
  }
  assert {
    condition     = alltrue([for k, l in aws_s3_bucket_logging.this : l.target_bucket == "lh-dev-access-logs-123456789012"])
    error_message = "Data buckets must log to the access-log bucket."
  }
}

run "emulator_without_lifecycle" {
  command = plan
  module {
    source = "./modules/lake_storage"
  }
  variables {
    lifecycle_rules_enabled = false
  }
  assert {
    condition     = length(aws_s3_bucket_lifecycle_configuration.this) == 0 && length(aws_s3_bucket_lifecycle_configuration.access_logs) == 0
    error_message = "lifecycle_rules_enabled = false must drop the lifecycle configurations."
  }
}

run "emulator_sse_s3" {
  command = plan
  module {
    source = "./modules/lake_storage"
  }
  variables {
    kms_default_encryption = false
  }
  assert {
    condition = alltrue([
      for c in aws_s3_bucket_server_side_encryption_configuration.this :
      one(one(c.rule).apply_server_side_encryption_by_default).sse_algorithm == "AES256"
    ])
    error_message = "kms_default_encryption = false must default the buckets to SSE-S3."
  }
}

run "rejects_short_kms_window" {
  command = plan
  module {
    source = "./modules/lake_storage"
  }
  variables {
    kms_deletion_window_days = 3
  }
  expect_failures = [var.kms_deletion_window_days]
}
