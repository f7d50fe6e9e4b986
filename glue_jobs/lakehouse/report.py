"""The lake report: one static HTML page to look at after a run, and the figures it shows.

No server and no external assets: the CSS is inline and the charts are SVG drawn here, so the file
opens from disk, from S3 or as an e-mail attachment. Every figure comes from the lake's own tables
(the ops tables, bronze, quarantine, gold: `lake_counts` and a few reads of the ops tables); the same
figures are embedded as JSON (`<script type="application/json" id="report-data">`, data, not code) so
a test can compare them with the ops tables read by another engine.

Written by `make lake` to <lake>/report/index.html, and in AWS by the gold job's `--report_uri`
(glue_jobs/gold_aggregates.py) through Hadoop's FileSystem, so s3://, s3a:// and local paths all work.
"""

import html
import json
import sys
import time
from datetime import UTC, datetime

from pyspark.sql import functions as F

from lakehouse import delta_io, ops
from lakehouse.config import JobConfig
from lakehouse.contracts import load_contracts
from lakehouse.glue_cost import glue_cost
from lakehouse.parallel import run_concurrently

JOBS = ("bronze_ingest", "silver_clean", "gold_aggregates")  # the trigger chain's order


def report_uri(lake_root: str) -> str:
    """Where a lake's report lands by default: <lake root>/report/index.html."""
    return f"{str(lake_root).rstrip('/')}/report/index.html"


def _count(spark, path: str) -> int | None:
    return delta_io.read(spark, path).count() if delta_io.exists(spark, path) else None


def _table_rows(spark, path: str) -> int:
    """Rows of a table: after a full overwrite (every gold table but the MERGEd dim_customer) the commit's
    own numOutputRows, read from its JSON without a Spark job (delta_io.overwrite_files); else counted."""
    overwritten = delta_io.overwrite_files(spark, path)
    return overwritten[1] if overwritten else delta_io.read(spark, path).count()


def _bronze_batches(spark, paths, source: str) -> dict[str, int]:
    """{batch id: bronze rows} of one source, one aggregate: the summary's bronze totals and the report's
    per-batch rows both come from it."""
    table = delta_io.read_if_exists(spark, paths.bronze(source))
    rows = table.groupBy("_batch_id").count().collect() if table is not None else []
    return {r[0]: int(r[1]) for r in rows}


def _held(quarantine):
    """Rows still quarantined: a replay marks the rows it released (`_released_at`) and keeps them."""
    return quarantine.where(F.col("_released_at").isNull()) if "_released_at" in quarantine.columns else quarantine


def _per_key(df, key: str, value=None) -> dict:
    """{key: row count} (or {key: sum(value)}) in one pass over an ops table."""
    agg = F.sum(value) if value else F.count("*")
    return {r[0]: int(r[1] or 0) for r in df.groupBy(key).agg(agg).collect()}


