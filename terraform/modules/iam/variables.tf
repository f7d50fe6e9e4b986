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

variable "kms_key_alias" {
  description = "Alias (alias/...) of the KMS key that encrypts the buckets, logs and the PII salt. Policies match the key by alias so they are known at plan time."
  type        = string

  validation {
    condition     = startswith(var.kms_key_alias, "alias/")
    error_message = "kms_key_alias must start with alias/."
  }
}

variable "log_group_arns" {
  description = "Extra CloudWatch log group ARNs the roles write to (besides /aws-glue/*)."
  type        = list(string)
  default     = []
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
  }))

  validation {
    condition = alltrue(flatten([for p in var.principals : [
      for prefix in concat(p.lake_read_prefixes, p.lake_write_prefixes, p.artifact_write_prefixes) :
      can(regex("^[a-z0-9_][a-z0-9_/.-]*/$", prefix))
    ]]))
    error_message = "Every prefix must be a non-empty relative key prefix ending in / (no wildcard, never the whole bucket)."
  }
}

variable "tags" {
  description = "Tags added to every resource."
  type        = map(string)
  default     = {}
}
