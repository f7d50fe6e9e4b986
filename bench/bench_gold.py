"""Benchmark the gold job on a synthetic silver lake; prints seconds and rows per table.

    python bench/bench_gold.py --sales 100000 --customers 5000 [--lake /tmp/bench_gold]

Builds silver.{sales, customers, products, fx_rates, web_events} with Spark (no generator),
runs lakehouse.gold.run twice (first build, then an unchanged re-run) and once more after
changing 5% of the customers (an SCD2 MERGE with real work).
"""

import argparse
import os
import shutil
import time

os.environ.setdefault("LAKEHOUSE_RUNTIME", "local")


def build_silver(spark, lake: str, n_sales: int, n_customers: int, shift: int = 0) -> None:
    from pyspark.sql import functions as F

    meta = [
        F.lit("bench").alias("_batch_id"),
        F.lit("bench").alias("_source_file"),
        F.current_timestamp().alias("_ingested_at"),
        F.current_timestamp().alias("_processed_at"),
    ]
    ccys = F.element_at(
        F.array(*[F.lit(c) for c in ("USD", "EUR", "GBP", "JPY", "CHF")]), (F.col("id") % 5 + 1).cast("int")
    )
    customers = spark.range(n_customers).select(
        F.format_string("C%07d", "id").alias("customer_id"),
        F.lit("Ann").alias("first_name"),
        F.format_string("Last%d", "id").alias("last_name"),
        F.format_string("c%d@example.com", "id").alias("email"),
        F.format_string("+1555%07d", "id").alias("phone"),
        F.format_string("%d Main St", "id").alias("street"),
        F.lit("Paris").alias("city"),
        F.lit("IDF").alias("state"),
        F.lit("75001").alias("postcode"),
        F.lit("FR").alias("country"),
        F.when((F.col("id") % 20 == 0) & F.lit(shift > 0), F.lit("platinum"))
        .otherwise(F.lit("silver"))
        .alias("loyalty_tier"),
        F.lit("2023-01-01").cast("date").alias("signup_date"),
        F.when((F.col("id") % 20 == 0) & F.lit(shift > 0), F.lit("2024-02-01 00:00:00"))
        .otherwise(F.lit("2024-01-01 00:00:00"))
        .cast("timestamp")
        .alias("updated_at"),
        *meta,
    )
    products = spark.range(200).select(
        F.format_string("P%05d", "id").alias("product_id"),
        F.format_string("Product %d", "id").alias("product_name"),
        F.element_at(F.array(*[F.lit(c) for c in ("Home", "Toys", "Books")]), (F.col("id") % 3 + 1).cast("int")).alias(
            "category"
        ),
        F.lit("Acme").alias("brand"),
        F.lit(5).cast("decimal(12,2)").alias("unit_cost"),
        F.lit(9.99).cast("decimal(12,2)").alias("list_price"),
        *meta,
    )
    days = spark.sql("SELECT explode(sequence(date'2023-12-28', date'2024-03-31')) AS rate_date")
    fx = (
        days.where("dayofweek(rate_date) BETWEEN 2 AND 6")
        .crossJoin(
            spark.createDataFrame(
                [("USD", 1.0), ("EUR", 1.1), ("GBP", 1.27), ("JPY", 0.0068)], "currency string, base double"
            )
        )
        .select("rate_date", "currency", F.col("base").cast("decimal(18,8)").alias("rate_to_usd"), *meta)
    )
    sales = spark.range(n_sales).select(
        F.format_string("T%09d", "id").alias("transaction_id"),
        F.date_add(F.lit("2024-01-01").cast("date"), (F.col("id") % 90).cast("int")).alias("sale_date"),
        F.format_string("S%03d", F.col("id") % 40).alias("store_id"),
        F.lit("Store").alias("store_name"),
        F.lit("Paris").alias("city"),
        F.format_string("P%05d", F.col("id") % 200).alias("product_id"),
        F.lit("Product").alias("product_name"),
        F.lit("Home").alias("category"),
        F.format_string("C%07d", F.col("id") % n_customers).alias("customer_id"),
        F.lit("Ann Last").alias("customer_name"),
        (F.col("id") % 5 + 1).cast("int").alias("quantity"),
        F.lit(2.5).cast("decimal(12,2)").alias("unit_price"),
        ((F.col("id") % 5 + 1) * 2.5).cast("decimal(12,2)").alias("total_amount"),
        F.lit("card").alias("payment_method"),
        ccys.alias("currency"),
        F.lit(0).cast("decimal(14,2)").alias("amount_mismatch"),
        *meta,
    )
    web = (
        spark.range(n_sales // 2)
        .select(
            F.format_string("E%09d", "id").alias("event_id"),
            (F.lit("2024-01-01 00:00:00").cast("timestamp") + F.make_interval(mins=F.col("id").cast("int"))).alias(
                "event_ts"
            ),
            F.format_string("C%07d", F.col("id") % n_customers).alias("customer_id"),
            F.format_string("s%d", F.col("id") % (n_sales // 6 + 1)).alias("session_id"),
            F.lit("page_view").alias("event_type"),
            F.lit("/").alias("page"),
            F.lit(None).cast("string").alias("product_id"),
            F.lit("web").alias("device"),
            *meta,
        )
        .withColumn("event_date", F.to_date("event_ts"))
    )
    for entity, df in (
        ("customers", customers),
        ("products", products),
        ("fx_rates", fx),
        ("sales", sales),
        ("web_events", web),
    ):
        if shift and entity != "customers":
            continue
        df.write.format("delta").mode("overwrite").option("overwriteSchema", "true").save(f"{lake}/silver/{entity}")


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--sales", type=int, default=100_000)
    ap.add_argument("--customers", type=int, default=5_000)
    ap.add_argument("--lake", default="/tmp/bench_gold")
    args = ap.parse_args()

    from lakehouse.config import JobConfig
    from lakehouse.gold import format_summary, run
    from lakehouse.runtime import get_spark

    shutil.rmtree(args.lake, ignore_errors=True)
    spark = get_spark("bench-gold")
    t = time.monotonic()
    build_silver(spark, args.lake, args.sales, args.customers)
    print(f"silver built: {args.sales} sales, {args.customers} customers in {time.monotonic() - t:.1f} s")
    for label, shift in (("first build", 0), ("unchanged re-run", 0), ("5% customers changed", 1)):
        if shift:
            build_silver(spark, args.lake, args.sales, args.customers, shift=shift)
        summary = run(spark, JobConfig(args.lake, (), f"bench-{label}", pii_salt="bench"))
        print(f"\n== {label}\n{format_summary(summary)}")


if __name__ == "__main__":
    main()
