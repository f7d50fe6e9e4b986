variable "name" {
  description = "Name of the DynamoDB table of the table leases (the jobs' --lease_table)."
  type        = string

  validation {
    condition     = can(regex("^[a-zA-Z0-9_.-]{3,255}$", var.name))
    error_message = "name must be 3-255 characters of a-z, A-Z, 0-9, '_', '-' and '.'."
  }
}

variable "kms_key_arn" {
  description = "KMS key that encrypts the table (the lake key)."
  type        = string
}

variable "expiry_attribute" {
  description = "Attribute holding a lease's expiry in epoch seconds: the TTL attribute (lease.EXPIRY_ATTRIBUTE)."
  type        = string
  default     = "expires_at"
}

variable "deletion_protection" {
  description = "Refuse DeleteTable while true."
  type        = bool
  default     = true
}

variable "tags" {
  description = "Tags added to every resource."
  type        = map(string)
  default     = {}
}
