"""A job killed (SIGKILL) right after any of its Delta commits and run again leaves every table as one
uninterrupted run does (rows compared as multisets, run ids and timestamps left out).

A kill leaves on disk exactly what the run had committed (ops rows held by ops.deferred die with the
process), so the uninterrupted reference run copies the lake after each of its commits: re-running
from every one of those copies covers every kill point in-process. Two real SIGKILLs of a job process
show that a killed lake is that copy, and repair like it (a JVM start per point is too slow to do all).
"""

import json
import os
import shutil
import signal
import subprocess
import sys
from pathlib import Path

import pytest
from lakehouse import delta_io, runtime

from tests.kill_after_commit import count_commits, restore, run_chain

# Each kill point is a job process killed and re-run: `make test-long`, which CI runs after `make test`.
pytestmark = [pytest.mark.slow, pytest.mark.long]
REPO = Path(__file__).resolve().parents[2]
SOURCE = "customers"  # JSON, SCD2 (versions log), latest_by, row rules: every silver write kind

# Columns that differ between runs by design: run/batch ids and timestamps.
VOLATILE = {
    "_batch_id",
    "_ingested_at",
    "_processed_at",
    "_quarantined_at",
    "batch_id",
    "run_id",
    "ingested_at",
    "processed_at",
    "evaluated_at",
    "detected_at",
}
TABLES = (
    "bronze/customers",
    "silver/customers",
    "silver/customers_versions",
    "silver/quarantine_customers",
    "ops/ingest_ledger",
    "ops/schema_drift",
    "ops/batches_processed",
    "ops/dq_results",
)


def _customer(cid, email, updated, tier="gold", phone="+1 555 0100"):
    return json.dumps(
        {
            "customer_id": cid,
            "first_name": "ann",
            "last_name": "lee",
            "email": email,
            "phone": phone,
            "address": {"street": "1 Main St", "city": "paris", "state": "idf", "postcode": "75001", "country": "fr"},
            "loyalty_tier": tier,
            "signup_date": "2023-05-01",
            "updated_at": updated,
        }
    )


FIRST = [_customer("C1", "a@x.com", "2024-01-01T00:00:00Z"), _customer("C2", "b@x.com", "2024-01-01T00:00:00Z")]
SECOND = [
    _customer("C1", "a1@x.com", "2024-02-01T00:00:00Z"),  # a new version of C1 (versions log, MERGE update)
    _customer("C1", "a0@x.com", "2024-01-15T00:00:00Z"),  # older than the line above: superseded
    _customer("C3", "not-an-email", "2024-02-01T00:00:00Z"),  # email_format → quarantine
    _customer("C4", "d@x.com", "2024-02-01T00:00:00Z", tier="tin"),  # loyalty_tier_known → quarantine
    _customer("C5", "e@x.com", "2024-02-01T00:00:00Z"),  # new key: MERGE insert
    '{"customer_id": "C6", "email"',  # corrupt line → quarantine
]
KILL_POINTS = range(1, 10)  # every commit of bronze + silver over the second delivery (checked below)
SIGKILL_POINTS = (1, 6)  # after the bronze append; after the quarantine write (both broke the old code)


def _deliver(lake: Path, name: str, lines: list[str]) -> None:
    path = lake / "landing" / SOURCE / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("\n".join(lines) + "\n")


def _content(spark, lake: Path) -> dict:
    """Every table as a sorted list of rows without the volatile columns; dq_results of published runs only."""
    out = {}
    published = set()
    if delta_io.exists(spark, str(lake / "ops/batches_processed")):
        published = {r[0] for r in delta_io.read(spark, str(lake / "ops/batches_processed")).select("run_id").collect()}
    for table in TABLES:
        df = delta_io.read_if_exists(spark, str(lake / table))
        if df is None:
            out[table] = None
            continue
        if table == "ops/dq_results":  # a run killed before marking its batches left its report; the re-run repeats it
            df = df.where(df.run_id.isin(sorted(published)))
        cols = sorted(c for c in df.columns if c not in VOLATILE)
        out[table] = sorted(repr(tuple(r)) for r in df.select(*cols).collect())
    return out


@pytest.fixture(scope="module")
def crash_lakes(spark, tmp_path_factory):
    """(root, template lake: first delivery processed, second landed; reference content; commits of one run).

    root/after_<n> is the reference lake as it stood right after its n-th commit."""
    root = tmp_path_factory.mktemp("crash")
    template = root / "template"
    _deliver(template, "001/customers.jsonl", FIRST)
    run_chain(spark, str(template), "base", SOURCE)
    _deliver(template, "002/customers.jsonl", SECOND)
    reference = root / "reference"
    shutil.copytree(template, reference)
    counter = count_commits(lambda n: shutil.copytree(reference, root / f"after_{n}"))
    try:
        run_chain(spark, str(reference), "uninterrupted", SOURCE)
    finally:
        restore(counter)
    return root, template, _content(spark, reference), counter["commits"]


def test_the_kill_points_are_every_commit_of_the_run(crash_lakes):
    *_, commits = crash_lakes
    assert list(KILL_POINTS) == list(range(1, commits + 1))


@pytest.mark.parametrize("kill_at", KILL_POINTS)
def test_rerun_from_the_lake_left_after_any_commit_equals_an_uninterrupted_run(spark, crash_lakes, kill_at):
    root, _, reference, _ = crash_lakes
    lake = root / f"rerun_{kill_at}"
    shutil.copytree(root / f"after_{kill_at}", lake)
    run_chain(spark, str(lake), "rerun", SOURCE)
    got = _content(spark, lake)
    assert {t: got[t] == reference[t] for t in TABLES} == {t: True for t in TABLES}
    assert got == reference


@pytest.mark.parametrize("kill_at", SIGKILL_POINTS)
def test_a_job_killed_after_a_commit_leaves_that_commit_and_the_rerun_repairs_it(spark, crash_lakes, kill_at):
    root, template, reference, _ = crash_lakes
    lake = root / f"killed_{kill_at}"
    shutil.copytree(template, lake)
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(REPO / "glue_jobs"), str(REPO)])}
    env[runtime.JIT_ENV] = "quick"  # a JVM that lives until its first commits (lakehouse.runtime)
    proc = subprocess.Popen(
        [sys.executable, "-m", "tests.kill_after_commit", str(lake), "killed", SOURCE, str(kill_at)],
        cwd=REPO,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        start_new_session=True,  # its own process group: its JVM is ended with it below
    )
    out, _ = proc.communicate(timeout=600)
    try:
        os.killpg(proc.pid, signal.SIGKILL)  # the JVM it started, if still alive
    except ProcessLookupError:
        pass
    assert proc.returncode == -signal.SIGKILL, out.decode()[-3000:]
    assert _content(spark, lake) == _content(spark, root / f"after_{kill_at}")  # what the in-process sweep re-runs
    run_chain(spark, str(lake), "rerun", SOURCE)
    assert _content(spark, lake) == reference
