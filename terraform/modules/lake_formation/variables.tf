variable "name_prefix" {
  description = "Prefix of the registration role's name (<project>-<env>)."
  type        = string
}

variable "lake_bucket_arn" {
  description = "ARN of the lake bucket; each layer's prefix (<arn>/<layer>) is registered with Lake Formation."
  type        = string
}

variable "account_id" {
  description = "AWS account of the lake (principals given by role name are roles of this account)."
  type        = string
}

variable "partition" {
  description = "AWS partition (aws, aws-cn, ...)."
  type        = string
  default     = "aws"
}

variable "terraform_principal_arn" {
  description = "IAM ARN of the principal running Terraform (its role, not the STS session): always a data lake administrator, since creating tags and grants needs one."
  type        = string
}

variable "kms_key_arn" {
  description = "KMS key of the lake bucket: the registration role decrypts with it when Lake Formation vends read credentials."
  type        = string
}

variable "databases" {
  description = "Glue databases by key (bronze, silver, gold, ops, gold_spectrum, ...): name and layer."
  type        = map(object({ name = string, layer = string }))
}

variable "silver_tables" {
  description = "Silver tables declared by Terraform (from the contracts): the contract entity, kind (entity | quarantine | versions) and columns of each."
  type        = map(object({ entity = string, kind = string, columns = list(string) }))
}

variable "pii_columns" {
  description = "The contracts' `pii:` sections: entity -> the columns it declares PII (the one source of the pii LF-tag)."
  type        = map(list(string))
}

variable "gold_tables" {
  description = "contracts/gold/*.yaml: table -> columns and pii policy (`protected`: the contracts' PII columns are hashed/masked)."
  type        = map(object({ columns = list(string), pii = string }))
  default     = {}
}

variable "tag_gold_tables" {
  description = "Tag the crawled gold tables' protected columns pii=protected. LF-tags attach only to existing tables: turn on after the first workflow run has let the crawlers create them."
  type        = bool
  default     = false
}

variable "location_writers" {
  description = "Principals that create or update catalog tables under the registered layers (the crawlers' roles), by a key known at plan: they get DATA_LOCATION_ACCESS on their layers' locations."
  type        = map(object({ principal = string, layers = list(string) }))
  default     = {}
}

variable "admins" {
  description = "Data lake administrators besides the principal that runs Terraform (which must be one to create tags and grants)."
  type        = list(string)
  default     = []
}

variable "personas" {
  description = <<-EOT
    Who reads what, as LF-tag expressions. Each grant covers the tables whose `layer` is in `layers`
    and, inside them, the columns whose `pii` tag is in `pii` (none | protected | clear).
    `pii_clearance = true` is required for a grant that includes `clear` (PII in clear text).
    Principals: IAM role/user ARNs, or role names in this account.
  EOT
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

  validation {
    condition = alltrue(flatten([
      for p in values(var.personas) : [for g in p.grants : p.pii_clearance || !contains(g.pii, "clear")]
    ]))
    error_message = "A persona without pii_clearance (e.g. the analyst) must never be granted pii=clear columns."
  }
  validation {
    condition     = alltrue(flatten([for p in values(var.personas) : [for g in p.grants : length(setsubtract(g.layers, [for d in values(var.databases) : d.layer])) == 0]]))
    error_message = "A grant's layers must be layers of the catalog's databases (bronze, silver, gold, ops)."
  }
  validation {
    condition     = alltrue(flatten([for p in values(var.personas) : [for g in p.grants : length(setsubtract(g.pii, ["none", "protected", "clear"])) == 0]]))
    error_message = "A grant's pii values are none, protected or clear."
  }
  validation {
    condition     = alltrue(flatten([for p in values(var.personas) : [for g in p.grants : length(setsubtract(g.permissions, ["SELECT", "DESCRIBE"])) == 0]]))
    error_message = "Personas read: grants give SELECT and/or DESCRIBE only (the jobs write under IAM)."
  }
}

variable "tags" {
  description = "Tags for the registration role."
  type        = map(string)
  default     = {}
}
