"""Which gold rows a run must rebuild: the silver Change Data Feed since the last gold build.

`plan` decides the path. Incremental needs the last build's record (lakehouse.gold.inputs) with
the same contracts, code and PII salt, gold left as that build left it, no `rebuild` request, and
every silver table gold reads to have a change feed covering its commits since then with no full
overwrite among them. Anything else is a full rebuild, and the reason is reported.

`scope` turns the changed silver rows into what they touch (docs/incremental-gold.md):
- days: the sale dates of every sales line added, changed or removed (before and after values, so
  a line whose sale_date moved touches both), and of every line of a product whose name or
  category changed (found in gold.fact_sales);
- ranges: an FX rate added, changed or removed on day d changes the as-of rate of the sales in that
  currency from d until the currency's next usable rate (open-ended after its last one), so those
  days are rebuilt;
- customers: customer ids with a new or changed version: their SCD2 history is rebuilt and
  their facts re-keyed to the version valid at each sale.
"""

from dataclasses import dataclass, field
from datetime import date, timedelta

from pyspark.sql import DataFrame
from pyspark.sql import functions as F

from lakehouse import delta_io, parallel
from lakehouse.gold.fx import usable_rates

BEFORE = ("delete", "update_preimage")
CDF_COLUMNS = ("_change_type", "_commit_version", "_commit_timestamp")
ALL = ("*",)  # every column of the table


@dataclass
class Plan:
    path: str  # "incremental" or "full"
    reason: str
    since: dict[str, int] = field(default_factory=dict)  # silver table → version the last build read
    now: dict[str, int] = field(default_factory=dict)  # silver table → version this run reads


@dataclass
class Scope:
    days: set[date] = field(default_factory=set)
    ranges: list[tuple[date, date | None]] = field(default_factory=list)  # [from, until) of FX changes
    customers: set[str] = field(default_factory=set)

    def empty_for_sales(self) -> bool:
        return not self.days and not self.ranges

    def predicate(self, col: str, month: bool = False) -> str:
        """SQL: `col` (a date) is a touched day, or with `month` (a column of month starts) a month holding
        one. Runs of days become ranges, so data skipping on the column's min/max prunes files."""
        at = _month if month else (lambda d: d)
        parts = [f"(`{col}` >= DATE'{at(a)}' AND `{col}` <= DATE'{at(b)}')" for a, b in _runs(self.days)]
        for a, until in self.ranges:
            last = f" AND `{col}` <= DATE'{at(until - timedelta(days=1))}'" if until else ""
            parts.append(f"(`{col}` >= DATE'{at(a)}'{last})")
        return " OR ".join(parts) if parts else "false"


def _month(d: date) -> date:
    return d.replace(day=1)


def _runs(days) -> list[tuple[date, date]]:
    """Consecutive days as (first, last) runs: 1, 2, 3, 7 → (1, 3), (7, 7)."""
    runs: list[tuple[date, date]] = []
    for d in sorted(days):
        if runs and d - runs[-1][1] == timedelta(days=1):
            runs[-1] = (runs[-1][0], d)
        else:
            runs.append((d, d))
    return runs


def parse_versions(text: str) -> dict[str, int]:
    """'sales@3,products@1' (lakehouse.gold.inputs' silver part) → {'sales': 3, 'products': 1}."""
    return {t: int(v) for t, _, v in (p.rpartition("@") for p in text.split(",") if p)}


# Bytes a commit wrote, from its operationMetrics: an append or replaceWhere (WRITE), a MERGE.
WRITTEN_BYTES = ("numOutputBytes", "numTargetBytesAdded")
DEFAULT_MAX_SHARE = 0.25


def plan(
    spark,
    silver_root: str,
    last: str | None,
    fingerprint: str,
    gold_now: str,
    needs,
    rebuild: bool,
    max_share: float = DEFAULT_MAX_SHARE,
) -> Plan:
    """Incremental or full, and why. `last`: the last build record ('<fingerprint>|<gold versions>');
    `needs`: the silver tables gold reads; `max_share`: the largest share of silver.sales the commits
    since the last build may have written for the incremental path to be taken (see sales_share; 1 or
    more: whatever they wrote)."""
    parts = dict(p.split(":", 1) for p in fingerprint.split(";"))
    now = {t: v for t, v in parse_versions(parts["silver"]).items() if t in needs}
    if rebuild:
        return Plan("full", "rebuild requested", now=now)
    if not last:
        return Plan("full", "no earlier gold build recorded", now=now)
    last_inputs, _, last_gold = last.partition("|")
    last_parts = dict(p.split(":", 1) for p in last_inputs.split(";"))
    changed = [k for k in ("contracts", "code", "salt") if last_parts.get(k) != parts[k]]
    if changed:
        return Plan("full", f"{', '.join(changed)} changed since the last build", now=now)
    if last_gold != gold_now:
        return Plan("full", "gold tables changed since the last build", now=now)
    since = {t: v for t, v in parse_versions(last_parts.get("silver", "")).items() if t in needs}
    missing = sorted(set(now) - set(since))
    if missing:
        return Plan("full", f"silver {missing} new since the last build", now=now)
    sales_written = 0
    for table, v in now.items():
        if v < since[table]:
            return Plan("full", f"silver.{table} is older than the last build read", now=now)
        if v == since[table]:
            continue
        try:
            infos = delta_io.commit_infos(spark, f"{silver_root}/{table}", since[table] + 1, v)
        except Exception:  # noqa: BLE001 - a commit file gone (log cleanup): the feed cannot cover the gap
            return Plan("full", f"silver.{table} commits since the last build are no longer in its log", now=now)
        for info in infos:
            params = info.get("operationParameters") or {}
            if info.get("operation") in ("WRITE", "CREATE TABLE AS SELECT", "CREATE OR REPLACE TABLE AS SELECT") and (
                params.get("mode") == "Overwrite" and not params.get("predicate")
            ):
                return Plan("full", f"silver.{table} was overwritten since the last build", now=now)
        if table == "sales":
            sales_written = sum(int((i.get("operationMetrics") or {}).get(m, 0)) for i in infos for m in WRITTEN_BYTES)
    share = sales_share(spark, silver_root, sales_written) if max_share < 1 else 0.0  # 1: always
    if share > max_share:
        return Plan(
            "full",
            f"silver.sales commits since the last build wrote {share:.0%} of its size (more than "
            f"{max_share:.0%}): rebuilding from all of it costs about what the incremental path would",
            now=now,
        )
    return Plan("incremental", "silver changes since the last build", since=since, now=now)


