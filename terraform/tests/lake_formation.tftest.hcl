# lake_formation: hybrid registration, LF-tags from the contracts' pii, grants per persona, and the
# guards: a persona without pii clearance is never granted pii=clear columns, and a gold table
# carrying a contract's PII column must declare `pii: protected`.
mock_provider "aws" {}

variables {
  name_prefix             = "lh-dev"
  account_id              = "123456789012"
  terraform_principal_arn = "arn:aws:iam::123456789012:role/deployer"
  lake_bucket_arn         = "arn:aws:s3:::lh-dev-lake-123456789012"
  kms_key_arn             = "arn:aws:kms:eu-west-1:123456789012:key/abc"
  databases = {
    bronze        = { name = "lh_dev_bronze", layer = "bronze" }
    silver        = { name = "lh_dev_silver", layer = "silver" }
    gold          = { name = "lh_dev_gold", layer = "gold" }
    gold_spectrum = { name = "lh_dev_gold_spectrum", layer = "gold" }
  }
  silver_tables = {
    customers            = { entity = "customers", kind = "entity", columns = ["customer_id", "email", "city"] }
    quarantine_customers = { entity = "customers", kind = "quarantine", columns = ["customer_id", "email", "city", "_raw"] }
    products             = { entity = "products", kind = "entity", columns = ["product_id", "name"] }
    quarantine_products  = { entity = "products", kind = "quarantine", columns = ["product_id", "name", "_raw"] }
  }
  pii_columns = { customers = ["email", "phone"], products = [] }
  gold_tables = {
    dim_customer = { columns = ["customer_sk", "email", "city"], pii = "protected" }
    daily_sales  = { columns = ["sale_date", "revenue"], pii = "none" }
  }
  tag_gold_tables = true
  location_writers = {
    crawler_gold = { principal = "arn:aws:iam::123456789012:role/crawler-gold", layers = ["gold"] }
  }
  personas = {
    engineer = {
      principals    = ["arn:aws:iam::123456789012:role/engineer"]
      pii_clearance = true
      grants        = [{ layers = ["bronze", "silver", "gold"], pii = ["none", "protected", "clear"] }]
    }
    analyst = {
      principals = ["analyst"]
      grants = [
        { layers = ["gold"], pii = ["none", "protected"] },
        { layers = ["silver"], pii = ["none"] },
      ]
    }
  }
}

