# data_quality: one DQDL ruleset per contract, targeting silver.<entity>.
mock_provider "aws" {}

variables {
  name_prefix   = "lh-dev"
  database_name = "lh_dev_silver"
  rulesets = {
    products = [
      { name = "product_id_complete", rule = "IsComplete \"product_id\"", severity = "error" },
      { name = "list_price_positive", rule = "ColumnValues \"list_price\" > 0", severity = "error" },
      { name = "has_rows", rule = "RowCount > 0", severity = "warn" },
    ]
  }
}

run "rulesets" {
  command = plan
  module {
    source = "./modules/data_quality"
  }

  assert {
    condition     = aws_glue_data_quality_ruleset.this["products"].ruleset == "Rules = [\n    IsComplete \"product_id\",\n    ColumnValues \"list_price\" > 0,\n    RowCount > 0\n]"
    error_message = "The ruleset must be the contract's DQDL rules, in order, as Rules = [ ... ]."
  }
  assert {
    condition     = aws_glue_data_quality_ruleset.this["products"].target_table[0].database_name == "lh_dev_silver" && aws_glue_data_quality_ruleset.this["products"].target_table[0].table_name == "products"
    error_message = "The ruleset targets silver.<entity>."
  }
  assert {
    condition     = aws_glue_data_quality_ruleset.this["products"].name == "lh-dev-products"
    error_message = "Rulesets are named <prefix>-<entity>."
  }
}

run "rejects_unknown_severity" {
  command = plan
  module {
    source = "./modules/data_quality"
  }
  variables {
    rulesets = { products = [{ name = "x", rule = "RowCount > 0", severity = "fatal" }] }
  }
  expect_failures = [var.rulesets]
}
