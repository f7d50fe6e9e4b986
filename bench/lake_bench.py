"""Spark (the real Glue jobs) against DuckDB (the same rules in SQL) on one generated lake, stage by stage.

    .venv/bin/python bench/lake_bench.py [--rows 5000000] [--scales 500000,5000000,20000000] [--out /tmp/lake_bench]

Data: the sample generator writes one batch of --base-rows sales (with every fault kind, plus
products, fx_rates, customers and web_events); its pos_sales drop is then replicated with
prefixed transaction ids up to --rows sales lines, in files of at most --file-rows lines (other
sources stay at generator size). Each engine runs in its own process, so its peak memory is its own:
- spark:  bronze_ingest → silver_clean → gold_aggregates, the real scripts through the local runner,
          then the same three again with no new files (the idempotent re-run);
- duckdb: bench/duckdb_lake.py (an independent SQL implementation of the sales path);
- lean:   bench/duckdb_lean.py (bronze + silver's row work alone, from the contract files: the leanest
          correct reference), its counts checked against silver's ops.pipeline_runs.
With --steps, silver's entities run one at a time and its Spark jobs are attributed to steps
(lakehouse.progress.spark_step labels, read back from Spark's event log): see docs/performance.md.
Printed per stage and in total: wall seconds, sales rows/s, peak memory (MB), the Spark/DuckDB ratio;
then gold daily_sales and product_performance compared row by row to the cent (a mismatch fails the
run); then the Glue cost estimate. Figures go to <out>/bench.json and the chart to <out>/bench.png.
"""

import argparse
import contextlib
import json
import math
import os
import resource
import shutil
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT / "glue_jobs"), str(ROOT), str(ROOT / "bench")]

STAGES = ("bronze", "silver", "gold")
SPARK_JOBS = {
    "bronze": ("bronze_ingest", {"--sources": "all"}),
    "silver": ("silver_clean", {"--sources": "all"}),
    "gold": ("gold_aggregates", {"--pii_salt_parameter": "local"}),
}


# ---------- data ----------
def make_data(out: Path, rows: int, base_rows: int, file_rows: int) -> dict:
    """Generator batch of base_rows, pos_sales replicated to `rows` lines; returns what was written."""
    from lakehouse_local.sample_data import generate

    sample, landing = out / "sample", out / "lake" / "landing"
    shutil.rmtree(out / "lake", ignore_errors=True)
    if not (sample / "ledger.json").exists() or json.loads((sample / "ledger.json").read_text())["rows"] != base_rows:
        shutil.rmtree(sample, ignore_errors=True)
        generate(sample, rows=base_rows, batches=1, seed=7)
    for src in sorted((sample / "drops" / "001").glob("*/*")):
        if src.parent.name != "pos_sales":
            dest = landing / src.parent.name / "001" / src.name
            dest.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(src, dest)
    lines = (sample / "drops" / "001" / "pos_sales" / "pos_sales_001.csv").read_text().splitlines()
    header, body = lines[0], lines[1:]
    copies = max(1, math.ceil(rows / len(body)))
    written, part, fh = 0, 0, None
    for k in range(copies):
        prefix = f"K{k:05d}"
        for line in body:
            if written % file_rows == 0:
                if fh:
                    fh.close()
                part += 1
                path = landing / "pos_sales" / "001" / f"pos_sales_001_part{part:04d}.csv"
                path.parent.mkdir(parents=True, exist_ok=True)
                fh = path.open("w", encoding="utf-8")
                fh.write(header + "\n")
            fh.write((prefix + line if line.startswith("T") else line) + "\n")  # a NULL id stays NULL
            written += 1
    fh.close()
    return {"sales_lines": written, "copies": copies, "files": part, "base_rows": base_rows}


# ---------- engines (each in its own process) ----------
def cpu_seconds(pid: int | None = None) -> float:
    """CPU seconds (user + system) a process has used so far; this process when pid is None.

    On a machine other work shares, wall seconds stretch with the load; CPU seconds much less so.
    """
    if pid is None:
        usage = resource.getrusage(resource.RUSAGE_SELF)
        return usage.ru_utime + usage.ru_stime
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")  # utime, stime


