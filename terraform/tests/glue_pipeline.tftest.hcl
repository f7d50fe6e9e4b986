# glue_pipeline: the trigger chain (scheduled start -> CONDITIONAL on SUCCEEDED -> ...).
mock_provider "aws" {}

variables {
  name     = "lh-dev-medallion"
  schedule = "cron(0 5 * * ? *)"
  stages = [
    { name = "bronze", jobs = ["lh-dev-bronze-ingest"] },
    { name = "silver", jobs = ["lh-dev-silver-clean"] },
    { name = "gold", jobs = ["lh-dev-gold-aggregates"] },
    { name = "crawlers", crawlers = ["lh-dev-bronze", "lh-dev-gold", "lh-dev-ops"] },
  ]
}

run "chain" {
  command = plan
  module {
    source = "./modules/glue_pipeline"
  }

  assert {
    condition     = aws_glue_trigger.start.type == "SCHEDULED" && aws_glue_trigger.start.schedule == "cron(0 5 * * ? *)"
    error_message = "The start trigger must be SCHEDULED with the configured cron."
  }
  assert {
    condition     = [for a in aws_glue_trigger.start.actions : a.job_name] == ["lh-dev-bronze-ingest"]
    error_message = "The start trigger must start the bronze job only."
  }
  assert {
    condition     = aws_glue_trigger.start.workflow_name == "lh-dev-medallion" && alltrue([for t in aws_glue_trigger.after : t.workflow_name == "lh-dev-medallion"])
    error_message = "Every trigger must belong to the workflow."
  }
  assert {
    condition     = keys(aws_glue_trigger.after) == ["crawlers", "gold", "silver"]
    error_message = "There must be exactly one conditional trigger per stage after the first."
  }
  assert {
    condition     = alltrue([for t in aws_glue_trigger.after : t.type == "CONDITIONAL"])
    error_message = "Follow-up triggers must be CONDITIONAL."
  }
  assert {
    condition = (
      aws_glue_trigger.after["silver"].predicate[0].conditions[0].job_name == "lh-dev-bronze-ingest" &&
      aws_glue_trigger.after["silver"].predicate[0].conditions[0].state == "SUCCEEDED" &&
      aws_glue_trigger.after["silver"].predicate[0].conditions[0].logical_operator == "EQUALS" &&
      aws_glue_trigger.after["silver"].actions[0].job_name == "lh-dev-silver-clean"
    )
    error_message = "silver must start when bronze SUCCEEDED."
  }
  assert {
    condition = (
      aws_glue_trigger.after["gold"].predicate[0].conditions[0].job_name == "lh-dev-silver-clean" &&
      aws_glue_trigger.after["gold"].predicate[0].conditions[0].state == "SUCCEEDED" &&
      aws_glue_trigger.after["gold"].actions[0].job_name == "lh-dev-gold-aggregates"
    )
    error_message = "gold must start when silver SUCCEEDED."
  }
  assert {
    condition = (
      aws_glue_trigger.after["crawlers"].predicate[0].conditions[0].job_name == "lh-dev-gold-aggregates" &&
      aws_glue_trigger.after["crawlers"].predicate[0].conditions[0].state == "SUCCEEDED" &&
      [for a in aws_glue_trigger.after["crawlers"].actions : a.crawler_name] == ["lh-dev-bronze", "lh-dev-gold", "lh-dev-ops"]
    )
    error_message = "The crawlers must start when gold SUCCEEDED."
  }
  assert {
    condition     = output.trigger_names[0] == "lh-dev-medallion-start-bronze" && length(output.trigger_names) == 4
    error_message = "trigger_names must list the chain in order."
  }
}

run "on_failure_trigger" {
  command = plan
  module {
    source = "./modules/glue_pipeline"
  }
  variables {
    on_failure = { name = "report", crawlers = ["lh-dev-ops"] }
  }
  assert {
    condition = (
      aws_glue_trigger.on_failure[0].type == "CONDITIONAL" &&
      aws_glue_trigger.on_failure[0].predicate[0].logical == "ANY" &&
      length(aws_glue_trigger.on_failure[0].predicate[0].conditions) == 6 &&
      alltrue([for c in aws_glue_trigger.on_failure[0].predicate[0].conditions : contains(["FAILED", "TIMEOUT"], c.state)]) &&
      toset([for c in aws_glue_trigger.on_failure[0].predicate[0].conditions : c.job_name]) == toset(["lh-dev-bronze-ingest", "lh-dev-silver-clean", "lh-dev-gold-aggregates"])
    )
    error_message = "The failure trigger fires when ANY chain job is FAILED or TIMEOUT."
  }
  assert {
    condition     = [for a in aws_glue_trigger.on_failure[0].actions : a.crawler_name] == ["lh-dev-ops"]
    error_message = "The failure trigger starts what on_failure names."
  }
  assert {
    condition     = output.failure_trigger_name == "lh-dev-medallion-on-failure-start-report"
    error_message = "failure_trigger_name names the failure trigger."
  }
}

run "no_failure_trigger_by_default" {
  command = plan
  module {
    source = "./modules/glue_pipeline"
  }
  assert {
    condition     = length(aws_glue_trigger.on_failure) == 0 && output.failure_trigger_name == null
    error_message = "Without on_failure there is no failure trigger."
  }
}

run "on_demand_without_schedule" {
  command = plan
  module {
    source = "./modules/glue_pipeline"
  }
  variables {
    schedule = null
  }
  assert {
    condition     = aws_glue_trigger.start.type == "ON_DEMAND"
    error_message = "Without a schedule the start trigger is ON_DEMAND."
  }
}

run "rejects_bad_schedule" {
  command = plan
  module {
    source = "./modules/glue_pipeline"
  }
  variables {
    schedule = "0 5 * * *"
  }
  expect_failures = [var.schedule]
}

run "rejects_empty_stage" {
  command = plan
  module {
    source = "./modules/glue_pipeline"
  }
  variables {
    stages = [{ name = "bronze", jobs = [] }]
  }
  expect_failures = [var.stages]
}