def lake_counts(spark, lake_root: str) -> dict:
    """Rows per layer and source, quarantine reasons, drift and DQ outcomes, read back from Delta.

    The reads are independent, each a few small Spark jobs whose time is mostly the driver's, so they run
    a few at a time on the one session (lakehouse.parallel, as the jobs' sources do).
    """
    config = JobConfig(lake_root)
    paths = config.paths
    contracts = load_contracts()
    # gold's own bookkeeping (_customer_orders) is not a table users read
    gold_tables = [t for t in delta_io.tables_under(spark, paths.gold("")) if not t.startswith("_")]

    def ledger():  # one pass: files, re-deliveries and duplicate deliveries per source (count skips NULLs)
        rows = (
            ops.read(spark, config, "ingest_ledger")
            .groupBy("source")
            .agg(
                F.count("*").alias("files"), F.count("redelivery_of").alias("re"), F.count("duplicate_of").alias("dup")
            )
            .collect()
        )
        return {r["source"]: r for r in rows}

    def duplicates():
        # runs that published their batches: a run killed before its batches were marked done left a report
        # row that its re-run repeats (lakehouse.ops.WRITTEN_LAST), so it is not counted twice
        published = ops.read(spark, config, "batches_processed").select("run_id").distinct()
        silver_runs = ops.read(spark, config, "pipeline_runs").where(F.col("job") == "silver_clean")
        return _per_key(silver_runs.join(published, "run_id", "left_semi"), "dataset", "duplicates_dropped")

    def quarantine(entity):  # (rows held, rows released, reasons of the held ones)
        table = delta_io.read_if_exists(spark, paths.quarantine(entity))
        if table is None:
            return 0, 0, {}
        n_held, n_all = _held_and_all(table)
        return (
            n_held,
            n_all - n_held,
            _per_key(_held(table).select(F.explode("_dq_failed_rules").alias("rule")), "rule"),
        )

    reads = {
        "ledger": ledger,
        "drift": lambda: _per_key(ops.read(spark, config, "schema_drift"), "source"),
        "duplicates": duplicates,
        "outcomes": lambda: _per_key(ops.read(spark, config, "dq_results"), "outcome"),
        **{("bronze", s): (lambda s=s: _bronze_batches(spark, paths, s)) for s in contracts},
        **{("silver", c.entity): (lambda c=c: _count(spark, paths.silver(c.entity)) or 0) for c in contracts.values()},
        **{("quarantine", c.entity): (lambda c=c: quarantine(c.entity)) for c in contracts.values()},
        **{("gold", t): (lambda t=t: _table_rows(spark, paths.gold(t))) for t in gold_tables},
    }
    got = dict(zip(reads, run_concurrently(list(reads.values()), lambda _: [], lambda read: read()), strict=True))
    counts = {}
    for source, c in contracts.items():
        files = got["ledger"].get(source)
        n_held, n_released, reasons = got[("quarantine", c.entity)]
        counts[source] = {
            "entity": c.entity,
            "landing_files": files["files"] if files else 0,
            "redeliveries": files["re"] if files else 0,
            "duplicate_deliveries": files["dup"] if files else 0,
            "bronze": sum(got[("bronze", source)].values()),
            "silver": got[("silver", c.entity)],
            "quarantined": n_held,
            "released": n_released,  # by a replay, into silver
            "duplicates": got["duplicates"].get(c.entity, 0),
            "drift_files": got["drift"].get(source, 0),
            "reasons": dict(sorted(reasons.items())),
        }
    return {
        "sources": counts,
        "dq_outcomes": got["outcomes"],
        "gold": {t: got[("gold", t)] for t in gold_tables},
        "bronze_batches": {s: got[("bronze", s)] for s in contracts},
    }


def _held_and_all(quarantine) -> tuple[int, int]:
    """(rows still held, all rows) of a quarantine table, in one aggregate."""
    held = F.count_if(F.col("_released_at").isNull()) if "_released_at" in quarantine.columns else F.count("*")
    row = quarantine.agg(held, F.count("*")).first()
    return int(row[0]), int(row[1])


def _job_runs(spark, config) -> list[dict]:
    """One line per job run (ops.pipeline_runs grouped by run id and job): its span and status."""
    runs = (
        ops.read(spark, config, "pipeline_runs")
        .groupBy("run_id", "job")
        .agg(
            F.min("started_at").alias("started_at"),
            F.max("finished_at").alias("finished_at"),
            F.collect_set("status").alias("statuses"),
        )
        .collect()
    )
    out = []
    for r in sorted(runs, key=lambda r: r["started_at"]):
        bad = sorted(s for s in r["statuses"] if s != "SUCCEEDED")
        out.append(
            {
                "run_id": r["run_id"],
                "job": r["job"],
                "started_at": r["started_at"].isoformat(sep=" ", timespec="seconds"),
                "seconds": round((r["finished_at"] - r["started_at"]).total_seconds(), 1),
                "status": ",".join(bad) or "SUCCEEDED",
            }
        )
    return out


