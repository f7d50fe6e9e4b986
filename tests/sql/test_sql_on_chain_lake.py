"""The same SQL on the lake the real chain generates (generator → bronze → silver → gold).

The fixture lake proves each query's logic; this proves the queries and loads fit the tables
the jobs actually write (names, types, column order of the exports). Expected figures come from
Spark reading the same Delta tables directly (an independent engine and code path).
"""

from __future__ import annotations

import os
import re
from decimal import Decimal
from pathlib import Path

import pytest

from lakehouse_local.engines.redshift import RedshiftOnPostgres
from lakehouse_local.engines.sqlfiles import render, sql_files
from tests.sql.conftest import ATHENA_DIR, REDSHIFT_DIR

pytestmark = pytest.mark.slow

PREFIX = "chain_"
VARS = {v: f"{PREFIX}{v.removesuffix('_db')}" for v in ("bronze_db", "silver_db", "gold_db", "ops_db")}
STAR = ("dim_date", "dim_store", "dim_product", "dim_customer", "fact_sales")


@pytest.fixture(scope="module")
def chain(request) -> Path:
    """LAKEHOUSE_SQL_CHAIN_LAKE (an existing lake, e.g. ./lake from `make lake`), else the suite's chain run."""
    lake = os.environ.get("LAKEHOUSE_SQL_CHAIN_LAKE") or request.getfixturevalue("chain_lake")[0]
    lake = Path(lake)
    if not (lake / "gold" / "fact_sales" / "_delta_log").is_dir():
        pytest.fail(f"the chain wrote no gold tables under {lake}", pytrace=False)
    return lake


@pytest.fixture(scope="module")
def chain_trino(trino, chain):
    trino.register_lake(chain, schema_prefix=PREFIX)
    return trino


def delta(spark, lake: Path, name: str):
    layer, table = name.split(".")
    return spark.read.format("delta").load(str(lake / layer / table))


def athena(trino, name: str) -> list[dict]:
    return trino.query(render((ATHENA_DIR / f"{name}.sql").read_text(), VARS)).dicts()


def test_views_hold_what_spark_reads_from_their_base_tables(chain_trino, chain, spark):
    views = {  # view → the same rows counted by Spark on the Delta tables
        "v_customer_current": delta(spark, chain, "gold.dim_customer").where("is_current").count(),
        "v_sales_enriched": delta(spark, chain, "gold.fact_sales").count(),  # fact LEFT JOIN dims
    }
    for path in sql_files(ATHENA_DIR):
        if path.stem.startswith("ddl_"):
            chain_trino.query(render(path.read_text(), VARS))
    for view, expected in views.items():
        n = chain_trino.query(f"SELECT count(*) AS n FROM {VARS['gold_db']}.{view}").dicts()[0]["n"]
        assert n == expected > 0, view


EXPECT_EMPTY = re.compile(r"^--\s*expect:\s*empty\b", re.M)
VIEW = re.compile(r"CREATE\s+OR\s+REPLACE\s+VIEW\s+(\S+)\s+AS", re.I)


def test_every_athena_example_answers_on_the_generated_lake(chain_trino):
    """As shipped (default parameters), every query returns rows and every view has rows, unless
    its header says `-- expect: empty`."""
    empty = []
    for path in sql_files(ATHENA_DIR):
        sql = render(path.read_text(), VARS)
        if path.stem.startswith("ddl_"):
            chain_trino.query(sql)
            rows = chain_trino.query(f"SELECT * FROM {VIEW.search(sql).group(1)} LIMIT 1").dicts()
        else:
            rows = chain_trino.query(sql).dicts()
        if not rows and not EXPECT_EMPTY.search(path.read_text()):
            empty.append(path.name)
    assert empty == [], f"these examples return nothing on the generated lake: {empty}"


def test_scd2_example_returns_the_version_the_generator_delivered(chain_trino, chain):
    """The shipped lookup (C000016 on 2024-01-15) against the generator's own truth file."""
    import csv
    from datetime import datetime

    sql = (ATHENA_DIR / "scd2_customer_as_of.sql").read_text()
    cid = re.search(r"'([^']*)' AS customer_id", sql).group(1)
    as_of = datetime.fromisoformat(re.search(r"TIMESTAMP '([^']*)' AS as_of", sql).group(1))
    with open(chain / "sample" / "truth" / "customers.csv") as f:
        delivered = [r for r in csv.DictReader(f) if r["customer_id"] == cid]
    in_effect = max(
        (r for r in delivered if datetime.fromisoformat(r["updated_at"].rstrip("Z")) <= as_of),
        key=lambda r: r["updated_at"],
    )
    rows = athena(chain_trino, "scd2_customer_as_of")
    assert [(r["customer_id"], r["loyalty_tier"]) for r in rows] == [(cid, in_effect["loyalty_tier"])]
    valid_from, valid_to = (rows[0][k].replace(tzinfo=None) for k in ("valid_from", "valid_to"))  # Trino: UTC
    assert valid_from <= as_of < valid_to


def test_daily_revenue_matches_the_fact_table(chain_trino, chain, spark):
    from pyspark.sql import functions as F

    rows = athena(chain_trino, "daily_revenue_wow")
    fact = delta(spark, chain, "gold.fact_sales")
    exp = fact.agg(F.count("*").alias("n"), F.sum("amount_usd").alias("usd"), F.sum("quantity").alias("q")).first()
    assert sum(r["orders"] for r in rows) == exp["n"] > 0
    assert sum(r["units"] for r in rows) == exp["q"]
    assert sum(r["revenue_usd"] for r in rows) == exp["usd"]
    assert sum(r["unconverted_sales"] for r in rows) == fact.where("fx_missing").count()


