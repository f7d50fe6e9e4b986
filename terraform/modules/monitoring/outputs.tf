output "sns_topic_arn" {
  description = "Alert topic ARN."
  value       = aws_sns_topic.alerts.arn
}

output "event_rule_names" {
  description = "EventBridge rule names by purpose."
  value       = { for k, r in aws_cloudwatch_event_rule.this : k => r.name }
}

output "dq_alarm_name" {
  description = "Name of the Glue Data Quality alarm."
  value       = aws_cloudwatch_metric_alarm.dq_rules_failed.alarm_name
}
