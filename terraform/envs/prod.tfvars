# Production: standard execution, retries, data kept, larger Redshift budget.
environment   = "prod"
region        = "eu-west-1"
force_destroy = false
schedule      = "cron(0 3 * * ? *)"

jobs = {
  bronze = { worker_type = "G.1X", number_of_workers = 4, execution_class = "STANDARD", timeout_minutes = 60, max_retries = 1 }
  silver = { worker_type = "G.2X", number_of_workers = 6, execution_class = "STANDARD", timeout_minutes = 120, max_retries = 1 }
  gold   = { worker_type = "G.2X", number_of_workers = 6, execution_class = "STANDARD", timeout_minutes = 120, max_retries = 1 }
}

landing_expiration_days            = 180
noncurrent_version_expiration_days = 90
log_retention_days                 = 731
athena_bytes_scanned_cutoff        = 107374182400 # 100 GiB

redshift = {
  base_capacity         = 32
  max_capacity          = 128
  usage_limit_rpu_hours = 500
  usage_limit_period    = "monthly"
  breach_action         = "emit-metric"
}

alert_emails = []
