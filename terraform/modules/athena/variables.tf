variable "name" {
  description = "Athena workgroup name."
  type        = string
}

variable "results_bucket" {
  description = "Bucket for query results."
  type        = string
}

variable "kms_key_arn" {
  description = "KMS key that encrypts query results."
  type        = string
}

variable "bytes_scanned_cutoff_per_query" {
  description = "Queries scanning more bytes than this are cancelled."
  type        = number
  default     = 10737418240

  validation {
    condition     = var.bytes_scanned_cutoff_per_query >= 10485760
    error_message = "bytes_scanned_cutoff_per_query must be at least 10 MB (10485760), Athena's minimum."
  }
}

variable "engine_version" {
  description = "Athena engine version."
  type        = string
  default     = "Athena engine version 3"

  validation {
    condition     = contains(["Athena engine version 3", "AUTO"], var.engine_version)
    error_message = "engine_version must be \"Athena engine version 3\" (Trino) or AUTO."
  }
}

variable "database" {
  description = "Default database of the named queries (the gold database)."
  type        = string
}

variable "named_queries" {
  description = "Named queries: name => rendered SQL (root renders athena_sql/*.sql)."
  type        = map(string)
  default     = {}
}

variable "force_destroy" {
  description = "Delete the workgroup even if it holds named queries/history."
  type        = bool
  default     = false
}

variable "tags" {
  description = "Tags added to every resource."
  type        = map(string)
  default     = {}
}
