"""Marts the incremental gold path updates from the change, not from every fact of their scope.

Both take the facts of the touched days as they were before this run (`old`) and as they are now
(`new`), and the stored rows: a key that only gained facts adds the new ones to what it holds; a key
that lost or changed facts is recomputed from its own facts (a sum can be taken back, a max cannot),
which a correction or a late line needs, not a day of new sales.
"""

from collections.abc import Callable
from dataclasses import dataclass

from pyspark.sql import DataFrame
from pyspark.sql import functions as F

from lakehouse.gold import marts

PRODUCT_MONTH = ["month", "product_id"]
PRODUCT_SUMS = {"orders": "bigint", "units": "bigint", "revenue_usd": marts.MONEY}
ORDER_SUMS = {"orders": "bigint", "lifetime_value_usd": marts.MONEY, "converted_orders": "bigint"}


@dataclass
class Lost:
    """The keys that had facts on the touched days before this run (those facts are replaced)."""

    product_months: list[tuple]  # (month, product_id)
    customers: list[str | None]

    @classmethod
    def of(cls, old: DataFrame) -> "Lost":
        """From gold.fact_sales of the touched days, read before the run replaces them."""
        month = F.trunc(F.col("sale_date"), "month").alias("month")
        keys = old.select(month, "product_id", "customer_id").distinct().collect()  # one Spark job for both
        return cls(sorted({(r[0], r[1]) for r in keys}), list({r[2] for r in keys}))


def product_performance(
    stored: DataFrame, lost: Lost, new: DataFrame, recompute: Callable[[list[tuple]], DataFrame]
) -> DataFrame:
    """product_performance of the touched months, ranked. `stored`: its rows of those months before this
    run; `new`: the enriched sales of the touched days; `recompute(pairs)`: the unranked rows of those
    (month, product_id) pairs from all their sales.

    A pair without an old fact on a touched day only gained sales: orders, units and revenue add, and
    product_name/category (a max over the month's sales) are the greater of the stored and the new."""
    spark = stored.sparkSession
    gone = spark.createDataFrame(lost.product_months, "month date, product_id string")
    names = (F.max("product_name").alias("product_name"), F.max("category").alias("category"))
    s = stored.drop("category_rank").join(gone, PRODUCT_MONTH, "left_anti").alias("s")
    n = marts.product_months(new, *names).join(gone, PRODUCT_MONTH, "left_anti").alias("n")
    grown = s.join(n, PRODUCT_MONTH, "full_outer").select(
        *PRODUCT_MONTH,
        F.greatest("s.product_name", "n.product_name").alias("product_name"),
        F.greatest("s.category", "n.category").alias("category"),
        *[
            (F.coalesce(f"s.{c}", F.lit(0)) + F.coalesce(f"n.{c}", F.lit(0))).cast(t).alias(c)
            for c, t in PRODUCT_SUMS.items()
        ],
    )
    if lost.product_months:
        grown = grown.unionByName(recompute(lost.product_months))
    return marts.rank_in_category(grown)


def customer_orders(stored: DataFrame, lost: Lost, new: DataFrame, recompute: Callable[[list], DataFrame]) -> DataFrame:
    """marts.customer_orders after this run. `stored`: the table before it; `new`: the enriched sales of
    the touched days; `recompute(ids)`: marts.customer_orders of those customers from all their facts.

    A customer without an old fact on a touched day only gained orders: the counts and sums add, the
    first and last order dates are the least and the greatest. (customer_id may be null: null-safe keys.)"""
    spark = stored.sparkSession
    gone = spark.createDataFrame([(c,) for c in lost.customers], "customer_id string").alias("g")
    s = stored.alias("s").join(gone, F.col("s.customer_id").eqNullSafe(F.col("g.customer_id")), "left_anti")
    n = marts.customer_orders(new).alias("n")
    n = n.join(gone, F.col("n.customer_id").eqNullSafe(F.col("g.customer_id")), "left_anti")
    grown = (
        s.alias("s")
        .join(n.alias("n"), F.col("s.customer_id").eqNullSafe(F.col("n.customer_id")), "full_outer")
        .select(
            F.coalesce("s.customer_id", "n.customer_id").alias("customer_id"),
            *[
                (F.coalesce(f"s.{c}", F.lit(0)) + F.coalesce(f"n.{c}", F.lit(0))).cast(t).alias(c)
                for c, t in ORDER_SUMS.items()
            ],
            F.least("s.first_order_date", "n.first_order_date").alias("first_order_date"),
            F.greatest("s.last_order_date", "n.last_order_date").alias("last_order_date"),
        )
    )
    return grown.unionByName(recompute(lost.customers)) if lost.customers else grown
