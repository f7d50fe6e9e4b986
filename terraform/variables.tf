variable "project" {
  description = "Project name; first part of every resource name."
  type        = string
  default     = "lakehouse"

  validation {
    condition     = can(regex("^[a-z][a-z0-9]{1,15}$", var.project))
    error_message = "project must be 2-16 lowercase letters/digits, starting with a letter (it is used in bucket and Glue database names)."
  }
}

variable "environment" {
  description = "Environment name (dev, staging, prod, emulator); second part of every resource name."
  type        = string

  validation {
    condition     = contains(["dev", "staging", "prod", "emulator"], var.environment)
    error_message = "environment must be one of dev, staging, prod, emulator."
  }
}

variable "region" {
  description = "AWS region."
  type        = string
  default     = "eu-west-1"
}

variable "tags" {
  description = "Extra tags on every resource (project/environment/managed-by are always set)."
  type        = map(string)
  default     = {}
}

variable "aws_endpoint_url" {
  description = "Emulator only: one endpoint (e.g. http://127.0.0.1:5000) for every AWS service. null for AWS."
  type        = string
  default     = null

  validation {
    condition     = var.aws_endpoint_url == null || can(regex("^https?://(127\\.0\\.0\\.1|localhost)(:[0-9]+)?/?$", var.aws_endpoint_url))
    error_message = "aws_endpoint_url may only point at a loopback emulator (http://127.0.0.1:<port>)."
  }
}

# ------------------------------------------------------------------ features
variable "enable_redshift" {
  description = "Deploy Redshift Serverless (off in the emulator: moto has no Redshift Serverless)."
  type        = bool
  default     = true
}

variable "enable_athena" {
  description = "Deploy the Athena workgroup and named queries (off in the emulator: moto's workgroup needs tags to read back)."
  type        = bool
  default     = true
}

variable "enable_data_quality" {
  description = "Deploy the Glue Data Quality rulesets."
  type        = bool
  default     = true
}

variable "enable_lake_report" {
  description = "The gold job writes the lake report (one static HTML page: conservation, DQ over runs, job timings, cost) to s3://<lake bucket>/report/index.html after each successful run; its role then also reads bronze/ (the report counts bronze rows per batch) and writes report/."
  type        = bool
  default     = true
}

variable "enable_lake_formation" {
  description = "Lake Formation for the readers (modules/lake_formation: hybrid access mode, LF-tags from the contracts, grants to lake_formation_personas). Opt-in; off in the emulator (moto serves no Lake Formation tag-based access)."
  type        = bool
  default     = false
}

variable "enable_monitoring" {
  description = "Deploy the SNS topic, EventBridge rules and the DQ alarm."
  type        = bool
  default     = true
}

# ------------------------------------------------------------------ storage
variable "force_destroy" {
  description = "Let destroy delete non-empty buckets (dev/emulator only)."
  type        = bool
  default     = false
}

variable "enable_lifecycle_rules" {
  description = "S3 lifecycle rules (off in the emulator: moto never reports abort_incomplete_multipart_upload back, getmoto/moto#9729)."
  type        = bool
  default     = true
}

variable "enforce_tls_bucket_policy" {
  description = "Bucket policies deny non-TLS requests (off in the emulator: moto is reached over http and applies Deny statements without evaluating their conditions)."
  type        = bool
  default     = true
}

variable "kms_bucket_encryption" {
  description = "Buckets default to SSE-KMS with the lake key (off in the emulator: moto is reached over http and S3A cannot copy SSE-KMS objects without HTTPS; SSE-S3 there)."
  type        = bool
  default     = true
}

variable "landing_expiration_days" {
  description = "Days before raw landing files expire."
  type        = number
  default     = 90
}

variable "noncurrent_version_expiration_days" {
  description = "Days noncurrent object versions are kept."
  type        = number
  default     = 30
}

variable "log_retention_days" {
  description = "Retention of the Glue job logs."
  type        = number
  default     = 365
}

# ------------------------------------------------------------------ glue
variable "glue_version" {
  description = "Glue version of every job (5.1: Spark 3.5.6, Delta 3.3.2, Python 3.11 — what the local runtime pins)."
  type        = string
  default     = "5.1"
}

variable "schedule" {
  description = "Glue cron of the workflow's start trigger; null = on demand."
  type        = string
  default     = "cron(0 5 * * ? *)"
}

variable "maintenance_schedule" {
  description = "Glue cron of the table maintenance job (OPTIMIZE + VACUUM), away from the daily chain's schedule: a compaction that rewrites files a running MERGE read makes one of the two fail with a concurrent-modification error."
  type        = string
  default     = "cron(0 12 ? * SUN *)"

  validation {
    condition     = can(regex("^cron\\(.+\\)$", var.maintenance_schedule))
    error_message = "maintenance_schedule must be a Glue cron expression, e.g. cron(0 12 ? * SUN *)."
  }
}

variable "lineage_url" {
  description = "OpenLineage HTTP endpoint (e.g. Marquez, http://host:5000) every job sends its run events to (--lineage_url; docs/lineage.md). null: no lineage in AWS."
  type        = string
  default     = null

  validation {
    condition     = var.lineage_url == null || can(regex("^https?://", var.lineage_url))
    error_message = "lineage_url must be an http(s) URL or null."
  }
}