def sales_share(spark, silver_root: str, written: int) -> float:
    """Bytes the commits since the last build wrote to silver.sales, as a share of its size now.

    The incremental path reads the change feed, scopes it, rewrites the touched months and rebuilds the
    small tables; that pays when the change is a small part of the table (a day of a long history), not
    when it is a third of it (the second batch of a new lake), where a full rebuild does less work.
    Both figures come from the log (commit metrics, the snapshot's size): no data file is read.
    """
    size = delta_io.snapshot(spark, f"{silver_root}/sales").sizeInBytes() if written else 0
    return written / size if size else 0.0


def changed_rows(spark, silver_root: str, p: Plan, table: str, columns) -> DataFrame | None:
    """The rows of `table` on `columns` its commits since the last build removed or added, without those an
    update left as they were on these columns: each distinct row whose count among the feed's post-images
    (inserts, update post-images) differs from its count among the pre-images (deletes, update
    pre-images). One aggregation of the change feed (what `exceptAll` both ways would give, read once).
    None when the table did not change."""
    if table not in p.now or p.now[table] == p.since.get(table):
        return None
    feed = delta_io.change_feed(spark, f"{silver_root}/{table}", p.since[table] + 1, p.now[table])
    cols = [c for c in feed.columns if c not in CDF_COLUMNS] if columns is ALL else list(columns)
    net = F.sum(F.when(F.col("_change_type").isin(*BEFORE), -1).otherwise(1)).alias("_net")
    return feed.groupBy(*cols).agg(net).where("_net != 0").drop("_net")


def days_of(df: DataFrame, col: str = "sale_date") -> set[date]:
    return {r[0] for r in df.select(F.col(col).cast("date")).distinct().collect() if r[0]}


def fx_ranges(changed: DataFrame, rates: DataFrame) -> list[tuple[date, date | None]]:
    """[d, next usable rate of the currency after d) for each changed (currency, rate_date): the days
    whose as-of rate the change can move (lakehouse.gold.fx: a day takes its currency's latest usable
    rate on or before it; open-ended when no usable rate follows)."""
    keys = changed.select(
        F.upper(F.trim(F.col("currency"))).alias("currency"), F.col("rate_date").cast("date").alias("d")
    ).where(F.col("d").isNotNull())
    later = usable_rates(rates).select("currency", F.col("rate_date").alias("_next"))
    nxt = (
        keys.join(later, (keys.currency == later.currency) & (later._next > keys.d), "left")
        .groupBy(keys.currency, "d")
        .agg(F.min("_next").alias("until"))
    )
    return sorted({(r["d"], r["until"]) for r in nxt.collect()}, key=lambda r: (r[0], r[1] or date.max))


def scope(
    spark, silver_root: str, p: Plan, fact_sales: DataFrame, customers_table: str, sales_cols, fx_rates: DataFrame
) -> Scope:
    """What the silver changes since the last build touch (see the module docstring). Raises when a
    change feed cannot be read (the caller falls back to a full rebuild). Each table's change is a
    separate small Spark job, mostly the driver's time: they run together (lakehouse.parallel)."""

    def sales_days() -> set[date]:
        sales = changed_rows(spark, silver_root, p, "sales", sales_cols)
        return days_of(sales) if sales else set()

    def product_days() -> set[date]:
        products = changed_rows(spark, silver_root, p, "products", ("product_id", "product_name", "category"))
        if not products:
            return set()
        ids = products.select("product_id").distinct()
        return days_of(fact_sales.join(ids, "product_id", "left_semi"))

    def ranges() -> list[tuple[date, date | None]]:
        fx = changed_rows(spark, silver_root, p, "fx_rates", ("rate_date", "currency", "rate_to_usd"))
        return fx_ranges(fx, fx_rates) if fx else []

    def customers() -> set[str]:
        changed = changed_rows(spark, silver_root, p, customers_table, ALL)
        if not changed:
            return set()
        ids = changed.select("customer_id").distinct()
        return {r[0] for r in ids.collect() if r[0]}

    parts = [sales_days, product_days, ranges, customers]
    sales, products, fx, ids = parallel.run_concurrently(parts, lambda part: [], lambda part: part())
    return Scope(days=sales | products, ranges=fx, customers=ids)
