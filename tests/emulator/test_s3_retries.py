"""The jobs' S3 retry settings (lakehouse.runtime.S3_RETRIES) are what carries a driver through S3 faults
(issue 33): one driver appends to a Delta table in the emulated S3 while the server answers a fifth of
its S3 requests with an injected fault (503 SlowDown, 500, a cut-off answer, a slow one;
server.S3Faults). With the jobs' settings every commit lands; the same driver with the settings zeroed
fails on a fault, and the commits it did report are in the log. test_faults.py runs the whole deployed
chain under faults; this is the small case that can fail when the settings are gone.

The writer is tests/concurrent_writer.py (the jobs' own session, ops.append_rows); the log is read back
through boto3, whose requests the server never faults."""

import pytest

from lakehouse_local.emulator import server
from tests.concurrent_writer import NO_S3_RETRIES_ENV, ROWS
from tests.emulator.test_concurrent_writers import (
    BUCKET,
    finish,
    log_versions,
    losses,
    ops_table,
    start_writers,
)

pytestmark = [pytest.mark.slow, pytest.mark.long]

FAULT_RATE = 0.2
COMMITS = 3


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    """The same writer twice at once, into two lakes: with the jobs' retry settings and with them zeroed."""
    work = tmp_path_factory.mktemp("s3_retries")
    proc, endpoint = server.start_moto(work / "moto.log", s3_fault_rate=FAULT_RATE, fault_seed=7)
    try:
        s3 = server.client("s3", endpoint)
        s3.create_bucket(Bucket=BUCKET)
        emulated = {"work": work, "endpoint": endpoint}
        retried, unretried = f"s3://{BUCKET}/retried", f"s3://{BUCKET}/unretried"
        started = start_writers(emulated, retried, ["w0"], commits=COMMITS)
        started += start_writers(emulated, unretried, ["w0"], commits=COMMITS, env={NO_S3_RETRIES_ENV: "1"})
        with_retries, without = finish(started)
        faults = server.injected_faults(work / "moto.log")
        print(f"S3 faults injected: {faults}")
        yield {"s3": s3, "faults": faults, "retried": (retried, with_retries), "unretried": (unretried, without)}
    finally:
        server.stop(proc)


def test_with_the_jobs_retry_settings_every_commit_lands_through_the_faults(runs):
    lake, outcome = runs["retried"]
    faults = runs["faults"]
    assert sum(faults[kind] for kind in ("503", "500", "cut")) > 0 and faults["retried"] > 0, faults
    assert (outcome["exit"], outcome["error"]) == (0, None), outcome["out"][-3000:]
    assert [b for b, _ in outcome["committed"]] == list(range(COMMITS))
    assert losses(runs["s3"], ops_table(lake), [outcome]) == []
    assert log_versions(runs["s3"], ops_table(lake)) == list(range(COMMITS + 1))  # version 0: created empty


def test_without_them_the_driver_fails_on_a_fault_and_what_it_reported_is_in_the_log(runs):
    lake, outcome = runs["unretried"]
    assert outcome["exit"] != 0 and outcome["error"], outcome["out"][-3000:]
    assert len(outcome["committed"]) < COMMITS
    if outcome["committed"]:  # a fault before the table existed leaves no table at all
        # every commit it reported is in the log with its rows (the one it failed on may have landed:
        # an answer cut off after S3 stored the commit; that is a version nobody reported, not a loss)
        found = losses(runs["s3"], ops_table(lake), [outcome])
        assert [f for f in found if " reported it" in f or " reported by " in f] == [], found
    print(f"without retries: failed after {len(outcome['committed'])} commits ({ROWS} rows each): {outcome['error']}")
