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
