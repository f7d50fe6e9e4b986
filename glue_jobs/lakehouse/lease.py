"""One writer per table: a lease in DynamoDB that a job holds on the tables it writes.

Delta's "Storage configuration" documentation (section Amazon S3): with the default S3 log store,
S3SingleDriverLogStore, concurrent writes to S3 must come from a single Spark driver for Delta to keep
its transactional guarantees, and concurrent writes to the same table from several drivers can lose
data (S3 gives no mutual exclusion on the commit file). Glue runs each job attempt in its own driver, so
two runs writing one table (a replay beside the scheduled silver run, a Glue retry while the first
attempt's driver is still finishing, OPTIMIZE beside an append) must not overlap: before its first
commit a job takes the lease of every table it writes, and a second run waits a bounded time or is
refused with the holder's job run id. The multi-driver log store (S3DynamoDBLogStore) is the opt-in
alternative, see docs/concurrency.md.

A lease is one item per table (key: the table's path) written with a conditional PutItem: it succeeds
only if no item exists or the item's `expires_at` has passed. DynamoDB's TTL deletes expired items only
"typically within a few days" and "items that have expired and not been deleted will still show up in
reads" (UpdateTimeToLive, DynamoDB API reference), so the condition compares `expires_at` itself and
TTL only tidies the table. A held lease is renewed in the background; a killed job's lease lapses after
LEASE_SECONDS, which is shorter than the default wait, so Glue's retry of a killed attempt proceeds.

Without --lease_table (local runs, unit tests) holding is a no-op: one process is one driver.
"""

import os
import threading
import time
import uuid
from contextlib import contextmanager

from lakehouse.errors import LakehouseError

LEASE_SECONDS = 120  # a lease not renewed for this long is free for the next job
RENEW_EVERY_SECONDS = 30
DEFAULT_WAIT_SECONDS = 300  # > LEASE_SECONDS: a dead holder's lease always lapses within the wait
POLL_SECONDS = 2.0
EXPIRY_ATTRIBUTE = "expires_at"  # the table's TTL attribute (terraform/modules/lease_table)


class LeaseRefused(LakehouseError):
    """Another job run holds a table this job would write; the message names it."""


class LeaseLost(LakehouseError):
    """A held lease could not be renewed (another run took it after it lapsed)."""


