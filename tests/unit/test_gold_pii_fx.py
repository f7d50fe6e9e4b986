"""Gold: PII hashing/masking and FX as-of conversion on tiny inline frames."""

import hashlib
from datetime import date
from decimal import Decimal

import pytest
from lakehouse.gold.fx import fx_asof, rate_calendar
from lakehouse.gold.pii import hash_col, mask_col, protect, resolve_salt
from pyspark.sql import functions as F


# ---------------------------------------------------------------- PII
def test_hash_is_salted_sha256_and_stable(spark):
    df = spark.createDataFrame([("Doe",), (None,)], "v string")
    out = [r.h for r in df.select(hash_col(F.col("v"), "s4lt").alias("h")).collect()]
    assert out[0] == hashlib.sha256(b"s4ltDoe").hexdigest()
    assert out[1] is None
    again = df.select(hash_col(F.col("v"), "s4lt").alias("h")).first().h
    assert again == out[0]
    other_salt = df.select(hash_col(F.col("v"), "pepper").alias("h")).first().h
    assert other_salt != out[0]


def test_mask_keeps_first_character_and_email_domain(spark):
    df = spark.createDataFrame([("John",), ("john.doe@example.com",), ("",), (None,), ("J",)], "v string")
    assert [r.m for r in df.select(mask_col(F.col("v")).alias("m")).collect()] == [
        "J***",
        "j***@example.com",
        "",
        None,
        "J***",
    ]


def test_protect_applies_contract_map_and_ignores_absent_columns(spark):
    df = spark.createDataFrame(
        [("C1", "Ann", "Lee", "ann@x.io", "Leeds")],
        "id string, first string, last string, email string, city string",
    )
    out = df.transform(protect({"first": "mask", "last": "hash", "email": "mask", "phone": "hash"}, "k")).first()
    assert out.id == "C1" and out.city == "Leeds"
    assert out.first == "A***" and out.email == "a***@x.io"
    assert out.last == hashlib.sha256(b"kLee").hexdigest()


def test_protect_rejects_unknown_method():
    with pytest.raises(ValueError, match="unknown PII method"):
        protect({"x": "encrypt"}, "k")


def test_resolve_salt_prefers_job_then_env_then_warns(monkeypatch, caplog):
    monkeypatch.setenv("LAKEHOUSE_PII_SALT", "from-env")
    assert resolve_salt("from-ssm") == "from-ssm"
    assert resolve_salt(None) == "from-env"
    assert "dev salt" not in caplog.text
    monkeypatch.delenv("LAKEHOUSE_PII_SALT")
    fallback = resolve_salt(None)
    assert fallback not in ("from-ssm", "from-env") and "public dev salt" in caplog.text


# ---------------------------------------------------------------- FX as-of
RATES = [
    # EUR: Thu 2024-01-04, Fri 01-05, (weekend 06/07 none), Mon 01-08, then a gap until Thu 01-11
    (date(2024, 1, 4), "EUR", Decimal("1.09000000")),
    (date(2024, 1, 5), "EUR", Decimal("1.10000000")),
    (date(2024, 1, 8), "EUR", Decimal("1.11000000")),
    (date(2024, 1, 11), "EUR", Decimal("1.12000000")),
    (date(2024, 1, 5), "GBP", Decimal("1.27123456")),
    (date(2024, 1, 6), "GBP", None),  # unusable rate: ignored
]
SALES = [
    # id, date, currency, amount
    ("same_day", date(2024, 1, 5), "EUR", Decimal("100.00")),
    ("saturday", date(2024, 1, 6), "EUR", Decimal("100.00")),
    ("sunday", date(2024, 1, 7), "EUR", Decimal("10.00")),
    ("monday", date(2024, 1, 8), "EUR", Decimal("10.00")),
    ("gap_day", date(2024, 1, 10), "EUR", Decimal("10.00")),
    ("after_last_rate", date(2024, 1, 15), "EUR", Decimal("1.00")),
    ("before_first_rate", date(2024, 1, 3), "EUR", Decimal("5.00")),
    ("unknown_ccy", date(2024, 1, 8), "XYZ", Decimal("5.00")),
    ("null_ccy", date(2024, 1, 8), None, Decimal("5.00")),
    ("gbp_rounding", date(2024, 1, 9), "GBP", Decimal("3.33")),
    ("usd", date(2024, 1, 6), "USD", Decimal("7.25")),
]


def _convert(spark, **kw):
    rates = spark.createDataFrame(RATES, "rate_date date, currency string, rate_to_usd decimal(18,8)")
    sales = spark.createDataFrame(
        SALES, "transaction_id string, sale_date date, currency string, amount_local decimal(14,2)"
    )
    out = sales.transform(fx_asof(rates, **kw))
    return out, {r.transaction_id: r for r in out.collect()}


def test_fx_asof_edge_cases(spark):
    out, rows = _convert(spark)
    assert out.count() == len(SALES)  # a left join: no sale lost or duplicated
    expect = {  # id: (rate, rate_date, usd)
        "same_day": ("1.10000000", date(2024, 1, 5), "110.00"),
        "saturday": ("1.10000000", date(2024, 1, 5), "110.00"),
        "sunday": ("1.10000000", date(2024, 1, 5), "11.00"),
        "monday": ("1.11000000", date(2024, 1, 8), "11.10"),
        "gap_day": ("1.11000000", date(2024, 1, 8), "11.10"),
        "after_last_rate": ("1.12000000", date(2024, 1, 11), "1.12"),
        "gbp_rounding": ("1.27123456", date(2024, 1, 5), "4.23"),  # 4.2332110848 → 4.23
        "usd": ("1.00000000", date(2024, 1, 6), "7.25"),
    }
    for tid, (rate, rdate, usd) in expect.items():
        r = rows[tid]
        assert (r.fx_rate, r.fx_rate_date, r.amount_usd, r.fx_missing) == (
            Decimal(rate),
            rdate,
            Decimal(usd),
            False,
        ), tid
    for tid in ("before_first_rate", "unknown_ccy", "null_ccy"):
        r = rows[tid]
        assert r.fx_missing is True and r.fx_rate is None and r.amount_usd is None and r.fx_rate_date is None, tid


def test_fx_asof_output_types(spark):
    out, _ = _convert(spark)
    types = dict(out.dtypes)
    assert types["fx_rate"] == "decimal(18,8)" and types["amount_usd"] == "decimal(14,2)"
    assert types["fx_rate_date"] == "date" and types["fx_missing"] == "boolean"


def test_fx_asof_max_age_flags_stale_rates(spark):
    _, rows = _convert(spark, max_age_days=2)
    assert rows["sunday"].fx_missing is False  # Fri rate, 2 days old
    assert rows["after_last_rate"].fx_missing is True  # 4 days old
    assert rows["gbp_rounding"].fx_missing is True


def test_rate_calendar_carries_latest_rate_forward(spark):
    rates = spark.createDataFrame(RATES[:3], "rate_date date, currency string, rate_to_usd decimal(18,8)")
    cal = {r.day: (r.fx_rate, r.fx_rate_date) for r in rate_calendar(rates).collect()}
    assert sorted(cal) == [date(2024, 1, d) for d in range(4, 9)]
    assert cal[date(2024, 1, 7)] == (Decimal("1.10000000"), date(2024, 1, 5))
