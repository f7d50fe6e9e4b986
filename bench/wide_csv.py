"""Issue #32's "user's own CSV": bronze + silver on a wide CSV, each job its own process, against the lean reference.

    .venv/bin/python bench/wide_csv.py [--rows 300000] [--out /tmp/wide_csv] [--file-rows 1000000]

Data: one batch of a 16-column receipt-line CSV (ints, bigints, a date, timestamps, decimal(12,2), strings
with trim/upper/lower standardisers and blank optional values), written by DuckDB from row numbers alone
(no random(): every value is arithmetic on the row number), in files of at most --file-rows lines under
<out>/lake/landing/wide/001/. Its business key is (store_id, receipt_no). Line i (0-based) is an ordinary
row, except (expected_counts): i % 100 == 37 repeats line i - 30 exactly (an exact duplicate) and
i % 100 == 73 is a newer version of line i - 50's key (later updated_at, one more unit: the earlier line
is superseded). Nothing else is wrong, so silver keeps one row per key and quarantines none. The
contract (WIDE_CONTRACT, partition_by: [] — see there) goes into a copy of contracts/ under <out>.

Runs, one after the other, each as its own process (interpreter + JVM start included in its wall time):
- glue_jobs/bronze_ingest.py then glue_jobs/silver_clean.py, `--sources wide`, as Glue runs a script
  (LAKEHOUSE_RUNTIME=local, LAKEHOUSE_CONTRACTS_DIR, PYTHONPATH=glue_jobs:repo); Spark as bench/lake_bench.py
  runs it: generated code and both JIT compilers (the runtime's defaults), its shuffle partitions;
- bench/duckdb_lean.py --sources wide (the lean reference: bronze + silver's row work in DuckDB).
Checks: silver's row count (read from the Delta table's live files), ops.pipeline_runs' valid count and
the lean reference's kept rows must all equal the count computed here from the row-number formulas;
otherwise exit 1. Prints a table and writes it to <out>/wide.json.
"""

import argparse
import ast
import json
import os
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT / "glue_jobs"), str(ROOT), str(ROOT / "bench")]

SOURCE, ENTITY, BATCH = "wide", "wide_sales", "001"
DUPLICATE_AT, DUPLICATE_OF = 37, 30  # line i with i % 100 == 37 repeats line i - 30 (an ordinary line: 7 mod 100)
VERSION_AT, VERSION_OF = 73, 50  # line i with i % 100 == 73 is a newer version of line i - 50's key (23 mod 100)

# partition_by: []: the table is a few hundred MB at 6 M rows; Delta's guidance is to partition only when each
# partition would hold about a gigabyte or more (Delta Lake "Best practices: choose the right partition
# column"), and a date partition here would write hundreds of small files per run.
WIDE_CONTRACT = """\
# Written by bench/wide_csv.py: issue #32's wide CSV (16 columns, two-column business key, no faults).
source: wide
entity: wide_sales
description: One row per receipt line of a wide point-of-sale export.
format: csv
business_key: [store_id, receipt_no]
latest_by: updated_at
partition_by: []
columns:
  - {name: store_id,      source: store_id,      type: int}
  - {name: receipt_no,    source: receipt_no,    type: bigint}
  - {name: business_date, source: business_date, type: date, formats: ["yyyy-MM-dd"]}
  - {name: sale_ts,       source: sale_ts,       type: timestamp, formats: ["yyyy-MM-dd HH:mm:ss"]}
  - {name: updated_at,    source: updated_at,    type: timestamp, formats: ["yyyy-MM-dd HH:mm:ss"]}
  - {name: register_id,   source: register_id,   type: int}
  - {name: cashier_code,  source: cashier_code,  type: string, standardise: [trim, upper]}
  - {name: sku,           source: sku,           type: string, standardise: [trim, upper]}
  - {name: product_desc,  source: product_desc,  type: string, standardise: [trim]}
  - {name: category,      source: category,      type: string, standardise: [trim, lower]}
  - {name: quantity,      source: quantity,      type: int}
  - {name: unit_price,    source: unit_price,    type: "decimal(12,2)"}
  - {name: discount,      source: discount,      type: "decimal(12,2)"}
  - {name: line_total,    source: line_total,    type: "decimal(12,2)"}
  - {name: payment_type,  source: payment_type,  type: string, standardise: [trim, lower]}
  - {name: loyalty_id,    source: loyalty_id,    type: bigint}
scd2: null
dq:
  - {name: store_id_complete,      rule: 'IsComplete "store_id"', severity: error, scope: row}
  - {name: receipt_no_complete,    rule: 'IsComplete "receipt_no"', severity: error, scope: row}
  - {name: business_date_complete, rule: 'IsComplete "business_date"', severity: error, scope: row}
  - {name: sale_ts_complete,       rule: 'IsComplete "sale_ts"', severity: error, scope: row}
  - {name: quantity_positive,      rule: 'ColumnValues "quantity" > 0', severity: error, scope: row}
  - {name: unit_price_positive,    rule: 'ColumnValues "unit_price" > 0', severity: error, scope: row}
  - {name: line_total_not_negative, rule: 'ColumnValues "line_total" >= 0', severity: error, scope: row}
  - {name: has_rows,               rule: 'RowCount > 0', severity: error, scope: dataset}
"""

