variable "name_prefix" {
  description = "Prefix of the namespace, workgroup and role names."
  type        = string
}

variable "database_name" {
  description = "Database created in the namespace."
  type        = string
  default     = "lakehouse"
}

variable "admin_username" {
  description = "Admin user; its password is managed by Redshift in Secrets Manager."
  type        = string
  default     = "lakehouse_admin"
}

variable "kms_key_arn" {
  description = "KMS key for the namespace and its admin secret."
  type        = string
}

variable "kms_key_alias" {
  description = "Alias of the same key; the role's policy matches the key by alias (known at plan time)."
  type        = string
}

variable "lake_bucket_arn" {
  description = "Lake bucket ARN: the role reads gold/ (Spectrum, symlink manifests) and exports/ (COPY)."
  type        = string
}

variable "spectrum_prefixes" {
  description = "Prefixes of the lake bucket the Redshift role may read."
  type        = list(string)
  default     = ["gold/", "exports/"]
}

variable "gold_database_name" {
  description = "Glue database of the gold layer (Spectrum external schema)."
  type        = string
}

variable "base_capacity" {
  description = "Base RPUs of the workgroup."
  type        = number
  default     = 8

  validation {
    condition     = var.base_capacity >= 4 && var.base_capacity <= 1024 && var.base_capacity % 4 == 0
    error_message = "base_capacity must be a multiple of 4 between 4 and 1024 (RPUs)."
  }
}

variable "max_capacity" {
  description = "Maximum RPUs the workgroup may scale to (null: no cap)."
  type        = number
  default     = null
}

variable "usage_limit_rpu_hours" {
  description = "RPU-hours per period before breach_action applies."
  type        = number
  default     = 100

  validation {
    condition     = var.usage_limit_rpu_hours >= 1
    error_message = "usage_limit_rpu_hours must be at least 1."
  }
}

variable "usage_limit_period" {
  description = "Period of the usage limit."
  type        = string
  default     = "monthly"

  validation {
    condition     = contains(["daily", "weekly", "monthly"], var.usage_limit_period)
    error_message = "usage_limit_period must be daily, weekly or monthly."
  }
}

variable "usage_limit_breach_action" {
  description = "What happens when the limit is reached."
  type        = string
  default     = "deactivate"

  validation {
    condition     = contains(["log", "emit-metric", "deactivate"], var.usage_limit_breach_action)
    error_message = "usage_limit_breach_action must be log, emit-metric or deactivate."
  }
}

variable "subnet_ids" {
  description = "Subnets of the workgroup (null: default VPC)."
  type        = list(string)
  default     = null
}

variable "security_group_ids" {
  description = "Security groups of the workgroup (null: default)."
  type        = list(string)
  default     = null
}

variable "enhanced_vpc_routing" {
  description = "Route COPY/Spectrum traffic through the workgroup's VPC. Needs vpc_endpoints, subnet_ids and security_group_ids: the module then creates an S3 gateway and a Glue interface endpoint. false (default): the traffic stays on the AWS network, outside your VPC's endpoint policies and flow logs."
  type        = bool
  default     = false

  validation {
    condition     = !var.enhanced_vpc_routing || (var.vpc_endpoints != null && var.subnet_ids != null && var.security_group_ids != null)
    error_message = "enhanced_vpc_routing = true needs vpc_endpoints (vpc_id, route_table_ids), subnet_ids and security_group_ids: without an S3 gateway and a Glue interface endpoint, COPY and Spectrum cannot reach S3 or the catalog."
  }
}

variable "vpc_endpoints" {
  description = "VPC of the workgroup's subnets and the route tables the S3 gateway endpoint is added to (used when enhanced_vpc_routing = true)."
  type = object({
    vpc_id          = string
    route_table_ids = list(string)
  })
  default = null
}

variable "config_parameters" {
  description = "Overrides of the workgroup's config parameters (key => value); every key AWS returns is set, see main.tf."
  type        = map(string)
  default     = {}
}

variable "tags" {
  description = "Tags added to every resource."
  type        = map(string)
  default     = {}
}
