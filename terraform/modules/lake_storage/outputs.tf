# Names and ARNs are built from the configured names (not read back) so they are known at plan
# time: IAM policies that use them stay reviewable in `terraform plan`.
output "kms_key_arn" {
  description = "ARN of the KMS key that encrypts buckets, logs, the SNS topic and the PII salt."
  value       = aws_kms_key.this.arn
}

output "kms_key_id" {
  description = "Id of the KMS key."
  value       = aws_kms_key.this.key_id
}

output "kms_alias_name" {
  description = "Alias of the KMS key (alias/<prefix>-lakehouse)."
  value       = aws_kms_alias.this.name
}

output "bucket_names" {
  description = "Bucket names by role: lake, artifacts, athena_results, access_logs."
  value       = merge({ for k, b in aws_s3_bucket.this : k => b.bucket }, { access_logs = aws_s3_bucket.access_logs.bucket })
}

output "bucket_arns" {
  description = "Bucket ARNs by role: lake, artifacts, athena_results, access_logs."
  value       = { for k, name in merge(local.buckets, { access_logs = local.access_log_bucket }) : k => "arn:${local.partition}:s3:::${name}" }
}

output "lake_root" {
  description = "s3:// URI of the lake root (the --lake_root of every job)."
  value       = "s3://${aws_s3_bucket.this["lake"].bucket}"
}
