"""Glue job: bronze → silver with DQDL checks, quarantine and MERGE (see lakehouse.silver).

With --replay_entity it replays that entity's quarantined rows instead (see lakehouse.replay),
optionally only those of --replay_rule and/or --replay_batch:
    aws glue start-job-run --job-name <prefix>-silver-clean --arguments '{"--replay_entity":"sales"}'
"""

import sys

from awsglue.context import GlueContext
from awsglue.job import Job
from awsglue.utils import getResolvedOptions
from lakehouse import replay, runtime, silver
from lakehouse.config import JobConfig

REQUIRED_ARGS = ["JOB_NAME", "lake_root", "sources"]
# getResolvedOptions fails on an argument that is asked for but absent, so these are asked for only
# when present in argv.
OPTIONAL_ARGS = ["replay_entity", "replay_rule", "replay_batch"]


def resolve_args(argv: list[str]) -> dict:
    """REQUIRED_ARGS, plus those of OPTIONAL_ARGS (and the lease arguments) given in argv."""
    return runtime.resolve_args(getResolvedOptions, argv, REQUIRED_ARGS, OPTIONAL_ARGS)


def replay_request(args: dict) -> dict | None:
    """replay.run's keyword arguments when the run is a replay (--replay_entity given), else None."""
    entity, rule, batch_id = ((args.get(a) or "").strip() or None for a in OPTIONAL_ARGS)
    if not entity:
        if rule or batch_id:
            raise ValueError("--replay_rule and --replay_batch filter a replay: give --replay_entity too")
        return None
    return {"entity": entity, "rule": rule, "batch_id": batch_id}


def main(argv: list[str]) -> None:
    args = resolve_args(argv)
    request = replay_request(args)
    config = JobConfig.from_args(args)
    with runtime.glue_session(args, GlueContext, Job) as spark:
        if request:
            print("\n".join(replay.run(spark, config, **request).lines()), flush=True)
            return
        for result in silver.run(spark, config):
            print(
                f"silver {result['entity']}: in {result['rows_in']}, valid {result['valid']}, "
                f"quarantined {result['quarantined']}, duplicates "
                f"{result['exact_duplicates'] + result['superseded']}"
            )


if __name__ == "__main__":
    main(sys.argv)
