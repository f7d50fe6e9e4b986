output "workflow_name" {
  description = "Glue workflow name."
  value       = aws_glue_workflow.this.name
}

output "workflow_arn" {
  description = "Glue workflow ARN."
  value       = aws_glue_workflow.this.arn
}

output "trigger_names" {
  description = "Trigger names in chain order (start first)."
  value       = concat([aws_glue_trigger.start.name], [for s in slice(var.stages, 1, length(var.stages)) : aws_glue_trigger.after[s.name].name])
}

output "failure_trigger_name" {
  description = "The on-failure trigger (null without on_failure)."
  value       = try(aws_glue_trigger.on_failure[0].name, null)
}
