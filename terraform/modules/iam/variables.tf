variable "name_prefix" {
  description = "Prefix of role names, e.g. lakehouse-dev (roles become <prefix>-<principal>)."
  type        = string
}

variable "lake_bucket_arn" {
  description = "ARN of the lake bucket."
  type        = string
}

variable "artifacts_bucket_arn" {
  description = "ARN of the artifacts bucket (scripts, package, jars, temp, Spark UI logs)."
  type        = string
}

variable "kms_key_arn" {
  description = "ARN of the KMS key that encrypts the buckets, logs and the PII salt (granted by ARN, not by alias)."
  type        = string

  validation {
    condition     = can(regex("^arn:[a-z-]+:kms:[a-z0-9-]+:[0-9]{12}:key/", var.kms_key_arn))
    error_message = "kms_key_arn must be a key ARN (arn:<partition>:kms:<region>:<account>:key/<id>), not an alias."
  }
}

variable "log_group_arns" {
  description = "Log groups Terraform creates for the jobs (--custom-logGroup-prefix): job roles may write to them."
  type        = list(string)
  default     = []
}

variable "security_configuration_name" {
  description = "Glue security configuration attached to the jobs and crawlers (null: none). Its CloudWatch encryption decides the log groups Glue creates under each role."
  type        = string
  default     = null
}

variable "principals" {
  description = <<-EOT
    One IAM role per entry (a Glue job, a crawler, the data-quality evaluator). Each is scoped to
    its own S3 prefixes (relative to the bucket root, ending in /) and its own Glue databases.
  EOT
  type = map(object({
    description             = string
    lake_read_prefixes      = optional(list(string), [])
    lake_write_prefixes     = optional(list(string), [])
    artifact_read_keys      = optional(list(string), [])
    artifact_write_prefixes = optional(list(string), [])
    catalog_read_databases  = optional(list(string), [])
    catalog_write_databases = optional(list(string), [])
    ssm_parameter_arns      = optional(list(string), [])
    data_quality_rulesets   = optional(bool, false)
    metric_namespaces       = optional(list(string), [])
    # DynamoDB tables of the jobs' table leases (modules/lease_table): item reads and writes only.
    lease_table_arns = optional(list(string), [])
    # What runs under the role, which decides its log groups: a Glue job, a crawler, or Glue
    # Data Quality evaluation runs.
    glue_logs = optional(string, "job")
  }))

  validation {
    condition = alltrue(flatten([for p in var.principals : [
      for prefix in concat(p.lake_read_prefixes, p.lake_write_prefixes, p.artifact_write_prefixes) :
      can(regex("^[a-z0-9_][a-z0-9_/.-]*/$", prefix))
    ]]))
    error_message = "Every prefix must be a non-empty relative key prefix ending in / (no wildcard, never the whole bucket)."
  }

  validation {
    condition     = alltrue([for p in var.principals : contains(["job", "crawler", "data_quality"], p.glue_logs)])
    error_message = "glue_logs must be job, crawler or data_quality."
  }
}

variable "tags" {
  description = "Tags added to every resource."
  type        = map(string)
  default     = {}
}
