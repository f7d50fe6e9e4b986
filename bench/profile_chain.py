"""Where the local chain's time goes: per job, per call site, in Spark jobs, Delta commits and seconds.

    .venv/bin/python bench/profile_chain.py [--rows 2000] [--batches 3] [--lake /tmp/profile_lake]

Runs the same chain as `make lake` (lakehouse_local.local_run, the real Glue scripts) on a fresh
lake and prints:
- per chain job (batch × job): wall seconds, Spark jobs started, Delta commits made; then the
  same jobs re-run with no new files (the idempotent re-run) and its share of the full chain;
- per call site in the package: every Spark action, Delta write/MERGE/history/manifest and DQDL
  evaluation, with its count, seconds and Spark jobs, attributed to the innermost `lakehouse`
  function that made it. Time not covered by those calls is Python/JVM round trips and planning.

Also prints the DQ step (lakehouse.dq.evaluate) against one plain count of the same input frame
(the issue's yardstick) and against one full read of it (every column, Spark's no-op sink).

Spark jobs are counted from the SparkContext's job ids, Delta commits from the _delta_log/*.json
files that appear under the lake. Instrumentation wraps the calls from outside; the code under
measurement is not changed.
"""

import argparse
import os
import shutil
import sys
import time
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT / "glue_jobs"), str(ROOT)]
os.environ.setdefault("LAKEHOUSE_RUNTIME", "local")

CALLS: dict = defaultdict(lambda: [0, 0.0, 0])  # (site, call) → [count, seconds, spark jobs]
_depth = [0]


def spark_jobs() -> int:
    """Spark jobs started so far in this process (job ids are sequential)."""
    from pyspark import SparkContext

    sc = SparkContext._active_spark_context
    if sc is None:
        return 0
    ids = sc.statusTracker().getJobIdsForGroup(None)
    return max(ids) + 1 if ids else 0


def call_site() -> str:
    f = sys._getframe(2)
    while f is not None:
        name = f.f_code.co_filename
        if "/lakehouse/" in name and "/lakehouse_local/" not in name:
            module = name.split("/lakehouse/", 1)[1].removesuffix(".py").replace("/", ".")
            return f"{module}.{f.f_code.co_name}"
        f = f.f_back
    return "(outside the package)"


def wrap(owner, attr: str, label: str) -> None:
    original = getattr(owner, attr)

    def measured(*args, **kwargs):
        if _depth[0]:  # nested inside a measured call: counted by the outer one
            return original(*args, **kwargs)
        site = call_site()
        _depth[0] += 1
        jobs, t = spark_jobs(), time.perf_counter()
        try:
            return original(*args, **kwargs)
        finally:
            _depth[0] -= 1
            entry = CALLS[(site, label)]
            entry[0] += 1
            entry[1] += time.perf_counter() - t
            entry[2] += spark_jobs() - jobs

    setattr(owner, attr, measured)


def instrument() -> None:
    from delta.tables import DeltaMergeBuilder, DeltaTable
    from pyspark.sql import DataFrame, DataFrameWriter

    for attr in ("count", "collect", "first", "take", "toPandas", "toLocalIterator"):
        wrap(DataFrame, attr, f"DataFrame.{attr}")
    wrap(DataFrameWriter, "save", "write (Delta)")
    wrap(DataFrameWriter, "parquet", "write (Parquet export)")
    wrap(DeltaMergeBuilder, "execute", "Delta MERGE")
    wrap(DeltaTable, "isDeltaTable", "DeltaTable.isDeltaTable")
    wrap(DeltaTable, "history", "DeltaTable.history")
    wrap(DeltaTable, "generate", "Delta manifest")
    from pydeequ.dqdl import EvaluateDataQuality

    wrap(EvaluateDataQuality, "processRows", "DQDL processRows")


DQ: list = []  # (entity, seconds of dq.evaluate, of one count of the same input, of one full read of it)
REFERENCE = [0.0, 0]  # seconds and Spark jobs of those reference scans: taken out of the job figures


def measure_dq() -> None:
    """Time each DQ step (lakehouse.dq.evaluate) and, right after it, one plain count of its input
    and one full read of it.

    The full read (every column into Spark's no-op sink) is the issue's yardstick ("DQ costs < 1.5x
    one scan of its input"); the count is printed beside it: on a cached input it reads no values.
    Both run after the step so the job's own path is unchanged, and their time and jobs are removed
    from the job figures.
    """
    from lakehouse import dq

    original = dq.evaluate

    def measured(spark, df, contract, *args):
        t = time.perf_counter()
        result = original(spark, df, contract, *args)
        step = time.perf_counter() - t
        _depth[0] += 1  # not a call of the package: keep it out of the call-site table
        jobs, t = spark_jobs(), time.perf_counter()
        try:
            df.count()
            scan, t = time.perf_counter() - t, time.perf_counter()
            df.write.format("noop").mode("overwrite").save()
            read = time.perf_counter() - t
        finally:
            _depth[0] -= 1
        REFERENCE[0] += scan + read
        REFERENCE[1] += spark_jobs() - jobs
        DQ.append((contract.entity, step, scan, read))
        return result

    dq.evaluate = measured