def test_segments_cover_every_customer(chain_trino, chain, spark):
    rows = athena(chain_trino, "customer_segments_churn")
    c360 = delta(spark, chain, "gold.customer_360")
    assert sum(r["customers"] for r in rows) == c360.count() > 0
    assert {r["churn_risk"] for r in rows} <= {"low", "medium", "high"}


def test_dq_trend_counts_every_rule_outcome(chain_trino, chain, spark):
    rows = athena(chain_trino, "dq_trend")
    dq = delta(spark, chain, "ops.dq_results")
    assert sum(r["rules_evaluated"] for r in rows) == dq.count() > 0
    assert sum(r["rules_failed"] for r in rows) == dq.where("outcome = 'Failed'").count()
    # distinct flagged rows against the quarantine tables (a different table and code path): every
    # quarantined row was flagged, once, however many rules it failed
    quarantined = sum(delta(spark, chain, f"silver.quarantine_{e}").count() for e in source_entities().values())
    flagged = sum(r["distinct_rows_flagged"] for r in rows)
    assert 0 < quarantined <= flagged <= sum(r["rule_row_flags"] for r in rows)


def ledger(lake: Path) -> dict:
    """The generator's own record of what it injected and what each layer must hold."""
    import json

    return json.loads((lake / "sample" / "ledger.json").read_text())


def source_entities() -> dict[str, str]:
    import yaml

    contracts = (Path(__file__).resolve().parents[2] / "contracts").glob("*.yaml")
    return {c["source"]: c["entity"] for c in (yaml.safe_load(p.read_text()) for p in contracts)}


def test_quarantine_reasons_match_the_generators_faults(chain_trino, chain):
    missing = [e for e in source_entities().values() if not (chain / "silver" / f"quarantine_{e}").is_dir()]
    if missing:
        pytest.fail(
            f"silver wrote no quarantine table for {missing}: quarantine_reasons.sql (Athena) needs "
            "silver.quarantine_<entity> to exist for every entity, even when empty",
            pytrace=False,
        )
    got = {(r["entity"], r["rule_name"]): r["quarantined_rows"] for r in athena(chain_trino, "quarantine_reasons")}
    truth = ledger(chain)["sources"]
    expected = {
        (entity, rule): n
        for source, entity in source_entities().items()
        for rule, n in truth[source]["quarantined_by_rule"].items()
    }
    assert got == expected
    assert got, "the generator injects faults: some rows must be quarantined"


def test_freshness_row_counts_match_the_generators_truth(chain_trino, chain):
    rows = {r["table_name"]: r for r in athena(chain_trino, "data_freshness")}
    truth = ledger(chain)["sources"]
    for source, entity in source_entities().items():
        assert rows[f"silver.{entity}"]["row_count"] == truth[source]["silver_rows"], entity
        assert rows[f"silver.{entity}"]["last_loaded_at"] is not None


def test_scd2_lookup_on_generated_history(chain_trino, chain, spark):
    import re

    dim = delta(spark, chain, "gold.dim_customer")
    multi = dim.groupBy("customer_id").count().where("count > 1").orderBy("customer_id").first()
    assert multi is not None, "the generator's customer updates should give some customer several versions"
    versions = dim.where(dim.customer_id == multi["customer_id"]).orderBy("valid_from").collect()
    sql = render((ATHENA_DIR / "scd2_customer_as_of.sql").read_text(), VARS)
    for v in versions:
        as_of = v["valid_from"].strftime("%Y-%m-%d %H:%M:%S")
        q = re.sub(r"'[^']*' AS customer_id", f"'{multi['customer_id']}' AS customer_id", sql)
        q = re.sub(r"TIMESTAMP '[^']*' AS as_of", f"TIMESTAMP '{as_of}' AS as_of", q)
        assert [r["customer_sk"] for r in chain_trino.query(q).dicts()] == [v["customer_sk"]]


def test_redshift_sql_loads_the_real_exports(postgres, chain, spark):
    from pyspark.sql import functions as F

    variables = {
        "gold_db": "chain_gold",
        "exports_uri": "s3://chain-lake/exports",
        "redshift_role_arn": "arn:r",
    }
    with postgres.connect() as admin:
        admin.execute("DROP DATABASE IF EXISTS redshift_chain")
        admin.execute("CREATE DATABASE redshift_chain")
    import psycopg

    with psycopg.connect(postgres.dsn.replace("dbname=postgres", "dbname=redshift_chain"), autocommit=True) as conn:
        gold_tables = [p.name for p in (chain / "exports").iterdir() if p.is_dir()]
        runner = RedshiftOnPostgres(
            conn,
            uri_map={variables["exports_uri"]: chain / "exports"},
            external_tables={"chain_gold": {t: chain / "exports" / t for t in gold_tables}},
        )
        for f in sql_files(REDSHIFT_DIR):
            runner.run_file(f, variables)
        for t in STAR:
            n = conn.execute(f"SELECT count(*) FROM star.{t}").fetchone()[0]
            assert n == delta(spark, chain, f"gold.{t}").count() > 0, t
        revenue = conn.execute("SELECT sum(revenue_usd) FROM bi.v_daily_revenue").fetchone()[0]
        assert revenue == delta(spark, chain, "gold.fact_sales").agg(F.sum("amount_usd")).first()[0]
        spectrum = conn.execute("SELECT sum(revenue_usd) FROM bi.v_city_category_revenue").fetchone()[0]
        daily = delta(spark, chain, "gold.daily_sales").agg(F.sum("revenue_usd")).first()[0]
        assert Decimal(spectrum) == daily