COLUMNS = 16


def _matching(n: int, residue: int) -> int:
    """How many i in [0, n) have i % 100 == residue."""
    return (n - 1 - residue) // 100 + 1 if n > residue else 0


def expected_counts(rows: int) -> dict:
    """Lines, exact duplicates, superseded and kept rows of `rows` generated lines, from the formulas alone."""
    duplicates, superseded = _matching(rows, DUPLICATE_AT), _matching(rows, VERSION_AT)
    return {
        "rows_in": rows,
        "exact_duplicates": duplicates,
        "superseded": superseded,
        "kept": rows - duplicates - superseded,
    }


def _cents(v: str) -> str:
    return f"printf('%d.%02d', ({v}) // 100, ({v}) % 100)"


def select_sql(start: int, stop: int) -> str:
    """The SELECT writing lines [start, stop): every value from k (the line whose record it is) and v (version)."""
    k = (
        f"CASE WHEN i % 100 = {DUPLICATE_AT} THEN i - {DUPLICATE_OF} "
        f"WHEN i % 100 = {VERSION_AT} THEN i - {VERSION_OF} ELSE i END"
    )
    return f"""
    WITH r AS (
        SELECT i, {k} AS k, CASE WHEN i % 100 = {VERSION_AT} THEN 1 ELSE 0 END AS v
        FROM range({start}, {stop}) t(i)),
    h AS (
        SELECT i, k, v, (k * 2654435761) % 4294967296 AS h1, ((k + 7) * 2246822519) % 4294967291 AS h2 FROM r),
    x AS (
        SELECT *, DATE '2024-01-01' + CAST(h1 % 366 AS INTEGER) AS d, 1 + h1 % 9 + v AS q,
               99 + h2 % 20000 AS price FROM h)
    SELECT
        CAST(1 + k % 500 AS INTEGER) AS store_id,
        1000000000 + k // 500 AS receipt_no,
        strftime(d, '%Y-%m-%d') AS business_date,
        strftime(d + to_seconds(h2 % 86400), '%Y-%m-%d %H:%M:%S') AS sale_ts,
        strftime(d + to_seconds(h2 % 86400 + 3600 + v * 86400), '%Y-%m-%d %H:%M:%S') AS updated_at,
        CAST(1 + h1 % 12 AS INTEGER) AS register_id,
        ' c' || lpad(CAST(h1 % 900 AS VARCHAR), 4, '0') || ' ' AS cashier_code,
        'sku-' || lpad(CAST(h2 % 50000 AS VARCHAR), 6, '0') AS sku,
        '  Product ' || CAST(h2 % 50000 AS VARCHAR) || ' ' AS product_desc,
        ['GROCERY', 'Dairy ', ' bakery', 'HOUSEHOLD', 'Produce', 'frozen', 'Drinks ', 'PET'][1 + h2 % 8] AS category,
        CAST(q AS INTEGER) AS quantity,
        {_cents("price")} AS unit_price,
        {_cents("q * price * (h1 % 4) * 5 // 100")} AS discount,
        {_cents("q * price - q * price * (h1 % 4) * 5 // 100")} AS line_total,
        ['Cash', 'CARD', ' mobile', 'Voucher '][1 + h1 % 4] AS payment_type,
        CASE WHEN h1 % 10 < 3 THEN NULL ELSE 5000000000 + h2 % 1000000 END AS loyalty_id
    FROM x ORDER BY i"""


