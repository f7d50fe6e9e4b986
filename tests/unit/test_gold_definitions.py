"""Each gold figure whose computation is a choice (docs/TABLES.md "Definitions"), pinned on a tiny
frame built so that the other plausible definition gives a different number. Expected values are
worked out by hand in the comments."""

from datetime import date
from decimal import Decimal

from lakehouse.gold import marts
from lakehouse.gold.fx import fx_asof

ENRICHED = (
    "transaction_id string, sale_date date, store_id string, category string, product_id string, "
    "product_name string, customer_id string, quantity int, amount_usd decimal(14,2), fx_missing boolean"
)
PEOPLE = "customer_id string, loyalty_tier string, city string, country string"


def _sales(spark, rows):
    return spark.createDataFrame(rows, ENRICHED)


def test_amounts_are_rounded_per_sale_before_summing(spark):
    # two sales of 0.05 EUR at 0.5 USD: 0.025 each → 0.03 each (half up) → 0.06 USD;
    # summing first would give round(0.05) = 0.05
    rates = spark.createDataFrame(
        [(date(2024, 1, 1), "EUR", Decimal("0.5"))], "rate_date date, currency string, rate_to_usd decimal(18,8)"
    )
    sales = spark.createDataFrame(
        [
            ("t1", date(2024, 1, 1), "S1", "toys", 1, Decimal("0.05"), "EUR"),
            ("t2", date(2024, 1, 1), "S1", "toys", 1, Decimal("0.05"), "EUR"),
        ],
        "transaction_id string, sale_date date, store_id string, category string, quantity int, "
        "amount_local decimal(14,2), currency string",
    ).transform(fx_asof(rates))
    assert sorted(r.amount_usd for r in sales.collect()) == [Decimal("0.03"), Decimal("0.03")]
    (day,) = marts.daily_sales(sales).collect()
    assert day.revenue_usd == Decimal("0.06")


def test_aov_averages_converted_sales_only(spark):
    # 10.00 and 20.00 USD converted, a third sale without a usable FX rate:
    # AOV = 30.00 / 2 = 15.00 (not 30.00 / 3 = 10.00); the unconverted sale still counts as an order
    sales = _sales(
        spark,
        [
            ("t1", date(2024, 1, 1), "S1", "toys", "P1", "p", "C1", 1, Decimal("10.00"), False),
            ("t2", date(2024, 1, 2), "S1", "toys", "P1", "p", "C1", 1, Decimal("20.00"), False),
            ("t3", date(2024, 1, 3), "S1", "toys", "P1", "p", "C1", 1, None, True),
        ],
    )
    people = spark.createDataFrame([("C1", "gold", "Paris", "FR")], PEOPLE)
    (c,) = marts.customer_360(sales, people, None).collect()
    assert (c.orders, c.lifetime_value_usd, c.avg_order_value_usd) == (3, Decimal("30.00"), Decimal("15.00"))


def test_unconverted_sales_count_as_orders_and_units_but_not_revenue(spark):
    sales = _sales(
        spark,
        [
            ("t1", date(2024, 1, 1), "S1", "toys", "P1", "p", "C1", 2, Decimal("10.00"), False),
            ("t2", date(2024, 1, 1), "S1", "toys", "P1", "p", "C1", 3, None, True),
        ],
    )
    (d,) = marts.daily_sales(sales).collect()
    assert (d.orders, d.units, d.revenue_usd, d.unconverted_sales) == (2, 5, Decimal("10.00"), 1)
    (p,) = marts.product_performance(sales).collect()
    assert (p.orders, p.units, p.revenue_usd) == (2, 5, Decimal("10.00"))


def test_recency_is_counted_from_the_last_sale_in_the_data_not_today(spark):
    # the latest sale in the data is 2024-01-31: C1 last bought 2024-01-01 → 30 days
    sales = _sales(
        spark,
        [
            ("t1", date(2024, 1, 1), "S1", "toys", "P1", "p", "C1", 1, Decimal("1.00"), False),
            ("t2", date(2024, 1, 31), "S1", "toys", "P1", "p", "C2", 1, Decimal("1.00"), False),
        ],
    )
    people = spark.createDataFrame([], PEOPLE)
    got = {c.customer_id: c.recency_days for c in marts.customer_360(sales, people, None).collect()}
    assert got == {"C1": 30, "C2": 0}


def test_category_rank_ties_share_a_rank_and_skip_the_next(spark):
    # P1 and P2 both 5.00 USD in January's toys: both rank 1, P3 (1.00) ranks 3
    sales = _sales(
        spark,
        [
            ("t1", date(2024, 1, 3), "S1", "toys", "P1", "a", "C1", 1, Decimal("5.00"), False),
            ("t2", date(2024, 1, 9), "S1", "toys", "P2", "b", "C1", 1, Decimal("5.00"), False),
            ("t3", date(2024, 1, 9), "S1", "toys", "P3", "c", "C1", 1, Decimal("1.00"), False),
        ],
    )
    got = {r.product_id: (r.month, r.category_rank) for r in marts.product_performance(sales).collect()}
    assert got == {"P1": (date(2024, 1, 1), 1), "P2": (date(2024, 1, 1), 1), "P3": (date(2024, 1, 1), 3)}


def test_kept_customer_figures_give_what_avg_gives(spark):
    # customer_360 averages from the kept sum and count (so a day can add to them): on amounts with
    # every remainder of a division by 3, 6 and 7, the six-decimal result is Spark's own avg()'s
    import random

    from pyspark.sql import functions as F

    rnd = random.Random(7)
    cents = [Decimal(rnd.randint(1, 99999)) / 100 for _ in range(2100)]
    rows = [
        (f"t{c}-{i}", date(2024, 1, 1), "S1", "toys", "P1", "p", f"C{c}", 1, cents[c * 7 + i], False)
        for c in range(300)
        for i in range(c % 7 + 1)
    ]
    sales = _sales(spark, rows)
    want = {r.customer_id: r.a for r in sales.groupBy("customer_id").agg(F.avg("amount_usd").alias("a")).collect()}
    kept = marts.customer_orders(sales).select("customer_id", marts._average("lifetime_value_usd", "converted_orders"))
    got = {r[0]: r[1] for r in kept.collect()}
    assert got == want and len(got) == 300
