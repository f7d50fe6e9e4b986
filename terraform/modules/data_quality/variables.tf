variable "name_prefix" {
  description = "Prefix of the ruleset names (<prefix>-<entity>)."
  type        = string
}

variable "database_name" {
  description = "Glue database the rulesets target (silver)."
  type        = string
}

variable "rulesets" {
  description = "Per silver entity, its DQDL rules from the contract (name, rule, severity)."
  type = map(list(object({
    name     = string
    rule     = string
    severity = string
  })))

  validation {
    condition     = alltrue([for rules in var.rulesets : length(rules) > 0])
    error_message = "Every ruleset needs at least one rule."
  }

  validation {
    condition     = alltrue(flatten([for rules in var.rulesets : [for r in rules : contains(["error", "warn"], r.severity)]]))
    error_message = "Rule severity must be error or warn."
  }
}

variable "tags" {
  description = "Tags added to every resource."
  type        = map(string)
  default     = {}
}
