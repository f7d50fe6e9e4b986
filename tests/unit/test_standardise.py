import datetime as dt
from decimal import Decimal

from chispa import assert_df_equality
from lakehouse.contracts import Column, Contract, Derived, Rule
from lakehouse.standardise import (
    LATEST,
    STANDARDISERS,
    apply_contract,
    dedupe_and_mark_latest,
    drop_exact_duplicates,
    mark_latest,
    parse_temporal,
    phone_e164,
)
from pyspark.sql import functions as F


def _one(spark, value, expr):
    return spark.createDataFrame([(value,)], "v string").select(expr(F.col("v")).alias("o")).first()["o"]


def test_text_standardisers(spark):
    assert _one(spark, "  new york ", lambda c: STANDARDISERS["title"](F.trim(c))) == "New York"
    assert _one(spark, " Jane.DOE@Example.COM ", STANDARDISERS["email"]) == "jane.doe@example.com"
    assert _one(spark, "GOLD", STANDARDISERS["lower"]) == "gold"


def test_phone_numbers_become_e164(spark):
    assert _one(spark, "(555) 123-4567", phone_e164) == "+15551234567"
    assert _one(spark, "555.123.4567", phone_e164) == "+15551234567"
    assert _one(spark, "+1 555 123 4567", phone_e164) == "+15551234567"
    assert _one(spark, "+44 20 7946 0958", phone_e164) == "+442079460958"
    assert _one(spark, "n/a", phone_e164) is None


def test_dates_in_each_declared_format_and_bad_ones_null(spark):
    spark.conf.set("spark.sql.legacy.timeParserPolicy", "CORRECTED")
    fmts = ("yyyy-MM-dd", "dd/MM/yyyy")
    parse = lambda c: parse_temporal(c, "date", fmts)  # noqa: E731
    assert _one(spark, "2024-01-31", parse) == dt.date(2024, 1, 31)
    assert _one(spark, "31/01/2024", parse) == dt.date(2024, 1, 31)
    assert _one(spark, "2024-02-30", parse) is None
    assert _one(spark, "soon", parse) is None
    ts = _one(spark, "2024-01-01T06:30:00Z", lambda c: parse_temporal(c, "timestamp", ("yyyy-MM-dd'T'HH:mm:ssX",)))
    assert ts == dt.datetime(2024, 1, 1, 6, 30)


CONTRACT = Contract(
    path="t.yaml",
    source="s",
    entity="e",
    format="csv",
    business_key=("id",),
    columns=(
        Column("id", "id", "string", ("trim", "upper")),
        Column("qty", "qty_sold", "int"),
        Column("price", "price", "decimal(12,2)"),
        Column("city", "address.city", "string", ("trim", "title")),
    ),
    rules=(Rule("r", 'IsComplete "id"', "error", "row"),),
    derived=(Derived("amount", "qty * price", "decimal(14,2)"),),
)


def test_apply_contract_renames_casts_derives_and_names_values_that_do_not_cast(spark):
    df = spark.createDataFrame(
        [
            (" a1 ", "3", "2.50", '{"city": " paris "}', "x"),
            ("b2", "3x", "", '{"zip": "1"}', "y"),  # 3x: present but not an int; "": missing
            ("c3", "1.5", "abc", None, "z"),  # 1.5 would silently cast to 1
        ],
        "id string, qty_sold string, price string, address string, keep string",
    )
    expected = spark.createDataFrame(
        [
            ("A1", 3, Decimal("2.50"), "Paris", Decimal("7.50"), "x", []),
            ("B2", None, None, None, None, "y", ["qty_unparsable"]),
            ("C3", None, None, None, None, "z", ["qty_unparsable", "price_unparsable"]),
        ],
        "id string, qty int, price decimal(12,2), city string, amount decimal(14,2), keep string,"
        " _unparsable array<string>",
    )
    actual = df.transform(apply_contract(CONTRACT, keep=("keep",)))
    assert_df_equality(actual, expected, ignore_row_order=True, ignore_nullable=True)


def test_exact_duplicates_keep_the_first_delivery(spark):
    df = spark.createDataFrame(
        [("a,1", "f1", 2), ("a,1", "f1", 5), ("b,1", "f1", 3)], "_raw string, _source_file string, _source_line int"
    )
    expected = spark.createDataFrame(
        [("a,1", "f1", 2), ("b,1", "f1", 3)], "_raw string, _source_file string, _source_line int"
    )
    assert_df_equality(df.transform(drop_exact_duplicates()), expected, ignore_row_order=True, ignore_nullable=True)


def test_mark_latest_prefers_declared_order_then_last_delivery_and_keeps_null_keys(spark):
    df = spark.createDataFrame(
        [
            ("k1", 5, "f1", 1, "old-but-newest-ts"),
            ("k1", 3, "f1", 9, "later-line-older-ts"),
            ("k2", 1, "f1", 2, "first"),
            ("k2", 1, "f1", 4, "second"),
            (None, 1, "f1", 5, "null-a"),
            (None, 1, "f1", 6, "null-b"),
        ],
        "id string, ts int, _source_file string, _source_line int, tag string",
    )
    by_ts = {r["tag"] for r in df.transform(mark_latest(["id"], "ts")).where(LATEST).collect()}
    assert by_ts == {"old-but-newest-ts", "second", "null-a", "null-b"}
    by_line = {r["tag"] for r in df.transform(mark_latest(["id"])).where(LATEST).collect()}
    assert by_line == {"later-line-older-ts", "second", "null-a", "null-b"}


def test_dedupe_and_mark_latest_shuffles_once_and_keeps_both_rules(spark):
    # by hand: k1's two identical lines are one record (the first kept), whose later version wins;
    # the two identical NULL-key lines are one record too, the other NULL-key line stays beside it
    df = spark.createDataFrame(
        [
            ("k1,1", "k1", "f1", 1),
            ("k1,1", "k1", "f1", 2),
            ("k1,2", "k1", "f1", 3),
            ("k2,1", "k2", "f2", 1),
            (",9", None, "f2", 2),
            (",9", None, "f2", 3),
            (",8", None, "f2", 4),
        ],
        "_raw string, id string, _source_file string, _source_line int",
    )
    marked = df.transform(dedupe_and_mark_latest(["id"]))
    rows = {(r["_source_file"], r["_source_line"]): r[LATEST] for r in marked.collect()}
    assert rows == {("f1", 1): False, ("f1", 3): True, ("f2", 1): True, ("f2", 2): True, ("f2", 4): True}
    plan = marked._jdf.queryExecution().executedPlan().toString()
    assert plan.count("Exchange") == 1, plan  # one shuffle by the key serves both windows