class Leases:
    """The leases of one job run, in one DynamoDB table."""

    def __init__(self, table: str, owner: str, job: str, wait_seconds: float = DEFAULT_WAIT_SECONDS, client=None):
        if client is None:
            import boto3

            client = boto3.client("dynamodb")
        self.client, self.table, self.owner, self.job = client, table, owner, job
        self.wait_seconds = wait_seconds
        self.held: list[str] = []
        self.lost: list[str] = []
        self.taken = 0  # leases taken in this run (a table leased again later counts again)
        self._stop = threading.Event()
        self._renewer: threading.Thread | None = None
        # `held` changes and each renewal's verdict under one lock: a renewal that fails because this run
        # released the key meanwhile (the renewer iterates a copy) is not a lost lease
        self._held_lock = threading.Lock()

    def _put(self, key: str) -> bool:
        now = int(time.time())
        try:
            self.client.put_item(
                TableName=self.table,
                Item={
                    "lease_key": {"S": key},
                    "owner": {"S": self.owner},
                    "job": {"S": self.job},
                    "acquired_at": {"N": str(now)},
                    EXPIRY_ATTRIBUTE: {"N": str(now + LEASE_SECONDS)},
                },
                ConditionExpression="attribute_not_exists(lease_key) OR #exp < :now OR #owner = :me",
                ExpressionAttributeNames={"#exp": EXPIRY_ATTRIBUTE, "#owner": "owner"},
                ExpressionAttributeValues={":now": {"N": str(now)}, ":me": {"S": self.owner}},
            )
            return True
        except self.client.exceptions.ConditionalCheckFailedException:
            return False

    def holder(self, key: str) -> dict:
        item = self.client.get_item(TableName=self.table, Key={"lease_key": {"S": key}}, ConsistentRead=True)
        return {k: next(iter(v.values())) for k, v in item.get("Item", {}).items()}

    def acquire(self, keys) -> list[str]:
        """Take each key's lease (in sorted order: two jobs never wait on each other in a circle)."""
        taken = []
        for key in sorted(set(keys) - set(self.held)):
            deadline = time.monotonic() + self.wait_seconds
            waited = False
            while not self._put(key):
                h = self.holder(key)
                if time.monotonic() >= deadline:
                    self.release(taken)
                    raise LeaseRefused(
                        f"{key} is being written by job {h.get('job', '?')} run {h.get('owner', '?')} "
                        f"(lease until {h.get(EXPIRY_ATTRIBUTE, '?')} epoch s); this run ({self.job} {self.owner}) "
                        f"waited {self.wait_seconds:.0f} s and wrote nothing. Re-run it when that run has ended."
                    )
                if not waited:
                    print(f"lease: {key} held by {h.get('job', '?')} run {h.get('owner', '?')}: waiting", flush=True)
                    waited = True
                time.sleep(min(POLL_SECONDS, max(0.0, deadline - time.monotonic())))
            taken.append(key)
            with self._held_lock:
                self.held.append(key)
            self.taken += 1
        self._start_renewing()
        return taken

    def release(self, keys) -> None:
        for key in keys:
            with self._held_lock:  # not held before its item goes: a renewal failing on it after is no loss
                if key in self.held:
                    self.held.remove(key)
            try:
                self.client.delete_item(
                    TableName=self.table,
                    Key={"lease_key": {"S": key}},
                    ConditionExpression="#owner = :me",
                    ExpressionAttributeNames={"#owner": "owner"},
                    ExpressionAttributeValues={":me": {"S": self.owner}},
                )
            except self.client.exceptions.ConditionalCheckFailedException:
                pass  # lapsed and taken by another run: not ours to delete

    def renew(self) -> None:
        """Push every held lease's expiry forward; a lease another run took meanwhile is recorded as lost."""
        for key in list(self.held):
            with self._held_lock:
                if key in self.held:
                    self._renew_one(key)

    def _renew_one(self, key: str) -> None:
        """Called under _held_lock with `key` held: a failed condition means another run took it."""
        try:
            self.client.update_item(
                TableName=self.table,
                Key={"lease_key": {"S": key}},
                UpdateExpression="SET #exp = :exp",
                ConditionExpression="#owner = :me",
                ExpressionAttributeNames={"#exp": EXPIRY_ATTRIBUTE, "#owner": "owner"},
                ExpressionAttributeValues={
                    ":exp": {"N": str(int(time.time()) + LEASE_SECONDS)},
                    ":me": {"S": self.owner},
                },
            )
        except self.client.exceptions.ConditionalCheckFailedException:
            self.lost.append(key)
            self.held.remove(key)

    def _start_renewing(self) -> None:
        if self._renewer is None:
            self._renewer = threading.Thread(target=self._renew_loop, name="lease-renewer", daemon=True)
            self._renewer.start()

    def _renew_loop(self) -> None:
        while not self._stop.wait(RENEW_EVERY_SECONDS):
            try:
                self.renew()
            except Exception as e:  # noqa: BLE001 - a failed renewal is retried; the lease lasts LEASE_SECONDS
                print(f"lease: renewal failed ({e}); retrying in {RENEW_EVERY_SECONDS} s", flush=True)

    def close(self) -> None:
        self._stop.set()
        self.release(list(self.held))
        print(
            f"lease: {self.job} run {self.owner} took {self.taken} table leases in {self.table}, all released",
            flush=True,
        )


_active: Leases | None = None


@contextmanager
def session(table: str | None, owner: str | None, job: str, wait_seconds: float | None = None, client=None):
    """The job run's leases while the block runs (runtime.glue_session opens it); all released at its end.

    `table` None or empty: no lease table (local runs): hold() is a no-op.
    """
    global _active
    if not table:
        yield None
        return
    owner = owner or f"{job}-{os.getpid()}-{uuid.uuid4().hex[:8]}"
    wait = DEFAULT_WAIT_SECONDS if wait_seconds is None else wait_seconds
    leases = _active = Leases(table, owner, job, wait, client)
    try:
        yield leases
    finally:
        _active = None
        leases.close()
    if leases.lost:
        raise LeaseLost(f"{job} run {owner} lost the lease of {', '.join(leases.lost)} while running (not renewed)")


@contextmanager
def hold(keys):
    """Hold the lease of each table path in `keys` for the block (no-op without a lease session)."""
    if _active is None:
        yield
        return
    taken = _active.acquire(keys)
    try:
        yield
    finally:
        _active.release(taken)