def make_csv(landing: Path, rows: int, file_rows: int) -> list[Path]:
    """<landing>/wide/001/wide_001.csv (wide_001_partNNNN.csv when more than one file); the files written."""
    import duckdb

    folder = landing / SOURCE / BATCH
    shutil.rmtree(landing / SOURCE, ignore_errors=True)
    folder.mkdir(parents=True)
    con = duckdb.connect()
    con.execute("SET enable_progress_bar = false")
    starts = list(range(0, rows, file_rows))
    files = []
    for n, start in enumerate(starts, 1):
        name = f"{SOURCE}_{BATCH}.csv" if len(starts) == 1 else f"{SOURCE}_{BATCH}_part{n:04d}.csv"
        path = folder / name
        sql = select_sql(start, min(start + file_rows, rows))
        con.execute(f"COPY ({sql}) TO '{path}' (HEADER, DELIMITER ',')")
        files.append(path)
    con.close()
    return files


def write_contracts(out: Path) -> Path:
    """A copy of contracts/ with wide.yaml added (silver also reads contracts/silver/metadata.yaml from it)."""
    folder = out / "contracts"
    shutil.rmtree(folder, ignore_errors=True)
    shutil.copytree(ROOT / "contracts", folder)
    (folder / f"{SOURCE}.yaml").write_text(WIDE_CONTRACT)
    from lakehouse.contracts import load_contracts

    load_contracts(folder)  # a contract the loader rejects fails here, not inside a job
    return folder


# ---------- the processes ----------
def job_env(contracts: Path, partitions: str) -> dict:
    env = {
        **os.environ,
        "LAKEHOUSE_RUNTIME": "local",
        "LAKEHOUSE_CONTRACTS_DIR": str(contracts),
        "PYTHONPATH": os.pathsep.join([str(ROOT / "glue_jobs"), str(ROOT)]),
        "LAKEHOUSE_SHUFFLE_PARTITIONS": partitions,
        "PYTHONUNBUFFERED": "1",
    }
    # lake_bench's Spark: the runtime's defaults (generated code, both compilers); a value set outside wins
    env.setdefault("LAKEHOUSE_CODEGEN", "on")
    env.setdefault("LAKEHOUSE_JIT", "default")
    return env


def run_process(label: str, cmd: list[str], env: dict, cwd: Path, log: Path) -> tuple[float, list[str]]:
    """Run one process to its end; (wall seconds, its output lines). Progress lines ([...]) echo as they come."""
    lines = []
    t = time.perf_counter()
    with (
        log.open("w", buffering=1) as fh,
        subprocess.Popen(cmd, cwd=cwd, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True) as p,
    ):
        for line in p.stdout:
            fh.write(line)
            lines.append(line.rstrip("\n"))
            if line.startswith("[") or line.startswith(("bronze ", "silver ")):
                print(f"  {label}: {line.rstrip()}", flush=True)
    seconds = time.perf_counter() - t
    if p.returncode:
        raise SystemExit(f"{label} failed (exit {p.returncode}); its output is in {log}")
    return seconds, lines


def run_job(job: str, lake: Path, env: dict, out: Path) -> tuple[float, list[str]]:
    cmd = [sys.executable, str(ROOT / "glue_jobs" / f"{job}.py"), "--JOB_NAME", job]
    cmd += ["--lake_root", str(lake), "--sources", SOURCE]
    return run_process(job, cmd, env, out / "run", out / f"{job}.log")


