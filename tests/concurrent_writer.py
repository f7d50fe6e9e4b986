"""Test-only: one of several drivers appending to one shared ops table in the emulated S3 at once.

    python -m tests.concurrent_writer <lake_root> <writer> <commits> <barrier_dir> <writers> [<lease_table> <wait_s>]

A job's session and lease session (lakehouse.runtime.glue_session: with a lease table, the run holds leases
in it; without, holding is a no-op: the guard switched off). The writer first appends once to a lake of
its own (so its first commit to the shared table is not slowed by class loading), writer `w0` creates
ops.pipeline_runs in <lake_root>. Then <commits> appends through ops.append_rows, the ops append that
takes the table's lease for each commit, each of ROWS rows tagged with the writer and the batch (run_id =
writer, dataset = "<writer>/b<n>", and the commit's userMetadata the same). Before each append the writer
marks itself ready in <barrier_dir>/b<n> and waits until all <writers> are: they start every batch within
a few ms of each other, from the same table version, so their commits collide.

Prints, per commit, `commit <writer> b<n> version <v>`: the version the writer's Delta log says it
committed; at the end `summary {json}` (also after a failure). Refused a lease: `refused: <message>`
and exit code 3.

With NO_S3_RETRIES_ENV set, the writer zeroes the jobs' S3 retry settings (lakehouse.runtime.S3_RETRIES)
before its first S3 access: tests/emulator/test_s3_retries.py shows they are what rides through faults.
"""

import json
import os
import sys
import time
from pathlib import Path

ROWS = 5
TABLE = "pipeline_runs"
REFUSED_EXIT = 3
NO_S3_RETRIES_ENV = "CONCURRENT_WRITER_NO_S3_RETRIES"


def rows(writer: str, batch: int) -> list[tuple]:
    from lakehouse import ops

    at = ops.now()
    return [
        (writer, "concurrent-writer", f"{writer}/b{batch}", i, i, 0, 0, at, at, 0.0, "SUCCEEDED") for i in range(ROWS)
    ]


def committed_version(spark, path: str) -> int:
    """The version of this driver's Delta log snapshot right after its commit: the version it wrote."""
    jvm = spark.sparkContext._jvm
    return (
        jvm.org.apache.spark.sql.delta.DeltaLog.forTable(spark._jsparkSession, path).unsafeVolatileSnapshot().version()
    )


def wait_for_all(barrier: Path, writer: str, writers: int, timeout: float = 300) -> None:
    """Mark this writer ready at `barrier` and return once all `writers` are (a few ms apart)."""
    barrier.mkdir(exist_ok=True)
    (barrier / writer).touch()
    deadline = time.monotonic() + timeout
    while len(list(barrier.iterdir())) < writers:
        if time.monotonic() > deadline:
            raise TimeoutError(f"{barrier}: {writers} writers did not all get ready within {timeout:.0f} s")
        time.sleep(0.002)


def main(argv: list[str]) -> int:
    lake_root, writer, commits, barrier, writers = argv[0], argv[1], int(argv[2]), Path(argv[3]), int(argv[4])
    lease_table, wait = (argv[5], argv[6]) if len(argv) > 5 else ("", "")
    from lakehouse import lease, ops, runtime
    from lakehouse.config import JobConfig

    args = {"JOB_NAME": "concurrent-writer", "JOB_RUN_ID": writer, "lake_root": lake_root}
    if lease_table:
        args.update(lease_table=lease_table, lease_wait_seconds=wait)
    config = JobConfig(lake_root, run_id=writer)
    path = config.paths.ops(TABLE)
    done: list[list] = []
    outcome = {"writer": writer, "committed": done, "refused": False, "error": None}
    try:
        with runtime.glue_session(args) as spark:
            if os.environ.get(NO_S3_RETRIES_ENV):
                conf = spark.sparkContext._jsc.hadoopConfiguration()
                for key in runtime.S3_RETRIES:
                    conf.set(key, "0")
            warm_up = JobConfig(f"{lake_root.rstrip('/')}-warmup-{writer}", run_id=writer)
            ops.append_rows(spark, warm_up, TABLE, rows(writer, -1))
            if writer == "w0":
                ops.create_missing(spark, config, [TABLE])
            for batch in range(commits):
                wait_for_all(barrier / f"b{batch}", writer, writers)
                spark.conf.set("spark.databricks.delta.commitInfo.userMetadata", f"{writer}/b{batch}")
                ops.append_rows(spark, config, TABLE, rows(writer, batch))
                version = committed_version(spark, path)
                done.append([batch, version])
                print(f"commit {writer} b{batch} version {version}", flush=True)
    except lease.LeaseRefused as refused:
        print(f"refused: {refused}", flush=True)
        outcome["refused"] = True
    except Exception as failed:  # a clear failure is an outcome too (which commits landed is reported)
        outcome["error"] = f"{type(failed).__name__}: {str(failed)[:300]}"
        raise
    finally:
        print("summary " + json.dumps({**outcome, "rows": ROWS * len(done)}), flush=True)
    return REFUSED_EXIT if outcome["refused"] else 0


if __name__ == "__main__":
    os.environ["LAKEHOUSE_RUNTIME"] = "local"
    sys.exit(main(sys.argv[1:]))
