# glue_catalog: databases per layer and the silver tables declared from the contracts.
mock_provider "aws" {}

variables {
  silver_metadata = {
    entity     = [{ name = "_batch_id", type = "string" }, { name = "_processed_at", type = "timestamp" }]
    quarantine = [{ name = "_dq_failed_rules", type = "array<string>" }, { name = "_raw", type = "string" }, { name = "_batch_id", type = "string" }, { name = "_quarantined_at", type = "timestamp" }]
  }
  database_prefix = "lh_dev"
  lake_root       = "s3://lh-dev-lake-123456789012"
  contracts = {
    sales = {
      source       = "pos_sales"
      entity       = "sales"
      partition_by = ["sale_date"]
      columns = [
        { name = "transaction_id", type = "string" },
        { name = "sale_date", type = "date" },
        { name = "unit_price", type = "decimal(12,2)" },
      ]
      derived = [{ name = "amount_mismatch", type = "decimal(14,2)" }]
    }
    products = {
      source  = "products"
      entity  = "products"
      columns = [{ name = "product_id", type = "string" }]
      scd2    = { tracked = ["product_id"], effective_from = "product_id" }
    }
  }
}

run "catalog" {
  command = plan
  module {
    source = "./modules/glue_catalog"
  }

  assert {
    condition     = { for k, d in aws_glue_catalog_database.this : k => d.name } == { bronze = "lh_dev_bronze", silver = "lh_dev_silver", gold = "lh_dev_gold", ops = "lh_dev_ops" }
    error_message = "Databases must be <prefix>_<layer> for bronze, silver, gold, ops."
  }
  assert {
    condition     = aws_glue_catalog_database.this["gold"].location_uri == "s3://lh-dev-lake-123456789012/gold/"
    error_message = "Database locations must follow the lake layout."
  }
  assert {
    condition     = toset(keys(aws_glue_catalog_table.silver)) == toset(["products", "quarantine_products", "products_versions", "quarantine_sales", "sales"])
    error_message = "Every contract needs silver.<entity> and silver.quarantine_<entity>; scd2 contracts also <entity>_versions."
  }
  assert {
    condition     = aws_glue_catalog_table.silver["sales"].storage_descriptor[0].location == "s3://lh-dev-lake-123456789012/silver/sales/"
    error_message = "silver.sales must live at silver/sales/."
  }
  assert {
    condition     = [for p in aws_glue_catalog_table.silver["sales"].partition_keys : p.name] == ["sale_date"]
    error_message = "partition_by must become the partition keys."
  }
  assert {
    condition     = !contains([for c in aws_glue_catalog_table.silver["sales"].storage_descriptor[0].columns : c.name], "sale_date")
    error_message = "Partition columns must not be repeated as columns."
  }
  assert {
    condition     = contains([for c in aws_glue_catalog_table.silver["sales"].storage_descriptor[0].columns : "${c.name}:${c.type}"], "amount_mismatch:decimal(14,2)")
    error_message = "Derived columns must be declared with their type."
  }
  assert {
    condition = alltrue([for n in ["_dq_failed_rules", "_raw", "_quarantined_at", "_batch_id"] :
    contains([for c in aws_glue_catalog_table.silver["quarantine_sales"].storage_descriptor[0].columns : c.name], n)])
    error_message = "Quarantine tables carry _dq_failed_rules, _raw, _quarantined_at and the silver metadata."
  }
  assert {
    condition     = [for c in aws_glue_catalog_table.silver["quarantine_sales"].storage_descriptor[0].columns : c.name] == ["transaction_id", "sale_date", "unit_price", "amount_mismatch", "_dq_failed_rules", "_raw", "_batch_id", "_quarantined_at"]
    error_message = "Quarantine columns (not partitioned) are the contract's then silver_metadata.quarantine, in order."
  }
  assert {
    condition     = [for c in aws_glue_catalog_table.silver["products"].storage_descriptor[0].columns : c.name] == ["product_id", "_batch_id", "_processed_at"]
    error_message = "Entity columns are the contract's then silver_metadata.entity, in order."
  }
  assert {
    condition     = aws_glue_catalog_table.silver["sales"].parameters["spark.sql.sources.provider"] == "delta" && aws_glue_catalog_table.silver["sales"].parameters["table_type"] == "DELTA"
    error_message = "Silver tables must be registered as Delta."
  }
}

run "rejects_bad_prefix" {
  command = plan
  module {
    source = "./modules/glue_catalog"
  }
  variables {
    database_prefix = "LH-dev"
  }
  expect_failures = [var.database_prefix]
}