def run_job(label: str, lake: Path, name: str, extra: dict) -> tuple:
    """(label, seconds, Spark jobs, Delta commits) of one chain job, reference scans excluded."""
    from lakehouse_local import local_run

    ref, jobs, commits, t = list(REFERENCE), spark_jobs(), delta_commits(lake), time.perf_counter()
    local_run.run_script(name, str(lake), extra)
    secs = time.perf_counter() - t - (REFERENCE[0] - ref[0])
    return label, secs, spark_jobs() - jobs - (REFERENCE[1] - ref[1]), delta_commits(lake) - commits


def delta_commits(lake: Path) -> int:
    return sum(1 for _ in lake.glob("**/_delta_log/*.json"))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--rows", type=int, default=2000)
    ap.add_argument("--batches", type=int, default=3)
    ap.add_argument("--lake", default="/tmp/profile_lake")
    args = ap.parse_args()

    from lakehouse_local import local_run

    local_run.use_sample_lake_defaults()  # as `make lake` runs
    instrument()
    measure_dq()
    lake = Path(args.lake)
    shutil.rmtree(lake, ignore_errors=True)
    lake.mkdir(parents=True)
    local_run.ensure_sample(lake / "sample", args.rows, args.batches, 7)
    per_job = []
    for batch in range(1, args.batches + 1):
        local_run.deliver(lake / "sample", lake, batch)
        for name, extra in local_run.chain_jobs():
            per_job.append(run_job(f"batch {batch} {name}", lake, name, extra))
            label, secs, n_jobs, n_commits = per_job[-1]
            print(f"PROFILE job: {label} {secs:.1f} s, {n_jobs} Spark jobs, {n_commits} Delta commits", flush=True)

    chain_calls = {k: list(v) for k, v in CALLS.items()}  # the call-site and DQ tables are the full chain's
    chain_dq = list(DQ)
    rerun = []  # the same command again with no new files: ledger, processed batches and gold's skip
    for name, extra in local_run.chain_jobs():
        rerun.append(run_job(f"re-run {name}", lake, name, extra))

    print(f"\nPROFILE  rows={args.rows} batches={args.batches}  load average {os.getloadavg()[0]:.2f}")
    print(f"{'job':<28} {'seconds':>8} {'spark jobs':>11} {'delta commits':>14}")
    for name, secs, jobs, commits in per_job:
        print(f"{name:<28} {secs:8.1f} {jobs:11d} {commits:14d}")
    total = [sum(x[i] for x in per_job) for i in (1, 2, 3)]
    print(f"{'chain total':<28} {total[0]:8.1f} {total[1]:11d} {total[2]:14d}")
    for name, secs, jobs, commits in rerun:
        print(f"{name:<28} {secs:8.1f} {jobs:11d} {commits:14d}")
    again = sum(x[1] for x in rerun)
    print(f"{'re-run total':<28} {again:8.1f}   ({100 * again / total[0]:.0f} % of the full chain; target < 10 %)")

    print(f"\n{'call site':<44} {'call':<26} {'n':>5} {'seconds':>8} {'jobs':>6}")
    for (site, label), (n, secs, jobs) in sorted(chain_calls.items(), key=lambda kv: -kv[1][1]):
        print(f"{site:<44} {label:<26} {n:5d} {secs:8.1f} {jobs:6d}")
    covered = sum(v[1] for v in chain_calls.values())
    print(f"{'measured calls':<71} {covered:8.1f}")
    print(f"{'rest (planning, Python/JVM round trips)':<71} {total[0] - covered:8.1f}")
    if chain_dq:
        step, scan, read = (sum(x[i] for x in chain_dq) for i in (1, 2, 3))
        print(f"\nDQ step (dq.evaluate, {len(chain_dq)} calls) {step:.1f} s vs one full read of its input {read:.1f} s")
        print(f"  ratio {step / read:.1f}x (issue target < 1.5x, at `make bench` scale)", end="")
        print(f"; vs one count {scan:.1f} s: {step / scan:.1f}x")
        for entity in sorted({x[0] for x in chain_dq}):
            e_step, e_scan, e_read = (sum(x[i] for x in chain_dq if x[0] == entity) for i in (1, 2, 3))
            print(
                f"  {entity:<14} {e_step:6.1f} s vs read {e_read:6.1f} s = {e_step / e_read:5.1f}x,"
                f" vs count {e_scan:6.1f} s = {e_step / e_scan:5.1f}x"
            )


if __name__ == "__main__":
    main()