def _batches(spark, config, contracts, bronze_batches: dict) -> list[dict]:
    """Per bronze batch and source: landing records, bronze rows (`bronze_batches`: lake_counts' per-batch
    bronze rows), and what the silver run that published it made."""
    ledger = (
        ops.read(spark, config, "ingest_ledger")
        .groupBy("batch_id", "source")
        .agg(F.sum("records").alias("records"), F.count("*").alias("files"))
        .collect()
    )
    bronze = {(b, source): n for source, per_batch in bronze_batches.items() for b, n in per_batch.items()}
    # silver: the run that marked the batch done in ops.batches_processed, and its pipeline_runs row
    published = ops.read(spark, config, "batches_processed").where(F.col("layer") == "silver")
    silver_runs = ops.read(spark, config, "pipeline_runs").where(F.col("job") == "silver_clean")
    joined = published.join(
        silver_runs.select("run_id", F.col("dataset"), "rows_in", "rows_out", "rows_quarantined", "duplicates_dropped"),
        ["run_id", "dataset"],
    ).collect()
    # a silver run that cleaned several batches at once reports them together, under its first batch
    first_batch = {}
    for r in joined:
        key = (r["run_id"], r["dataset"])
        first_batch[key] = min(first_batch.get(key, r["batch_id"]), r["batch_id"])
    silver = {(r["batch_id"], r["dataset"]): r for r in joined}
    entity_of = {s: c.entity for s, c in contracts.items()}
    batches: dict[str, dict] = {}
    for r in sorted(ledger, key=lambda r: (r["batch_id"], r["source"])):
        batch_id, source = r["batch_id"], r["source"]
        s = silver.get((batch_id, entity_of.get(source)))
        row = {"source": source, "files": int(r["files"]), "landing": int(r["records"] or 0)}
        row["bronze"] = bronze.get((batch_id, source), 0)
        if s is not None and first_batch[(s["run_id"], s["dataset"])] == batch_id:
            row.update(silver_run=s["run_id"], silver_in=int(s["rows_in"]), silver=int(s["rows_out"]))
            row.update(quarantined=int(s["rows_quarantined"]), duplicates=int(s["duplicates_dropped"]))
        else:
            row.update(
                silver_run=s["run_id"] if s else None, silver_in=None, silver=None, quarantined=None, duplicates=None
            )
        row["conservation"] = _conservation(row, cleaned=s is not None)
        batches.setdefault(batch_id, {"batch_id": batch_id, "sources": []})["sources"].append(row)
    return list(batches.values())


def _conservation(row: dict, cleaned: bool) -> str:
    if row["landing"] != row["bronze"]:
        return f"landing {row['landing']} != bronze {row['bronze']}"
    if not cleaned:
        return "not cleaned yet"
    if row["silver_in"] is None:
        return "ok (silver figures under the silver run's first batch)"
    parts = row["silver"] + row["quarantined"] + row["duplicates"]
    if row["silver_in"] != parts:
        return f"silver in {row['silver_in']} != silver + quarantined + duplicates {parts}"
    return "ok"


def _dq_runs(spark, config) -> dict:
    """DQ outcomes per silver run (oldest first) and, per entity and rule, its outcome in each run."""
    rows = (
        ops.read(spark, config, "dq_results")
        .select("run_id", "batch_id", "entity", "rule_name", "outcome", "flagged_rows", "evaluated_at")
        .collect()
    )
    first_seen: dict[str, datetime] = {}
    for r in rows:
        first_seen[r["run_id"]] = min(first_seen.get(r["run_id"], r["evaluated_at"]), r["evaluated_at"])
    run_ids = sorted(first_seen, key=first_seen.get)
    per_run = {run: {"run_id": run, "batches": set(), "Passed": 0, "Failed": 0} for run in run_ids}
    rules: dict[tuple, dict] = {}
    for r in rows:
        run = per_run[r["run_id"]]
        run[r["outcome"]] = run.get(r["outcome"], 0) + 1
        run["batches"].add(r["batch_id"])
        cell = f"{r['outcome']} ({int(r['flagged_rows'] or 0)})"
        rules.setdefault((r["entity"], r["rule_name"]), {})[r["run_id"]] = cell
    runs = [{**run, "batches": ", ".join(sorted(b for b in run["batches"] if b))} for run in per_run.values()]
    grid = [
        {"entity": e, "rule": n, "by_run": [cells.get(run, "") for run in run_ids]}
        for (e, n), cells in sorted(rules.items())
    ]
    return {"runs": runs, "rules": grid}


