"""The gold job: silver → dim_customer (SCD2 MERGE), FX-converted fact_sales, dims and marts.

`run(spark, config)` is what glue_jobs/gold_aggregates.py and the local runner call.
"""

import logging
import time
from datetime import UTC, datetime

from pyspark import StorageLevel
from pyspark.sql import DataFrame, SparkSession
from pyspark.sql import functions as F

from lakehouse.gold import marts, publish, scd2, star
from lakehouse.gold.contracts import gold_settings
from lakehouse.gold.fx import fx_asof
from lakehouse.gold.pii import protect, resolve_salt
from lakehouse.progress import stage

log = logging.getLogger(__name__)

TABLES = [
    "dim_customer",
    "dim_date",
    "dim_store",
    "dim_product",
    "fact_sales",
    "daily_sales",
    "customer_360",
    "product_performance",
]


def _required(spark: SparkSession, paths, entity: str) -> DataFrame:
    df = publish.read_delta(spark, paths.silver(entity))
    if df is None:
        raise FileNotFoundError(f"silver.{entity} not found at {paths.silver(entity)}: run silver_clean first")
    return df


def enrich_sales(sales: DataFrame, fx_rates: DataFrame, dim_customer: DataFrame, products: DataFrame) -> DataFrame:
    """silver.sales → fact columns + category/product_name (master first), customer_sk, USD."""
    prod = products.select(
        "product_id", F.col("product_name").alias("_p_name"), F.col("category").alias("_p_cat")
    ).dropDuplicates(["product_id"])
    base = (
        sales.withColumn("amount_local", F.col("total_amount").cast("decimal(14,2)"))
        .join(prod, "product_id", "left")
        .withColumn("product_name", F.coalesce("_p_name", "product_name"))
        .withColumn("category", F.coalesce("_p_cat", "category"))
        .drop("_p_name", "_p_cat")
    )
    with_fx = base.transform(fx_asof(fx_rates))
    with_sk = scd2.version_at(dim_customer, with_fx)
    return star.fact_sales(with_sk, extra=("category", "product_name"))


VERSIONS_ENTITY = "customers_versions"


def customer_versions(spark: SparkSession, paths) -> DataFrame:
    """Every valid delivered customer version when silver keeps that log, else silver.customers.

    silver.customers holds only the latest version per key (a late-arriving older version is
    valid but never replaces it), so gold sees late versions only through an append-only
    silver/customers_versions table of all valid deliveries. Without it, each gold run adds
    the versions current in silver at that run (history still builds batch by batch).
    """
    log_df = publish.read_delta(spark, paths.silver(VERSIONS_ENTITY))
    return log_df if log_df is not None else _required(spark, paths, "customers")


