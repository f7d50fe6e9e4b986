variable "name" {
  description = "Crawler name."
  type        = string
}

variable "description" {
  description = "Crawler description."
  type        = string
  default     = ""
}

variable "database_name" {
  description = "Glue database the crawler registers tables in."
  type        = string
}

variable "role_arn" {
  description = "IAM role the crawler runs as."
  type        = string
}

variable "delta_tables" {
  description = "s3:// locations of the Delta tables to register (one table each)."
  type        = list(string)

  validation {
    condition     = length(var.delta_tables) > 0 && alltrue([for p in var.delta_tables : startswith(p, "s3://")])
    error_message = "delta_tables needs at least one s3:// location."
  }
}

variable "create_native_delta_table" {
  description = "Register native Delta tables (Athena engine v3 and Glue read the Delta log)."
  type        = bool
  default     = true
}

variable "write_manifest" {
  description = "Let the crawler write symlink manifests (only for non-native tables)."
  type        = bool
  default     = false
}

variable "schema_change_policy" {
  description = "What the crawler does with changed and deleted tables."
  type = object({
    update_behavior = optional(string, "UPDATE_IN_DATABASE")
    delete_behavior = optional(string, "LOG")
  })
  default = {}

  validation {
    condition = contains(["UPDATE_IN_DATABASE", "LOG"], var.schema_change_policy.update_behavior) && contains(
    ["LOG", "DELETE_FROM_DATABASE", "DEPRECATE_IN_DATABASE"], var.schema_change_policy.delete_behavior)
    error_message = "update_behavior: UPDATE_IN_DATABASE|LOG; delete_behavior: LOG|DELETE_FROM_DATABASE|DEPRECATE_IN_DATABASE."
  }
}

variable "security_configuration" {
  description = "Glue security configuration name."
  type        = string
  default     = null
}

variable "schedule" {
  description = "Own schedule (null: started by the workflow's trigger chain)."
  type        = string
  default     = null
}

variable "tags" {
  description = "Tags added to every resource."
  type        = map(string)
  default     = {}
}
