"""Glue job: OPTIMIZE (compaction, Z-order) and VACUUM of every lake table (see lakehouse.maintenance).

Runs on its own schedule, outside the daily bronze → silver → gold chain.
"""

import sys

from awsglue.context import GlueContext
from awsglue.job import Job
from awsglue.utils import getResolvedOptions
from lakehouse import maintenance, runtime
from lakehouse.config import JobConfig

REQUIRED_ARGS = ["JOB_NAME", "lake_root", "retain_hours"]


def main(argv: list[str]) -> None:
    args = runtime.resolve_args(getResolvedOptions, argv, REQUIRED_ARGS)
    config = JobConfig.from_args(args)
    with runtime.glue_session(args, GlueContext, Job) as spark:
        for r in maintenance.run(spark, config, int(args["retain_hours"])):
            print(
                f"maintain {r['table']}: {r['files_compacted']} files compacted into {r['files_written']}, "
                f"{r['files_vacuumed']} vacuumed"
            )


if __name__ == "__main__":
    main(sys.argv)
