"""FX as-of conversion: each sale in USD at the latest rate on or before its date.

Rates (`rate_date, currency, rate_to_usd`: 1 unit of currency = rate USD) have gaps:
no weekends, holidays, missing days. We build a small dense calendar per currency —
every day from the currency's first rate to max(last rate, last sale), carrying the
latest usable rate forward — and equi-join the sales to it (broadcastable: currencies ×
days). A sale whose currency has no rate on or before its date (unknown currency, or a
sale before the first rate), or whose latest rate is older than `max_age_days` when that
is set, gets `fx_missing = true` and null `fx_rate`/`amount_usd`: never a wrong rate.
The base currency (USD) converts at exactly 1 on its own date.
"""

from pyspark.sql import DataFrame, Window
from pyspark.sql import functions as F

RATE_TYPE = "decimal(18,8)"
USD_TYPE = "decimal(14,2)"


def usable_rates(rates: DataFrame) -> DataFrame:
    """(currency, rate_date, rate): the rates a day can take (a positive rate, one per currency and day)."""
    return (
        rates.select(
            F.upper(F.trim(F.col("currency"))).alias("currency"),
            F.col("rate_date").cast("date").alias("rate_date"),
            F.col("rate_to_usd").cast(RATE_TYPE).alias("rate"),
        )
        .where(F.col("currency").isNotNull() & F.col("rate_date").isNotNull())
        .where(F.col("rate").isNotNull() & (F.col("rate") > 0))
        .groupBy("currency", "rate_date")  # one rate per currency and day
        .agg(F.max("rate").alias("rate"))
    )


def rate_calendar(rates: DataFrame, until: DataFrame | None = None) -> DataFrame:
    """(currency, day, fx_rate, fx_rate_date): the as-of rate for every day of each currency.

    `until` is an optional one-row frame with column `_until` (a date) extending the calendar
    past the last rate (e.g. to the last sale date).
    """
    usable = usable_rates(rates)
    bounds = usable.groupBy("currency").agg(F.min("rate_date").alias("_from"), F.max("rate_date").alias("_to"))
    if until is not None:
        bounds = bounds.crossJoin(until.select(F.col("_until").cast("date"))).withColumn(
            "_to", F.greatest("_to", F.coalesce("_until", "_to"))
        )
    days = bounds.select("currency", F.explode(F.sequence("_from", "_to")).alias("day"))
    w = Window.partitionBy("currency").orderBy("day").rowsBetween(Window.unboundedPreceding, 0)
    return (
        days.join(usable.withColumnRenamed("rate_date", "day"), ["currency", "day"], "left")
        .withColumn("_rate_date", F.when(F.col("rate").isNotNull(), F.col("day")))
        .select(
            "currency",
            "day",
            F.last("rate", ignorenulls=True).over(w).alias("fx_rate"),
            F.last("_rate_date", ignorenulls=True).over(w).alias("fx_rate_date"),
        )
    )


def fx_asof(
    rates: DataFrame,
    *,
    date_col: str = "sale_date",
    currency_col: str = "currency",
    amount_col: str = "amount_local",
    base_currency: str = "USD",
    max_age_days: int | None = None,
):
    """Transform adding fx_rate decimal(18,8), fx_rate_date date, amount_usd decimal(14,2), fx_missing."""

    def transform(sales: DataFrame) -> DataFrame:
        until = sales.agg(F.max(F.col(date_col).cast("date")).alias("_until"))
        cal = rate_calendar(rates, until).select(
            F.col("currency").alias("_fx_ccy"),
            F.col("day").alias("_fx_day"),
            F.col("fx_rate").alias("_fx_rate"),
            F.col("fx_rate_date").alias("_fx_rate_date"),
        )
        ccy = F.upper(F.trim(F.col(currency_col)))
        day = F.col(date_col).cast("date")
        joined = sales.join(F.broadcast(cal), (ccy == F.col("_fx_ccy")) & (day == F.col("_fx_day")), "left")
        is_base = ccy == F.lit(base_currency)
        rate = F.when(is_base, F.lit(1).cast(RATE_TYPE)).otherwise(F.col("_fx_rate"))
        rate_date = F.when(is_base, day).otherwise(F.col("_fx_rate_date"))
        if max_age_days is not None:
            stale = F.datediff(day, rate_date) > F.lit(max_age_days)
            rate = F.when(stale, F.lit(None)).otherwise(rate)
            rate_date = F.when(stale, F.lit(None)).otherwise(rate_date)
        out = (
            joined.withColumn("fx_rate", rate.cast(RATE_TYPE))
            .withColumn("fx_rate_date", rate_date.cast("date"))
            .drop("_fx_ccy", "_fx_day", "_fx_rate", "_fx_rate_date")
        )
        usd = F.round(F.col(amount_col).cast("decimal(14,2)") * F.col("fx_rate"), 2).cast(USD_TYPE)
        return out.withColumn("amount_usd", usd).withColumn(
            "fx_missing", F.col("fx_rate").isNull() | F.col(amount_col).isNull()
        )

    return transform
