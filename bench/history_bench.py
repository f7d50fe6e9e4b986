"""Does a day cost what it brings, or what the lake holds? One day's chain on lakes of growing history.

    .venv/bin/python bench/history_bench.py [--days 250] [--day-rows 20000] [--points 1,250] [--out /tmp/history_bench]

Data: the sample generator writes one batch of --day-rows sales (every fault kind) with products,
FX rates, customers and web events. Day k's delivery is that batch's pos_sales file with transaction
ids prefixed `Dk-` and every sale dated 2024-01-01 + k days; the day measured ("the day", k = --days)
also brings the FX rates of its date (a copy of one generator day's rates). For each history size h
in --points a fresh lake gets the other sources plus days 0..h-1 in one delivery and runs the chain
once (bronze_ingest → silver_clean → gold_aggregates, the real scripts through the local runner);
then the day is delivered and the chain runs again: that second run is measured. All lakes run in
one warm session (a throw-away lake warms it first), so the runs compare like for like.

Printed per job and history size: wall seconds, bytes read (Hadoop FileSystem statistics of this
JVM: data, Delta logs, landing), read ops and large read ops (Hadoop's counts of opens and of
listings) and data files scanned (Spark SQL's "number of files read" of the job's queries); then
the day on the largest history against the day on the smallest (ratio), and the Glue cost
estimate per day (lakehouse.glue_cost).
Figures go to <out>/history.json, the chart to <out>/history.png.
"""

import argparse
import csv
import json
import os
import shutil
import sys
import time
from datetime import date, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT / "glue_jobs"), str(ROOT), str(ROOT / "bench")]
os.environ.setdefault("LAKEHOUSE_RUNTIME", "local")

JOBS = {
    "bronze": ("bronze_ingest", {"--sources": "all"}),
    "silver": ("silver_clean", {"--sources": "all"}),
    "gold": ("gold_aggregates", {"--pii_salt_parameter": "local"}),
}
START = date(2024, 1, 1)


# ---------- data ----------
def base_sample(out: Path, day_rows: int) -> Path:
    from lakehouse_local.sample_data import generate

    sample = out / "sample"
    ledger = sample / "ledger.json"
    if not ledger.exists() or json.loads(ledger.read_text())["rows"] != day_rows:
        shutil.rmtree(sample, ignore_errors=True)
        generate(sample, rows=day_rows, batches=1, seed=7)
    return sample / "drops" / "001"


def write_day(drop: Path, dest: Path, k: int) -> int:
    """pos_sales of day k: the generator's lines, ids prefixed, every sale on START + k (same date style)."""
    day = START + timedelta(days=k)
    src = next((drop / "pos_sales").glob("*.csv"))
    dest.parent.mkdir(parents=True, exist_ok=True)
    n = 0
    with src.open(newline="", encoding="utf-8") as fin, dest.open("w", newline="", encoding="utf-8") as fout:
        rows, out = csv.reader(fin), csv.writer(fout)
        header = next(rows)
        tid, when = header.index("transaction_id"), header.index("date")
        out.writerow(header)
        for row in rows:
            if len(row) == len(header):  # a malformed line (a fault) is copied as it is
                if row[tid]:
                    row[tid] = f"D{k}-{row[tid]}"
                if row[when][:4].isdigit() and len(row[when]) == 10:
                    row[when] = day.isoformat()
                elif len(row[when]) == 10 and row[when][2] == "/":
                    row[when] = day.strftime("%d/%m/%Y")
            out.writerow(row)
            n += 1
    return n


