variable "name_prefix" {
  description = "Prefix of every bucket and key name, e.g. lakehouse-dev."
  type        = string

  validation {
    condition     = can(regex("^[a-z0-9][a-z0-9-]{1,30}[a-z0-9]$", var.name_prefix))
    error_message = "name_prefix must be 3-32 lowercase letters, digits or hyphens."
  }
}

variable "name_suffix" {
  description = "Suffix that makes bucket names globally unique (usually the account id)."
  type        = string
}

variable "landing_expiration_days" {
  description = "Days after which raw files under landing/ expire (bronze keeps their content)."
  type        = number
  default     = 90

  validation {
    condition     = var.landing_expiration_days >= 1
    error_message = "landing_expiration_days must be at least 1."
  }
}

variable "noncurrent_version_expiration_days" {
  description = "Days a noncurrent object version is kept before it expires."
  type        = number
  default     = 30

  validation {
    condition     = var.noncurrent_version_expiration_days >= 1
    error_message = "noncurrent_version_expiration_days must be at least 1."
  }
}

variable "athena_results_expiration_days" {
  description = "Days Athena query results are kept."
  type        = number
  default     = 30
}

variable "access_log_expiration_days" {
  description = "Days S3 server access logs are kept."
  type        = number
  default     = 365
}

variable "kms_deletion_window_days" {
  description = "Waiting period before the KMS key is deleted."
  type        = number
  default     = 30

  validation {
    condition     = var.kms_deletion_window_days >= 7 && var.kms_deletion_window_days <= 30
    error_message = "kms_deletion_window_days must be between 7 and 30."
  }
}

variable "lifecycle_rules_enabled" {
  description = "Create the lifecycle configurations (false only for the moto emulator, whose lifecycle read-back never matches abort_incomplete_multipart_upload: getmoto/moto#9729)."
  type        = bool
  default     = true
}

variable "deny_insecure_transport" {
  description = "Bucket policies deny every request without TLS (false only for the moto emulator, which is reached over http and applies Deny statements without evaluating their conditions)."
  type        = bool
  default     = true
}

variable "kms_default_encryption" {
  description = "Buckets default to SSE-KMS with the lake key (false only for the moto emulator: it is reached over http, and Hadoop S3A's rename copies the source's KMS key id, which the AWS SDK refuses to send without HTTPS; SSE-S3 is used there instead)."
  type        = bool
  default     = true
}

variable "force_destroy" {
  description = "Allow terraform destroy to delete non-empty buckets (dev/emulator only)."
  type        = bool
  default     = false
}

variable "tags" {
  description = "Tags added to every resource."
  type        = map(string)
  default     = {}
}
