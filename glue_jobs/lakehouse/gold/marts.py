"""Gold marts (pure transforms over the enriched sales frame).

The enriched sales frame has the fact columns plus `category` and `product_name` (product
master first, the sale's own values as fallback). Money is USD; a sale with fx_missing is
counted in orders/units but left out of every USD sum (and reported as unconverted).

customer_360 scoring (documented thresholds, deterministic, ties share a score):
- as_of = the last sale date in the data (not the wall clock, so re-runs are stable);
  recency_days = as_of - last_order_date; frequency = orders; monetary = lifetime USD.
- each of R, F, M is a quintile score 1..5 among customers with orders:
  score = 1 + floor(5 * (rank - 1) / n), rank = rank() ascending in "goodness" (R: fewer
  days is better; F, M: more is better). Customers without orders score 1/1/1.
- segment: no orders → 'prospect'; R≥4 & F≥4 & M≥4 → 'champions'; F≥4 & R≥3 → 'loyal';
  R≥4 & F≤2 → 'new'; R≤2 & F≥3 → 'at_risk'; R≤2 → 'hibernating'; else 'potential'.
- churn_risk: 'high' if no orders, R = 1 or recency > 90 days; 'medium' if R = 2 or
  recency > 30 days; else 'low'.
"""

from pyspark.sql import DataFrame, Window
from pyspark.sql import functions as F

MONEY = "decimal(18,2)"


def _usd_sum(col: str = "amount_usd") -> F.Column:
    return F.coalesce(F.sum(F.when(~F.col("fx_missing"), F.col(col))), F.lit(0)).cast(MONEY)


def daily_sales(sales: DataFrame) -> DataFrame:
    return sales.groupBy(F.col("sale_date").cast("date").alias("sale_date"), "store_id", "category").agg(
        F.count(F.lit(1)).cast("bigint").alias("orders"),
        F.coalesce(F.sum("quantity"), F.lit(0)).cast("bigint").alias("units"),
        _usd_sum().alias("revenue_usd"),
        F.sum(F.col("fx_missing").cast("int")).cast("bigint").alias("unconverted_sales"),
    )


def product_performance(sales: DataFrame) -> DataFrame:
    agg = sales.groupBy(F.trunc(F.col("sale_date"), "month").alias("month"), "product_id").agg(
        F.max("product_name").alias("product_name"),
        F.max("category").alias("category"),
        F.count(F.lit(1)).cast("bigint").alias("orders"),
        F.coalesce(F.sum("quantity"), F.lit(0)).cast("bigint").alias("units"),
        _usd_sum().alias("revenue_usd"),
    )
    w = Window.partitionBy("month", "category").orderBy(F.col("revenue_usd").desc())
    return agg.withColumn("category_rank", F.rank().over(w).cast("int"))


def _score(col: str, ascending_is_better: bool) -> F.Column:
    order = F.col(col).asc() if not ascending_is_better else F.col(col).desc()
    # rank over "worst first": rank 1 = worst → score 1
    w = Window.partitionBy("_has_orders").orderBy(order)
    n = F.count(F.lit(1)).over(Window.partitionBy("_has_orders"))
    return (F.lit(1) + F.floor(F.lit(5) * (F.rank().over(w) - 1) / n)).cast("int")


def customer_360(sales: DataFrame, customers_current: DataFrame, web_events: DataFrame | None) -> DataFrame:
    """One row per customer (current dim version ∪ customers seen in sales)."""
    as_of = sales.agg(F.max(F.col("sale_date").cast("date")).alias("_as_of"))
    orders = sales.groupBy("customer_id").agg(
        F.count(F.lit(1)).cast("bigint").alias("orders"),
        _usd_sum().alias("lifetime_value_usd"),
        F.avg(F.when(~F.col("fx_missing"), F.col("amount_usd"))).alias("_aov"),
        F.min(F.col("sale_date").cast("date")).alias("first_order_date"),
        F.max(F.col("sale_date").cast("date")).alias("last_order_date"),
    )
    people = customers_current.select("customer_id", "loyalty_tier", "city", "country")
    ids = people.select("customer_id").unionByName(orders.select("customer_id")).distinct()
    base = (
        ids.join(people, "customer_id", "left")
        .join(orders, "customer_id", "left")
        .crossJoin(as_of)
        .withColumn("orders", F.coalesce("orders", F.lit(0)).cast("bigint"))
        .withColumn("lifetime_value_usd", F.coalesce("lifetime_value_usd", F.lit(0)).cast(MONEY))
        .withColumn("avg_order_value_usd", F.round("_aov", 2).cast(MONEY))
        .withColumn("recency_days", F.datediff("_as_of", "last_order_date").cast("int"))
        .withColumn("frequency", F.col("orders"))
        .withColumn("monetary", F.col("lifetime_value_usd"))
        .withColumn("_has_orders", F.col("orders") > 0)
    )
    scored = (
        base.withColumn("r_score", F.when(F.col("_has_orders"), _score("recency_days", True)).otherwise(1))
        .withColumn("f_score", F.when(F.col("_has_orders"), _score("frequency", False)).otherwise(1))
        .withColumn("m_score", F.when(F.col("_has_orders"), _score("monetary", False)).otherwise(1))
    )
    r, f, m = F.col("r_score"), F.col("f_score"), F.col("m_score")
    segment = (
        F.when(~F.col("_has_orders"), "prospect")
        .when((r >= 4) & (f >= 4) & (m >= 4), "champions")
        .when((f >= 4) & (r >= 3), "loyal")
        .when((r >= 4) & (f <= 2), "new")
        .when((r <= 2) & (f >= 3), "at_risk")
        .when(r <= 2, "hibernating")
        .otherwise("potential")
    )
    rec = F.col("recency_days")
    churn = (
        F.when(~F.col("_has_orders") | (r == 1) | (rec > 90), "high")
        .when((r == 2) | (rec > 30), "medium")
        .otherwise("low")
    )
    scored = scored.withColumn("segment", segment).withColumn("churn_risk", churn)

    if web_events is not None:
        web = (
            web_events.where(F.col("customer_id").isNotNull())
            .groupBy("customer_id")
            .agg(
                F.countDistinct("session_id").cast("bigint").alias("web_sessions"),
                F.count(F.lit(1)).cast("bigint").alias("web_events"),
                F.max("event_ts").cast("timestamp").alias("last_web_event_ts"),
            )
        )
        scored = scored.join(web, "customer_id", "left")
    else:
        scored = scored.withColumn("last_web_event_ts", F.lit(None).cast("timestamp"))
    return scored.select(
        "customer_id",
        "loyalty_tier",
        "city",
        "country",
        "orders",
        "lifetime_value_usd",
        "avg_order_value_usd",
        "first_order_date",
        "last_order_date",
        "recency_days",
        "frequency",
        "monetary",
        "r_score",
        "f_score",
        "m_score",
        "segment",
        "churn_risk",
        F.coalesce(F.col("web_sessions") if web_events is not None else F.lit(None), F.lit(0))
        .cast("bigint")
        .alias("web_sessions"),
        F.coalesce(F.col("web_events") if web_events is not None else F.lit(None), F.lit(0))
        .cast("bigint")
        .alias("web_events"),
        "last_web_event_ts",
    )
