"""The lake report `make lake` writes (lake/report/index.html), on the shared chain lake.

Its figures are compared with the ops tables read again by another engine (DuckDB, straight from
the append-only tables' Parquet files) and with the generator's ledger; the page is opened in
headless Chromium (the Debian package `make setup` installs) and must log no console message.
"""

import re
import shutil
import subprocess
from pathlib import Path

import duckdb
import pytest
from lakehouse.report import embedded_data, report_uri

pytestmark = pytest.mark.slow

CHROMIUM_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--enable-logging=stderr",
    "--v=0",
]
CONSOLE = re.compile(r":CONSOLE[:(]")  # how Chromium logs a page's console message (errors, uncaught exceptions)


@pytest.fixture(scope="module")
def report(chain_lake):
    lake, ledger = chain_lake
    page = Path(report_uri(lake)).read_text()
    return lake, ledger, page, embedded_data(page)


def _ops(lake: str, table: str) -> str:
    return f"read_parquet('{lake}/ops/{table}/*.parquet')"  # ops tables are append-only: every file is live


def test_report_figures_equal_the_ops_tables(report):
    lake, ledger, page, data = report
    db = duckdb.connect()
    landing = {
        (b, s): (int(n), int(f))
        for b, s, n, f in db.sql(
            f"SELECT batch_id, source, sum(records), count(*) FROM {_ops(lake, 'ingest_ledger')} GROUP BY ALL"
        ).fetchall()
    }
    silver = {
        (b, e): tuple(int(x) for x in rest)
        for b, e, *rest in db.sql(
            f"""SELECT p.batch_id, p.dataset, r.rows_in, r.rows_out, r.rows_quarantined, r.duplicates_dropped
                FROM {_ops(lake, "batches_processed")} p JOIN {_ops(lake, "pipeline_runs")} r
                  ON r.run_id = p.run_id AND r.dataset = p.dataset AND r.job = 'silver_clean'
                WHERE p.layer = 'silver'"""
        ).fetchall()
    }
    reported = {(b["batch_id"], s["source"]): s for b in data["batches"] for s in b["sources"]}
    assert set(reported) == set(landing)
    entity = {s["source"]: s["entity"] for s in data["sources"]}
    for key, row in reported.items():
        assert (row["landing"], row["files"]) == landing[key], key
        assert row["bronze"] == row["landing"], key  # bronze rows of the batch = the records its files held
        s = silver[(key[0], entity[key[1]])]
        assert (row["silver_in"], row["silver"], row["quarantined"], row["duplicates"]) == s, key
        assert row["conservation"] == "ok", (key, row["conservation"])
    for source, truth in ledger["sources"].items():  # the generator's ledger, independent of every job
        assert sum(r["bronze"] for (_, s), r in reported.items() if s == source) == truth["landing_records"], source

    outcomes = db.sql(f"SELECT run_id, outcome, count(*) FROM {_ops(lake, 'dq_results')} GROUP BY ALL").fetchall()
    expected = {}
    for run_id, outcome, n in outcomes:
        expected.setdefault(run_id, {})[outcome] = n
    assert {r["run_id"]: {k: r[k] for k in ("Passed", "Failed") if r[k]} for r in data["dq"]["runs"]} == expected
    assert sum(n for _, _, n in outcomes) == sum(o for o in data["dq_outcomes"].values())

    spans = db.sql(
        f"""SELECT run_id, job, round(epoch(max(finished_at)) - epoch(min(started_at)), 1)
            FROM {_ops(lake, "pipeline_runs")} GROUP BY ALL"""
    ).fetchall()
    # the runs that existed when make lake wrote the report: other tests of the shared lake add runs later
    reported_runs = {r["run_id"] for r in data["job_runs"]}
    assert reported_runs <= {r for r, _, _ in spans}
    assert {(r["run_id"], r["job"]): r["seconds"] for r in data["job_runs"]} == pytest.approx(
        {(r, j): s for r, j, s in spans if r in reported_runs}, abs=0.11
    )


def test_report_shows_the_gold_counts_and_cost(report, spark):
    lake, _, page, data = report
    from lakehouse import delta_io

    gold = Path(lake) / "gold"
    tables = [t for t in sorted(gold.iterdir()) if (t / "_delta_log").exists()]
    counts = {t.name: delta_io.read(spark, str(t)).count() for t in tables}
    assert data["gold"] == counts
    for table, n in counts.items():  # the visible table, not only the embedded figures
        assert f'<td class="l">{table}</td><td>{n}</td>' in page, table
    assert data["cost"]["jobs"] == 3 and f"{data['cost']['dpu_seconds']:.0f} DPU-seconds" in page
    assert "<svg" in page and not re.search(r"""(src|href)=["']?(https?:)?//""", page), "external asset in the report"


def _open_in_chromium(page: Path, screenshot: Path, tmp_path) -> str:
    chromium = shutil.which("chromium")
    assert chromium, "chromium is missing: `make setup` installs it (Debian package chromium)"
    args = [chromium, *CHROMIUM_FLAGS, f"--user-data-dir={tmp_path / 'profile'}", "--window-size=1280,2400"]
    done = subprocess.run(
        [*args, f"--screenshot={screenshot}", page.resolve().as_uri()], capture_output=True, text=True, timeout=180
    )
    assert done.returncode == 0, done.stderr[-2000:]
    assert screenshot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n", "no screenshot written"
    return done.stderr


def test_report_opens_in_chromium_without_console_errors(report, tmp_path):
    lake, *_ = report
    # the detector must see a broken page: one uncaught error, one console.error
    broken = tmp_path / "broken.html"
    broken.write_text("<html><body><script>console.error('boom'); undefined_function();</script></body></html>")
    log = _open_in_chromium(broken, tmp_path / "broken.png", tmp_path)
    assert len([line for line in log.splitlines() if CONSOLE.search(line)]) == 2, log[-2000:]

    screenshot = Path(report_uri(lake)).parent / "screenshot.png"
    log = _open_in_chromium(Path(report_uri(lake)), screenshot, tmp_path)
    console = [line for line in log.splitlines() if CONSOLE.search(line)]
    assert not console, "\n".join(console)
    print(f"lake report screenshot: {screenshot}")
