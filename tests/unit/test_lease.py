"""lakehouse.lease: one writing run per table, through a DynamoDB table (moto in-process)."""

import threading
import time
from pathlib import Path

import boto3
import pytest
from lakehouse import lease, ops, runtime
from lakehouse.config import JobConfig
from moto import mock_aws

TABLE = "lh-test-table-leases"
SILVER_SALES = "s3://lake/silver/sales"


@pytest.fixture
def dynamodb(monkeypatch):
    monkeypatch.setenv("AWS_DEFAULT_REGION", "eu-west-1")
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    with mock_aws():
        client = boto3.client("dynamodb")
        client.create_table(
            TableName=TABLE,
            KeySchema=[{"AttributeName": "lease_key", "KeyType": "HASH"}],
            AttributeDefinitions=[{"AttributeName": "lease_key", "AttributeType": "S"}],
            BillingMode="PAY_PER_REQUEST",
        )
        yield client


def _items(client) -> dict:
    return {i["lease_key"]["S"]: i["owner"]["S"] for i in client.scan(TableName=TABLE)["Items"]}


def test_a_second_run_is_refused_with_the_holders_run_id_and_takes_nothing(dynamodb):
    first = lease.Leases(TABLE, "jr_first", "silver-clean", client=dynamodb)
    second = lease.Leases(TABLE, "jr_second", "silver-clean", wait_seconds=0, client=dynamodb)
    first.acquire([SILVER_SALES])
    with pytest.raises(
        lease.LeaseRefused, match=r"s3://lake/silver/sales is being written by job silver-clean run jr_first"
    ):
        # sorted: a/ before silver/: the second run's lease on a/ is given back when silver/sales is refused
        second.acquire(["s3://lake/a", SILVER_SALES])
    assert _items(dynamodb) == {SILVER_SALES: "jr_first"}
    first.close()
    assert _items(dynamodb) == {}


def test_a_waiting_run_gets_the_lease_when_the_holder_ends(dynamodb, monkeypatch):
    monkeypatch.setattr(lease, "POLL_SECONDS", 0.05)
    first = lease.Leases(TABLE, "jr_first", "silver-clean", client=dynamodb)
    first.acquire([SILVER_SALES])
    threading.Timer(0.3, first.close).start()
    second = lease.Leases(TABLE, "jr_replay", "silver-clean", wait_seconds=10, client=dynamodb)
    t0 = time.monotonic()
    second.acquire([SILVER_SALES])
    assert 0.25 < time.monotonic() - t0 < 5
    assert _items(dynamodb) == {SILVER_SALES: "jr_replay"}
    second.close()


def test_a_lapsed_lease_of_a_killed_run_is_taken_and_its_owner_cannot_delete_or_renew_it(dynamodb):
    killed = lease.Leases(TABLE, "jr_killed", "silver-clean", client=dynamodb)
    killed.acquire([SILVER_SALES])
    # The killed run's driver stopped renewing: its expiry passes (TTL has not deleted the item yet).
    dynamodb.update_item(
        TableName=TABLE,
        Key={"lease_key": {"S": SILVER_SALES}},
        UpdateExpression="SET expires_at = :past",
        ExpressionAttributeValues={":past": {"N": str(int(time.time()) - 1)}},
    )
    retry = lease.Leases(TABLE, "jr_killed_attempt_1", "silver-clean", wait_seconds=0, client=dynamodb)
    retry.acquire([SILVER_SALES])
    killed.renew()
    assert killed.lost == [SILVER_SALES] and killed.held == []
    killed.release([SILVER_SALES])
    assert _items(dynamodb) == {SILVER_SALES: "jr_killed_attempt_1"}


class _SlowFirstRenewal:
    """The DynamoDB client, except that renewing `key` signals `renewing` and then waits (≤ 2 s) for `released`:
    the run's own release of another lease then falls inside the renewer's pass over its copy of the held keys."""

    def __init__(self, client, key: str):
        self._client, self._key = client, key
        self.renewing, self.released = threading.Event(), threading.Event()

    def update_item(self, **kwargs):
        if kwargs["Key"]["lease_key"]["S"] == self._key:
            self.renewing.set()
            self.released.wait(2)
        return self._client.update_item(**kwargs)

    def __getattr__(self, name):
        return getattr(self._client, name)


