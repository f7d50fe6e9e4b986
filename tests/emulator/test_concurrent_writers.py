"""Concurrent writers (issue 33): several Spark drivers released together to append to one Delta table in
the emulated S3 (tests/concurrent_writer.py, through ops.append_rows, the ops append that takes the
table's lease for each commit).

- **guard on** (a lease table in moto's DynamoDB, as every deployed job gets --lease_table): every commit a
  writer reports is in _delta_log with that writer's batch, the versions are contiguous, the table holds
  the rows of every reported commit, and writers that found the lease taken said they were waiting; a
  writer whose lease is held by another run beyond its wait is refused, says by whom, writes nothing;
- **guard off** (no lease table: Delta's S3SingleDriverLogStore alone, which Delta documents as safe for
  one driver only): the same check finds commits lost on S3 (two writers reporting one version, the
  table short of reported rows) within a bounded number of rounds, so the check can fail.

The expected side is what the writers report and a hand count (WRITERS x COMMITS x ROWS), read against
the Delta log through boto3 (lakehouse_local.emulator.delta_log), not through Spark or Delta."""

import json
import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest
from lakehouse import lease, runtime
from lakehouse.config import JobConfig

from lakehouse_local.emulator import server
from lakehouse_local.emulator.delta_log import row_count, split_s3
from tests.concurrent_writer import REFUSED_EXIT, ROWS, TABLE

pytestmark = [pytest.mark.slow, pytest.mark.long]

REPO = Path(__file__).resolve().parents[2]
BUCKET = "lake"
LEASE_TABLE = "lh-test-table-leases"
WRITERS, COMMITS = 4, 5
# Without the lease a release of the four writers lost a commit about one time in four here (8 of 31):
# a round of 8 misses the loss about one time in ten, 3 rounds less than one time in 1,000.
UNGUARDED_COMMITS, MAX_UNGUARDED_ROUNDS = 8, 3


@pytest.fixture(scope="module")
def emulated(tmp_path_factory):
    work = tmp_path_factory.mktemp("concurrent")
    proc, endpoint = server.start_moto(work / "moto.log")
    try:
        s3 = server.client("s3", endpoint)
        s3.create_bucket(Bucket=BUCKET)
        ddb = server.client("dynamodb", endpoint)
        # as terraform/modules/lease_table: key lease_key, on demand, TTL on the lease's expiry
        ddb.create_table(
            TableName=LEASE_TABLE,
            KeySchema=[{"AttributeName": "lease_key", "KeyType": "HASH"}],
            AttributeDefinitions=[{"AttributeName": "lease_key", "AttributeType": "S"}],
            BillingMode="PAY_PER_REQUEST",
        )
        ddb.update_time_to_live(
            TableName=LEASE_TABLE,
            TimeToLiveSpecification={"Enabled": True, "AttributeName": lease.EXPIRY_ATTRIBUTE},
        )
        yield {"work": work, "endpoint": endpoint, "s3": s3, "ddb": ddb}
    finally:
        server.stop(proc)


def start_writers(
    emulated, lake_root: str, names: list[str], lease_args=(), commits: int = COMMITS, env=None
) -> list[tuple[str, subprocess.Popen]]:
    """The writers, each a driver process of its own, released together once all are ready."""
    barrier = emulated["work"] / f"barrier-{lake_root.rsplit('/', 1)[-1]}"
    barrier.mkdir()
    env = {
        **(env or {}),
        **server.aws_env(emulated["endpoint"]),
        "PYTHONPATH": os.pathsep.join([str(REPO / "glue_jobs"), str(REPO)]),
        "LAKEHOUSE_RUNTIME": "local",
        "LAKEHOUSE_DRIVER_MEMORY": "1g",
        runtime.JIT_ENV: "quick",  # short-lived JVMs, as the emulator's job runs (lakehouse.runtime)
        runtime.CODEGEN_ENV: "off",
    }
    started = []
    for name in names:
        cmd = [sys.executable, "-m", "tests.concurrent_writer", lake_root, name, str(commits), str(barrier)]
        log = open(emulated["work"] / f"{lake_root.rsplit('/', 1)[-1]}-{name}.log", "w")  # noqa: SIM115
        proc = subprocess.Popen(
            [*cmd, str(len(names)), *lease_args],
            cwd=REPO,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # its own process group: its JVM is ended with it
        )
        log.close()
        started.append((log.name, proc))
    return started


def finish(started) -> list[dict]:
    """Each writer's summary line, exit code and output, once every writer's process group is gone."""
    for _, proc in started:
        try:
            proc.wait(timeout=600)
        finally:
            try:
                os.killpg(proc.pid, signal.SIGKILL)  # its JVM, if still alive
            except ProcessLookupError:
                pass
    outcomes = []
    for log, proc in started:
        out = Path(log).read_text(errors="replace")
        summary = next((line[len("summary ") :] for line in out.splitlines() if line.startswith("summary ")), None)
        assert summary, f"{log}: no summary line (exit {proc.returncode}):\n{out[-3000:]}"
        outcomes.append({**json.loads(summary), "exit": proc.returncode, "out": out})
    return outcomes


def commit(s3, table: str, version: int) -> list[dict]:
    bucket, prefix = split_s3(table)
    body = s3.get_object(Bucket=bucket, Key=f"{prefix}/_delta_log/{version:020d}.json")["Body"].read().decode()
    return [json.loads(line) for line in body.splitlines() if line.strip()]


