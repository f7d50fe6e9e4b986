# Lake Formation for the lake's readers, in hybrid access mode: the jobs and crawlers keep their IAM
# access (they write Delta by path), while the opted-in persona principals below are authorised by
# LF-tag grants, down to the column. See README.md for why hybrid and what full LF mode would need.
# No data source here: the root calls this module with depends_on (the catalog, the Redshift role),
# which would defer every data source of the module to apply and leave its policies unknown at plan.
locals {
  partition = var.partition
  account   = var.account_id
  layers    = sort(distinct([for d in values(var.databases) : d.layer]))

  # ---- LF-tags. pii: clear = PII in clear text (silver columns a contract declares PII, all of
  # bronze), protected = hashed/masked by gold, none = everything else.
  lf_tags = {
    layer  = local.layers
    domain = sort(distinct(concat([for t in values(var.silver_tables) : t.entity], ["cross_domain"])))
    pii    = ["clear", "none", "protected"]
  }

  # Every column some contract declares PII; gold tables with `pii: protected` hash/mask these.
  all_pii_columns = toset(flatten(values(var.pii_columns)))

  silver_pii_columns = {
    for name, t in var.silver_tables : name => sort(setintersection(t.columns, lookup(var.pii_columns, t.entity, [])))
    if length(setintersection(t.columns, lookup(var.pii_columns, t.entity, []))) > 0
  }

  gold_protected_columns = merge([
    for db, d in var.databases : {
      for table, t in var.gold_tables : "${db}.${table}" => {
        database = d.name
        table    = table
        columns  = sort(setintersection(t.columns, local.all_pii_columns))
      } if t.pii == "protected" && length(setintersection(t.columns, local.all_pii_columns)) > 0
    } if d.layer == "gold" && var.tag_gold_tables
  ]...)

  principal_arns = {
    for p in distinct(flatten([for persona in values(var.personas) : persona.principals])) :
    p => startswith(p, "arn:") ? p : "arn:${local.partition}:iam::${local.account}:role/${p}"
  }

  # One grant per persona x principal x grant (the LF API takes one principal per grant).
  grants = merge([
    for name, persona in var.personas : merge([
      for principal in persona.principals : {
        for i, g in persona.grants : "${name}/${principal}/${i}" => {
          persona     = name
          principal   = local.principal_arns[principal]
          layers      = sort(g.layers)
          pii         = sort(g.pii)
          permissions = sort(g.permissions)
        }
      }
    ]...)
  ]...)

  persona_layers = {
    for name, persona in var.personas : name => sort(distinct(flatten([for g in persona.grants : g.layers])))
  }

  # Hybrid access mode: a principal is governed by Lake Formation only on the resources it is opted
  # in for; opted in on the databases of its layers (and all their tables), it needs the grants.
  opt_ins = merge([
    for name, persona in var.personas : merge([
      for principal in persona.principals : merge([
        for db, d in var.databases : {
          for kind in ["database", "tables"] : "${name}/${principal}/${db}/${kind}" => {
            principal = local.principal_arns[principal]
            database  = d.name
            kind      = kind
          }
        } if contains(local.persona_layers[name], d.layer)
      ]...)
    ]...)
  ]...)
}

# ------------------------------------------------------------------ administrators
# PutDataLakeSettings replaces the account's whole settings (admins included): list every admin.
# The create-database/table defaults keep IAM_ALLOWED_PRINCIPALS, so the tables the crawlers create
# stay reachable by the jobs' IAM roles (hybrid access mode, not full LF mode).
resource "aws_lakeformation_data_lake_settings" "this" {
  admins = distinct(concat([var.terraform_principal_arn], var.admins))

  create_database_default_permissions {
    principal   = "IAM_ALLOWED_PRINCIPALS"
    permissions = ["ALL"]
  }

  create_table_default_permissions {
    principal   = "IAM_ALLOWED_PRINCIPALS"
    permissions = ["ALL"]
  }
}

