output "name" {
  description = "Crawler name."
  value       = aws_glue_crawler.this.name
}

output "arn" {
  description = "Crawler ARN."
  value       = aws_glue_crawler.this.arn
}
