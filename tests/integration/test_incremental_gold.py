"""Incremental gold equals a full rebuild of the same lake, table by table, row by row.

The shared chain lake (tests/conftest.py) ran gold after each of its 3 batches: batch 1 builds in full,
batches 2 and 3 go the incremental path over what they brought: corrected re-deliveries of earlier
sales, changed and unchanged customer re-deliveries (SCD2 changes), a late-arriving older customer
version, new FX rates and products. On a copy, a replay of the quarantined sales then runs gold
incrementally once more, and so does a set of silver changes on days no other one touches (a line whose
sale date moved, a product renamed and recategorised, a re-priced line of one customer); a second copy
rebuilds gold in full from the same silver, and the two must hold the same rows.
"""

import shutil
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
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


@dataclass
class Changes:
    """Silver changes on days no other one touches, each reaching one rule of the touched days."""

    moved: str  # a sales line whose sale_date moved
    moved_from: date
    moved_to: date
    product: str  # renamed and recategorised: every day with a sale of it
    product_days: set
    customer: str  # one of its lines re-priced
    repriced: str
    repriced_day: date
    repriced_usd: Decimal  # the line's amount_usd before


def change_silver(spark, lake) -> Changes:
    """On the lake's silver (Delta UPDATEs: the change feed records pre- and post-images): a product
    sold on the fewest days is renamed and moved to another category; a line on a day without that
    product moves to another such day; a line of another customer on a third such day is re-priced."""
    from delta.tables import DeltaTable

    facts = spark.read.format("delta").load(f"{lake}/gold/fact_sales").collect()
    days_of = {}
    for f in facts:
        days_of.setdefault(f.product_id, set()).add(f.sale_date)
    product = min(sorted(days_of), key=lambda p: len(days_of[p]))
    free = sorted({f.sale_date for f in facts} - days_of[product])
    d1, d2, d3 = free[0], free[len(free) // 2], free[-1]
    moved = next(f for f in sorted(facts, key=lambda f: f.transaction_id) if f.sale_date == d1)
    repriced = next(
        f
        for f in sorted(facts, key=lambda f: f.transaction_id)
        if f.sale_date == d3 and f.customer_id not in (None, moved.customer_id) and not f.fx_missing
    )
    sales = DeltaTable.forPath(spark, f"{lake}/silver/sales")
    sales.update(f"transaction_id = '{moved.transaction_id}'", {"sale_date": f"DATE'{d2}'"})
    sales.update(f"transaction_id = '{repriced.transaction_id}'", {"total_amount": "total_amount + 10"})
    products = DeltaTable.forPath(spark, f"{lake}/silver/products")
    categories = sorted({r.category for r in products.toDF().collect() if r.category})
    current = products.toDF().where(f"product_id = '{product}'").first().category
    other = next(c for c in categories if c != current)
    products.update(f"product_id = '{product}'", {"product_name": "'Renamed product'", "category": f"'{other}'"})
    return Changes(
        moved.transaction_id,
        d1,
        d2,
        product,
        days_of[product],
        repriced.customer_id,
        repriced.transaction_id,
        d3,
        repriced.amount_usd,
    )


def add_a_new_day(spark, lake, not_of: str) -> None:
    """Appends to silver.sales a day after its last one, as a day's silver run does: a copy of the last
    day's lines (new ids) but those of customer `not_of`, whose profile a test follows."""
    sales = spark.read.format("delta").load(f"{lake}/silver/sales")
    last = sales.agg(F.max("sale_date")).first()[0]
    day = sales.where((F.col("sale_date") == last) & ~F.col("customer_id").eqNullSafe(not_of))
    day = day.withColumn("transaction_id", F.concat(F.lit("NEW-"), "transaction_id"))
    day.withColumn("sale_date", F.date_add("sale_date", 1)).write.format("delta").mode("append").save(
        f"{lake}/silver/sales"
    )


@pytest.fixture(scope="module")
def lakes(spark, chain_lake, tmp_path_factory):
    """(incremental lake, full-rebuild lake, the replay's gold summary, the rebuild's, the changes' gold
    summary, the changes): chain + replay + silver changes with incremental gold, and its full rebuild."""
    from lakehouse import replay
    from lakehouse.config import JobConfig
    from lakehouse.gold import run

    chain, _ = chain_lake
    root = tmp_path_factory.mktemp("incremental_gold")
    inc, full = root / "incremental", root / "full"
    shutil.copytree(chain, inc, ignore=shutil.ignore_patterns("sample", "landing"))
    replay.run(spark, JobConfig(str(inc), run_id="replay"), "sales")
    summary = run(spark, JobConfig(str(inc), run_id="gold-after-replay", pii_salt="test-salt"))
    before = {"product_performance": rows(spark, inc, "product_performance"), "customer_360": profiles(spark, inc)}
    changes = change_silver(spark, inc)
    # max_share 1: an UPDATE rewrites whole files of this small silver.sales
    changed = run(spark, JobConfig(str(inc), run_id="gold-after-changes", pii_salt="test-salt"), max_share=1.0)
    add_a_new_day(spark, inc, changes.customer)
    new_day = run(spark, JobConfig(str(inc), run_id="gold-new-day", pii_salt="test-salt"), max_share=1.0)
    shutil.copytree(inc, full)
    rebuilt = run(spark, JobConfig(str(full), run_id="gold-full", pii_salt="test-salt"), rebuild=True)
    return Lakes(str(inc), str(full), summary, rebuilt, changed, changes, before, new_day)


@dataclass
class Lakes:
    inc: str
    full: str
    replayed: dict  # gold summaries
    rebuilt: dict
    changed: dict
    changes: Changes
    before: dict  # rows of some tables before the changes
    new_day: dict  # the gold summary of a day of new sales after the changes (add_a_new_day)


def test_the_chain_took_the_incremental_path(spark, chain_lake, lakes):
    chain, _ = chain_lake
    paths = gold_paths(spark, chain)
    assert paths[0] == "gold (full)"  # the first build has nothing to build on
    assert paths[1:3] == ["gold (incremental)", "gold (incremental)"], paths
    assert lakes.rebuilt["path"] == "full" and lakes.rebuilt["path_reason"] == "rebuild requested"
    assert lakes.replayed.get("skipped") or lakes.replayed["path"] == "incremental", lakes.replayed
    assert lakes.changed["path"] == "incremental", lakes.changed


@pytest.mark.parametrize("table", TABLES)
def test_incremental_gold_equals_a_full_rebuild(spark, lakes, table):
    got, want = rows(spark, lakes.inc, table), rows(spark, lakes.full, table)
    assert len(got) == len(want) and got == want


def test_an_incremental_run_reports_each_tables_stored_rows(spark, lakes):
    # the new day's run added a day no file of fact_sales or daily_sales held (its replaceWhere wrote the
    # day's rows only) and changed no customer (dim_customer not merged); each figure is the table's
    # rows, read back in full
    assert lakes.new_day["path"] == "incremental" and lakes.new_day["scope"] == {
        "days": 1,
        "fx_ranges": [],
        "customers": 0,
    }
    stored = {t: len(rows(spark, lakes.inc, t)) for t in TABLES}
    assert lakes.new_day["tables"] == stored


def profiles(spark, lake) -> dict:
    return {r.customer_id: r for r in spark.read.format("delta").load(f"{lake}/gold/customer_360").collect()}


def facts_of(spark, lake, where: str) -> list:
    return sorted(spark.read.format("delta").load(f"{lake}/gold/fact_sales").where(where).collect())


def test_a_line_whose_sale_date_moved_leaves_its_old_day(spark, lakes):
    c = lakes.changes
    (fact,) = facts_of(spark, lakes.inc, f"transaction_id = '{c.moved}'")
    assert fact.sale_date == c.moved_to
    for day in (c.moved_from, c.moved_to):
        where = f"sale_date = DATE'{day}'"
        assert facts_of(spark, lakes.inc, where) == facts_of(spark, lakes.full, where)
        daily = [r for r in rows(spark, lakes.inc, "daily_sales") if repr(day) in r]
        assert daily and daily == [r for r in rows(spark, lakes.full, "daily_sales") if repr(day) in r]


def test_a_product_rename_reaches_its_old_days(spark, lakes):
    c = lakes.changes
    # exactly the days of the three changes: the product's, the moved line's two, the re-priced line's
    assert lakes.changed["scope"]["days"] == len(c.product_days | {c.moved_from, c.moved_to, c.repriced_day})
    pp = spark.read.format("delta").load(f"{lakes.inc}/gold/product_performance").where(f"product_id = '{c.product}'")
    assert {r.product_name for r in pp.collect()} == {"Renamed product"}
    assert rows(spark, lakes.inc, "product_performance") == rows(spark, lakes.full, "product_performance")
    assert rows(spark, lakes.inc, "product_performance") != lakes.before["product_performance"]


def test_a_customer_whose_facts_changed_gets_its_profile_and_quintiles(spark, lakes):
    c = lakes.changes
    (fact,) = facts_of(spark, lakes.inc, f"transaction_id = '{c.repriced}'")
    was, now = lakes.before["customer_360"][c.customer], profiles(spark, lakes.inc)[c.customer]
    # its lifetime value grew by what the line gained in USD, and it kept its orders
    assert now.lifetime_value_usd - was.lifetime_value_usd == fact.amount_usd - c.repriced_usd > 0
    assert now.orders == was.orders
    assert rows(spark, lakes.inc, "customer_360") == rows(spark, lakes.full, "customer_360")


def test_exports_hold_the_incremental_snapshot(spark, chain_lake):
    inc, _ = chain_lake  # its last gold run was incremental (test above)
    for table in ("fact_sales", "daily_sales", "product_performance"):
        export = sorted(repr(tuple(r)) for r in spark.read.parquet(f"{inc}/exports/{table}").collect())
        assert export == rows(spark, inc, table), table
        manifest = Path(inc, "gold", table, "_symlink_format_manifest", "manifest").read_text().split()
        live = spark.read.format("delta").load(f"{inc}/gold/{table}").inputFiles()
        assert sorted(manifest) == sorted(live), table
