# lease_table: the DynamoDB table of the jobs' table leases (glue_jobs/lakehouse/lease.py).
mock_provider "aws" {}

variables {
  name        = "lh-dev-table-leases"
  kms_key_arn = "arn:aws:kms:eu-west-1:123456789012:key/1111-2222"
}

run "on_demand_encrypted_recoverable_with_ttl" {
  command = plan
  module {
    source = "./modules/lease_table"
  }

  assert {
    condition     = aws_dynamodb_table.this.billing_mode == "PAY_PER_REQUEST"
    error_message = "the lease table must be on-demand"
  }
  assert {
    condition     = aws_dynamodb_table.this.hash_key == "lease_key" && one(aws_dynamodb_table.this.attribute).type == "S"
    error_message = "one string hash key, lease_key (lease.py writes it)"
  }
  assert {
    condition     = one(aws_dynamodb_table.this.ttl).enabled && one(aws_dynamodb_table.this.ttl).attribute_name == "expires_at"
    error_message = "TTL must be on expires_at (lease.EXPIRY_ATTRIBUTE)"
  }
  assert {
    condition     = one(aws_dynamodb_table.this.point_in_time_recovery).enabled
    error_message = "point-in-time recovery must be on"
  }
  assert {
    condition = (
      one(aws_dynamodb_table.this.server_side_encryption).enabled
      && one(aws_dynamodb_table.this.server_side_encryption).kms_key_arn == var.kms_key_arn
    )
    error_message = "the table must be encrypted with the lake key"
  }
  assert {
    condition     = aws_dynamodb_table.this.deletion_protection_enabled
    error_message = "deletion protection is on by default"
  }
}

run "a_bad_name_is_refused" {
  command = plan
  module {
    source = "./modules/lease_table"
  }

  variables {
    name = "leases with spaces"
  }

  expect_failures = [var.name]
}