def run_lean(lake: Path, contracts: Path, out: Path) -> tuple[float, float, dict]:
    """bench/duckdb_lean.py in its own process: (wall seconds, its own seconds, its counts for the entity)."""
    cmd = [sys.executable, str(ROOT / "bench" / "duckdb_lean.py"), "--landing", str(lake / "landing")]
    cmd += ["--contracts", str(contracts), "--sources", SOURCE]
    wall, lines = run_process("lean", cmd, dict(os.environ), out / "run", out / "lean.log")
    counts = next((ast.literal_eval(x.split(": ", 1)[1]) for x in lines if x.startswith(f"{ENTITY}: ")), None)
    own = next((float(m[1]) for x in lines if (m := re.fullmatch(r"([\d.]+) s", x.strip()))), None)
    if counts is None or own is None:
        raise SystemExit(f"the lean reference printed no counts or seconds for {ENTITY}; see {out / 'lean.log'}")
    return wall, own, counts


# ---------- reading back what the jobs wrote (no Spark) ----------
def delta_rows(table: Path) -> int:
    """Rows of a Delta table's current snapshot: its live files (JSON commits replayed: adds less removes,
    less rows marked deleted by deletion vectors), counted by reading the Parquet files themselves."""
    import duckdb

    live: dict[str, int] = {}
    for commit in sorted((table / "_delta_log").glob("*.json")):
        for line in commit.read_text().splitlines():
            action = json.loads(line) if line.strip() else {}
            if "add" in action:
                dv = action["add"].get("deletionVector") or {}
                live[action["add"]["path"]] = int(dv.get("cardinality", 0))
            elif "remove" in action:
                live.pop(action["remove"]["path"], None)
    if not live:
        return 0
    from urllib.parse import unquote

    files = [str(table / unquote(p)) for p in live]
    n = duckdb.sql(f"SELECT count(*) FROM read_parquet({files!r})").fetchone()[0]
    return n - sum(live.values())


def job_runs(lake: Path) -> dict:
    """{job: (rows in, rows out, quarantined, dropped, seconds)} of the runs for this source/entity."""
    from lake_bench import pipeline_runs

    return {r[0]: r[2:] for r in pipeline_runs(lake, f"dataset IN ('{SOURCE}', '{ENTITY}')")}


