"""Glue job: silver → gold (dim_customer SCD2, FX-converted fact_sales, dims, marts; see lakehouse.gold).

The PII hashing salt is an SSM SecureString named by --pii_salt_parameter; locally (and in
tests) the env var LAKEHOUSE_PII_SALT takes its place.
"""

import os
import sys

from awsglue.context import GlueContext
from awsglue.job import Job
from awsglue.utils import getResolvedOptions
from lakehouse import gold, runtime
from lakehouse.config import JobConfig

REQUIRED_ARGS = ["JOB_NAME", "lake_root", "pii_salt_parameter"]
SALT_ENV = "LAKEHOUSE_PII_SALT"


def read_salt(parameter: str, ssm_client=None) -> str:
    """$LAKEHOUSE_PII_SALT when set (local runs), else the decrypted SSM parameter."""
    if os.environ.get(SALT_ENV):
        return os.environ[SALT_ENV]
    if ssm_client is None:
        import boto3

        ssm_client = boto3.client("ssm")
    value = ssm_client.get_parameter(Name=parameter, WithDecryption=True)["Parameter"]["Value"]
    if not value:
        raise ValueError(f"SSM parameter {parameter} is empty: set the PII salt")
    return value


def main(argv: list[str]) -> None:
    args = getResolvedOptions(argv, REQUIRED_ARGS)
    config = JobConfig.from_args(args, pii_salt=read_salt(args["pii_salt_parameter"]))
    with runtime.glue_session(args, GlueContext, Job) as spark:
        print(gold.format_summary(gold.run(spark, config)), flush=True)


if __name__ == "__main__":
    main(sys.argv)
