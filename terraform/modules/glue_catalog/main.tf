locals {
  # Metadata columns after each contract's columns, as declared in contracts/silver/metadata.yaml.
  silver_metadata     = [for col in var.silver_metadata.entity : { name = col.name, type = col.type }]
  quarantine_metadata = [for col in var.silver_metadata.quarantine : { name = col.name, type = col.type }]

  silver_tables = merge(
    { for e, c in var.contracts : e => {
      entity       = e
      kind         = "entity"
      columns      = concat([for col in concat(c.columns, c.derived) : { name = col.name, type = lower(col.type) }], local.silver_metadata)
      partition_by = c.partition_by
    } },
    { for e, c in var.contracts : "quarantine_${e}" => {
      entity       = e
      kind         = "quarantine"
      columns      = concat([for col in concat(c.columns, c.derived) : { name = col.name, type = lower(col.type) }], local.quarantine_metadata)
      partition_by = []
    } },
    # SCD2 contracts: every valid version ever delivered (append-only), read by gold's history.
    { for e, c in var.contracts : "${e}_versions" => {
      entity       = e
      kind         = "versions"
      columns      = concat([for col in concat(c.columns, c.derived) : { name = col.name, type = lower(col.type) }], local.silver_metadata)
      partition_by = []
    } if c.scd2 != null },
  )
}

resource "aws_glue_catalog_database" "this" {
  for_each = var.databases

  name         = "${var.database_prefix}_${each.key}"
  description  = "Lakehouse ${each.value} layer (Delta tables under ${var.lake_root}/${each.value}/)."
  location_uri = "${var.lake_root}/${each.value}/"
  tags         = var.tags
}

# Silver tables are declared here (not crawled) so that Glue Data Quality rulesets can target
# them from the first apply. Columns come from the contracts; partition columns are kept out of
# the column list, as Glue requires.
resource "aws_glue_catalog_table" "silver" {
  for_each = local.silver_tables

  name          = each.key
  database_name = aws_glue_catalog_database.this["silver"].name
  description   = "silver.${each.key} (Delta), columns from contracts/."
  table_type    = "EXTERNAL_TABLE"

  parameters = {
    EXTERNAL                     = "TRUE"
    classification               = "delta"
    table_type                   = "DELTA"
    "spark.sql.sources.provider" = "delta"
  }

  dynamic "partition_keys" {
    for_each = [for col in each.value.columns : col if contains(each.value.partition_by, col.name)]
    content {
      name = partition_keys.value.name
      type = partition_keys.value.type
    }
  }

  storage_descriptor {
    location      = "${var.lake_root}/silver/${each.key}/"
    input_format  = "org.apache.hadoop.hive.ql.io.parquet.MapredParquetInputFormat"
    output_format = "org.apache.hadoop.hive.ql.io.parquet.MapredParquetOutputFormat"

    ser_de_info {
      serialization_library = "org.apache.hadoop.hive.ql.io.parquet.serde.ParquetHiveSerDe"
      parameters            = { path = "${var.lake_root}/silver/${each.key}/" }
    }

    dynamic "columns" {
      for_each = [for col in each.value.columns : col if !contains(each.value.partition_by, col.name)]
      content {
        name = columns.value.name
        type = columns.value.type
      }
    }
  }
}
