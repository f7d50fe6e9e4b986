"""Gold job on a tiny inline silver lake: schemas = contracts/gold/*.yaml, hand-computed figures,
SCD2 key at the sale date, manifests and exports, re-run stability and no clear PII."""

from datetime import date, datetime
from decimal import Decimal
from pathlib import Path

import pytest
from lakehouse.config import JobConfig
from lakehouse.gold import inputs, run
from lakehouse.tables import load_gold_tables
from pyspark.sql import functions as F

REPO = Path(__file__).resolve().parents[2]
D = Decimal
DECLARED = load_gold_tables(REPO / "contracts")
TABLES = list(DECLARED)
META = "_batch_id string, _source_file string, _ingested_at timestamp, _processed_at timestamp"
M = ("b1", "f", datetime(2024, 1, 9), datetime(2024, 1, 9))


# customer_id, first, last, email, phone, street, city, state, postcode, country, tier, signup, updated
CUSTOMERS = [
    (
        "C1",
        "Annabel",
        "Leeson",
        "annabel.leeson@example.com",
        "+15550001111",
        "12 Main St",
        "Leeds",
        "WY",
        "LS1",
        "GB",
        "gold",
        date(2023, 1, 1),
        datetime(2024, 1, 1, 6),
    ),
    (
        "C2",
        "Robert",
        "Roebuck",
        "robert.roebuck@example.com",
        "+15550002222",
        "34 High St",
        "York",
        "NY",
        "YO1",
        "GB",
        "bronze",
        date(2023, 1, 1),
        datetime(2024, 1, 7, 6),
    ),
    (
        "C3",
        "Cecilia",
        "Castle",
        "cecilia.castle@example.com",
        None,
        "56 Low Rd",
        "Bath",
        "SO",
        "BA1",
        "GB",
        "silver",
        date(2023, 1, 1),
        datetime(2024, 1, 2, 6),
    ),
]
CUST_SCHEMA = (
    "customer_id string, first_name string, last_name string, email string, phone string, street string, "
    "city string, state string, postcode string, country string, loyalty_tier string, signup_date date, "
    "updated_at timestamp, " + META
)
# id, date, store, store_name, city, product, product_name, category, customer, name, qty, price, total,
# payment, currency
SALES = [
    (
        "T1",
        date(2024, 1, 5),
        "S1",
        "Store One",
        "Leeds",
        "P1",
        "Widget",
        "Home",
        "C1",
        "Annabel Leeson",
        2,
        D("10.00"),
        D("20.00"),
        "card",
        "EUR",
    ),
    (
        "T2",
        date(2024, 1, 6),
        "S1",
        "Store One",
        "Leeds",
        "P1",
        "Widget",
        "Home",
        "C2",
        "Robert Roebuck",
        1,
        D("5.00"),
        D("5.00"),
        "cash",
        "EUR",
    ),
    (
        "T3",
        date(2024, 1, 8),
        "S2",
        "Store Two",
        "York",
        "P2",
        "Yoyo",
        "Toys",
        "C1",
        "Annabel Leeson",
        3,
        D("1.00"),
        D("3.00"),
        "card",
        "USD",
    ),
    (
        "T4",
        date(2024, 1, 8),
        "S2",
        "Store Two",
        "York",
        "P2",
        "Yoyo",
        "Toys",
        "C1",
        "Annabel Leeson",
        1,
        D("7.00"),
        D("7.00"),
        "mobile",
        "GBP",
    ),
]
SALES_SCHEMA = (
    "transaction_id string, sale_date date, store_id string, store_name string, city string, "
    "product_id string, product_name string, category string, customer_id string, customer_name string, "
    "quantity int, unit_price decimal(12,2), total_amount decimal(12,2), payment_method string, "
    "currency string, amount_mismatch decimal(14,2), " + META
)
CLEAR_PII = [v for c in CUSTOMERS for v in c[1:6] if v] + [s[9] for s in SALES]


def write(spark, lake, entity, rows, schema):
    spark.createDataFrame(rows, schema).write.format("delta").mode("overwrite").save(f"{lake}/silver/{entity}")


