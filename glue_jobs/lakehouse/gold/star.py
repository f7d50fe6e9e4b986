"""Star schema for Redshift: dim_date, dim_store, dim_product and fact_sales (pure transforms)."""

from pyspark.sql import DataFrame, Window
from pyspark.sql import functions as F


def date_key(col) -> F.Column:
    return F.date_format(col, "yyyyMMdd").cast("int")


def dim_date(sales: DataFrame, date_col: str = "sale_date") -> DataFrame:
    """One row per calendar day from the first to the last sale date (inclusive)."""
    bounds = sales.agg(F.min(F.col(date_col).cast("date")).alias("lo"), F.max(F.col(date_col).cast("date")).alias("hi"))
    days = bounds.where(F.col("lo").isNotNull()).select(F.explode(F.sequence("lo", "hi")).alias("date"))
    dow = F.dayofweek("date")  # 1 = Sunday … 7 = Saturday
    iso_dow = ((dow + 5) % 7) + 1  # 1 = Monday … 7 = Sunday
    return days.select(
        date_key(F.col("date")).alias("date_key"),
        F.col("date"),
        F.year("date").alias("year"),
        F.quarter("date").alias("quarter"),
        F.month("date").alias("month"),
        F.date_format("date", "MMMM").alias("month_name"),
        F.dayofmonth("date").alias("day_of_month"),
        iso_dow.cast("int").alias("day_of_week"),
        F.date_format("date", "EEEE").alias("day_name"),
        (iso_dow >= 6).alias("is_weekend"),
    )


def dim_store(sales: DataFrame) -> DataFrame:
    """store_id, store_name, city: the name and city on the store's most recent sale."""
    w = Window.partitionBy("store_id").orderBy(
        F.col("sale_date").desc(), F.col("store_name").desc(), F.col("city").desc()
    )
    return (
        sales.where(F.col("store_id").isNotNull())
        .withColumn("_rn", F.row_number().over(w))
        .where("_rn = 1")
        .select("store_id", "store_name", "city")
    )


def dim_product(products: DataFrame) -> DataFrame:
    return products.select(
        "product_id",
        "product_name",
        "category",
        "brand",
        F.col("unit_cost").cast("decimal(12,2)").alias("unit_cost"),
        F.col("list_price").cast("decimal(12,2)").alias("list_price"),
    ).dropDuplicates(["product_id"])


def fact_sales(sales_usd: DataFrame, extra: tuple[str, ...] = ()) -> DataFrame:
    """sales after fx_asof and version_at → the fact table's columns and types (+ `extra`)."""
    return sales_usd.select(
        "transaction_id",
        date_key(F.col("sale_date")).alias("date_key"),
        F.col("sale_date").cast("date").alias("sale_date"),
        "store_id",
        "product_id",
        "customer_id",
        "customer_sk",
        F.col("quantity").cast("int").alias("quantity"),
        F.col("unit_price").cast("decimal(12,2)").alias("unit_price"),
        F.col("amount_local").cast("decimal(14,2)").alias("amount_local"),
        "currency",
        F.col("fx_rate").cast("decimal(18,8)").alias("fx_rate"),
        F.col("fx_rate_date").cast("date").alias("fx_rate_date"),
        F.col("amount_usd").cast("decimal(14,2)").alias("amount_usd"),
        F.col("fx_missing").cast("boolean").alias("fx_missing"),
        "payment_method",
        *extra,
    )