def peak_mb(pid: int | None = None) -> float:
    """Peak resident memory (VmHWM) of a process, MB; this process when pid is None."""
    if pid is None:
        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return 0.0


def engine_spark(lake: str) -> dict:
    os.environ.setdefault("LAKEHOUSE_RUNTIME", "local")
    os.environ.setdefault("LAKEHOUSE_PII_SALT", "bench-salt")
    import profile_chain
    from lakehouse.runtime import get_spark

    from lakehouse_local import local_run

    event_log = os.environ.get(STEPS_ENV)
    if event_log:  # before the session starts: the JVM reads these at launch
        os.environ["PYSPARK_SUBMIT_ARGS"] = (
            f"--conf spark.eventLog.enabled=true --conf spark.eventLog.dir=file:{event_log} "
            "--conf spark.eventLog.logBlockUpdates.enabled=true pyspark-shell"
        )
    jvm = get_spark("lake-bench").sparkContext._gateway.proc.pid  # the jobs reuse this session
    if not event_log:  # --steps: the profile attributes the DQ step itself
        profile_chain.measure_dq()  # the DQ step against one scan of its input, taken out of silver's time
    result = {}
    runs = (("", STAGES[:2]),) if event_log else (("", STAGES), ("rerun_", STAGES))  # --steps: bronze + silver
    for label, stages in runs:
        for stage in stages:
            job, extra = SPARK_JOBS[stage]
            profiled = event_log and not label and stage == "silver"
            first_job, cpu = profile_chain.spark_jobs(), cpu_seconds() + cpu_seconds(jvm)
            reference, t = profile_chain.REFERENCE[0], time.perf_counter()
            with silver_steps_timed() if profiled else contextlib.nullcontext():
                local_run.run_script(job, lake, extra)
            seconds = time.perf_counter() - t - (profile_chain.REFERENCE[0] - reference)
            result[label + stage] = {
                "seconds": seconds,
                "peak_mb": peak_mb() + peak_mb(jvm),
                "cpu_seconds": cpu_seconds() + cpu_seconds(jvm) - cpu,
            }
            if profiled:
                silver_jobs = (first_job, profile_chain.spark_jobs())
    if event_log:
        get_spark().sparkContext.stop()  # flushes and closes the event log
        result["silver_jobs"] = silver_jobs
        result["steps"] = step_profile(next(Path(event_log).glob("*")), *silver_jobs, STEP_WALL)
    result["dq"] = [
        {"entity": e, "dq_seconds": step, "scan_seconds": scan, "read_seconds": read}
        for e, step, scan, read in profile_chain.DQ
    ]
    return result


# ---------- --steps: silver per step, from Spark's event log ----------
STEPS_ENV = "LAKEHOUSE_BENCH_EVENT_LOG"  # the spark engine's event-log folder when --steps is on
STEP_WALL: dict = {}  # step → wall seconds inside its spark_step block (jobs + planning + driver work)


@contextlib.contextmanager
def silver_steps_timed():
    """Silver's entities one at a time (so steps do not overlap) and each spark_step block's wall time."""
    from lakehouse import parallel, silver

    run_concurrently, spark_step = parallel.run_concurrently, silver.spark_step

    nested = [0.0]  # wall time of the blocks inside the open one (the job-wide block holds the others)

    @contextlib.contextmanager
    def timed(spark, name):
        t, outer = time.perf_counter(), nested[0]
        nested[0] = 0.0
        with spark_step(spark, name):
            yield
        spent = time.perf_counter() - t
        STEP_WALL[name] = STEP_WALL.get(name, 0.0) + spent - nested[0]
        nested[0] = outer + spent

    parallel.run_concurrently = lambda items, deps, work: run_concurrently(items, deps, work, workers=1)
    silver.spark_step = timed
    try:
        yield
    finally:
        parallel.run_concurrently, silver.spark_step = run_concurrently, spark_step