def reported_seconds(lines: list[str]) -> float | None:
    """The seconds the job's progress lines report for its stages ([bronze wide] done in 12.3 s ...), summed."""
    found = [float(m[1]) for x in lines if (m := re.match(r"\[[^\]]*\] done in ([\d.]+) s", x))]
    return sum(found) if found else None


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--rows", type=int, default=300_000, help="CSV lines (default 300,000)")
    ap.add_argument("--out", default="/tmp/wide_csv")
    ap.add_argument("--file-rows", type=int, default=1_000_000, help="lines per landing file")
    args = ap.parse_args()
    if args.rows < 1 or args.file_rows < 1:
        raise SystemExit("--rows and --file-rows must be 1 or more")
    out = Path(args.out)
    lake = out / "lake"
    shutil.rmtree(lake, ignore_errors=True)
    (out / "run").mkdir(parents=True, exist_ok=True)

    from lake_bench import shuffle_partitions

    t = time.perf_counter()
    files = make_csv(lake / "landing", args.rows, args.file_rows)
    expected = expected_counts(args.rows)
    size_mb = sum(f.stat().st_size for f in files) / 1e6
    print(
        f"data: {args.rows:,} lines x {COLUMNS} columns in {len(files)} file(s), {size_mb:,.0f} MB, "
        f"{time.perf_counter() - t:.1f} s; expected {expected['exact_duplicates']:,} exact duplicates, "
        f"{expected['superseded']:,} superseded, {expected['kept']:,} kept",
        flush=True,
    )
    contracts = write_contracts(out)
    partitions = shuffle_partitions(args.rows)
    env = job_env(contracts, partitions)
    print(
        f"spark: {partitions} shuffle partitions, LAKEHOUSE_CODEGEN={env['LAKEHOUSE_CODEGEN']}, "
        f"LAKEHOUSE_JIT={env['LAKEHOUSE_JIT']}; contracts {contracts}",
        flush=True,
    )
    bronze_s, bronze_lines = run_job("bronze_ingest", lake, env, out)
    print(f"bronze_ingest: {bronze_s:.1f} s (process)", flush=True)
    silver_s, silver_lines = run_job("silver_clean", lake, env, out)
    print(f"silver_clean: {silver_s:.1f} s (process)", flush=True)
    lean_s, lean_own, lean = run_lean(lake, contracts, out)
    print(f"lean reference: {lean_s:.1f} s (process), {lean_own:.2f} s (its own)", flush=True)

    silver_rows = delta_rows(lake / "silver" / ENTITY)
    quarantined = delta_rows(lake / "silver" / f"quarantine_{ENTITY}")
    runs = job_runs(lake)
    ops_silver = runs.get("silver_clean")
    job_s = {j: (runs.get(j) or (None,) * 5)[4] for j in ("bronze_ingest", "silver_clean")}
    n = args.rows
    total = bronze_s + silver_s
    result = {
        "rows": n,
        "columns": COLUMNS,
        "files": len(files),
        "csv_mb": round(size_mb, 1),
        "shuffle_partitions": int(partitions),
        "codegen": env["LAKEHOUSE_CODEGEN"],
        "jit": env["LAKEHOUSE_JIT"],
        "bronze_seconds": bronze_s,
        "silver_seconds": silver_s,
        "two_processes_seconds": total,
        "bronze_job_seconds": job_s["bronze_ingest"],  # ops.pipeline_runs: the job's own figure
        "silver_job_seconds": job_s["silver_clean"],
        "bronze_stage_seconds": reported_seconds(bronze_lines),  # its progress lines
        "silver_stage_seconds": reported_seconds(silver_lines),
        "lean_seconds": lean_s,
        "lean_own_seconds": lean_own,
        "ratio": total / lean_s,
        "bronze_rows_per_s": n / bronze_s,
        "silver_rows_per_s": n / silver_s,
        "expected": expected,
        "silver_rows": silver_rows,
        "quarantined_rows": quarantined,
        "ops_silver": ops_silver,
        "lean_counts": lean,
        "load_average": os.getloadavg()[0],
    }
    (out / "wide.json").write_text(json.dumps(result, indent=2))

    print(f"\nWIDE CSV  {n:,} rows x {COLUMNS} columns   load average {result['load_average']:.2f}")
    head = ("rows", "cols", "bronze s", "silver s", "2 procs s", "lean s", "spark/lean", "bronze r/s", "silver r/s")
    print(" ".join(f"{h:>11}" for h in head))
    print(
        f"{n:>11,} {COLUMNS:>11} {bronze_s:>11.1f} {silver_s:>11.1f} {total:>11.1f} {lean_s:>11.2f} "
        f"{total / lean_s:>11.1f} {n / bronze_s:>11,.0f} {n / silver_s:>11,.0f}"
    )
    if job_s["bronze_ingest"] and job_s["silver_clean"]:
        b, s = job_s["bronze_ingest"], job_s["silver_clean"]
        print(
            f"inside the jobs (ops.pipeline_runs seconds, no process or JVM start): bronze {b:.1f} s, "
            f"silver {s:.1f} s, {(b + s) / lean_own:.1f}x the lean reference's own {lean_own:.2f} s, "
            f"silver {n / s:,.0f} rows/s"
        )
    print(f"figures: {out / 'wide.json'}")

    kept = expected["kept"]
    checks = {
        "silver table rows": silver_rows,
        "ops.pipeline_runs silver valid": ops_silver[1] if ops_silver else None,
        "lean kept rows": lean["valid"],
    }
    wrong = {name: got for name, got in checks.items() if got != kept}
    if quarantined or lean["quarantined"]:
        wrong["quarantined (expected 0)"] = (quarantined, lean["quarantined"])
    dropped = expected["exact_duplicates"] + expected["superseded"]
    if (lean["exact_duplicates"], lean["superseded"]) != (expected["exact_duplicates"], expected["superseded"]):
        wrong["lean exact duplicates / superseded"] = (lean["exact_duplicates"], lean["superseded"])
    if ops_silver and ops_silver[3] != dropped:
        wrong["ops.pipeline_runs silver dropped"] = ops_silver[3]
    if wrong:
        print(f"COUNTS DIFFER from the generator's (kept {kept:,}, dropped {dropped:,}): {wrong}", file=sys.stderr)
        return 1
    print(f"counts: silver, ops.pipeline_runs and the lean reference all keep {kept:,} rows, as generated")
    return 0


if __name__ == "__main__":
    sys.exit(main())
