output "role_arns" {
  description = "Role ARN per principal."
  value       = { for k, r in aws_iam_role.this : k => r.arn }
}

output "role_names" {
  description = "Role name per principal."
  value       = { for k, r in aws_iam_role.this : k => r.name }
}

output "policy_documents" {
  description = "The inline policy (JSON) of each role."
  value       = { for k, p in aws_iam_role_policy.this : k => p.policy }
}
