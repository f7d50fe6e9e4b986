"""What the OpenLineage events cost a job (lakehouse.lineage): events/s of the emit alone, and the ms
each job of a local chain run spent on lineage (recording datasets, reading its commits' row counts,
building and writing START and COMPLETE) against the job's own seconds.

    .venv/bin/python bench/lineage_bench.py [--events 2000] [--rows 300] [--batches 1] [--lake /tmp/lineage_lake]

--rows 0 skips the chain run (emit figures only).
"""

import argparse
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT / "glue_jobs"), str(ROOT)]
os.environ.setdefault("LAKEHOUSE_RUNTIME", "local")


def emit_rate(n: int) -> tuple[float, float]:
    """(events/s, ms per event) of building and writing COMPLETE events like silver's (16 datasets with
    schemas, DQ assertions, row counts) through the file transport."""
    from lakehouse import lineage
    from pyspark.sql.types import LongType, StringType, StructField, StructType

    class Frame:
        schema = StructType([StructField(f"c{i}", StringType() if i % 2 else LongType()) for i in range(20)])

    folder = tempfile.mkdtemp(prefix="lineage-bench-")
    try:
        run = lineage.Run(job="silver_clean", run_id=lineage.run_uuid("jr_bench"), lake_root=folder)
        run.inputs = {f"{folder}/bronze/t{i}": Frame() for i in range(5)}
        run.outputs = {f"{folder}/silver/t{i}": Frame() for i in range(11)}
        rule = {"rule": "IsComplete x", "outcome": "Passed"}
        run.outcomes = [{"source": f"t{i % 5}", "rule_name": f"r{i}", **rule} for i in range(54)]
        lineage.start({"JOB_NAME": "bench", "lake_root": folder}, argv=[])
        transport = lineage._transport
        lineage._current = lineage._transport = None
        rows = {p: 1000 for p in run.outputs}
        t0 = time.perf_counter()
        for _ in range(n):
            transport.emit(lineage.build_event(run, "COMPLETE", rows))
        seconds = time.perf_counter() - t0
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    return n / seconds, 1000 * seconds / n


def chain_overhead(lake: Path, rows: int, batches: int) -> list[tuple[str, float, float, int]]:
    """[(job, job seconds, lineage ms, events)] of a local chain run on a fresh lake."""
    from lakehouse import lineage

    from lakehouse_local import local_run

    measured = []
    original = local_run.run_script

    def timed(name, lake_root, extra):
        before, events_before = lineage.overhead_seconds, len(lineage.read_events(lake_root))
        t0 = time.perf_counter()
        original(name, lake_root, extra)
        events = len(lineage.read_events(lake_root)) - events_before
        measured.append((name, time.perf_counter() - t0, 1000 * (lineage.overhead_seconds - before), events))

    local_run.run_script = timed
    shutil.rmtree(lake, ignore_errors=True)
    try:
        local_run.main(["--lake", str(lake), "--rows", str(rows), "--batches", str(batches)])
    finally:
        local_run.run_script = original
    return measured


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--events", type=int, default=2000)
    ap.add_argument("--rows", type=int, default=300)
    ap.add_argument("--batches", type=int, default=1)
    ap.add_argument("--lake", default="/tmp/lineage_lake")
    args = ap.parse_args()
    rate, ms = emit_rate(args.events)
    print(f"emit: {args.events} COMPLETE events (16 datasets), file transport: {rate:,.0f} events/s, {ms:.2f} ms/event")
    if args.rows:
        jobs = chain_overhead(Path(args.lake), args.rows, args.batches)
        print(f"\n{'job':<18} {'job s':>8} {'lineage ms':>11} {'share':>7} {'events':>7}")
        for name, seconds, lineage_ms, events in jobs:
            print(f"{name:<18} {seconds:8.1f} {lineage_ms:11.1f} {lineage_ms / 10 / seconds:6.2f}% {events:7d}")
        total_s, total_ms, events = sum(j[1] for j in jobs), sum(j[2] for j in jobs), sum(j[3] for j in jobs)
        print(f"{'all':<18} {total_s:8.1f} {total_ms:11.1f} {total_ms / 10 / total_s:6.2f}% {events:7d}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