def _metrics(stage: dict) -> dict:
    acc = {a["Name"]: a.get("Value") for a in stage.get("Accumulables", []) if "Name" in a}

    def n(name):
        try:
            return int(float(acc.get(f"internal.metrics.{name}", 0) or 0))
        except (TypeError, ValueError):
            return 0

    return {
        "task_s": n("executorRunTime") / 1000,
        "cpu_s": n("executorCpuTime") / 1e9,
        "gc_s": n("jvmGCTime") / 1000,
        "rows_read": n("input.recordsRead"),
        "bytes_read": n("input.bytesRead"),
        "shuffle_write": n("shuffle.write.bytesWritten"),
        "shuffle_read": n("shuffle.read.remoteBytesRead") + n("shuffle.read.localBytesRead"),
        "shuffle_rows": n("shuffle.read.recordsRead"),
        "rows_written": n("output.recordsWritten"),
        "bytes_written": n("output.bytesWritten"),
    }


def step_profile(log: Path, first_job: int, end_job: int, wall: dict) -> dict:
    """Per step of silver (the lakehouse.step property of the jobs with ids in [first_job, end_job)):
    wall seconds of its block, seconds in its Spark jobs (union of their intervals), jobs, task seconds,
    rows and bytes read / shuffled / written, bytes cached; and per stage, the operators it ran."""
    from lakehouse.progress import STEP_PROPERTY

    jobs, stages, blocks = {}, {}, {}
    for line in log.open():
        e = json.loads(line)
        kind = e["Event"]
        if kind == "SparkListenerJobStart" and first_job <= e["Job ID"] < end_job:
            props = e.get("Properties") or {}
            step = props.get(STEP_PROPERTY) or "(no step: unlabelled jobs)"
            jobs[e["Job ID"]] = {"step": step, "start": e["Submission Time"], "end": None, "stages": e["Stage IDs"]}
            if "broadcast exchange" in (props.get("spark.job.description") or ""):
                jobs[e["Job ID"]]["broadcast"] = True
        elif kind == "SparkListenerJobEnd" and e["Job ID"] in jobs:
            jobs[e["Job ID"]]["end"] = e["Completion Time"]
        elif kind == "SparkListenerStageCompleted":
            info = e["Stage Info"]
            ops = []
            for rdd in info.get("RDD Info", []):
                name = json.loads(rdd["Scope"])["name"] if rdd.get("Scope") else ""
                name = name.split(" (")[0]
                if name and name not in ops and not name.startswith(("WholeStageCodegen", "mapPartitions")):
                    ops.append(name)
            seconds = ((info.get("Completion Time") or 0) - (info.get("Submission Time") or 0)) / 1000
            cached = [
                r["RDD ID"]
                for r in info.get("RDD Info", [])
                if any((r.get("Storage Level") or {}).get(k) for k in ("Use Memory", "Use Disk"))
            ]
            stages[info["Stage ID"]] = {"seconds": seconds, "tasks": info.get("Number of Tasks"), "ops": ops}
            stages[info["Stage ID"]].update(_metrics(info), cached=cached)
        elif kind == "SparkListenerBlockUpdated":
            b = e["Block Updated Info"]
            size = (b.get("Memory Size") or 0) + (b.get("Disk Size") or 0)
            if b["Block ID"].startswith("rdd_") and size:  # a cached partition stored (0: removed)
                blocks[b["Block ID"]] = size
    steps: dict = {}
    for job_id, job in sorted(jobs.items()):
        s = steps.setdefault(job["step"], {"intervals": [], "jobs": 0, "stages": [], "cached_bytes": 0})
        s["jobs"] += 1
        s["intervals"].append((job["start"], job["end"] or job["start"]))
        for sid in job["stages"]:
            if sid in stages:  # a stage skipped (its shuffle output reused) never completes
                s["stages"].append({"id": sid, "job": job_id, "broadcast": job.get("broadcast", False), **stages[sid]})
    filled_by: dict = {}  # cached RDD → the step whose job first ran a stage holding it (the one that filled it)
    for job in sorted(jobs.items()):
        for sid in job[1]["stages"]:
            for rdd in stages.get(sid, {}).get("cached", []):
                filled_by.setdefault(rdd, job[1]["step"])
    for block_id, size in blocks.items():
        step = filled_by.get(int(block_id.split("_")[1]))
        if step in steps:
            steps[step]["cached_bytes"] += size
    for name, s in steps.items():
        covered, end = 0, 0
        for a, b in sorted(s.pop("intervals")):
            covered += max(0, b - max(a, end))
            end = max(end, b)
        s["job_seconds"] = covered / 1000
        s["wall_seconds"] = wall.get(name)
        for key in (
            "task_s",
            "cpu_s",
            "gc_s",
            "rows_read",
            "bytes_read",
            "shuffle_write",
            "rows_written",
            "bytes_written",
        ):
            s[key] = sum(st[key] for st in s["stages"])
    return steps


