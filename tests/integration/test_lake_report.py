"""The lake report `make lake` writes (lake/report/index.html), on the shared chain lake.

Its figures are compared with the ops tables read again by another engine (DuckDB, straight from
the append-only tables' Parquet files) and with the generator's ledger; the page is opened in
headless Chromium (the Debian package `make setup` installs) and must log no console message.
The same comparisons hold for the report the gold job writes with --report_uri (as in AWS), which must
never fail the job when it cannot be written.
"""

import re
import shutil
import subprocess
from pathlib import Path

import pytest
from lakehouse.report import embedded_data, report_uri, write_or_warn

from tests.lake_report_check import assert_report_matches_ops

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


def run_gold(lake: str, report: Path) -> None:
    """The gold job as the chain runs it (a skipped run: silver is unchanged), given --report_uri. Its
    lineage events go beside the report, not into the shared lake's (test_lineage_chain reads those
    as the chain's workflow runs)."""
    from lakehouse_local import local_run

    extra = dict(local_run.CHAIN)["gold_aggregates"]
    lineage = {"--lineage_dir": str(report.parent / "lineage")}
    local_run.run_script("gold_aggregates", lake, {**extra, "--report_uri": str(report), **lineage})


@pytest.fixture(scope="module", params=["make lake", "gold --report_uri"])
def report(chain_lake, request, tmp_path_factory):
    lake, ledger = chain_lake
    path = Path(report_uri(lake))
    if request.param == "gold --report_uri":
        path = tmp_path_factory.mktemp("job_report") / "report" / "index.html"
        run_gold(lake, path)
    page = path.read_text()
    return lake, ledger, page, embedded_data(page)


def test_report_figures_equal_the_ops_tables(report):
    lake, ledger, _, data = report
    assert_report_matches_ops(data, lake, ledger)


def test_report_shows_the_gold_counts_and_cost(report, spark):
    lake, _, page, data = report
    from lakehouse import delta_io

    gold = Path(lake) / "gold"
    tables = [t for t in sorted(gold.iterdir()) if (t / "_delta_log").exists() and not t.name.startswith("_")]
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


def test_a_report_that_cannot_be_written_is_a_warning_not_an_error(chain_lake, spark, tmp_path, capsys):
    lake, _ = chain_lake
    blocker = tmp_path / "report"
    blocker.write_text("a file where the report's folder would be")
    assert write_or_warn(spark, lake, str(blocker / "index.html")) is False  # raises if the error escapes
    err = capsys.readouterr().err
    assert f"WARNING lake report: not written to {blocker / 'index.html'}" in err, err[-2000:]
    assert "FileAlreadyExistsException" in err, err[-2000:]  # the write failed, not a read before it
    assert blocker.read_text().startswith("a file")


def test_report_opens_in_chromium_without_console_errors(chain_lake, tmp_path):
    lake, _ = chain_lake
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
