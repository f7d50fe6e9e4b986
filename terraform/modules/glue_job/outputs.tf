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

output "capacity" {
  description = "Worker type and count, execution class, timeout and retries as deployed."
  value = {
    worker_type       = aws_glue_job.this.worker_type
    number_of_workers = aws_glue_job.this.number_of_workers
    execution_class   = aws_glue_job.this.execution_class
    timeout_minutes   = aws_glue_job.this.timeout
    max_retries       = aws_glue_job.this.max_retries
  }
}