def print_steps(steps: dict, silver_seconds: float) -> None:
    mb = 1024 * 1024
    print("\nSILVER STEPS (one entity at a time; Spark jobs by their lakehouse.step label, from the event log)")
    print(
        f"{'step':<78} {'wall s':>7} {'jobs s':>7} {'jobs':>4} {'task s':>7} {'cpu s':>6} {'gc s':>5} "
        f"{'rows in':>11} {'MB in':>7} "
        f"{'shuf MB':>8} {'rows out':>10} {'MB out':>7} {'cache MB':>8}"
    )
    order = sorted(steps, key=lambda k: -(steps[k]["wall_seconds"] or steps[k]["job_seconds"]))
    for name in order:
        s = steps[name]
        wall = f"{s['wall_seconds']:7.1f}" if s["wall_seconds"] is not None else f"{'-':>7}"
        print(
            f"{name[:78]:<78} {wall} {s['job_seconds']:7.1f} {s['jobs']:4d} {s['task_s']:7.1f} {s['cpu_s']:6.1f} "
            f"{s['gc_s']:5.1f} "
            f"{s['rows_read']:11,d} "
            f"{s['bytes_read'] / mb:7.0f} {s['shuffle_write'] / mb:8.0f} {s['rows_written']:10,d} "
            f"{s['bytes_written'] / mb:7.0f} {s['cached_bytes'] / mb:8.0f}"
        )
        for st in s["stages"]:
            if st["seconds"] >= 0.5 or name == order[0]:
                kind = "broadcast " if st["broadcast"] else ""
                print(
                    f"    stage {st['id']:>4} ({kind}job {st['job']}, {st['tasks']} tasks) {st['seconds']:6.1f} s, "
                    f"task {st['task_s']:.1f} s (cpu {st['cpu_s']:.1f}), shuffle w/r {st['shuffle_write'] / mb:.0f}/"
                    f"{st['shuffle_read'] / mb:.0f} MB"
                    f": {' > '.join(st['ops'])[:90]}"
                )
    labelled = sum(s["wall_seconds"] or 0 for s in steps.values())
    print(f"{'steps total (wall in the labelled blocks)':<78} {labelled:7.1f}   silver stage {silver_seconds:.1f} s")


def duckdb_database(lake: str, folder: str):
    """(a fresh folder under the lake, a DuckDB database file in it): each DuckDB engine's own."""
    import duckdb

    out = Path(lake) / folder
    shutil.rmtree(out, ignore_errors=True)
    out.mkdir(parents=True)
    con = duckdb.connect(str(out / f"{folder}.duckdb"))
    con.execute("SET enable_progress_bar = false")
    return out, con


def engine_duckdb(lake: str) -> dict:
    import duckdb_lake

    out, con = duckdb_database(lake, "duckdb")
    landing = f"{lake}/landing"
    steps = {
        "bronze": lambda: {
            s: duckdb_lake.bronze(con, landing, s, str(out)) for s in ("pos_sales", "products", "fx_rates")
        },
        "silver": lambda: duckdb_lake.run_silver(con, str(out)),
        "gold": lambda: duckdb_lake.run_gold(con, str(out)),
    }
    result = {}
    for stage in STAGES[:2] if os.environ.get(STEPS_ENV) else STAGES:
        t, cpu = time.perf_counter(), cpu_seconds()
        counts = steps[stage]()
        result[stage] = {
            "seconds": time.perf_counter() - t,
            "peak_mb": peak_mb(),
            "counts": counts,
            "cpu_seconds": cpu_seconds() - cpu,
        }
    return result