def report_data(spark, lake_root: str, counts: dict | None = None, ledger: dict | None = None) -> dict:
    """Every figure the report shows. `counts` = lake_counts (passed in when already read); `ledger`: the
    sample generator's ledger (locally), for the landing records it generated."""
    config = JobConfig(lake_root)
    contracts = load_contracts()
    counts = counts or lake_counts(spark, lake_root)
    job_runs = _job_runs(spark, config)
    last = {}  # the last run of each job stands for a daily run, as in the printed summary
    for run in job_runs:
        last[run["job"]] = run["seconds"]
    sources = []
    for source, c in counts["sources"].items():
        generated = (ledger or {}).get("sources", {}).get(source, {}).get("landing_records")
        sources.append({"source": source, "generated_landing": generated, **c})
    return {
        "lake_root": str(lake_root),
        "generated_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "sources": sources,
        "batches": _batches(spark, config, contracts, counts["bronze_batches"]),
        "dq": _dq_runs(spark, config),
        "dq_outcomes": counts["dq_outcomes"],
        "job_runs": job_runs,
        "gold": counts["gold"],
        "cost": glue_cost(last) if last else None,
    }


# ---------------------------------------------------------------- rendering (no Spark below here)

CSS = """
body{font:14px/1.45 system-ui,-apple-system,Segoe UI,Roboto,sans-serif;margin:24px auto;max-width:1180px;
color:#1d2733;padding:0 16px}
h1{font-size:22px;margin:0 0 4px}h2{font-size:17px;margin:28px 0 8px;border-bottom:1px solid #d8dee6;padding-bottom:4px}
.meta{color:#5b6b7c;font-size:12px}table{border-collapse:collapse;margin:6px 0 12px;font-size:13px}
th,td{border:1px solid #d8dee6;padding:3px 8px;text-align:right}th{background:#f1f4f8}td.l,th.l{text-align:left}
.ok{color:#1a7f37}.bad{color:#c62828;font-weight:600}.Passed{background:#e6f4ea}.Failed{background:#fde7e7}
.cards{display:flex;gap:12px;flex-wrap:wrap}
.card{border:1px solid #d8dee6;border-radius:6px;padding:8px 14px;min-width:120px}
.card b{display:block;font-size:20px}svg text{font:11px system-ui,sans-serif;fill:#1d2733}
"""


def _e(value) -> str:
    return html.escape("" if value is None else str(value))


def _table(headers: list[str], rows: list[list], left: int = 1, classes: list[list] | None = None) -> str:
    left_th = '<th class="l">'
    head = "".join(f"{left_th if i < left else '<th>'}{_e(h)}</th>" for i, h in enumerate(headers))
    body = []
    for n, row in enumerate(rows):
        cells = []
        for i, v in enumerate(row):
            cls = " ".join(c for c in ("l" if i < left else "", classes[n][i] if classes else "") if c)
            attr = f' class="{cls}"' if cls else ""
            cells.append(f"<td{attr}>{_e('—' if v is None else v)}</td>")
        body.append("<tr>" + "".join(cells) + "</tr>")
    return f"<table><tr>{head}</tr>{''.join(body)}</table>"


def _bar_chart(title: str, labels: list[str], series: dict[str, list[float]], colors: dict[str, str]) -> str:
    """Stacked vertical bars, one per label; an SVG string."""
    width, height, left, bottom, top = max(320, 70 * len(labels) + 80), 220, 44, 46, 24
    totals = [sum(values[i] for values in series.values()) for i in range(len(labels))]
    peak = max(totals + [1])
    scale = (height - bottom - top) / peak
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" role="img">']
    parts.append(f"<title>{_e(title)}</title>")
    parts.append(
        f'<line x1="{left}" y1="{height - bottom}" x2="{width - 10}" y2="{height - bottom}" stroke="#8a97a6"/>'
    )
    for tick in (0, peak / 2, peak):
        y = height - bottom - tick * scale
        parts.append(f'<text x="{left - 6}" y="{y + 4:.1f}" text-anchor="end">{tick:g}</text>')
    for i, label in enumerate(labels):
        x, y = left + 20 + i * 70, height - bottom
        for name, values in series.items():
            h = values[i] * scale
            y -= h
            parts.append(
                f'<rect x="{x}" y="{y:.1f}" width="40" height="{h:.1f}" fill="{colors[name]}">'
                f"<title>{_e(name)}: {values[i]:g}</title></rect>"
            )
        parts.append(f'<text x="{x + 20}" y="{y - 4:.1f}" text-anchor="middle">{totals[i]:g}</text>')
        parts.append(f'<text x="{x + 20}" y="{height - bottom + 14}" text-anchor="middle">{_e(label[:12])}</text>')
    for k, name in enumerate(series):
        x = left + k * 110
        parts.append(f'<rect x="{x}" y="{height - 16}" width="10" height="10" fill="{colors[name]}"/>')
        parts.append(f'<text x="{x + 14}" y="{height - 7}">{_e(name)}</text>')
    parts.append("</svg>")
    return "".join(parts)


