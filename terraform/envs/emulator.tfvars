# moto server on loopback (see terraform/README.md). Pass the port with
#   -var aws_endpoint_url=http://127.0.0.1:<port>
# and fake credentials in AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY.
# Switched off because moto lacks them (covered by `terraform test` with mock_provider instead):
#   enable_redshift: no Redshift Serverless API in moto
#   enable_athena:   moto's Athena workgroup only reads back with tags
#   enable_data_quality: moto has no CreateDataQualityRuleset
#   enforce_tls_bucket_policy: moto is reached over http and applies Deny without conditions
#   enable_lifecycle_rules: moto's lifecycle read-back never matches (getmoto/moto#9729), apply hangs
#   enable_lake_formation: moto enforces no Lake Formation permission (grants, LF-tags, opt-ins), so nothing would be shown
#   kms_bucket_encryption: moto is reached over http; Spark's S3A rename (Delta .crc files, Parquet
#     exports' task commit) copies the source's KMS key id, which the AWS SDK refuses without HTTPS
environment               = "emulator"
region                    = "us-east-1"
force_destroy             = true
schedule                  = "cron(0 6 * * ? *)"
enable_redshift           = false
enable_athena             = false
enable_data_quality       = false
enable_lifecycle_rules    = false
enforce_tls_bucket_policy = false
kms_bucket_encryption     = false
enable_lake_formation     = false
