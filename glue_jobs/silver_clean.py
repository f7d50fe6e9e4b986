"""Glue job: bronze → silver with DQDL checks, quarantine and MERGE (see lakehouse.silver)."""

import sys

from awsglue.context import GlueContext
from awsglue.job import Job
from awsglue.utils import getResolvedOptions
from lakehouse import runtime, silver
from lakehouse.config import JobConfig

REQUIRED_ARGS = ["JOB_NAME", "lake_root", "sources"]


def main(argv: list[str]) -> None:
    args = getResolvedOptions(argv, REQUIRED_ARGS)
    config = JobConfig.from_args(args)
    with runtime.glue_session(args, GlueContext, Job) as spark:
        for result in silver.run(spark, config):
            print(
                f"silver {result['entity']}: in {result['rows_in']}, valid {result['valid']}, "
                f"quarantined {result['quarantined']}, duplicates "
                f"{result['exact_duplicates'] + result['superseded']}"
            )


if __name__ == "__main__":
    main(sys.argv)
