"""Gold marts: one function per contracts/gold/<table>.yaml with `build: mart`, same name.

Each takes the enriched sales frame first (so `sales.transform(marts.daily_sales)` works) and,
when it needs more, further gold inputs by parameter name (customers_current, web_events);
`build` calls it that way and the gold job checks the result against the YAML.

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

import inspect

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
    names = (F.max("product_name").alias("product_name"), F.max("category").alias("category"))
    return rank_in_category(product_months(sales, *names))


def product_months(sales: DataFrame, *names: F.Column) -> DataFrame:
    """(month, product_id, *names, orders, units, revenue_usd): sums a change can add to or subtract from."""
    return sales.groupBy(F.trunc(F.col("sale_date"), "month").alias("month"), "product_id").agg(
        *names,
        F.count(F.lit(1)).cast("bigint").alias("orders"),
        F.coalesce(F.sum("quantity"), F.lit(0)).cast("bigint").alias("units"),
        _usd_sum().alias("revenue_usd"),
    )


def rank_in_category(months: DataFrame) -> DataFrame:
    w = Window.partitionBy("month", "category").orderBy(F.col("revenue_usd").desc())
    return months.withColumn("category_rank", F.rank().over(w).cast("int"))


def _score(col: str, ascending_is_better: bool) -> F.Column:
    order = F.col(col).asc() if not ascending_is_better else F.col(col).desc()
    # rank over "worst first": rank 1 = worst → score 1
    w = Window.partitionBy("_has_orders").orderBy(order)
    n = F.count(F.lit(1)).over(Window.partitionBy("_has_orders"))
    return (F.lit(1) + F.floor(F.lit(5) * (F.rank().over(w) - 1) / n)).cast("int")


def customer_360(sales: DataFrame, customers_current: DataFrame, web_events: DataFrame | None = None) -> DataFrame:
    """One row per customer (current dim version ∪ customers seen in sales)."""
    return profiles(customer_orders(sales), customers_current, web_events)


def customer_orders(sales: DataFrame) -> DataFrame:
    """Per customer_id of the sales (a null id too: its sales count for the last sale date), figures a
    change can add to: orders, lifetime_value_usd, converted_orders (those with a USD amount, the
    average's count), first_order_date, last_order_date."""
    converted = F.when(~F.col("fx_missing"), F.col("amount_usd"))
    return sales.groupBy("customer_id").agg(
        F.count(F.lit(1)).cast("bigint").alias("orders"),
        _usd_sum().alias("lifetime_value_usd"),
        F.count(converted).cast("bigint").alias("converted_orders"),
        F.min(F.col("sale_date").cast("date")).alias("first_order_date"),
        F.max(F.col("sale_date").cast("date")).alias("last_order_date"),
    )


def _average(total: str, count: str) -> F.Column:
    """What avg() of the converted amounts (decimal(14,2)) returns, from their sum and count: Spark
    divides the decimal(24,2) sum by the count as decimal(20,0) and casts to decimal(18,6)."""
    quotient = F.col(total).cast("decimal(24,2)") / F.col(count).cast("decimal(20,0)")
    return F.when(F.col(count) > 0, quotient.cast("decimal(18,6)"))


def profiles(orders: DataFrame, customers_current: DataFrame, web_events: DataFrame | None = None) -> DataFrame:
    """customer_360 from customer_orders (one row per customer: the RFM quintiles rank these rows)."""
    return (
        _customers_with_orders(orders, customers_current)
        .transform(_rfm_scores)
        .transform(_segment_and_churn)
        .transform(_with_web_engagement, web_events)
        .drop("_aov", "_as_of", "_has_orders", "converted_orders")
    )  # column order is the YAML's: the gold job selects the declared columns


def _customers_with_orders(orders: DataFrame, customers_current: DataFrame) -> DataFrame:
    """Every customer with order figures (zero when none) and recency against the last sale date."""
    as_of = orders.agg(F.max("last_order_date").alias("_as_of"))
    orders = orders.withColumn("_aov", _average("lifetime_value_usd", "converted_orders"))
    people = customers_current.select("customer_id", "loyalty_tier", "city", "country")
    ids = people.select("customer_id").unionByName(orders.select("customer_id")).distinct()
    return (
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


def _rfm_scores(customers: DataFrame) -> DataFrame:
    has_orders = F.col("_has_orders")
    return (
        customers.withColumn("r_score", F.when(has_orders, _score("recency_days", True)).otherwise(1))
        .withColumn("f_score", F.when(has_orders, _score("frequency", False)).otherwise(1))
        .withColumn("m_score", F.when(has_orders, _score("monetary", False)).otherwise(1))
    )


def _segment_and_churn(scored: DataFrame) -> DataFrame:
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
    return scored.withColumn("segment", segment).withColumn("churn_risk", churn)


def _with_web_engagement(customers: DataFrame, web_events: DataFrame | None) -> DataFrame:
    """web_sessions, web_events (0 without any) and last_web_event_ts per customer."""
    if web_events is None:
        web_events = customers.sparkSession.createDataFrame(
            [], "customer_id string, session_id string, event_ts timestamp"
        )
    web = (
        web_events.where(F.col("customer_id").isNotNull())
        .groupBy("customer_id")
        .agg(
            F.countDistinct("session_id").cast("bigint").alias("web_sessions"),
            F.count(F.lit(1)).cast("bigint").alias("web_events"),
            F.max("event_ts").cast("timestamp").alias("last_web_event_ts"),
        )
    )
    return (
        customers.join(web, "customer_id", "left")
        .withColumn("web_sessions", F.coalesce("web_sessions", F.lit(0)).cast("bigint"))
        .withColumn("web_events", F.coalesce("web_events", F.lit(0)).cast("bigint"))
    )


def build(name: str, sales: DataFrame, **inputs) -> DataFrame:
    """The mart `name` (contracts/gold/<name>.yaml, build: mart): the function of that name here,
    given the enriched sales and, by parameter name, whichever further gold inputs it asks for."""
    fn = globals().get(name)
    if not callable(fn) or name.startswith("_"):
        raise LookupError(f"contracts/gold/{name}.yaml declares a mart, but lakehouse.gold.marts has no {name}(sales)")
    wanted = list(inspect.signature(fn).parameters)[1:]
    unknown = [p for p in wanted if p not in inputs]
    if unknown:
        raise LookupError(f"marts.{name} asks for {unknown}; gold inputs are {sorted(inputs)}")
    return sales.transform(fn, **{p: inputs[p] for p in wanted})
