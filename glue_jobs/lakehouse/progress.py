"""Progress lines for long work: a stage's start, its end with rows and rows/s, and a heartbeat.

    with stage("silver sales") as s:
        ...
        s.rows = n_valid          # a count the code already has: never an extra Spark action

prints `[silver sales] started`; while it runs, a heartbeat `[silver sales] still running (10 s)`
after HEARTBEAT_SECONDS, the gap doubling up to a minute (at 10, 30, 70, 130, 190 s ...); at the
end `[silver sales] done in 12.3 s: 5,000 rows (406 rows/s)` (or `failed after ...`). Lines go to
stdout, flushed, so in Glue they reach the /aws-glue/jobs/output log group as the job's other
lines do.
"""

import os
import sys
import threading
import time
from contextlib import contextmanager

HEARTBEAT_SECONDS = float(os.environ.get("LAKEHOUSE_HEARTBEAT_SECONDS", "10"))
MAX_HEARTBEAT_GAP = 60.0  # a long stage says it is alive once a minute, not six times


class Stage:
    def __init__(self, name: str, rows: int | None = None):
        self.name = name
        self.rows = rows


def say(line: str) -> None:
    print(line, file=sys.stdout, flush=True)


def _rate(rows: int, seconds: float) -> str:
    return f"{rows / seconds:,.0f} rows/s" if seconds > 0 else "- rows/s"


def _heartbeat(s: Stage, t0: float, stop: threading.Event, first: float) -> None:
    gap = first
    while not stop.wait(gap):
        say(f"[{s.name}] still running ({time.monotonic() - t0:.0f} s)")
        gap = min(gap * 2, max(first, MAX_HEARTBEAT_GAP))


@contextmanager
def stage(name: str, rows: int | None = None, heartbeat: float | None = None):
    """Announce a stage; yield a Stage whose `rows` the body may set; report the end."""
    s = Stage(name, rows)
    every = HEARTBEAT_SECONDS if heartbeat is None else heartbeat
    say(f"[{name}] started")
    t0 = time.monotonic()
    stop = threading.Event()
    beat = threading.Thread(target=_heartbeat, args=(s, t0, stop, every), daemon=True)
    beat.start()
    try:
        yield s
    except BaseException:
        stop.set()
        say(f"[{name}] failed after {time.monotonic() - t0:.1f} s")
        raise
    finally:
        stop.set()
        beat.join()
    seconds = time.monotonic() - t0
    if s.rows is None:
        say(f"[{name}] done in {seconds:.1f} s")
    else:
        say(f"[{name}] done in {seconds:.1f} s: {s.rows:,} rows ({_rate(s.rows, seconds)})")


STEP_PROPERTY = "lakehouse.step"  # Spark local property naming the step that started a Spark job


@contextmanager
def spark_step(spark, name: str):
    """Label the Spark jobs started inside this block (this thread's) with `name`.

    Spark is lazy: a step's cost is the jobs its actions start, not the wall time around a transform.
    The label is the job description the Spark UI (Glue's too) shows, and a local property that jobs
    started on Spark's own threads for it (broadcasts) inherit; `bench/lake_bench.py --steps` reads
    both back from the event log to give every job, stage and cached block to its step.
    """
    sc = spark.sparkContext
    before = sc.getLocalProperty(STEP_PROPERTY)
    sc.setLocalProperty(STEP_PROPERTY, name)
    sc.setJobDescription(name)
    try:
        yield
    finally:
        sc.setLocalProperty(STEP_PROPERTY, before)
        sc.setJobDescription(before)