# ------------------------------------------------------------------ locations (hybrid access mode)
# The role Lake Formation assumes to vend read credentials to opted-in principals. Read-only: the
# personas only SELECT; writers (the jobs) use their own IAM roles.
resource "aws_iam_role" "registration" {
  name        = "${var.name_prefix}-lf-registration"
  description = "Lake Formation vends read credentials for the lake's registered layers with this role."
  assume_role_policy = jsonencode({
    Version   = "2012-10-17"
    Statement = [{ Effect = "Allow", Action = "sts:AssumeRole", Principal = { Service = "lakeformation.amazonaws.com" } }]
  })
  tags = var.tags
}

resource "aws_iam_role_policy" "registration" {
  name = "read-lake-layers"
  role = aws_iam_role.registration.id
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [
      {
        Sid      = "ReadLayers"
        Effect   = "Allow"
        Action   = ["s3:GetObject", "s3:GetObjectVersion"]
        Resource = [for l in local.layers : "${var.lake_bucket_arn}/${l}/*"]
      },
      {
        Sid       = "ListLayers"
        Effect    = "Allow"
        Action    = ["s3:ListBucket"]
        Resource  = [var.lake_bucket_arn]
        Condition = { StringLike = { "s3:prefix" = flatten([for l in local.layers : [l, "${l}/*"]]) } }
      },
      {
        Sid      = "LocateBucket"
        Effect   = "Allow"
        Action   = ["s3:GetBucketLocation"]
        Resource = [var.lake_bucket_arn]
      },
    ]
  })
}

# Apart, as in modules/iam: the S3 policy above is known at plan, the key ARN of a first apply is not.
resource "aws_iam_role_policy" "lake_key" {
  name = "lake-key"
  role = aws_iam_role.registration.id
  policy = jsonencode({
    Version   = "2012-10-17"
    Statement = [{ Sid = "DecryptLake", Effect = "Allow", Action = ["kms:Decrypt"], Resource = [var.kms_key_arn] }]
  })
}

resource "aws_lakeformation_resource" "layer" {
  for_each = toset(local.layers)

  arn                   = "${var.lake_bucket_arn}/${each.key}"
  role_arn              = aws_iam_role.registration.arn
  hybrid_access_enabled = true

  depends_on = [aws_lakeformation_data_lake_settings.this, aws_iam_role_policy.registration, aws_iam_role_policy.lake_key]
}

# Creating or updating a table whose location is registered needs DATA_LOCATION_ACCESS on it, in
# hybrid mode too ("Prerequisites for setting up hybrid access mode"): the crawlers' roles for their
# layers, and the principal running Terraform (it declares the silver tables) for all of them.
locals {
  location_grants = merge(
    { for l in local.layers : "terraform/${l}" => { principal = var.terraform_principal_arn, layer = l } },
    merge([for k, w in var.location_writers : { for l in w.layers : "${k}/${l}" => { principal = w.principal, layer = l } }]...),
  )
}

resource "aws_lakeformation_permissions" "data_location" {
  for_each = local.location_grants

  principal   = each.value.principal
  permissions = ["DATA_LOCATION_ACCESS"]

  data_location {
    arn = aws_lakeformation_resource.layer[each.value.layer].arn
  }
}

# ------------------------------------------------------------------ LF-tags
resource "aws_lakeformation_lf_tag" "this" {
  for_each = local.lf_tags

  key    = each.key
  values = each.value

  depends_on = [aws_lakeformation_data_lake_settings.this]

  lifecycle {
    precondition {
      # A gold table carrying a column some contract declares PII must say `pii: protected`
      # (the gold job then hashes/masks it); otherwise it would reach every gold reader in clear.
      condition = alltrue([
        for t in values(var.gold_tables) : t.pii == "protected" || length(setintersection(t.columns, local.all_pii_columns)) == 0
      ])
      error_message = "A gold table has a column a contract declares PII but not `pii: protected`: ${join(", ", [for n, t in var.gold_tables : n if t.pii != "protected" && length(setintersection(t.columns, local.all_pii_columns)) > 0])}."
    }
  }
}

