# One item per Delta table a job is writing (glue_jobs/lakehouse/lease.py). Delta's default S3 log
# store is safe only for a single writing driver ("Storage configuration", Delta Lake docs): the lease
# makes a second Glue run that would write the same table wait or stop instead of losing a commit.
resource "aws_dynamodb_table" "this" {
  name         = var.name
  billing_mode = "PAY_PER_REQUEST" # a few requests per job run: on-demand, no capacity to plan
  hash_key     = "lease_key"

  attribute {
    name = "lease_key"
    type = "S"
  }

  # Expired leases are ignored by the jobs' condition already (TTL deletes "typically within a few
  # days", UpdateTimeToLive, DynamoDB API reference); TTL only removes what a killed job left.
  ttl {
    attribute_name = var.expiry_attribute
    enabled        = true
  }

  point_in_time_recovery {
    enabled = true
  }

  server_side_encryption {
    enabled     = true
    kms_key_arn = var.kms_key_arn
  }

  deletion_protection_enabled = var.deletion_protection
  tags                        = var.tags
}
