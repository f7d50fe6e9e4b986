variable "database_prefix" {
  description = "Prefix of the Glue database names, e.g. lakehouse_dev (databases become <prefix>_bronze, ...)."
  type        = string

  validation {
    condition     = can(regex("^[a-z][a-z0-9_]{1,40}$", var.database_prefix))
    error_message = "database_prefix must be lowercase letters, digits and underscores (Glue/Athena-safe)."
  }
}

variable "lake_root" {
  description = "s3:// URI of the lake root; layer locations hang off it (see docs/TABLES.md)."
  type        = string

  validation {
    condition     = can(regex("^s3://[a-z0-9.-]+$", var.lake_root))
    error_message = "lake_root must look like s3://bucket (no trailing slash)."
  }
}

variable "databases" {
  description = "Glue databases to create: key (database <prefix>_<key>) => the lake layer folder it describes. Must include silver."
  type        = map(string)
  default     = { bronze = "bronze", silver = "silver", gold = "gold", ops = "ops" }

  validation {
    condition     = contains(keys(var.databases), "silver") && alltrue([for k, v in var.databases : can(regex("^[a-z][a-z0-9_]*$", k)) && contains(["bronze", "silver", "gold", "ops"], v)])
    error_message = "databases keys must be lowercase identifiers, values one of bronze, silver, gold, ops, and silver must be present."
  }
}

variable "contracts" {
  description = "Decoded contracts/*.yaml keyed by entity: each silver entity, its quarantine twin and (for scd2 contracts) its <entity>_versions history are declared as Delta tables."
  type = map(object({
    source       = string
    entity       = string
    partition_by = optional(list(string), [])
    columns      = list(object({ name = string, type = string }))
    derived      = optional(list(object({ name = string, type = string })), [])
    scd2         = optional(object({ tracked = optional(list(string)), effective_from = optional(string) }))
  }))
}

variable "silver_metadata" {
  description = "Decoded contracts/silver/metadata.yaml: the metadata columns silver.<entity> (entity) and silver.quarantine_<entity> (quarantine) carry after the contract's columns."
  type = object({
    entity     = list(object({ name = string, type = string }))
    quarantine = list(object({ name = string, type = string }))
  })
}

variable "tags" {
  description = "Tags added to every resource."
  type        = map(string)
  default     = {}
}
