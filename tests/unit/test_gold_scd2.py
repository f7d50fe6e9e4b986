"""Gold: dim_customer SCD2 (Delta MERGE) across batches, incl. late-arriving and unchanged deliveries."""

from datetime import date, datetime

from lakehouse.gold import scd2
from lakehouse.gold.pii import protect
from pyspark.sql import functions as F

TRACKED = ["email", "phone", "street", "city", "state", "postcode", "country", "loyalty_tier", "last_name"]
PII = {"first_name": "mask", "last_name": "hash", "email": "mask", "phone": "hash", "street": "hash"}
SALT = "unit-salt"
OPEN = datetime(9999, 12, 31)
SCHEMA = (
    "customer_id string, first_name string, last_name string, email string, phone string, street string, "
    "city string, state string, postcode string, country string, loyalty_tier string, updated_at timestamp"
)


def cust(cid, ts, tier="bronze", email=None, first="Ann"):
    return (
        cid,
        first,
        "Lee",
        email or f"{cid.lower()}@x.io",
        "+44 1",
        "1 Road",
        "Leeds",
        "WY",
        "LS1",
        "GB",
        tier,
        datetime.fromisoformat(ts),
    )


def deliver(spark, path, rows):
    df = spark.createDataFrame(rows, SCHEMA)
    staged = df.transform(scd2.stage_versions(TRACKED, "updated_at", SALT))
    return scd2.merge_scd2(spark, staged, path, protect=protect(PII, SALT))


def history(spark, path, cid):
    rows = spark.read.format("delta").load(path).where(F.col("customer_id") == cid).orderBy("valid_from").collect()
    return [(r.valid_from, r.valid_to, r.is_current, r.loyalty_tier) for r in rows]


def snapshot(spark, path):
    return sorted(tuple(r) for r in spark.read.format("delta").load(path).collect())


def test_scd2_history_across_batches(spark, tmp_path):
    path = str(tmp_path / "dim_customer")
    # batch 1: two new customers
    r1 = deliver(spark, path, [cust("C1", "2024-01-01T09:00:00"), cust("C2", "2024-01-01T09:00:00")])
    assert (r1.rows, r1.current, r1.inserted) == (2, 2, 2)

    # batch 2: C1 changes tier (close + open); C2 re-delivered unchanged with a newer updated_at
    r2 = deliver(spark, path, [cust("C1", "2024-01-10T00:00:00", tier="silver"), cust("C2", "2024-01-12T00:00:00")])
    assert (r2.rows, r2.current, r2.inserted, r2.updated) == (3, 2, 1, 1)
    assert history(spark, path, "C1") == [
        (datetime(2024, 1, 1, 9), datetime(2024, 1, 10), False, "bronze"),
        (datetime(2024, 1, 10), OPEN, True, "silver"),
    ]
    assert history(spark, path, "C2") == [(datetime(2024, 1, 1, 9), OPEN, True, "bronze")]

    # batch 3: a late-arriving C1 version (older than the current one) → a closed version in between
    r3 = deliver(spark, path, [cust("C1", "2024-01-05T00:00:00", tier="gold"), cust("C2", "2024-01-12T00:00:00")])
    # touched: C1 and C2 (C2's Jan-12 re-delivery was absorbed, so it is re-checked: still no change)
    assert (r3.rows, r3.current, r3.inserted, r3.updated, r3.touched_keys) == (4, 2, 1, 1, 2)
    assert history(spark, path, "C1") == [
        (datetime(2024, 1, 1, 9), datetime(2024, 1, 5), False, "bronze"),
        (datetime(2024, 1, 5), datetime(2024, 1, 10), False, "gold"),
        (datetime(2024, 1, 10), OPEN, True, "silver"),  # newer history untouched
    ]

    # re-running the same delivery changes nothing
    before = snapshot(spark, path)
    r4 = deliver(spark, path, [cust("C1", "2024-01-05T00:00:00", tier="gold"), cust("C2", "2024-01-12T00:00:00")])
    assert (r4.inserted, r4.updated, r4.deleted) == (0, 0, 0)
    assert snapshot(spark, path) == before