LEAN_SOURCES = ("products", "pos_sales", "fx_rates")  # the CSV sources of the sales path


def engine_lean(lake: str) -> dict:
    """bench/duckdb_lean.py: bronze + silver's row work only, from the contract files (its own process)."""
    import duckdb_lean

    _, con = duckdb_database(lake, "duckdb_lean")
    t, cpu = time.perf_counter(), cpu_seconds()
    counts = duckdb_lean.run(con, str(ROOT / "contracts"), f"{lake}/landing", list(LEAN_SOURCES))
    seconds = time.perf_counter() - t
    return {"seconds": seconds, "peak_mb": peak_mb(), "counts": counts, "cpu_seconds": cpu_seconds() - cpu}


def pipeline_runs(lake: Path, where: str) -> list[tuple]:
    """(job, dataset, rows in, rows out, quarantined, dropped, seconds) of the ops.pipeline_runs rows matching
    the SQL condition `where`, read from the table's Parquet files with DuckDB (append-only: no file removed)."""
    import duckdb

    return duckdb.sql(
        "SELECT job, dataset, rows_in, rows_out, rows_quarantined, duplicates_dropped, seconds "
        f"FROM read_parquet('{lake}/ops/pipeline_runs/**/*.parquet') WHERE {where}"
    ).fetchall()


def silver_counts(lake: Path) -> dict:
    """{entity: (rows in, valid, quarantined, dropped)} of the first silver run, from ops.pipeline_runs' files."""
    return {r[1]: r[2:6] for r in pipeline_runs(lake, "job = 'silver_clean' AND rows_in > 0")}


# Sales lines per local shuffle partition, at most. The 5 M run's 4 partitions (1.25 M each) fit the 3 GB
# driver; with 4 at 20 M (5 M each) silver's two tasks each unrolled a cached partition of 700+ MB at once and
# the heap ran out ("GC overhead limit exceeded"). Spark's tuning guide: more tasks, smaller working sets.
ROWS_PER_SHUFFLE_PARTITION = 1_500_000


def shuffle_partitions(sales_lines: int) -> str:
    """LAKEHOUSE_SHUFFLE_PARTITIONS for a scale: the runtime's, more when the sales lines need them; set wins."""
    from lakehouse.runtime import SHUFFLE_PARTITIONS

    chosen = os.environ.get("LAKEHOUSE_SHUFFLE_PARTITIONS")
    if chosen is None:
        return str(max(SHUFFLE_PARTITIONS, math.ceil(sales_lines / ROWS_PER_SHUFFLE_PARTITION)))
    if not chosen.isdigit() or int(chosen) < 1:
        raise SystemExit(f"LAKEHOUSE_SHUFFLE_PARTITIONS={chosen!r}: expected a whole number of partitions, 1 or more")
    return chosen


def run_engine(engine: str, lake: Path, env: dict | None = None) -> dict:
    figures = lake / f"{engine}.json"
    log = lake.parent / f"{engine}.log"
    cmd = [sys.executable, "-u", __file__, "--engine", engine, "--lake", str(lake)]
    pipe = {"stdout": subprocess.PIPE, "stderr": subprocess.STDOUT, "text": True, "env": {**os.environ, **(env or {})}}
    with log.open("w", buffering=1) as fh, subprocess.Popen(cmd, **pipe) as p:  # line-buffered: readable while it runs
        for line in p.stdout:  # everything to the log; the jobs' progress lines to the terminal too
            fh.write(line)
            if line.startswith("["):
                print(f"  {engine}: {line.rstrip()}", flush=True)
    if p.returncode:
        raise SystemExit(f"the {engine} run failed (exit {p.returncode}); its output is in {log}")
    return json.loads(figures.read_text())