variable "maintenance_retain_hours" {
  description = "VACUUM keeps the files any version of the last this many hours references (time travel, running readers, silver's change feed for gold). At least Delta's default retention of 7 days (168)."
  type        = number
  default     = 168

  validation {
    condition     = var.maintenance_retain_hours >= 168 && floor(var.maintenance_retain_hours) == var.maintenance_retain_hours
    error_message = "maintenance_retain_hours must be a whole number of hours >= 168 (Delta's default retention)."
  }
}

variable "sources" {
  description = "Value of --sources for bronze and silver: all, or a comma list of contract sources."
  type        = string
  default     = "all"

  validation {
    condition     = can(regex("^(all|[a-z0-9_]+(,[a-z0-9_]+)*)$", var.sources))
    error_message = "sources must be all or a comma-separated list of source names."
  }
}

variable "jobs" {
  description = "Per-job capacity overrides (bronze, silver, gold); what is left out takes the glue_job module's defaults (its capacity variable holds the only defaults)."
  type = map(object({
    worker_type       = optional(string)
    number_of_workers = optional(number)
    execution_class   = optional(string)
    timeout_minutes   = optional(number)
    max_retries       = optional(number)
  }))
  default = {}

  validation {
    condition     = alltrue([for k in keys(var.jobs) : contains(["bronze", "silver", "gold"], k)])
    error_message = "jobs keys must be bronze, silver or gold."
  }
}

variable "extra_jars" {
  description = "Jar files (names in the jar cache) passed to --extra-jars."
  type        = list(string)
  default     = ["deequ-2.1.0-spark-3.5.jar", "dqdl-1.0.0.jar"]
}

variable "package_zip_path" {
  description = "Local path of the package zip (built by scripts/build_package.py). null: <repo>/dist/lakehouse.zip."
  type        = string
  default     = null
}

variable "jar_dir" {
  description = "Local folder of the jar cache (filled by scripts/fetch_jars.sh). null: <repo>/.cache/jars."
  type        = string
  default     = null
}

variable "scripts_dir" {
  description = "Local folder of the Glue entry scripts. null: <repo>/glue_jobs."
  type        = string
  default     = null
}

variable "generate_pii_salt" {
  description = "Generate the PII hashing salt (Secrets Manager GetRandomPassword). false: store var.pii_salt instead."
  type        = bool
  default     = true
}

variable "pii_salt" {
  description = "PII hashing salt to store when generate_pii_salt = false (e.g. carried over from another deployment). Ephemeral: never stored in state."
  type        = string
  default     = null
  sensitive   = true
  ephemeral   = true

  validation {
    condition     = var.generate_pii_salt || try(length(var.pii_salt), 0) >= 16
    error_message = "With generate_pii_salt = false, pii_salt must be given (at least 16 characters)."
  }
}

variable "pii_salt_version" {
  description = "Bump to rotate the PII hashing salt (a new random value is written to SSM)."
  type        = number
  default     = 1
}

# ------------------------------------------------------------------ analytics
variable "athena_bytes_scanned_cutoff" {
  description = "Athena per-query bytes-scanned cutoff."
  type        = number
  default     = 10737418240
}

variable "redshift" {
  description = "Redshift Serverless sizing and network."
  type = object({
    base_capacity         = optional(number, 8)
    max_capacity          = optional(number)
    usage_limit_rpu_hours = optional(number, 100)
    usage_limit_period    = optional(string, "monthly")
    breach_action         = optional(string, "deactivate")
    database_name         = optional(string, "lakehouse")
    subnet_ids            = optional(list(string))
    security_group_ids    = optional(list(string))
    # Enhanced VPC routing needs VPC endpoints (S3 gateway, Glue interface) in the workgroup's
    # VPC; modules/redshift_serverless creates them, or uses the existing ones named here.
    enhanced_vpc_routing = optional(bool, false)
    vpc_endpoints = optional(object({
      vpc_id                    = string
      route_table_ids           = optional(list(string), [])
      existing_s3_endpoint_id   = optional(string)
      existing_glue_endpoint_id = optional(string)
    }))
  })
  default = {}
}

variable "alert_emails" {
  description = "E-mail addresses subscribed to the alert topic."
  type        = list(string)
  default     = []
}

# ------------------------------------------------------------------ governance (Lake Formation)
variable "lake_formation_admins" {
  description = "Data lake administrators besides the principal that runs Terraform (always one). Lake Formation keeps one admin list per account: list every admin."
  type        = list(string)
  default     = []
}

variable "lake_formation_personas" {
  description = "Readers and what they may read, as LF-tag expressions on layer and pii (see modules/lake_formation/README.md). Principals: IAM role ARNs or role names in this account."
  type = map(object({
    description   = optional(string, "")
    principals    = list(string)
    pii_clearance = optional(bool, false)
    grants = list(object({
      layers      = list(string)
      pii         = list(string)
      permissions = optional(list(string), ["SELECT", "DESCRIBE"])
    }))
  }))
  default = {}
}

variable "lake_formation_tag_gold_tables" {
  description = "Also tag the crawled gold tables' protected columns pii=protected (they must exist: turn on after the first workflow run)."
  type        = bool
  default     = false
}
