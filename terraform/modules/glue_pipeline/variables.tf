variable "name" {
  description = "Workflow name; trigger names are derived from it."
  type        = string
}

variable "description" {
  description = "Workflow description."
  type        = string
  default     = "Lakehouse medallion chain: bronze -> silver -> gold -> crawlers"
}

variable "schedule" {
  description = "Cron expression of the start trigger, e.g. cron(0 5 * * ? *). null makes the start trigger ON_DEMAND."
  type        = string
  default     = null

  validation {
    condition     = var.schedule == null || can(regex("^cron\\(.+\\)$", var.schedule))
    error_message = "schedule must be a Glue cron expression: cron(...)."
  }
}

variable "start_on_creation" {
  description = "Activate the scheduled and conditional triggers when they are created."
  type        = bool
  default     = true
}

variable "stages" {
  description = <<-EOT
    Ordered stages of the chain. The first is started by the start trigger; each further stage is
    started by a CONDITIONAL trigger that fires when every job (state SUCCEEDED) and crawler
    (crawl state SUCCEEDED) of the previous stage succeeded.
  EOT
  type = list(object({
    name      = string
    jobs      = optional(list(string), [])
    crawlers  = optional(list(string), [])
    arguments = optional(map(string), {})
  }))

  validation {
    condition     = length(var.stages) >= 1 && alltrue([for s in var.stages : length(s.jobs) + length(s.crawlers) > 0])
    error_message = "stages needs at least one stage, and every stage needs a job or a crawler."
  }

  validation {
    condition     = length(distinct([for s in var.stages : s.name])) == length(var.stages)
    error_message = "Stage names must be unique."
  }
}

variable "max_concurrent_runs" {
  description = "Concurrent runs of the workflow."
  type        = number
  default     = 1
}

variable "tags" {
  description = "Tags added to every resource."
  type        = map(string)
  default     = {}
}

variable "on_failure" {
  description = <<-EOF2
    Jobs and/or crawlers to start when any job of the chain ends FAILED or TIMEOUT (a CONDITIONAL
    trigger with logical ANY), e.g. a notification or quarantine-report job. null: no failure trigger.
  EOF2
  type = object({
    name     = optional(string, "failure")
    jobs     = optional(list(string), [])
    crawlers = optional(list(string), [])
  })
  default = null

  validation {
    condition     = var.on_failure == null || try(length(var.on_failure.jobs) + length(var.on_failure.crawlers) > 0, false)
    error_message = "on_failure needs a job or a crawler to start."
  }
}