def log_versions(s3, table: str) -> list[int]:
    bucket, prefix = split_s3(table)
    listed = s3.list_objects_v2(Bucket=bucket, Prefix=f"{prefix}/_delta_log/").get("Contents", [])
    return sorted(int(o["Key"].rsplit("/", 1)[1][:-5]) for o in listed if o["Key"].endswith(".json"))


def losses(s3, table: str, outcomes: list[dict]) -> list[str]:
    """What the Delta log in S3 contradicts of the writers' reports (nothing, when no commit was lost).

    Version 0 is the table's creation (writer w0, no rows); every reported commit must be its own later
    version holding that writer's batch of ROWS rows, and the table the rows of all of them."""
    found, reported = [], {}
    for o in outcomes:
        for batch, version in o["committed"]:
            reported.setdefault(version, []).append(f"{o['writer']}/b{batch}")
    found += [f"version {v} reported by {' and '.join(tags)}" for v, tags in sorted(reported.items()) if len(tags) > 1]
    versions = log_versions(s3, table)
    if versions != list(range(len(versions))):
        found.append(f"versions not contiguous: {versions}")
    for version, tags in sorted(reported.items()):
        actions = commit(s3, table, version) if version in versions else []
        info = next((a["commitInfo"] for a in actions if "commitInfo" in a), {})
        rows = sum(json.loads(a["add"]["stats"])["numRecords"] for a in actions if "add" in a)
        found += [
            f"version {version}: {tag} reported it, the log holds {info.get('userMetadata')} ({rows} rows)"
            for tag in tags
            if (info.get("userMetadata"), rows) != (tag, ROWS)
        ]
    unreported = sorted(set(versions) - set(reported) - {0})
    if unreported:
        found.append(f"versions no writer reported: {unreported}")
    written, present = sum(o["rows"] for o in outcomes), row_count(s3, table)
    if present != written:
        found.append(f"{written} rows reported written, {present} in the table")
    return found


def ops_table(lake_root: str) -> str:
    return JobConfig(lake_root).paths.ops(TABLE)


@pytest.fixture(scope="module")
def guarded(emulated):
    """WRITERS writers with the lease table, and beside them one whose table's lease another run holds."""
    lake, refused_lake = f"s3://{BUCKET}/guarded", f"s3://{BUCKET}/refused"
    holder = lease.Leases(LEASE_TABLE, "jr_holder", "silver-clean", client=emulated["ddb"])
    holder.acquire([ops_table(refused_lake)])
    try:
        names = [f"w{i}" for i in range(WRITERS)]
        started = start_writers(emulated, lake, names, (LEASE_TABLE, str(lease.DEFAULT_WAIT_SECONDS)))
        refused = start_writers(emulated, refused_lake, ["w9"], (LEASE_TABLE, "3"))
        outcomes = finish(started + refused)
        return {"lake": lake, "outcomes": outcomes[:-1], "refused_lake": refused_lake, "refused": outcomes[-1]}
    finally:
        holder.close()


def test_with_the_lease_every_reported_commit_is_in_the_log_and_no_row_is_lost(emulated, guarded):
    outcomes, table = guarded["outcomes"], ops_table(guarded["lake"])
    assert [(o["writer"], o["exit"], o["refused"]) for o in outcomes] == [(f"w{i}", 0, False) for i in range(WRITERS)]
    assert sum(len(o["committed"]) for o in outcomes) == WRITERS * COMMITS
    assert losses(emulated["s3"], table, outcomes) == []
    assert log_versions(emulated["s3"], table) == list(range(WRITERS * COMMITS + 1))
    assert row_count(emulated["s3"], table) == WRITERS * COMMITS * ROWS
    waited = [o["writer"] for o in outcomes if f"lease: {table} held by concurrent-writer run w" in o["out"]]
    assert waited, "writers released together: all but the first found the lease taken and said so"
    print(f"guarded: {WRITERS} writers, {WRITERS * COMMITS} commits landed, writers that waited: {waited}")


def test_a_writer_whose_table_is_leased_by_another_run_is_refused_and_writes_nothing(emulated, guarded):
    refused, table = guarded["refused"], ops_table(guarded["refused_lake"])
    assert (refused["exit"], refused["refused"], refused["committed"]) == (REFUSED_EXIT, True, [])
    assert f"refused: {table} is being written by job silver-clean run jr_holder" in refused["out"]
    assert "waited 3 s and wrote nothing" in refused["out"]
    assert log_versions(emulated["s3"], table) == []


def test_without_the_lease_the_same_check_finds_lost_commits(emulated):
    """Guard off: the drivers race on S3 for the same commit file; the loss is probabilistic, so rounds
    run until one shows it (bounded)."""
    for round_ in range(1, MAX_UNGUARDED_ROUNDS + 1):
        lake = f"s3://{BUCKET}/unguarded-{round_}"
        outcomes = finish(start_writers(emulated, lake, [f"w{i}" for i in range(WRITERS)], commits=UNGUARDED_COMMITS))
        found = losses(emulated["s3"], ops_table(lake), outcomes)
        attempted = sum(len(o["committed"]) for o in outcomes)
        print(f"unguarded round {round_}: {attempted} commits reported, exits {[o['exit'] for o in outcomes]}")
        print("\n".join(found))
        # a lost commit: two writers report one version, or the table holds fewer rows than reported
        if any(" reported by " in f or " rows reported written, " in f for f in found):
            return
    pytest.fail(f"no commit lost in {MAX_UNGUARDED_ROUNDS} rounds without the lease")
