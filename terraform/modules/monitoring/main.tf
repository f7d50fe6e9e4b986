data "aws_caller_identity" "current" {}

resource "aws_sns_topic" "alerts" {
  name              = "${var.name_prefix}-alerts"
  kms_master_key_id = var.kms_key_arn
  tags              = var.tags
}

resource "aws_sns_topic_policy" "alerts" {
  arn = aws_sns_topic.alerts.arn
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [
      {
        Sid       = "EventBridgePublishes"
        Effect    = "Allow"
        Principal = { Service = "events.amazonaws.com" }
        Action    = "sns:Publish"
        Resource  = aws_sns_topic.alerts.arn
        Condition = { ArnEquals = { "aws:SourceArn" = [for r in aws_cloudwatch_event_rule.this : r.arn] } }
      },
      {
        Sid       = "CloudWatchAlarmsPublish"
        Effect    = "Allow"
        Principal = { Service = "cloudwatch.amazonaws.com" }
        Action    = "sns:Publish"
        Resource  = aws_sns_topic.alerts.arn
        Condition = { StringEquals = { "aws:SourceAccount" = data.aws_caller_identity.current.account_id } }
      },
    ]
  })
}

resource "aws_sns_topic_subscription" "email" {
  for_each  = toset(var.alert_emails)
  topic_arn = aws_sns_topic.alerts.arn
  protocol  = "email"
  endpoint  = each.value
}

locals {
  rules = merge(
    {
      glue-job-failed = {
        description = "A lakehouse Glue job ended ${join("/", var.job_failure_states)}"
        pattern = {
          source        = ["aws.glue"]
          "detail-type" = ["Glue Job State Change"]
          detail        = { jobName = var.job_names, state = var.job_failure_states }
        }
      }
      # For evaluations of the deployed rulesets run in Glue Data Quality (console, API); the
      # jobs' own checks alert through the dq_rules_failed alarm below.
      dq-evaluation-failed = {
        description = "A Glue Data Quality evaluation of a lakehouse ruleset failed"
        pattern = {
          source        = ["aws.glue-dataquality"]
          "detail-type" = ["Data Quality Evaluation Results Available"]
          detail        = { state = ["FAILED"], rulesetNames = [{ prefix = "${var.name_prefix}-" }] }
        }
      }
    },
    length(var.crawler_names) > 0 ? {
      glue-crawler-failed = {
        description = "A lakehouse Glue crawler failed"
        pattern = {
          source        = ["aws.glue"]
          "detail-type" = ["Glue Crawler State Change"]
          detail        = { crawlerName = var.crawler_names, state = ["Failed"] }
        }
      }
    } : {},
  )
}

resource "aws_cloudwatch_event_rule" "this" {
  for_each      = local.rules
  name          = "${var.name_prefix}-${each.key}"
  description   = each.value.description
  event_pattern = jsonencode(each.value.pattern)
  tags          = var.tags
}

resource "aws_cloudwatch_event_target" "sns" {
  for_each  = aws_cloudwatch_event_rule.this
  rule      = each.value.name
  target_id = "alerts-topic"
  arn       = aws_sns_topic.alerts.arn
}

# The silver job evaluates DQDL with pydeequ (not Glue Data Quality), so Glue's own
# glue.data.quality.* metrics never appear for it. It publishes one RuleFailed datum (1/0) per
# rule outcome, dimensions entity and rule (glue_jobs/lakehouse/metrics.py); a Metrics Insights
# query sums them over every entity and rule so one alarm covers all contracts.
resource "aws_cloudwatch_metric_alarm" "dq_rules_failed" {
  alarm_name          = "${var.name_prefix}-dq-rules-failed"
  alarm_description   = "The silver job reported failed DQ rules (${var.dq_metric.namespace} ${var.dq_metric.name})"
  comparison_operator = "GreaterThanThreshold"
  threshold           = var.dq_failed_rules_threshold
  evaluation_periods  = 1
  treat_missing_data  = "notBreaching"
  alarm_actions       = [aws_sns_topic.alerts.arn]
  ok_actions          = [aws_sns_topic.alerts.arn]

  metric_query {
    id          = "failed"
    label       = "Failed DQ rules"
    period      = var.dq_alarm_period_seconds
    return_data = true
    expression  = "SELECT SUM(${var.dq_metric.name}) FROM SCHEMA(\"${var.dq_metric.namespace}\", ${join(", ", var.dq_metric.dimensions)})"
  }

  tags = var.tags
}