def run(spark: SparkSession, config) -> dict:
    """Build every gold table; returns a summary (rows per table, SCD2 and FX counts, seconds)."""
    t0 = time.time()
    started = datetime.now(UTC)
    paths = config.paths
    settings = gold_settings(getattr(config, "contracts_dir", None))
    salt = resolve_salt(getattr(config, "pii_salt", None))
    summary: dict = {"run_id": getattr(config, "run_id", None), "tables": {}}

    sales = _required(spark, paths, "sales")
    customers = customer_versions(spark, paths)
    products = _required(spark, paths, "products")
    fx_rates = _required(spark, paths, "fx_rates")
    web_events = publish.read_delta(spark, paths.silver("web_events"))

    def done(table: str) -> int:
        n = publish.refresh_consumers(spark, paths.gold(table), paths.exports(table))
        summary["tables"][table] = n
        return n

    # 1. dim_customer: SCD2 MERGE of the silver versions (PII protected before writing).
    with stage("gold_aggregates dim_customer") as s:
        staged = customers.transform(scd2.stage_versions(settings.scd2_tracked, settings.scd2_effective_from, salt))
        res = scd2.merge_scd2(
            spark, staged, paths.gold("dim_customer"), protect=protect(settings.pii.get("customers", {}), salt)
        )
        s.rows = done("dim_customer")
    summary["scd2"] = vars(res)
    dim_customer = spark.read.format("delta").load(paths.gold("dim_customer"))

    # 2. fact_sales with FX as-of and the customer version valid at the sale date.
    enriched = enrich_sales(sales, fx_rates, dim_customer, products).persist(StorageLevel.MEMORY_AND_DISK)
    try:
        with stage("gold_aggregates fact_sales") as s:
            publish.overwrite_table(spark, star.fact_sales(enriched), paths.gold("fact_sales"))
            s.rows = done("fact_sales")
        fx = enriched.agg(
            F.count(F.lit(1)).alias("sales"),
            F.sum(F.col("fx_missing").cast("int")).alias("fx_missing"),
        ).first()
        missing_by_ccy = {
            r["currency"]: r["n"]
            for r in enriched.where("fx_missing").groupBy("currency").agg(F.count(F.lit(1)).alias("n")).collect()
        }
        summary["fx"] = {
            "sales": fx["sales"],
            "fx_missing": fx["fx_missing"] or 0,
            "missing_by_currency": missing_by_ccy,
        }
        if summary["fx"]["fx_missing"]:
            log.warning(
                "gold: %s sales without a usable FX rate (left out of USD figures): %s",
                summary["fx"]["fx_missing"],
                missing_by_ccy,
            )

        # 3. dimensions
        for table, df in (
            ("dim_date", star.dim_date(sales)),
            ("dim_store", star.dim_store(sales)),
            ("dim_product", star.dim_product(products)),
        ):
            with stage(f"gold_aggregates {table}") as s:
                publish.overwrite_table(spark, df, paths.gold(table))
                s.rows = done(table)

        # 4. marts
        current = dim_customer.where("is_current")
        for table, df in (
            ("daily_sales", marts.daily_sales(enriched)),
            ("customer_360", marts.customer_360(enriched, current, web_events)),
            ("product_performance", marts.product_performance(enriched)),
        ):
            with stage(f"gold_aggregates {table}") as s:
                publish.overwrite_table(spark, df, paths.gold(table))
                s.rows = done(table)
    finally:
        enriched.unpersist()

    summary["seconds"] = round(time.time() - t0, 2)
    _record(spark, config, summary, started, rows_in=summary["fx"]["sales"])
    return summary


def _record(spark, config, summary, started, rows_in) -> None:
    """One ops.pipeline_runs row per gold table, in one append (when lakehouse.ops is present)."""
    try:
        from lakehouse import ops
    except ImportError:
        return
    finished = ops.now()
    start = started.replace(tzinfo=None)
    rows = [
        (
            config.run_id,
            "gold_aggregates",
            f"gold.{table}",
            int(rows_in if table == "fact_sales" else n),
            int(n),
            0,
            0,
            start,
            finished,
            (finished - start).total_seconds(),
            "SUCCEEDED",
        )
        for table, n in summary["tables"].items()
    ]
    ops.append_rows(spark, config, "pipeline_runs", rows)


def format_summary(summary: dict) -> str:
    lines = ["gold:"]
    for table in TABLES:
        if table in summary.get("tables", {}):
            lines.append(f"  gold.{table:<20} {summary['tables'][table]:>8} rows")
    s, fx = summary.get("scd2", {}), summary.get("fx", {})
    if s:
        lines.append(
            f"  dim_customer SCD2: {s['current']} current / {s['rows']} versions "
            f"(+{s['inserted']} inserted, {s['updated']} updated, {s['deleted']} absorbed)"
        )
    if fx:
        lines.append(
            f"  FX: {fx['sales'] - fx['fx_missing']} of {fx['sales']} sales converted to USD, "
            f"{fx['fx_missing']} without a usable rate {fx['missing_by_currency'] or ''}".rstrip()
        )
    lines.append(f"  {summary.get('seconds', 0)} s")
    return "\n".join(lines)
