"""Incremental gold equals a full rebuild of the same lake, table by table, row by row.

The shared chain lake (tests/conftest.py) ran gold after each of its 3 batches: batch 1 builds in full,
batches 2 and 3 go the incremental path over what they brought: corrected re-deliveries of earlier
sales, changed and unchanged customer re-deliveries (SCD2 changes), a late-arriving older customer
version, new FX rates and products. On a copy, a replay of the quarantined sales then runs gold
incrementally once more; a second copy rebuilds gold in full from the same silver, and the two must hold
the same rows.
"""

import shutil
from pathlib import Path

import pytest
from pyspark.sql import functions as F

pytestmark = pytest.mark.slow

TABLES = (
    "dim_customer",
    "fact_sales",
    "dim_date",
    "dim_store",
    "dim_product",
    "daily_sales",
    "product_performance",
    "customer_360",
)


def rows(spark, lake, table) -> list[str]:
    return sorted(repr(tuple(r)) for r in spark.read.format("delta").load(f"{lake}/gold/{table}").collect())


def gold_paths(spark, lake) -> list[str]:
    runs = spark.read.format("delta").load(f"{lake}/ops/pipeline_runs")
    return [r.dataset for r in runs.where(F.col("dataset").startswith("gold (")).orderBy("finished_at").collect()]


@pytest.fixture(scope="module")
def lakes(spark, chain_lake, tmp_path_factory):
    """(incremental lake, full-rebuild lake): chain + replay with incremental gold, and its full rebuild."""
    from lakehouse import replay
    from lakehouse.config import JobConfig
    from lakehouse.gold import run

    chain, _ = chain_lake
    root = tmp_path_factory.mktemp("incremental_gold")
    inc, full = root / "incremental", root / "full"
    shutil.copytree(chain, inc, ignore=shutil.ignore_patterns("sample", "landing"))
    replay.run(spark, JobConfig(str(inc), run_id="replay"), "sales")
    summary = run(spark, JobConfig(str(inc), run_id="gold-after-replay", pii_salt="test-salt"))
    shutil.copytree(inc, full)
    rebuilt = run(spark, JobConfig(str(full), run_id="gold-full", pii_salt="test-salt"), rebuild=True)
    return str(inc), str(full), summary, rebuilt


def test_the_chain_took_the_incremental_path(spark, chain_lake, lakes):
    chain, _ = chain_lake
    paths = gold_paths(spark, chain)
    assert paths[0] == "gold (full)"  # the first build has nothing to build on
    assert paths[1:3] == ["gold (incremental)", "gold (incremental)"], paths
    _, _, summary, rebuilt = lakes
    assert rebuilt["path"] == "full" and rebuilt["path_reason"] == "rebuild requested"
    assert summary.get("skipped") or summary["path"] == "incremental", summary


@pytest.mark.parametrize("table", TABLES)
def test_incremental_gold_equals_a_full_rebuild(spark, lakes, table):
    inc, full, _, _ = lakes
    got, want = rows(spark, inc, table), rows(spark, full, table)
    assert len(got) == len(want) and got == want


def test_exports_hold_the_incremental_snapshot(spark, chain_lake):
    inc, _ = chain_lake  # its last gold run was incremental (test above)
    for table in ("fact_sales", "daily_sales", "product_performance"):
        export = sorted(repr(tuple(r)) for r in spark.read.parquet(f"{inc}/exports/{table}").collect())
        assert export == rows(spark, inc, table), table
        manifest = Path(inc, "gold", table, "_symlink_format_manifest", "manifest").read_text().split()
        live = spark.read.format("delta").load(f"{inc}/gold/{table}").inputFiles()
        assert sorted(manifest) == sorted(live), table