def render(data: dict) -> str:
    """The report page for `data` (report_data's dict)."""
    out = [
        '<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>Lake report — {_e(data['lake_root'])}</title><style>{CSS}</style></head><body>",
        "<h1>Lake report</h1>",
        f'<div class="meta">{_e(data["lake_root"])} · written {_e(data["generated_at"])} · '
        "figures from the ops tables, "
        "bronze and gold (docs/operations.md explains each)</div>",
    ]
    o = data["dq_outcomes"]
    cards = [
        ("bronze rows", sum(s["bronze"] for s in data["sources"])),
        ("silver rows", sum(s["silver"] for s in data["sources"])),
        ("quarantined", sum(s["quarantined"] for s in data["sources"])),
        ("DQ passed / failed", f"{o.get('Passed', 0)} / {o.get('Failed', 0)}"),
        ("gold tables", len(data["gold"])),
    ]
    out.append(
        '<div class="cards">' + "".join(f'<div class="card"><b>{_e(v)}</b>{_e(k)}</div>' for k, v in cards) + "</div>"
    )

    out.append("<h2>Sources: landing → bronze → silver / quarantine / duplicates</h2>")
    rows, classes = [], []
    for s in data["sources"]:
        ok = s["generated_landing"] in (None, s["bronze"])
        rows.append(
            [s["source"], s["entity"], s["landing_files"], s["generated_landing"], s["bronze"], s["silver"],
             s["quarantined"], s["duplicates"], s["drift_files"], "ok" if ok else "MISMATCH"]
        )  # fmt: skip
        classes.append([""] * 9 + ["ok" if ok else "bad"])
    out.append(
        _table(
            ["source", "entity", "files", "landing (generated)", "bronze", "silver", "quarantined", "duplicates",
             "drift files", "landing = bronze"],
            rows, left=2, classes=classes,
        )
    )  # fmt: skip

    out.append("<h2>Per batch: conservation</h2>")
    out.append(
        '<p class="meta">landing = records the ingest ledger counted in the batch\'s files; bronze = rows with that '
        "<code>_batch_id</code>; silver in = bronze rows the silver run read; "
        "silver + quarantined + duplicates = silver in.</p>"
    )
    for b in data["batches"]:
        rows, classes = [], []
        for s in b["sources"]:
            rows.append(
                [s["source"], s["files"], s["landing"], s["bronze"], s["silver_in"], s["silver"], s["quarantined"],
                 s["duplicates"], s["conservation"]]
            )  # fmt: skip
            classes.append([""] * 8 + ["ok" if s["conservation"].startswith("ok") else "bad"])
        out.append(f"<h3>batch {_e(b['batch_id'])}</h3>")
        out.append(
            _table(
                ["source", "files", "landing", "bronze", "silver in", "silver", "quarantined", "duplicates",
                 "conservation"],
                rows, classes=classes,
            )
        )  # fmt: skip

    dq = data["dq"]
    out.append("<h2>Data quality over runs (ops.dq_results)</h2>")
    if dq["runs"]:
        labels = [f"run {i + 1}" for i in range(len(dq["runs"]))]  # the grid below names the same runs
        out.append(
            _bar_chart(
                "DQ rule outcomes per silver run",
                labels,
                {
                    "Passed": [r.get("Passed", 0) for r in dq["runs"]],
                    "Failed": [r.get("Failed", 0) for r in dq["runs"]],
                },
                {"Passed": "#4caf50", "Failed": "#e53935"},
            )
        )
        headers = ["entity", "rule"] + [
            f"run {i + 1} ({r['batches'] or r['run_id']})" for i, r in enumerate(dq["runs"])
        ]
        rows = [[g["entity"], g["rule"], *g["by_run"]] for g in dq["rules"]]
        classes = [["", ""] + [cell.split(" ")[0] for cell in g["by_run"]] for g in dq["rules"]]
        out.append('<p class="meta">Each cell: the rule\'s outcome in that run (rows it flagged).</p>')
        out.append(_table(headers, rows, left=2, classes=classes))
    else:
        out.append("<p>No DQ outcomes recorded yet.</p>")

    out.append("<h2>Quarantine reasons (rows still quarantined)</h2>")
    rows = [[s["source"], rule, n] for s in data["sources"] for rule, n in s["reasons"].items()]
    out.append(_table(["source", "reason", "rows"], rows, left=2) if rows else "<p>Nothing quarantined.</p>")

    out.append("<h2>Job runs (ops.pipeline_runs)</h2>")
    runs = data["job_runs"]
    if runs:
        by_run: dict[str, dict] = {}
        for r in runs:
            by_run.setdefault(r["job"], {})[r["run_id"]] = r["seconds"]
        chains = [[r for r in runs if r["job"] == job] for job in JOBS]
        n = max(len(c) for c in chains)
        series = {
            job: [(c[i]["seconds"] if i < len(c) else 0) for i in range(n)] for job, c in zip(JOBS, chains, strict=True)
        }
        out.append(
            _bar_chart(
                "seconds per job, per chain run",
                [f"run {i + 1}" for i in range(n)],
                series,
                dict(zip(JOBS, ("#5c6bc0", "#26a69a", "#ffa726"), strict=True)),
            )
        )
        rows = [[r["job"], r["run_id"], r["started_at"], r["seconds"], r["status"]] for r in runs]
        classes = [["", "", "", "", "ok" if r["status"] in ("SUCCEEDED", "SKIPPED") else "bad"] for r in runs]
        out.append(_table(["job", "run id", "started", "seconds", "status"], rows, left=3, classes=classes))

    out.append("<h2>Gold tables</h2>")
    out.append(_table(["table", "rows"], [[t, n] for t, n in data["gold"].items()]))

    cost = data["cost"]
    if cost:
        out.append("<h2>Glue cost estimate (one run of each job)</h2>")
        rows = [
            [k, f"${cost['usd_per_run'][k]:.4f}", f"${cost['usd_per_30_days'][k]:.2f}"] for k in cost["usd_per_run"]
        ]
        out.append(f"<p>{cost['dpu_seconds']:.0f} DPU-seconds for {cost['jobs']} job runs.</p>")
        out.append(_table(["worker type", "per run", "per 30 days"], rows))
        out.append(f'<p class="meta">{_e(cost["assumptions"])}; job run times from ops.pipeline_runs.</p>')

    payload = json.dumps(data, sort_keys=True, default=str).replace("</", "<\\/")
    out.append(f'<script type="application/json" id="report-data">{payload}</script>')
    out.append("</body></html>")
    return "\n".join(out) + "\n"


