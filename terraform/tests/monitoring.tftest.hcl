# monitoring: alert topic, EventBridge rules on Glue failures, DQ alarm.
mock_provider "aws" {
  mock_data "aws_caller_identity" {
    defaults = { account_id = "123456789012" }
  }
  mock_resource "aws_sns_topic" {
    defaults = { arn = "arn:aws:sns:eu-west-1:123456789012:lh-dev-alerts" }
  }
  mock_resource "aws_cloudwatch_event_rule" {
    defaults = { arn = "arn:aws:events:eu-west-1:123456789012:rule/lh-dev-rule" }
  }
}

variables {
  name_prefix   = "lh-dev"
  kms_key_arn   = "arn:aws:kms:eu-west-1:123456789012:key/abc"
  job_names     = ["lh-dev-bronze-ingest", "lh-dev-silver-clean", "lh-dev-gold-aggregates"]
  crawler_names = ["lh-dev-gold"]
  alert_emails  = ["data-team@example.com"]
  dq_metric     = { namespace = "Lakehouse/DataQuality", name = "RuleFailed", dimensions = ["entity", "rule"] }
}

run "alerts" {
  command = apply
  module {
    source = "./modules/monitoring"
  }

  assert {
    condition     = aws_sns_topic.alerts.kms_master_key_id == var.kms_key_arn
    error_message = "The alert topic is KMS-encrypted."
  }
  assert {
    condition = (
      jsondecode(aws_cloudwatch_event_rule.this["glue-job-failed"].event_pattern).source == ["aws.glue"] &&
      jsondecode(aws_cloudwatch_event_rule.this["glue-job-failed"].event_pattern)["detail-type"] == ["Glue Job State Change"] &&
      contains(jsondecode(aws_cloudwatch_event_rule.this["glue-job-failed"].event_pattern).detail.state, "FAILED") &&
      contains(jsondecode(aws_cloudwatch_event_rule.this["glue-job-failed"].event_pattern).detail.state, "TIMEOUT") &&
      jsonencode(jsondecode(aws_cloudwatch_event_rule.this["glue-job-failed"].event_pattern).detail.jobName) == jsonencode(var.job_names)
    )
    error_message = "A rule must catch FAILED/TIMEOUT of exactly the lakehouse jobs."
  }
  assert {
    condition     = alltrue([for k, t in aws_cloudwatch_event_target.sns : t.arn == aws_sns_topic.alerts.arn]) && length(aws_cloudwatch_event_target.sns) == 3
    error_message = "Every rule targets the alert topic."
  }
  assert {
    condition     = aws_cloudwatch_metric_alarm.dq_rules_failed.alarm_actions == toset([aws_sns_topic.alerts.arn]) && one(aws_cloudwatch_metric_alarm.dq_rules_failed.metric_query).expression == "SELECT SUM(RuleFailed) FROM SCHEMA(\"Lakehouse/DataQuality\", entity, rule)"
    error_message = "The DQ alarm sums the silver job's RuleFailed metric over every entity and rule (not Glue Data Quality's metrics, which nothing emits for the jobs) and notifies the topic."
  }
  assert {
    condition     = aws_sns_topic_subscription.email["data-team@example.com"].protocol == "email"
    error_message = "Alert e-mails are subscribed."
  }
}

run "rejects_unknown_state" {
  command = plan
  module {
    source = "./modules/monitoring"
  }
  variables {
    job_failure_states = ["BROKEN"]
  }
  expect_failures = [var.job_failure_states]
}
