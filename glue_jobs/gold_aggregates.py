"""Glue job: silver → gold (dim_customer SCD2, FX-converted fact_sales, dims, marts; see lakehouse.gold).

The PII hashing salt is an SSM SecureString named by --pii_salt_parameter; locally (and in
tests) the env var LAKEHOUSE_PII_SALT takes its place (lakehouse.gold.pii.read_salt).
"""

import sys

from awsglue.context import GlueContext
from awsglue.job import Job
from awsglue.utils import getResolvedOptions
from lakehouse import gold, runtime
from lakehouse.config import JobConfig
from lakehouse.gold import pii

REQUIRED_ARGS = ["JOB_NAME", "lake_root", "pii_salt_parameter"]


def main(argv: list[str]) -> None:
    args = getResolvedOptions(argv, REQUIRED_ARGS)
    config = JobConfig.from_args(args, pii_salt=pii.read_salt(args["pii_salt_parameter"]))
    with runtime.glue_session(args, GlueContext, Job) as spark:
        print(gold.format_summary(gold.run(spark, config)), flush=True)


if __name__ == "__main__":
    main(sys.argv)
