# glue_crawler: native Delta targets, started by the workflow (no own schedule).
mock_provider "aws" {}

variables {
  name          = "lh-dev-gold"
  database_name = "lh_dev_gold"
  role_arn      = "arn:aws:iam::123456789012:role/lh-dev-crawler-gold"
  delta_tables  = ["s3://lh-dev-lake-123456789012/gold/daily_sales/", "s3://lh-dev-lake-123456789012/gold/fact_sales/"]
}

run "crawler" {
  command = plan
  module {
    source = "./modules/glue_crawler"
  }
  assert {
    condition     = aws_glue_crawler.this.delta_target[0].create_native_delta_table && aws_glue_crawler.this.delta_target[0].delta_tables == toset(var.delta_tables)
    error_message = "The crawler must register native Delta tables for the given locations."
  }
  assert {
    condition     = aws_glue_crawler.this.database_name == "lh_dev_gold" && aws_glue_crawler.this.schedule == null
    error_message = "The crawler writes to its database and has no schedule of its own."
  }
  assert {
    condition     = length(aws_glue_crawler.this.s3_target) == 0
    error_message = "Delta tables are crawled with delta_target, not s3_target."
  }
}

run "rejects_non_s3_paths" {
  command = plan
  module {
    source = "./modules/glue_crawler"
  }
  variables {
    delta_tables = ["/tmp/gold/daily_sales"]
  }
  expect_failures = [var.delta_tables]
}