def write_day_fx(drop: Path, dest: Path, k: int) -> None:
    """FX rates dated START + k: the rates of the generator's first weekday with rates, re-dated."""
    src = next((drop / "fx_rates").glob("*.csv"))
    with src.open(newline="", encoding="utf-8") as f:
        rows = list(csv.reader(f))
    header, body = rows[0], [r for r in rows[1:] if len(r) == 3 and r[0][:4].isdigit() and float(r[2] or 0) > 0]
    first = min(r[0] for r in body if r[0] >= START.isoformat())
    dest.parent.mkdir(parents=True, exist_ok=True)
    with dest.open("w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(header)
        for r in body:
            if r[0] == first:
                w.writerow([(START + timedelta(days=k)).isoformat(), r[1], r[2]])


def make_lake(out: Path, drop: Path, history: int) -> tuple[Path, int]:
    """A lake whose landing holds the other sources and days 0..history-1 (not yet ingested)."""
    lake = out / f"lake_{history}"
    shutil.rmtree(lake, ignore_errors=True)
    for src in sorted(drop.glob("*/*")):
        if src.parent.name != "pos_sales":
            dest = lake / "landing" / src.parent.name / "000" / src.name
            dest.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(src, dest)
    lines = sum(write_day(drop, lake / "landing" / "pos_sales" / "000" / f"day_{k:05d}.csv", k) for k in range(history))
    return lake, lines


def deliver_the_day(drop: Path, lake: Path, k: int) -> int:
    write_day_fx(drop, lake / "landing" / "fx_rates" / "day" / "fx_day.csv", k)
    return write_day(drop, lake / "landing" / "pos_sales" / "day" / f"day_{k:05d}.csv", k)


# ---------- metrics ----------
class Meter:
    """Counters of this JVM (local mode: driver and executors are one process), read before and after a job."""

    def __init__(self, spark):
        self.spark, self.jvm = spark, spark.sparkContext._jvm

    def _fs(self) -> list[int]:
        """Hadoop FileSystem statistics of every scheme: bytes read, read ops (opens), large read ops (listings)."""
        totals = [0, 0, 0]
        for s in self.jvm.org.apache.hadoop.fs.FileSystem.getAllStatistics():
            totals = [totals[0] + s.getBytesRead(), totals[1] + s.getReadOps(), totals[2] + s.getLargeReadOps()]
        return totals

    def _executions(self, after: int) -> tuple[int, int]:
        """(last SQL execution id, data files read by the executions after `after`)."""
        store = self.spark._jsparkSession.sharedState().statusStore()
        executions, last, files = store.executionsList(), after, 0
        for i in range(executions.size()):
            ex = executions.apply(i)
            last = max(last, ex.executionId())
            if ex.executionId() <= after:
                continue
            metrics = ex.metrics()
            named = (metrics.apply(j) for j in range(metrics.size()))
            wanted = {m.accumulatorId() for m in named if m.name() == "number of files read"}
            if not wanted:
                continue
            values = store.executionMetrics(ex.executionId()).iterator()  # Scala Map[Long, String]
            while values.hasNext():
                pair = values.next()
                if pair._1() in wanted:
                    files += int(str(pair._2()).replace(",", "") or 0)
        return last, files

    def start(self) -> dict:
        ex, _ = self._executions(-1)
        return {"fs": self._fs(), "execution": ex}

    def since(self, start: dict) -> dict:
        fs = [a - b for a, b in zip(self._fs(), start["fs"], strict=True)]
        _, files = self._executions(start["execution"])
        return {"bytes_read": fs[0], "read_ops": fs[1], "listings": fs[2], "files_scanned": files}


def run_chain(lake: Path, meter: Meter | None = None, gold_max_share: float | None = None) -> dict:
    from lakehouse_local import local_run

    figures = {}
    for stage, (job, extra) in JOBS.items():
        if stage == "gold" and gold_max_share is not None:
            extra = {**extra, "--incremental_max_share": str(gold_max_share)}
        before, t = meter.start() if meter else None, time.perf_counter()
        local_run.run_script(job, str(lake), extra)
        figures[stage] = {"seconds": time.perf_counter() - t}
        if meter:
            figures[stage].update(meter.since(before))
    return figures


def gold_path(spark, lake: Path) -> str:
    runs = spark.read.format("delta").load(f"{lake}/ops/pipeline_runs")
    last = runs.where("dataset LIKE 'gold (%'").orderBy("finished_at", ascending=False).first()
    return last.dataset if last else "gold skipped"


# ---------- report ----------
def chart(points: dict, path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    days = sorted(points)
    fig, (a, b) = plt.subplots(1, 2, figsize=(11, 4))
    for stage in JOBS:
        a.plot(days, [points[h]["day"][stage]["seconds"] for h in days], marker="o", label=stage)
        b.plot(days, [points[h]["day"][stage]["bytes_read"] / 1e6 for h in days], marker="o", label=stage)
    a.plot(days, [sum(points[h]["day"][s]["seconds"] for s in JOBS) for h in days], marker="o", label="total")
    a.set(xlabel="days of history in the lake", ylabel="wall seconds of one more day", title="the day's run time")
    b.set(xlabel="days of history in the lake", ylabel="MB read", title="bytes read by the day's run")
    a.legend()
    b.legend()
    fig.tight_layout()
    fig.savefig(path)


def report(points: dict, day_lines: int) -> dict:
    from lakehouse.glue_cost import cost_lines, glue_cost

    sizes = sorted(points)
    print(f"\nHISTORY BENCH  the day: {day_lines:,} sales lines + its FX rates   load average {os.getloadavg()[0]:.2f}")
    head = f"{'history':>8} {'lines':>11} {'job':<7} {'seconds':>8} {'MB read':>9} {'read ops':>9} {'listings':>9}"
    print(head + f" {'files scanned':>14}")
    for h in sizes:
        p = points[h]
        for stage in JOBS:
            f = p["day"][stage]
            print(
                f"{h:>8} {p['history_lines']:>11,} {stage:<7} {f['seconds']:8.1f} {f['bytes_read'] / 1e6:9.1f} "
                f"{f['read_ops']:9d} {f['listings']:9d} {f['files_scanned']:14d}"
            )
        print(f"{'':>8} {'':>11} {'total':<7} {sum(p['day'][s]['seconds'] for s in JOBS):8.1f}   ({p['gold_path']})")
    small, big = points[sizes[0]]["day"], points[sizes[-1]]["day"]
    ratios = {s: big[s]["seconds"] / small[s]["seconds"] for s in JOBS}
    total = sum(big[s]["seconds"] for s in JOBS) / sum(small[s]["seconds"] for s in JOBS)
    print(f"\nthe day on {sizes[-1]} days of history vs on {sizes[0]} (issue target <= 1.3x per job and in total):")
    print("  " + ", ".join(f"{s} {r:.2f}x" for s, r in ratios.items()) + f", total {total:.2f}x")
    bytes_ratio = sum(big[s]["bytes_read"] for s in JOBS) / max(1, sum(small[s]["bytes_read"] for s in JOBS))
    print(f"  bytes read {bytes_ratio:.2f}x")
    costs = {h: glue_cost({s: points[h]["day"][s]["seconds"] for s in JOBS}) for h in sizes}
    for h in sizes:
        print(f"\nday on {h} days of history: " + "\n".join(cost_lines(costs[h])[:-1]))
    return {"ratios": ratios, "total_ratio": total, "bytes_ratio": bytes_ratio, "glue_cost": costs}


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--days", type=int, default=250, help="days of history in the largest lake (default 250)")
    ap.add_argument("--day-rows", type=int, default=20_000, help="sales lines per day (default 20,000)")
    ap.add_argument("--points", default="", help="history sizes measured, comma-separated (default 1,<days>)")
    ap.add_argument("--out", default="/tmp/history_bench")
    args = ap.parse_args()
    sizes = sorted({int(x) for x in args.points.split(",") if x} or {1, args.days})
    if sizes[0] < 1 or sizes[-1] > args.days:
        raise SystemExit(f"--points must lie within 1..{args.days}")

    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    drop = base_sample(out, args.day_rows)
    import lake_bench

    os.environ["LAKEHOUSE_SHUFFLE_PARTITIONS"] = lake_bench.shuffle_partitions(args.days * args.day_rows)
    os.environ.setdefault("LAKEHOUSE_PII_SALT", "bench-salt")
    from lakehouse.runtime import get_spark

    from lakehouse_local import local_run

    local_run.use_sample_lake_defaults()
    spark = get_spark("history-bench")  # the jobs reuse this session
    meter = Meter(spark)

    # The warm-up runs both gold paths: the small lake's day goes the full path (it is half of its silver),
    # the big lake's the incremental one; without its own warm-up the big lake's day alone would pay the
    # JIT compilation of the incremental path's code (change feed, replaceWhere): 8.0-8.7 CPU-s of compiler
    # threads in a session's first incremental gold run against 1.9-2.7 in later ones (docs/incremental-gold.md).
    print("warming the session on a throw-away lake (gold: a full and an incremental run)", flush=True)
    warm, _ = make_lake(out, drop, 1)
    run_chain(warm)
    day_lines = deliver_the_day(drop, warm, args.days)
    run_chain(warm)
    deliver_the_day(drop, warm, args.days + 1)
    run_chain(warm, gold_max_share=1)
    shutil.rmtree(warm)

    points = {}
    for h in sizes:
        lake, lines = make_lake(out, drop, h)
        t = time.perf_counter()
        print(f"history of {h} days ({lines:,} sales lines): first run", flush=True)
        history = run_chain(lake)
        print(f"  built in {time.perf_counter() - t:.0f} s; the day (second run)", flush=True)
        deliver_the_day(drop, lake, args.days)
        day = run_chain(lake, meter)
        points[h] = {"history_lines": lines, "history": history, "day": day, "gold_path": gold_path(spark, lake)}
        if h != sizes[-1]:
            shutil.rmtree(lake)
    summary = report(points, day_lines)
    (out / "history.json").write_text(json.dumps({"points": points, **summary}, indent=2, default=str))
    chart(points, out / "history.png")
    print(f"\nfigures: {out / 'history.json'}   chart: {out / 'history.png'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
