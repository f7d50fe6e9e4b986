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

  # "Compute capacity for Amazon Redshift Serverless": 4 RPUs, or 8 to 512 in steps of 8, or
  # (in five Regions, checked on the workgroup) 512 to 1024 in steps of 32.
  validation {
    condition = (
      var.base_capacity == 4 ||
      (var.base_capacity >= 8 && var.base_capacity <= 512 && var.base_capacity % 8 == 0) ||
      (var.base_capacity > 512 && var.base_capacity <= 1024 && var.base_capacity % 32 == 0)
    )
    error_message = "base_capacity must be 4, a multiple of 8 from 8 to 512, or a multiple of 32 from 544 to 1024 (RPUs)."
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
  description = "Subnets of the workgroup: at least three, in three Availability Zones (null: the default VPC's default subnets, checked at plan)."
  type        = list(string)
  default     = null

  # "Three subnets – You must have at least three subnets, and they must span across three
  # Availability Zones" ("Considerations when using Amazon Redshift Serverless").
  validation {
    condition     = var.subnet_ids == null || try(length(var.subnet_ids) >= 3, false)
    error_message = "subnet_ids must list at least three subnets, spanning three Availability Zones."
  }
}

variable "security_group_ids" {
  description = "Security groups of the workgroup (null: default)."
  type        = list(string)
  default     = null
}

variable "enhanced_vpc_routing" {
  description = "Route COPY/Spectrum traffic through the workgroup's VPC. Needs vpc_endpoints, subnet_ids and security_group_ids; the VPC then needs an S3 gateway and a Glue interface endpoint (created here, or existing ones passed by id). false (default): the traffic stays on the AWS network, outside your VPC's endpoint policies and flow logs."
  type        = bool
  default     = false

  validation {
    condition = !var.enhanced_vpc_routing || (
      var.vpc_endpoints != null && var.subnet_ids != null && var.security_group_ids != null &&
      (try(var.vpc_endpoints.existing_s3_endpoint_id, null) != null || length(try(var.vpc_endpoints.route_table_ids, [])) > 0)
    )
    error_message = "enhanced_vpc_routing = true needs vpc_endpoints (vpc_id, and route_table_ids or existing_s3_endpoint_id), subnet_ids and security_group_ids: without an S3 gateway and a Glue interface endpoint, COPY and Spectrum cannot reach S3 or the catalog."
  }
}

variable "vpc_endpoints" {
  description = <<-EOT
    The workgroup's VPC endpoints (used when enhanced_vpc_routing = true): vpc_id; an S3 gateway
    endpoint is created on route_table_ids unless existing_s3_endpoint_id names one already on
    them; a Glue interface endpoint (private DNS) is created in subnet_ids unless
    existing_glue_endpoint_id names one. Existing endpoints with a restricted policy must allow
    the statements of the output vpc_endpoint_policy_statements.
  EOT
  type = object({
    vpc_id                    = string
    route_table_ids           = optional(list(string), [])
    existing_s3_endpoint_id   = optional(string)
    existing_glue_endpoint_id = optional(string)
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