@pytest.fixture(scope="module")
def lake(spark, tmp_path_factory):
    lake = str(tmp_path_factory.mktemp("gold_lake"))
    write(spark, lake, "customers", [c + M for c in CUSTOMERS], CUST_SCHEMA)
    write(spark, lake, "sales", [s + (D("0.00"),) + M for s in SALES], SALES_SCHEMA)
    write(
        spark,
        lake,
        "products",
        [
            ("P1", "Widget", "Home", "Acme", D("4.00"), D("10.00")) + M,
            ("P2", "Yoyo", "Toys", "Toyco", D("0.50"), D("1.00")) + M,
        ],
        "product_id string, product_name string, category string, brand string, unit_cost decimal(12,2), "
        "list_price decimal(12,2), " + META,
    )
    write(
        spark,
        lake,
        "fx_rates",
        [(date(2024, 1, 5), "EUR", D("1.10000000")) + M, (date(2024, 1, 8), "EUR", D("1.20000000")) + M],
        "rate_date date, currency string, rate_to_usd decimal(18,8), " + META,
    )
    write(
        spark,
        lake,
        "web_events",
        [
            ("e1", datetime(2024, 1, 5, 10), "C1", "s1", "page_view", "/", None, "web", date(2024, 1, 5)) + M,
            ("e2", datetime(2024, 1, 5, 11), "C1", "s1", "product_view", "/p1", "P1", "web", date(2024, 1, 5)) + M,
            ("e3", datetime(2024, 1, 7, 9), "C1", "s2", "page_view", "/", None, "ios", date(2024, 1, 7)) + M,
            ("e4", datetime(2024, 1, 6, 9), "C3", "s3", "page_view", "/", None, "web", date(2024, 1, 6)) + M,
            ("e5", datetime(2024, 1, 6, 9), None, "s4", "page_view", "/", None, "web", date(2024, 1, 6)) + M,
        ],
        "event_id string, event_ts timestamp, customer_id string, session_id string, event_type string, "
        "page string, "
        "product_id string, device string, event_date date, " + META,
    )
    return lake


def table(spark, lake, name):
    return spark.read.format("delta").load(f"{lake}/gold/{name}")


def rows_by(spark, lake, name, *key):
    return {
        tuple(getattr(r, k) for k in key) if len(key) > 1 else getattr(r, key[0]): r
        for r in table(spark, lake, name).collect()
    }


def snapshot(spark, lake):
    return {t: sorted(map(tuple, table(spark, lake, t).collect()), key=repr) for t in TABLES}


@pytest.fixture(scope="module")
def first_run(spark, lake):
    return run(spark, JobConfig(lake, (), "run-1", pii_salt="test-salt"))


def test_schemas_match_the_declared_tables(spark, lake, first_run):
    assert set(first_run["tables"]) == set(DECLARED)
    for name, declared in DECLARED.items():
        expected = [(c.name, c.type.replace(" ", "")) for c in declared.columns]
        assert table(spark, lake, name).dtypes == expected, name


def test_declared_keys_are_unique_and_not_null(spark, lake, first_run):
    from pyspark.sql import functions as F

    for name, declared in DECLARED.items():
        df = table(spark, lake, name)
        for col in declared.not_null:
            assert df.where(F.col(col).isNull()).count() == 0, f"{name}.{col} has nulls"
        if declared.unique_key:
            assert df.groupBy(*declared.unique_key).count().where("count > 1").count() == 0, name


def test_summary_counts(first_run):
    assert first_run["tables"] == {
        "dim_customer": 3,
        "fact_sales": 4,
        "dim_date": 4,
        "dim_store": 2,
        "dim_product": 2,
        "daily_sales": 3,
        "customer_360": 3,
        "product_performance": 2,
    }
    assert first_run["fx"] == {"sales": 4, "fx_missing": 1, "missing_by_currency": {"GBP": 1}}
    assert first_run["scd2"]["current"] == 3


def test_fact_sales_fx_and_keys(spark, lake, first_run):
    f = rows_by(spark, lake, "fact_sales", "transaction_id")
    assert (f["T1"].fx_rate, f["T1"].amount_usd, f["T1"].date_key) == (D("1.10000000"), D("22.00"), 20240105)
    assert (f["T2"].fx_rate_date, f["T2"].amount_usd) == (
        date(2024, 1, 5),
        D("5.50"),
    )  # Saturday → Friday's rate
    assert (f["T3"].fx_rate, f["T3"].amount_usd, f["T3"].fx_missing) == (D("1.00000000"), D("3.00"), False)
    assert (f["T4"].fx_missing, f["T4"].fx_rate, f["T4"].amount_usd) == (True, None, None)
    dim = rows_by(spark, lake, "dim_customer", "customer_id")
    assert f["T1"].customer_sk == dim["C1"].customer_sk and f["T2"].customer_sk == dim["C2"].customer_sk


def test_daily_sales(spark, lake, first_run):
    d = {
        k: (r.orders, r.units, r.revenue_usd, r.unconverted_sales)
        for k, r in rows_by(spark, lake, "daily_sales", "sale_date", "store_id", "category").items()
    }
    assert d == {
        (date(2024, 1, 5), "S1", "Home"): (1, 2, D("22.00"), 0),
        (date(2024, 1, 6), "S1", "Home"): (1, 1, D("5.50"), 0),
        (date(2024, 1, 8), "S2", "Toys"): (2, 4, D("3.00"), 1),
    }


