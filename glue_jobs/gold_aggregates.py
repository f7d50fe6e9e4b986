"""Glue job: silver → gold (dim_customer SCD2, FX-converted fact_sales, dims, marts; see lakehouse.gold).

The PII hashing salt is an SSM SecureString named by --pii_salt_parameter; locally (and in
tests) the env var LAKEHOUSE_PII_SALT takes its place (lakehouse.gold.pii.read_salt).
Optional `--rebuild true`: rebuild every gold table from all of silver instead of only what the
silver changes since the last build touch (docs/incremental-gold.md). Optional `--incremental_max_share 0.25`:
the incremental path is taken only when silver.sales' commits since the last build wrote at most this
share of its size (a larger change rebuilds in full, which then costs about the same).
Optional `--report_uri s3://<lake bucket>/report/index.html`: after a successful run (a skipped one too),
write the lake report there (lakehouse.report; Terraform sets it). It costs one pass over the ops tables
plus row counts of the bronze, quarantine and gold tables: about a fifth of a gold run's time on
`make lake`'s lake (docs/operations.md, "The lake report in AWS"); a report that cannot be written is a
warning in the job's log, never a failed run.
"""

import sys

from awsglue.context import GlueContext
from awsglue.job import Job
from awsglue.utils import getResolvedOptions
from lakehouse import gold, report, runtime
from lakehouse.config import JobConfig
from lakehouse.gold import pii

REQUIRED_ARGS = ["JOB_NAME", "lake_root", "pii_salt_parameter"]
# getResolvedOptions fails on an argument that is asked for but absent: asked for only when in argv.
OPTIONAL_ARGS = ["rebuild", "incremental_max_share", "report_uri"]


def resolve_args(argv: list[str]) -> dict:
    """REQUIRED_ARGS, plus those of OPTIONAL_ARGS (and the lease arguments) given in argv."""
    return runtime.resolve_args(getResolvedOptions, argv, REQUIRED_ARGS, OPTIONAL_ARGS)


def parse_share(text: str) -> float:
    """--incremental_max_share: a number from 0 (always full) upwards (1 or more: always incremental)."""
    try:
        share = float(text)
    except ValueError:
        share = -1.0
    if not share >= 0:
        raise ValueError(f"--incremental_max_share must be a number >= 0 (e.g. 0.25), got {text!r}")
    return share


def main(argv: list[str]) -> None:
    args = resolve_args(argv)
    config = JobConfig.from_args(args, pii_salt=pii.read_salt(args["pii_salt_parameter"]))
    rebuild = (args.get("rebuild") or "").strip().lower() == "true"
    options = {"max_share": parse_share(args["incremental_max_share"])} if args.get("incremental_max_share") else {}
    with runtime.glue_session(args, GlueContext, Job) as spark:
        print(gold.format_summary(gold.run(spark, config, rebuild=rebuild, **options)), flush=True)
    # after the run is committed and its lineage sent: the report's reads are not the gold tables' inputs
    if args.get("report_uri"):
        report.write_or_warn(spark, config.lake_root, args["report_uri"])


if __name__ == "__main__":
    main(sys.argv)
