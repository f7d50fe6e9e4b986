"""Table maintenance (lakehouse.maintenance) between batches changes no answer: the next batches and a
replay leave the lake as they do without it, and VACUUM keeps what the retention promises."""

import shutil

import pytest
from delta.tables import DeltaTable
from lakehouse import delta_io, maintenance, replay
from lakehouse.config import JobConfig

from tests.integration.test_crash_safety import FIRST, SECOND, SOURCE, TABLES, VOLATILE, _customer, _deliver
from tests.kill_after_commit import run_chain

# Batches, OPTIMIZE + VACUUM and a replay on two lakes: `make test-long`, which CI runs after `make test`.
pytestmark = [pytest.mark.slow, pytest.mark.long]
THIRD = [
    _customer("C2", "b2@x.com", "2024-03-01T00:00:00Z"),  # update of a key compacted/Z-ordered by maintenance
    _customer("C7", "g@x.com", "2024-03-01T00:00:00Z"),  # new key
    _customer("C8", "bad-email", "2024-03-01T00:00:00Z"),  # quarantined, then replayed
]


def _content(spark, lake) -> dict:
    """Every table's rows without the volatile columns, nor the bronze version silver and the ledger
    recorded (the maintained lake's bronze has one commit more: the compaction)."""
    out = {}
    for table in TABLES:
        df = delta_io.read_if_exists(spark, str(lake / table))
        if df is None:  # e.g. ops/schema_drift: no delivery drifted
            out[table] = None
            continue
        # listing_tag: the landing file's modification time on this file system, different in each lake
        cols = sorted(c for c in df.columns if c not in VOLATILE | {"source_version", "bronze_version", "listing_tag"})
        out[table] = sorted(repr(tuple(r)) for r in df.select(*cols).collect())
    return out


def test_optimize_and_vacuum_between_batches_change_no_answer(spark, tmp_path):
    plain, maintained = tmp_path / "plain", tmp_path / "maintained"
    _deliver(plain, "001/customers.jsonl", FIRST)
    run_chain(spark, str(plain), "b1", SOURCE)
    _deliver(plain, "002/customers.jsonl", SECOND)
    run_chain(spark, str(plain), "b2", SOURCE)
    shutil.copytree(plain, maintained)

    silver = str(maintained / "silver/customers")
    before = DeltaTable.forPath(spark, silver).history(1).first()["version"]
    rows_before = delta_io.read(spark, silver).count()
    config = JobConfig(str(maintained), (SOURCE,), "maintain")
    with pytest.raises(ValueError, match="retain_hours 24"):
        maintenance.run(spark, config, retain_hours=24)
    done = {r["table"]: r for r in maintenance.run(spark, config)}
    # the compaction happened where two batches left several files
    assert done["bronze.customers"]["files_compacted"] >= 2 and done["bronze.customers"]["files_written"] == 1
    assert done["silver.customers"]["files_compacted"] >= 2
    # VACUUM kept what the last 7 days' versions reference: the version before the compaction still reads
    old = spark.read.format("delta").option("versionAsOf", before).load(silver)
    assert old.count() == rows_before
    assert done["silver.customers"]["files_vacuumed"] == 0

    for lake in (plain, maintained):
        _deliver(lake, "003/customers.jsonl", THIRD)
        run_chain(spark, str(lake), "b3", SOURCE)
        replay.run(spark, JobConfig(str(lake), (SOURCE,), "replay"), "customers")
    assert _content(spark, maintained) == _content(spark, plain)