def test_late_version_equal_to_the_one_in_effect_is_absorbed(spark, tmp_path):
    path = str(tmp_path / "dim")
    deliver(spark, path, [cust("C1", "2024-01-01T00:00:00")])
    deliver(spark, path, [cust("C1", "2024-02-01T00:00:00", tier="gold")])
    before = snapshot(spark, path)
    r = deliver(spark, path, [cust("C1", "2024-01-15T00:00:00")])  # same attrs as Jan-01 version
    assert (r.inserted, r.updated, r.deleted) == (0, 0, 0)
    assert snapshot(spark, path) == before


def test_late_version_equal_to_its_successor_extends_it(spark, tmp_path):
    path = str(tmp_path / "dim")
    deliver(spark, path, [cust("C1", "2024-01-01T00:00:00")])
    deliver(spark, path, [cust("C1", "2024-02-01T00:00:00", tier="gold")])
    r = deliver(spark, path, [cust("C1", "2024-01-20T00:00:00", tier="gold")])
    assert (r.inserted, r.deleted) == (1, 1)
    assert history(spark, path, "C1") == [
        (datetime(2024, 1, 1), datetime(2024, 1, 20), False, "bronze"),
        (datetime(2024, 1, 20), OPEN, True, "gold"),
    ]


def test_untracked_change_is_not_a_new_version(spark, tmp_path):
    path = str(tmp_path / "dim")
    deliver(spark, path, [cust("C1", "2024-01-01T00:00:00", first="Ann")])
    r = deliver(spark, path, [cust("C1", "2024-01-02T00:00:00", first="Anna")])  # first_name is not tracked
    assert (r.rows, r.inserted) == (1, 0)


def test_dim_customer_is_protected_and_typed(spark, tmp_path):
    path = str(tmp_path / "dim")
    deliver(spark, path, [cust("C1", "2024-01-01T00:00:00")])
    df = spark.read.format("delta").load(path)
    assert df.columns == scd2.DIM_COLUMNS
    types = dict(df.dtypes)
    assert types["valid_from"] == types["valid_to"] == "timestamp" and types["is_current"] == "boolean"
    r = df.first()
    assert r.first_name == "A***" and r.email == "c***@x.io"
    assert r.last_name != "Lee" and len(r.last_name) == 64 and r.phone != "+44 1" and r.street != "1 Road"
    assert r.city == "Leeds" and len(r.attr_hash) == 64 and len(r.customer_sk) == 32


def test_build_timeline_pure(spark):
    v = spark.createDataFrame(
        [
            ("C1", "h1", datetime(2024, 1, 1)),
            ("C1", "h1", datetime(2024, 1, 3)),
            ("C1", "h2", datetime(2024, 1, 5)),
            ("C1", "h1", datetime(2024, 1, 7)),
        ],
        "customer_id string, attr_hash string, valid_from timestamp",
    )
    for c in scd2.ATTRS:
        v = v.withColumn(c, F.lit(None).cast("string"))
    rows = scd2.build_timeline(v).orderBy("valid_from").collect()
    assert [(r.attr_hash, r.valid_from.day, r.valid_to, r.is_current) for r in rows] == [
        ("h1", 1, datetime(2024, 1, 5), False),
        ("h2", 5, datetime(2024, 1, 7), False),
        ("h1", 7, OPEN, True),
    ]


def test_version_at_picks_the_version_valid_on_the_sale_date(spark):
    dim = spark.createDataFrame(
        [
            ("a", "C1", datetime(2024, 1, 1, 12)),
            ("b", "C1", datetime(2024, 1, 10, 15)),
            ("c", "C2", datetime(2024, 1, 5)),
        ],
        "customer_sk string, customer_id string, valid_from timestamp",
    )
    facts = spark.createDataFrame(
        [
            ("t1", "C1", date(2024, 1, 5)),
            ("t2", "C1", date(2024, 1, 10)),
            ("t3", "C1", date(2024, 1, 9)),
            ("t4", "C2", date(2024, 1, 1)),
            ("t5", "C9", date(2024, 1, 1)),
            ("t6", "C1", date(2024, 1, 1)),
        ],
        "transaction_id string, customer_id string, sale_date date",
    )
    got = {r.transaction_id: r.customer_sk for r in facts.transform(scd2.version_at, dim).collect()}
    # t2: the version opened later that day is the one in effect at the end of the sale date;
    # t4: a sale before the first known version takes the first version; t5: unknown customer
    assert got == {"t1": "a", "t2": "b", "t3": "a", "t4": "c", "t5": None, "t6": "a"}
