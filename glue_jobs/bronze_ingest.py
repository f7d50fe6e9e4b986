"""Glue job: landing files → bronze Delta tables (see lakehouse.bronze)."""

import sys

from awsglue.context import GlueContext
from awsglue.job import Job
from awsglue.utils import getResolvedOptions
from lakehouse import bronze, runtime
from lakehouse.config import JobConfig

REQUIRED_ARGS = ["JOB_NAME", "lake_root", "sources"]


def main(argv: list[str]) -> None:
    args = runtime.resolve_args(getResolvedOptions, argv, REQUIRED_ARGS)
    config = JobConfig.from_args(args)
    with runtime.glue_session(args, GlueContext, Job) as spark:
        for result in bronze.run(spark, config):
            print(
                f"bronze {result['source']}: {result['files']} files, {result['rows']} rows, "
                f"{result['corrupt']} corrupt, {result['drift_files']} files with schema drift"
            )
            for file, earlier in result["redelivered"]:
                print(f"bronze {result['source']}: {file} re-delivered with new content (was {earlier})")
            for file, same in result["duplicates"]:
                print(f"bronze {result['source']}: {file} not ingested: same content as {same}")


if __name__ == "__main__":
    main(sys.argv)
