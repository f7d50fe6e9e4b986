provider "aws" {
  region = var.region

  default_tags {
    tags = local.tags
  }

  # Emulator (moto on loopback): path-style S3, no credential/metadata/region checks, every
  # service pointed at one endpoint. Unset (null) for real AWS.
  s3_use_path_style           = var.aws_endpoint_url != null
  skip_credentials_validation = var.aws_endpoint_url != null
  skip_metadata_api_check     = var.aws_endpoint_url != null
  skip_region_validation      = var.aws_endpoint_url != null

  dynamic "endpoints" {
    for_each = var.aws_endpoint_url == null ? [] : [var.aws_endpoint_url]
    content {
      athena             = endpoints.value
      cloudwatch         = endpoints.value
      cloudwatchlogs     = endpoints.value
      dynamodb           = endpoints.value
      ec2                = endpoints.value
      eventbridge        = endpoints.value
      glue               = endpoints.value
      iam                = endpoints.value
      kms                = endpoints.value
      redshiftserverless = endpoints.value
      s3                 = endpoints.value
      secretsmanager     = endpoints.value
      sns                = endpoints.value
      ssm                = endpoints.value
      sts                = endpoints.value
    }
  }
}