# ---------- checks, cost, report ----------
def compare_gold(lake: Path) -> dict:
    """Spark's gold (the Parquet export of the current Delta snapshot) against DuckDB's, to the cent."""
    import duckdb

    con = duckdb.connect()
    checks = {
        "daily_sales": (["sale_date", "store_id", "category"], ["orders", "units", "revenue_usd", "unconverted_sales"]),
        "product_performance": (["month", "product_id"], ["orders", "units", "revenue_usd", "category_rank"]),
    }
    report = {}
    for table, (keys, values) in checks.items():
        spark_t = f"read_parquet('{lake}/exports/{table}/*.parquet')"
        duck_t = f"read_parquet('{lake}/duckdb/gold_{table}.parquet')"
        on = " AND ".join(f"s.{k} IS NOT DISTINCT FROM d.{k}" for k in keys)
        differs = " OR ".join(f"s.{v} IS DISTINCT FROM d.{v}" for v in values)
        n_spark = con.execute(f"SELECT count(*) FROM {spark_t}").fetchone()[0]
        n_duck = con.execute(f"SELECT count(*) FROM {duck_t}").fetchone()[0]
        bad = con.execute(
            f"WITH s AS (SELECT *, true AS _in FROM {spark_t}), d AS (SELECT *, true AS _in FROM {duck_t}) "
            f"SELECT count(*) FROM s FULL OUTER JOIN d ON {on} WHERE s._in IS NULL OR d._in IS NULL OR {differs}"
        ).fetchone()[0]
        total_spark = con.execute(f"SELECT sum(revenue_usd), sum(orders) FROM {spark_t}").fetchone()
        total_duck = con.execute(f"SELECT sum(revenue_usd), sum(orders) FROM {duck_t}").fetchone()
        report[table] = {
            "rows_spark": n_spark,
            "rows_duckdb": n_duck,
            "mismatched_rows": bad,
            "revenue_usd_spark": str(total_spark[0]),
            "revenue_usd_duckdb": str(total_duck[0]),
            "orders_spark": total_spark[1],
            "orders_duckdb": total_duck[1],
        }
    return report


def chart(result: dict, path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(7, 4))
    x = range(len(STAGES))
    ax.bar([i - 0.2 for i in x], [result["spark"][s]["seconds"] for s in STAGES], 0.4, label="Spark (Glue jobs)")
    ax.bar([i + 0.2 for i in x], [result["duckdb"][s]["seconds"] for s in STAGES], 0.4, label="DuckDB")
    ax.set_xticks(list(x), STAGES)
    ax.set_ylabel("wall seconds")
    ax.set_title(f"{result['data']['sales_lines']:,} sales lines per stage")
    ax.legend()
    fig.tight_layout()
    fig.savefig(path)