def test_a_lease_the_run_releases_while_the_renewer_runs_is_not_reported_lost(dynamodb):
    # A gold run in the emulator (19 leases, released one by one at its end) met its 30 s renewal there and
    # ended with LeaseLost for a table it had just released itself: the renewer's update of a deleted item
    # failed its owner condition and was taken for another run's.
    first, second = "s3://lake/exports/dim_date", "s3://lake/gold/dim_date"
    leases = lease.Leases(TABLE, "jr_gold", "gold-aggregates", client=dynamodb)
    leases.acquire([first, second])
    slow = leases.client = _SlowFirstRenewal(dynamodb, first)
    renewer = threading.Thread(target=leases.renew)
    renewer.start()
    assert slow.renewing.wait(5)
    leases.release([second])  # the job's own release, while the renewer is between its copy and `second`
    slow.released.set()
    renewer.join(5)
    assert (leases.lost, leases.held) == ([], [first])
    assert _items(dynamodb) == {first: "jr_gold"}
    leases.close()
    assert _items(dynamodb) == {}


def test_the_job_runtime_opens_the_lease_session_from_the_job_arguments(dynamodb, spark, tmp_path):
    """runtime.glue_session with --lease_table: an ops append inside the run takes the ops table's lease,
    and one held by another run refuses the append before anything is written."""
    config = JobConfig(str(tmp_path / "lake"), run_id="r1")
    ops_runs = config.paths.ops("pipeline_runs")
    other = lease.Leases(TABLE, "jr_other", "gold-aggregates", client=dynamodb)
    other.acquire([ops_runs])
    args = {"JOB_NAME": "silver-clean", "JOB_RUN_ID": "jr_mine", "lease_table": TABLE, "lease_wait_seconds": "0"}
    args["lake_root"] = config.lake_root  # its lineage events go under the test's lake, not ./lineage
    with pytest.raises(lease.LeaseRefused, match="run jr_other"):
        with runtime.glue_session(args):
            ops.record_run(spark, config, "silver_clean", "sales", 1, 1)
    assert not (tmp_path / "lake" / "ops" / "pipeline_runs").exists(), "refused: nothing written"
    other.close()
    with runtime.glue_session(args):
        ops.record_run(spark, config, "silver_clean", "sales", 1, 1)
        assert lease._active is not None and lease._active.owner == "jr_mine"
    assert ops.read(spark, config, "pipeline_runs").count() == 1
    assert lease._active is None and _items(dynamodb) == {}, "every lease released at the end"


def test_without_a_lease_table_holding_is_a_no_op():
    with lease.session(None, "jr", "bronze-ingest") as leases, lease.hold([SILVER_SALES]):
        assert leases is None and lease._active is None


def test_every_job_script_reads_the_lease_arguments_when_given():
    from awsglue.utils import getResolvedOptions

    base, required = ["job.py", "--JOB_NAME", "j", "--lake_root", "s3://lake"], ["JOB_NAME", "lake_root"]
    args = runtime.resolve_args(
        getResolvedOptions, base + ["--lease_table", "t", "--lease_wait_seconds", "5"], required
    )
    assert (args["lease_table"], args["lease_wait_seconds"]) == ("t", "5")
    assert "lease_table" not in runtime.resolve_args(getResolvedOptions, base, required), "optional: absent locally"
    scripts = sorted(Path(runtime.REPO_ROOT, "glue_jobs").glob("*.py"))
    assert len(scripts) == 4
    for script in scripts:  # each resolves its arguments through the runtime, so each gets the lease arguments
        text = script.read_text()
        assert "runtime.resolve_args(getResolvedOptions, argv" in text and "runtime.glue_session(args" in text, script