run "tags_and_grants" {
  command = plan
  module {
    source = "./modules/lake_formation"
  }

  assert {
    condition     = alltrue([for l in ["bronze", "silver", "gold"] : aws_lakeformation_resource.layer[l].hybrid_access_enabled && aws_lakeformation_resource.layer[l].arn == "arn:aws:s3:::lh-dev-lake-123456789012/${l}"])
    error_message = "Each layer's prefix is registered in hybrid access mode."
  }
  assert {
    condition     = contains(aws_lakeformation_permissions.data_location["crawler_gold/gold"].permissions, "DATA_LOCATION_ACCESS") && aws_lakeformation_permissions.data_location["crawler_gold/gold"].principal == "arn:aws:iam::123456789012:role/crawler-gold" && length(aws_lakeformation_permissions.data_location) == 1 + 3
    error_message = "A crawler may create tables under its layer's registered location; the deployer under every layer."
  }
  assert {
    condition     = aws_lakeformation_lf_tag.this["pii"].values == toset(["clear", "none", "protected"]) && aws_lakeformation_lf_tag.this["domain"].values == toset(["cross_domain", "customers", "products"])
    error_message = "pii is clear/none/protected; domain is each contract entity (+ cross_domain for databases)."
  }
  assert {
    condition     = keys(aws_lakeformation_resource_lf_tags.silver_pii_columns) == ["customers", "quarantine_customers"] && aws_lakeformation_resource_lf_tags.silver_pii_columns["customers"].table_with_columns[0].column_names == toset(["email"])
    error_message = "The columns a contract declares PII (and silver has) are tagged pii=clear, in the entity's table and its quarantine."
  }
  assert {
    condition     = one(aws_lakeformation_resource_lf_tags.silver_pii_columns["customers"].lf_tag).value == "clear"
    error_message = "Silver PII columns carry pii=clear."
  }
  assert {
    condition     = [for t in aws_lakeformation_resource_lf_tags.silver_table["quarantine_customers"].lf_tag : t.value if t.key == "pii"] == ["clear"] && [for t in aws_lakeformation_resource_lf_tags.silver_table["quarantine_products"].lf_tag : t.value if t.key == "pii"] == []
    error_message = "The quarantine table of an entity with PII (its _raw keeps the record) is pii=clear as a whole; one without PII inherits pii=none."
  }
  assert {
    condition     = keys(aws_lakeformation_resource_lf_tags.gold_protected_columns) == ["gold.dim_customer", "gold_spectrum.dim_customer"] && aws_lakeformation_resource_lf_tags.gold_protected_columns["gold.dim_customer"].table_with_columns[0].column_names == toset(["email"])
    error_message = "Gold tables with pii: protected tag the contracts' PII columns they carry pii=protected, in both gold databases."
  }
  assert {
    condition     = aws_lakeformation_permissions.tables["analyst/analyst/1"].principal == "arn:aws:iam::123456789012:role/analyst"
    error_message = "A principal given by role name is a role of the lake's account."
  }
  assert {
    condition = (
      [for e in aws_lakeformation_permissions.tables["analyst/analyst/1"].lf_tag_policy[0].expression : e.values if e.key == "pii"] == [toset(["none"])] &&
      [for e in aws_lakeformation_permissions.tables["analyst/analyst/1"].lf_tag_policy[0].expression : e.values if e.key == "layer"] == [toset(["silver"])]
    )
    error_message = "The analyst's silver grant covers pii=none columns only."
  }
  assert {
    condition     = length(aws_lakeformation_opt_in.this) == 2 * (3 + 4) && contains(keys(aws_lakeformation_opt_in.this), "analyst/analyst/gold_spectrum/tables")
    error_message = "Each principal is opted in (database and its tables) on every database of its layers: analyst 3 databases, engineer 4."
  }
  assert {
    condition     = one(aws_lakeformation_data_lake_settings.this.create_table_default_permissions).principal == "IAM_ALLOWED_PRINCIPALS" && contains(aws_lakeformation_data_lake_settings.this.admins, "arn:aws:iam::123456789012:role/deployer")
    error_message = "Hybrid mode keeps IAM_ALLOWED_PRINCIPALS on new tables; the deployer stays an admin."
  }
}

run "analyst_never_granted_clear_pii" {
  command = plan
  module {
    source = "./modules/lake_formation"
  }
  variables {
    personas = {
      analyst = {
        principals = ["analyst"]
        grants     = [{ layers = ["silver"], pii = ["none", "clear"] }]
      }
    }
  }
  expect_failures = [var.personas]
}

run "gold_pii_column_must_be_protected" {
  command = plan
  module {
    source = "./modules/lake_formation"
  }
  variables {
    gold_tables = {
      customer_360 = { columns = ["customer_id", "email"], pii = "none" }
    }
  }
  expect_failures = [aws_lakeformation_lf_tag.this]
}

run "unknown_layer_is_refused" {
  command = plan
  module {
    source = "./modules/lake_formation"
  }
  variables {
    personas = {
      analyst = { principals = ["analyst"], grants = [{ layers = ["golds"], pii = ["none"] }] }
    }
  }
  expect_failures = [var.personas]
}

run "no_personas_no_grants" {
  command = plan
  module {
    source = "./modules/lake_formation"
  }
  variables {
    personas = {}
  }
  assert {
    condition     = length(aws_lakeformation_permissions.tables) == 0 && length(aws_lakeformation_opt_in.this) == 0 && length(aws_lakeformation_resource.layer) == 3
    error_message = "Without personas the lake is registered and tagged, and nobody is granted or opted in."
  }
}