def test_product_performance(spark, lake, first_run):
    p = {
        k: (r.product_name, r.category, r.orders, r.units, r.revenue_usd, r.category_rank)
        for k, r in rows_by(spark, lake, "product_performance", "month", "product_id").items()
    }
    assert p == {
        (date(2024, 1, 1), "P1"): ("Widget", "Home", 2, 3, D("27.50"), 1),
        (date(2024, 1, 1), "P2"): ("Yoyo", "Toys", 2, 4, D("3.00"), 1),
    }


def test_customer_360(spark, lake, first_run):
    c = rows_by(spark, lake, "customer_360", "customer_id")
    one = c["C1"]
    assert (one.orders, one.lifetime_value_usd, one.avg_order_value_usd) == (3, D("25.00"), D("12.50"))
    assert (one.first_order_date, one.last_order_date, one.recency_days) == (
        date(2024, 1, 5),
        date(2024, 1, 8),
        0,
    )
    assert (one.r_score, one.f_score, one.m_score, one.segment, one.churn_risk) == (
        3,
        3,
        3,
        "potential",
        "low",
    )
    assert (one.web_sessions, one.web_events, one.last_web_event_ts) == (2, 3, datetime(2024, 1, 7, 9))
    assert (one.loyalty_tier, one.city, one.country) == ("gold", "Leeds", "GB")
    two = c["C2"]
    assert (two.orders, two.monetary, two.recency_days, two.r_score, two.segment, two.churn_risk) == (
        1,
        D("5.50"),
        2,
        1,
        "hibernating",
        "high",
    )
    assert (two.web_sessions, two.web_events, two.last_web_event_ts) == (0, 0, None)
    three = c["C3"]
    assert (three.orders, three.lifetime_value_usd, three.segment, three.churn_risk, three.web_events) == (
        0,
        D("0.00"),
        "prospect",
        "high",
        1,
    )


def test_dims(spark, lake, first_run):
    dd = rows_by(spark, lake, "dim_date", "date")
    assert sorted(dd) == [date(2024, 1, d) for d in (5, 6, 7, 8)]
    sat, mon = dd[date(2024, 1, 6)], dd[date(2024, 1, 8)]
    assert (sat.day_of_week, sat.day_name, sat.is_weekend, sat.date_key) == (6, "Saturday", True, 20240106)
    assert (mon.day_of_week, mon.is_weekend, mon.month_name, mon.quarter) == (1, False, "January", 1)
    assert {k: (r.store_name, r.city) for k, r in rows_by(spark, lake, "dim_store", "store_id").items()} == {
        "S1": ("Store One", "Leeds"),
        "S2": ("Store Two", "York"),
    }
    assert rows_by(spark, lake, "dim_product", "product_id")["P1"].list_price == D("10.00")


def test_manifests_and_exports_hold_the_current_snapshot(spark, lake, first_run):
    for name in TABLES:
        manifest = Path(lake, "gold", name, "_symlink_format_manifest", "manifest")
        assert manifest.is_file(), name
        live = {line.rsplit("/", 1)[-1] for line in manifest.read_text().split()}
        assert live and all(Path(lake, "gold", name, f).is_file() for f in live)
        assert live == {f.rsplit("/", 1)[-1] for f in table(spark, lake, name).inputFiles()}, name  # no stale file
        exported = spark.read.parquet(f"{lake}/exports/{name}")
        assert sorted(map(tuple, exported.collect()), key=repr) == sorted(
            map(tuple, table(spark, lake, name).collect()), key=repr
        ), name


@pytest.mark.long  # two more gold runs over a changed silver: make test-long
def test_scd2_change_then_rerun_is_stable(spark, lake, first_run):
    # a change for C1 effective 2024-01-07 (between its sales T1 on 01-05 and T3/T4 on 01-08)
    changed = CUSTOMERS[0][:6] + (
        "Bath",
        "SO",
        "BA2",
        "GB",
        "platinum",
        date(2023, 1, 1),
        datetime(2024, 1, 7, 12),
    )
    write(spark, lake, "customers", [changed + M, *[c + M for c in CUSTOMERS[1:]]], CUST_SCHEMA)
    second = run(spark, JobConfig(lake, (), "run-2", pii_salt="test-salt"))
    s2 = second["scd2"]
    assert (s2["rows"], s2["current"], s2["inserted"], s2["updated"]) == (4, 3, 1, 1)
    assert second["tables"]["dim_customer"] == 4  # the MERGEd dim's rows (3 customers + C1's new version)
    versions = sorted(
        table(spark, lake, "dim_customer").where("customer_id = 'C1'").collect(), key=lambda r: r.valid_from
    )
    assert [(v.valid_from, v.valid_to, v.is_current, v.loyalty_tier) for v in versions] == [
        (datetime(2024, 1, 1, 6), datetime(2024, 1, 7, 12), False, "gold"),
        (datetime(2024, 1, 7, 12), datetime(9999, 12, 31), True, "platinum"),
    ]
    f = rows_by(spark, lake, "fact_sales", "transaction_id")
    assert f["T1"].customer_sk == versions[0].customer_sk  # sale on 01-05: the old version
    assert f["T3"].customer_sk == versions[1].customer_sk  # sale on 01-08: the new one
    c = rows_by(spark, lake, "customer_360", "customer_id")["C1"]
    assert (c.loyalty_tier, c.city) == ("platinum", "Bath")

    before = snapshot(spark, lake)
    third = run(spark, JobConfig(lake, (), "run-3", pii_salt="test-salt"), rebuild=True)  # the MERGE on the same input
    assert (third["scd2"]["inserted"], third["scd2"]["updated"], third["scd2"]["deleted"]) == (0, 0, 0)
    assert snapshot(spark, lake) == before


