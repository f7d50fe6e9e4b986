output "name" {
  description = "Glue job name."
  value       = aws_glue_job.this.name
}

output "arn" {
  description = "Glue job ARN."
  value       = aws_glue_job.this.arn
}

output "script_location" {
  description = "s3:// URI of the uploaded script."
  value       = aws_glue_job.this.command[0].script_location
}

output "default_arguments" {
  description = "The job's default arguments (runtime flags + the script's own arguments)."
  value       = aws_glue_job.this.default_arguments
}
