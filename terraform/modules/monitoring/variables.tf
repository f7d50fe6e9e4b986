variable "name_prefix" {
  description = "Prefix of the topic, rules, alarm and log group."
  type        = string
}

variable "kms_key_arn" {
  description = "KMS key that encrypts the topic and the log group."
  type        = string
}

variable "job_names" {
  description = "Glue jobs whose FAILED/TIMEOUT state changes alert."
  type        = list(string)
}

variable "crawler_names" {
  description = "Glue crawlers whose failures alert."
  type        = list(string)
  default     = []
}

variable "job_failure_states" {
  description = "Glue job states that alert."
  type        = list(string)
  default     = ["FAILED", "TIMEOUT", "ERROR"]

  validation {
    condition     = alltrue([for s in var.job_failure_states : contains(["FAILED", "TIMEOUT", "ERROR", "STOPPED"], s)])
    error_message = "job_failure_states may only contain FAILED, TIMEOUT, ERROR, STOPPED."
  }
}

variable "alert_emails" {
  description = "E-mail addresses subscribed to the alert topic."
  type        = list(string)
  default     = []

  validation {
    condition     = alltrue([for e in var.alert_emails : can(regex("^[^@ ]+@[^@ ]+\\.[^@ ]+$", e))])
    error_message = "alert_emails must be e-mail addresses."
  }
}

variable "dq_metric" {
  description = "The metric the silver job publishes per DQ rule outcome (1 = failed): namespace, metric name, dimensions."
  type = object({
    namespace  = string
    name       = string
    dimensions = list(string)
  })
}

variable "dq_failed_rules_threshold" {
  description = "The DQ alarm fires when more failed DQ rule outcomes than this are published in a period."
  type        = number
  default     = 0
}

variable "dq_alarm_period_seconds" {
  description = "Period of the DQ alarm."
  type        = number
  default     = 3600
}

variable "tags" {
  description = "Tags added to every resource."
  type        = map(string)
  default     = {}
}