# Databases: their layer; tables and columns inherit it (and pii, domain) unless they override.
# Bronze keeps every source as delivered, PII in clear: the whole layer is pii=clear.
resource "aws_lakeformation_resource_lf_tags" "database" {
  for_each = var.databases

  database {
    name = each.value.name
  }
  lf_tag {
    key   = aws_lakeformation_lf_tag.this["layer"].key
    value = each.value.layer
  }
  lf_tag {
    key   = aws_lakeformation_lf_tag.this["domain"].key
    value = "cross_domain"
  }
  lf_tag {
    key   = aws_lakeformation_lf_tag.this["pii"].key
    value = each.value.layer == "bronze" ? "clear" : "none"
  }
}

# Silver tables: the contract's entity is their domain. A quarantine table keeps each failed
# record's original text (_raw), PII included: for an entity with PII the whole table is pii=clear.
resource "aws_lakeformation_resource_lf_tags" "silver_table" {
  for_each = var.silver_tables

  table {
    database_name = var.databases["silver"].name
    name          = each.key
  }
  lf_tag {
    key   = aws_lakeformation_lf_tag.this["domain"].key
    value = each.value.entity
  }
  dynamic "lf_tag" {
    for_each = each.value.kind == "quarantine" && length(lookup(var.pii_columns, each.value.entity, [])) > 0 ? ["clear"] : []
    content {
      key   = aws_lakeformation_lf_tag.this["pii"].key
      value = lf_tag.value
    }
  }

  depends_on = [aws_lakeformation_resource_lf_tags.database]
}

# Silver columns a contract declares PII: pii=clear overrides the inherited pii=none, so a grant
# limited to pii=none leaves them out of the table.
resource "aws_lakeformation_resource_lf_tags" "silver_pii_columns" {
  for_each = local.silver_pii_columns

  table_with_columns {
    database_name = var.databases["silver"].name
    name          = each.key
    column_names  = each.value
  }
  lf_tag {
    key   = aws_lakeformation_lf_tag.this["pii"].key
    value = "clear"
  }

  depends_on = [aws_lakeformation_resource_lf_tags.silver_table]
}

# Gold columns the job hashes/masks (contracts' PII columns in a `pii: protected` table).
resource "aws_lakeformation_resource_lf_tags" "gold_protected_columns" {
  for_each = local.gold_protected_columns

  table_with_columns {
    database_name = each.value.database
    name          = each.value.table
    column_names  = each.value.columns
  }
  lf_tag {
    key   = aws_lakeformation_lf_tag.this["pii"].key
    value = "protected"
  }

  depends_on = [aws_lakeformation_resource_lf_tags.database]
}

# ------------------------------------------------------------------ grants per persona
resource "aws_lakeformation_permissions" "databases" {
  for_each = { for k, g in local.grants : k => g if endswith(k, "/0") }

  principal   = each.value.principal
  permissions = ["DESCRIBE"]

  lf_tag_policy {
    resource_type = "DATABASE"
    expression {
      key    = aws_lakeformation_lf_tag.this["layer"].key
      values = local.persona_layers[each.value.persona]
    }
  }
}

resource "aws_lakeformation_permissions" "tables" {
  for_each = local.grants

  principal   = each.value.principal
  permissions = each.value.permissions

  # A TABLE grant by LF-tag expression reaches only the columns whose tags match it: the pii
  # expression is what keeps pii=clear columns from a persona granted pii=none.
  lf_tag_policy {
    resource_type = "TABLE"
    expression {
      key    = aws_lakeformation_lf_tag.this["layer"].key
      values = each.value.layers
    }
    expression {
      key    = aws_lakeformation_lf_tag.this["pii"].key
      values = each.value.pii
    }
  }

  depends_on = [aws_lakeformation_resource_lf_tags.silver_pii_columns]
}

resource "aws_lakeformation_opt_in" "this" {
  for_each = local.opt_ins

  principal {
    data_lake_principal_identifier = each.value.principal
  }
  resource_data {
    dynamic "database" {
      for_each = each.value.kind == "database" ? [1] : []
      content {
        name = each.value.database
      }
    }
    dynamic "table" {
      for_each = each.value.kind == "tables" ? [1] : []
      content {
        database_name = each.value.database
        wildcard      = true
      }
    }
  }

  depends_on = [aws_lakeformation_permissions.tables, aws_lakeformation_resource.layer]
}
