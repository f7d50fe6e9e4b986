# Development: small, cheap, destroyable.
environment   = "dev"
region        = "eu-west-1"
force_destroy = true
schedule      = "cron(0 6 * * ? *)"

jobs = {
  bronze = { worker_type = "G.1X", number_of_workers = 2, execution_class = "FLEX", timeout_minutes = 30 }
  silver = { worker_type = "G.1X", number_of_workers = 2, execution_class = "FLEX", timeout_minutes = 45 }
  gold   = { worker_type = "G.1X", number_of_workers = 2, execution_class = "FLEX", timeout_minutes = 45 }
}

landing_expiration_days     = 30
log_retention_days          = 365
athena_bytes_scanned_cutoff = 1073741824 # 1 GiB

redshift = {
  base_capacity         = 8
  usage_limit_rpu_hours = 20
  usage_limit_period    = "monthly"
  breach_action         = "deactivate"
}

# Lake Formation for the readers (modules/lake_formation/README.md). Off until the principals
# below exist; the personas are the ones docs/governance.md describes.
enable_lake_formation = false
lake_formation_personas = {
  data_engineer = {
    description   = "Builds and runs the lake: every layer, PII in clear."
    principals    = ["lakehouse-dev-data-engineer"]
    pii_clearance = true
    grants        = [{ layers = ["bronze", "silver", "gold", "ops"], pii = ["none", "protected", "clear"] }]
  }
  analyst = {
    description = "Gold, and silver without the columns a contract declares PII."
    principals  = ["lakehouse-dev-analyst"]
    grants = [
      { layers = ["gold"], pii = ["none", "protected"] },
      { layers = ["silver"], pii = ["none"] },
    ]
  }
  bi = {
    description = "BI through Redshift Spectrum: the stack's Spectrum role reads gold."
    principals  = ["lakehouse-dev-redshift"]
    grants      = [{ layers = ["gold"], pii = ["none", "protected"] }]
  }
  athena_users = {
    description = "Users of the analysts' Athena workgroup: gold."
    principals  = ["lakehouse-dev-athena-user"]
    grants      = [{ layers = ["gold"], pii = ["none", "protected"] }]
  }
}