def test_no_clear_pii_in_gold_or_exports(spark, lake, first_run):
    assert len(CLEAR_PII) > 10
    for name in TABLES:
        for source in (table(spark, lake, name), spark.read.parquet(f"{lake}/exports/{name}")):
            strings = [c for c, t in source.dtypes if t == "string"]
            for row in source.select(*strings).collect():
                for cell in row:
                    if cell:
                        leaked = [v for v in CLEAR_PII if v in cell]
                        assert not leaked, f"{name}: clear PII {leaked} in {cell!r}"


def gold_versions(lake):
    return {t: max(int(p.stem) for p in Path(lake, "gold", t, "_delta_log").glob("*.json")) for t in TABLES}


def test_unchanged_inputs_skip_the_rebuild_and_any_silver_change_rebuilds(spark, lake, first_run):
    config = JobConfig(lake, (), "run-4", pii_salt="test-salt")
    before, versions = snapshot(spark, lake), gold_versions(lake)
    skipped = run(spark, config)  # the last run (fixture or test above) built from this same silver
    assert skipped["skipped"] and skipped["tables"] == {}
    assert gold_versions(lake) == versions and snapshot(spark, lake) == before  # not one gold commit

    # a quarantine-only silver commit (no table gold reads changes): no longer "unchanged"
    quarantine = spark.createDataFrame([("bad",)], "_raw string")
    quarantine.write.format("delta").mode("append").save(f"{lake}/silver/quarantine_products")
    fresh = inputs.fingerprint(spark, config, "test-salt")
    assert not inputs.unchanged(fresh, inputs.recorded(spark, config))

    # a product renamed in silver (as a silver MERGE or a replay does): rebuilt, and gold shows it
    products = spark.read.format("delta").load(f"{lake}/silver/products")
    renamed = products.withColumn(
        "product_name", F.when(F.col("product_id") == "P1", "Gadget").otherwise(F.col("product_name"))
    )
    renamed.localCheckpoint().write.format("delta").mode("overwrite").save(f"{lake}/silver/products")
    rebuilt = run(spark, JobConfig(lake, (), "run-5", pii_salt="test-salt"))
    assert not rebuilt.get("skipped") and set(rebuilt["tables"]) == set(TABLES)
    assert rows_by(spark, lake, "dim_product", "product_id")["P1"].product_name == "Gadget"
    assert run(spark, JobConfig(lake, (), "run-6", pii_salt="test-salt")).get("skipped")

    # another salt, or a gold table changed by hand since the last build: not "unchanged" either
    assert not inputs.unchanged(inputs.fingerprint(spark, config, "other-salt"), inputs.recorded(spark, config))
    fresh = inputs.fingerprint(spark, config, "test-salt")
    assert inputs.unchanged(fresh, inputs.recorded(spark, config))
    table(spark, lake, "dim_store").limit(0).write.format("delta").mode("overwrite").save(f"{lake}/gold/dim_store")
    assert not inputs.unchanged(fresh, inputs.recorded(spark, config))


def test_fingerprint_follows_the_contracts(spark, lake, tmp_path):
    import shutil

    contracts = tmp_path / "contracts"
    shutil.copytree(REPO / "contracts", contracts)
    same = JobConfig(lake, (), "x", contracts_dir=str(contracts))
    assert inputs.fingerprint(spark, same, "s") == inputs.fingerprint(spark, JobConfig(lake, (), "x"), "s")
    mart = contracts / "gold" / "daily_sales.yaml"
    mart.write_text(mart.read_text() + "\n# a comment is a change too\n")
    assert inputs.fingerprint(spark, same, "s") != inputs.fingerprint(spark, JobConfig(lake, (), "x"), "s")
