locals {
  first      = var.stages[0]
  chain_jobs = distinct(flatten([for s in var.stages : s.jobs]))

  # Stage i (i >= 1) waits for everything in stage i-1.
  conditional = {
    for i, s in var.stages : s.name => {
      stage    = s
      previous = var.stages[i - 1]
    } if i > 0
  }
}

resource "aws_glue_workflow" "this" {
  name                = var.name
  description         = var.description
  max_concurrent_runs = var.max_concurrent_runs
  tags                = var.tags
}

resource "aws_glue_trigger" "start" {
  name              = "${var.name}-start-${local.first.name}"
  description       = "Starts ${local.first.name} (${var.schedule == null ? "on demand" : var.schedule})."
  workflow_name     = aws_glue_workflow.this.name
  type              = var.schedule == null ? "ON_DEMAND" : "SCHEDULED"
  schedule          = var.schedule
  start_on_creation = var.schedule == null ? null : var.start_on_creation

  dynamic "actions" {
    for_each = local.first.jobs
    content {
      job_name  = actions.value
      arguments = length(local.first.arguments) > 0 ? local.first.arguments : null
    }
  }

  dynamic "actions" {
    for_each = local.first.crawlers
    content {
      crawler_name = actions.value
    }
  }

  tags = var.tags
}

resource "aws_glue_trigger" "after" {
  for_each = local.conditional

  name              = "${var.name}-after-${each.value.previous.name}-start-${each.key}"
  description       = "Starts ${each.key} when ${each.value.previous.name} SUCCEEDED."
  workflow_name     = aws_glue_workflow.this.name
  type              = "CONDITIONAL"
  start_on_creation = var.start_on_creation

  predicate {
    logical = "AND"

    dynamic "conditions" {
      for_each = each.value.previous.jobs
      content {
        job_name         = conditions.value
        logical_operator = "EQUALS"
        state            = "SUCCEEDED"
      }
    }

    dynamic "conditions" {
      for_each = each.value.previous.crawlers
      content {
        crawler_name     = conditions.value
        logical_operator = "EQUALS"
        crawl_state      = "SUCCEEDED"
      }
    }
  }

  dynamic "actions" {
    for_each = each.value.stage.jobs
    content {
      job_name  = actions.value
      arguments = length(each.value.stage.arguments) > 0 ? each.value.stage.arguments : null
    }
  }

  dynamic "actions" {
    for_each = each.value.stage.crawlers
    content {
      crawler_name = actions.value
    }
  }

  tags = var.tags
}

# Fires once per workflow run when any job of the chain FAILED or timed out; the SUCCEEDED branch
# stops there (its trigger never fires), this one starts the failure handling.
resource "aws_glue_trigger" "on_failure" {
  count = var.on_failure == null ? 0 : 1

  name              = "${var.name}-on-failure-start-${var.on_failure.name}"
  description       = "Starts ${var.on_failure.name} when any job of the chain FAILED or timed out."
  workflow_name     = aws_glue_workflow.this.name
  type              = "CONDITIONAL"
  start_on_creation = var.start_on_creation

  predicate {
    logical = "ANY"

    dynamic "conditions" {
      for_each = setproduct(local.chain_jobs, ["FAILED", "TIMEOUT"])
      content {
        job_name         = conditions.value[0]
        logical_operator = "EQUALS"
        state            = conditions.value[1]
      }
    }
  }

  dynamic "actions" {
    for_each = var.on_failure.jobs
    content {
      job_name = actions.value
    }
  }

  dynamic "actions" {
    for_each = var.on_failure.crawlers
    content {
      crawler_name = actions.value
    }
  }

  tags = var.tags
}