def embedded_data(page: str) -> dict:
    """The figures a written report holds (its report-data block)."""
    start = page.index('<script type="application/json" id="report-data">')
    body = page[page.index(">", start) + 1 : page.index("</script>", start)]
    return json.loads(body.replace("<\\/", "</"))


def write_report(spark, lake_root: str, uri: str | None = None, counts: dict | None = None, ledger=None) -> str:
    """Write the report of the lake at `lake_root` to `uri` (default report_uri); returns the URI."""
    uri = uri or report_uri(lake_root)
    delta_io.write_text(spark, uri, render(report_data(spark, lake_root, counts, ledger)))
    return uri


def write_or_warn(spark, lake_root: str, uri: str) -> bool:
    """write_report at the end of a job run: the lake is already committed, so a report that cannot be
    read or written is one warning line in the job's log, never a failed run."""
    t0 = time.perf_counter()
    try:
        write_report(spark, lake_root, uri)
    except Exception as exc:  # noqa: BLE001 - the report must never fail a run whose tables are committed
        why = f"{type(exc).__name__}: {exc}"
        print(f"WARNING lake report: not written to {uri} ({why}); the run stands", file=sys.stderr)
        return False
    print(f"lake report: {uri} ({time.perf_counter() - t0:.1f} s)", flush=True)
    return True