def bench_scale(out: Path, rows: int, base_rows: int, file_rows: int, steps: bool = False) -> dict:
    t = time.perf_counter()
    data = make_data(out, rows, base_rows, file_rows)
    data["seconds"] = time.perf_counter() - t
    lake = out / "lake"
    partitions = shuffle_partitions(data["sales_lines"])
    result = {"data": data, "load_average": os.getloadavg()[0], "shuffle_partitions": int(partitions)}
    print(f"spark: {partitions} shuffle partitions (LAKEHOUSE_SHUFFLE_PARTITIONS)", flush=True)
    env = {"LAKEHOUSE_SHUFFLE_PARTITIONS": partitions}
    if steps:
        event_log = out / "event_log"
        shutil.rmtree(event_log, ignore_errors=True)
        event_log.mkdir(parents=True)
        env[STEPS_ENV] = str(event_log)
    result["spark"] = run_engine("spark", lake, env)
    result["duckdb"] = run_engine("duckdb", lake, {STEPS_ENV: env[STEPS_ENV]} if steps else None)
    result["lean"] = run_engine("lean", lake)
    stages = STAGES[:2] if steps else STAGES  # --steps: bronze + silver only (no gold, no re-run)
    result["gold_check"] = {} if steps else compare_gold(lake)
    n = data["sales_lines"]
    print(f"\nBENCH  {n:,} sales lines ({data['files']} files)   load average {result['load_average']:.2f}")
    print(
        f"{'stage':<8} {'spark s':>9} {'duckdb s':>9} {'ratio':>7} {'spark rows/s':>13} {'duckdb rows/s':>14} "
        f"{'spark MB':>9} {'duckdb MB':>10}"
    )
    totals = {"spark": 0.0, "duckdb": 0.0}
    for stage in stages:
        s, d = result["spark"][stage], result["duckdb"][stage]
        totals["spark"] += s["seconds"]
        totals["duckdb"] += d["seconds"]
        print(
            f"{stage:<8} {s['seconds']:9.1f} {d['seconds']:9.2f} {s['seconds'] / d['seconds']:7.1f} "
            f"{n / s['seconds']:13,.0f} {n / d['seconds']:14,.0f} {s['peak_mb']:9.0f} {d['peak_mb']:10.0f}"
        )
    peak = {e: max(result[e][s]["peak_mb"] for s in stages) for e in totals}
    print(
        f"{'total':<8} {totals['spark']:9.1f} {totals['duckdb']:9.2f} {totals['spark'] / totals['duckdb']:7.1f} "
        f"{n / totals['spark']:13,.0f} {n / totals['duckdb']:14,.0f} {peak['spark']:9.0f} {peak['duckdb']:10.0f}"
    )
    lean, spark_bs = result["lean"], sum(result["spark"][s]["seconds"] for s in ("bronze", "silver"))
    duck_bs = sum(result["duckdb"][s]["seconds"] for s in ("bronze", "silver"))
    cpu = {e: sum(result[e][s].get("cpu_seconds", 0) for s in ("bronze", "silver")) for e in ("spark", "duckdb")}
    cpu["lean"] = lean.get("cpu_seconds", 0)
    if all(cpu.values()):
        print(
            f"bronze + silver CPU seconds (user + system): spark {cpu['spark']:.1f}, duckdb sales path "
            f"{cpu['duckdb']:.1f} ({cpu['spark'] / cpu['duckdb']:.1f}x), lean {cpu['lean']:.1f} "
            f"({cpu['spark'] / cpu['lean']:.1f}x)"
        )
    print(
        f"bronze + silver: spark {spark_bs:.1f} s; duckdb sales path {duck_bs:.2f} s ({spark_bs / duck_bs:.1f}x); "
        f"lean reference (bench/duckdb_lean.py: {', '.join(LEAN_SOURCES)}) {lean['seconds']:.2f} s "
        f"({spark_bs / lean['seconds']:.1f}x), {n / lean['seconds']:,.0f} sales rows/s, peak {lean['peak_mb']:.0f} MB"
    )
    spark_counts = silver_counts(lake)
    for entity, c in lean["counts"].items():
        mine = (c["rows_in"], c["valid"], c["quarantined"], c["exact_duplicates"] + c["superseded"])
        same = "same" if spark_counts.get(entity) == mine else "DIFFER"
        result["lean_differs"] = result.get("lean_differs", []) + ([entity] if same != "same" else [])
        print(
            f"  {entity} rows in / valid / quarantined / dropped: spark {spark_counts.get(entity)}, lean {mine}: {same}"
        )
    result["totals"] = {**totals, "ratio": totals["spark"] / totals["duckdb"], "lean_ratio": spark_bs / lean["seconds"]}
    if steps:
        print_steps(result["spark"]["steps"], result["spark"]["silver"]["seconds"])
        return result
    dq = result["spark"]["dq"]
    step, scan, read = (sum(x[k] for x in dq) for k in ("dq_seconds", "scan_seconds", "read_seconds"))
    print(f"spark DQ step (dq.evaluate, all entities): {step:.1f} s vs one full read of its input {read:.1f} s", end="")
    print(
        f" = {step / read:.1f}x (issue target < 1.5x); "
        + ", ".join(f"{x['entity']} {x['dq_seconds'] / x['read_seconds']:.1f}x" for x in dq)
    )
    print(f"  vs one count of its input (reads no values of a cached frame) {scan:.1f} s = {step / scan:.1f}x")
    rerun = sum(result["spark"][f"rerun_{s}"]["seconds"] for s in STAGES)
    print(f"spark idempotent re-run (no new files): {rerun:.1f} s = {100 * rerun / totals['spark']:.0f} % of the run")
    result["totals"]["rerun_seconds"] = rerun
    for table, c in result["gold_check"].items():
        print(
            f"gold.{table}: spark {c['rows_spark']} rows, duckdb {c['rows_duckdb']} rows, "
            f"{c['mismatched_rows']} differ; revenue_usd spark {c['revenue_usd_spark']} "
            f"duckdb {c['revenue_usd_duckdb']}"
        )
    from lakehouse.glue_cost import cost_lines, glue_cost

    result["glue_cost"] = glue_cost({s: result["spark"][s]["seconds"] for s in STAGES})
    print("\n".join(cost_lines(result["glue_cost"])))
    return result


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--rows", type=int, default=5_000_000, help="sales lines (default 5,000,000)")
    ap.add_argument("--scales", default="", help="comma-separated row counts: one run each, then a scaling table")
    ap.add_argument("--base-rows", type=int, default=20_000, help="sales rows the generator writes (replicated)")
    ap.add_argument("--file-rows", type=int, default=1_000_000, help="sales lines per landing file")
    ap.add_argument("--out", default="/tmp/lake_bench")
    ap.add_argument(
        "--steps",
        action="store_true",
        help="profile silver per step (its entities one at a time): seconds, rows, bytes, caches, from the event log",
    )
    ap.add_argument("--engine", choices=("spark", "duckdb", "lean"), help=argparse.SUPPRESS)  # internal: one engine
    ap.add_argument("--lake", help=argparse.SUPPRESS)
    args = ap.parse_args()

    if args.engine:
        figures = {"spark": engine_spark, "duckdb": engine_duckdb, "lean": engine_lean}[args.engine](args.lake)
        (Path(args.lake) / f"{args.engine}.json").write_text(json.dumps(figures, indent=2, default=str))
        return 0

    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    scales = [int(s) for s in args.scales.split(",") if s] or [args.rows]
    results = {}
    for rows in scales:
        results[rows] = bench_scale(out, rows, args.base_rows, args.file_rows, args.steps)
    last = results[scales[-1]]
    (out / "bench.json").write_text(json.dumps({str(k): v for k, v in results.items()}, indent=2, default=str))
    if not args.steps:
        chart(last, out / "bench.png")
    if len(scales) > 1:
        print(
            f"\nSCALING  {'sales lines':>12} {'spark s':>9} {'duckdb s':>9} {'ratio':>6} "
            f"{'spark MB':>9} {'duckdb MB':>10}"
        )
        for r in results.values():
            peak = {e: max(r[e][s]["peak_mb"] for s in STAGES if s in r[e]) for e in ("spark", "duckdb")}
            print(
                f"         {r['data']['sales_lines']:>12,} {r['totals']['spark']:9.1f} {r['totals']['duckdb']:9.2f} "
                f"{r['totals']['ratio']:6.1f} {peak['spark']:9.0f} {peak['duckdb']:10.0f}"
            )
    print(f"\nfigures: {out / 'bench.json'}   chart: {out / 'bench.png'}")
    bad = [
        t for r in results.values() for t, c in r["gold_check"].items() if c["mismatched_rows"] or not c["rows_spark"]
    ]
    if bad:
        print(f"GOLD FIGURES DIFFER between Spark and DuckDB: {sorted(set(bad))}", file=sys.stderr)
        return 1
    differ = sorted({e for r in results.values() for e in r.get("lean_differs", [])})
    if differ:
        print(f"SILVER COUNTS DIFFER between Spark and the lean reference: {differ}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
