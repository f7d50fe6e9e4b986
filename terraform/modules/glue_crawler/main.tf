resource "aws_glue_crawler" "this" {
  name                   = var.name
  description            = var.description
  database_name          = var.database_name
  role                   = var.role_arn
  schedule               = var.schedule
  security_configuration = var.security_configuration

  delta_target {
    delta_tables              = var.delta_tables
    create_native_delta_table = var.create_native_delta_table
    write_manifest            = var.write_manifest
  }

  schema_change_policy {
    update_behavior = var.schema_change_policy.update_behavior
    delete_behavior = var.schema_change_policy.delete_behavior
  }

  configuration = jsonencode({
    Version = 1
    CrawlerOutput = {
      Tables = { AddOrUpdateBehavior = "MergeNewColumns" }
    }
  })

  tags = var.tags
}
