"""The gold job: silver → dim_customer (SCD2 MERGE), FX-converted fact_sales, dims and marts.

`run(spark, config)` is what glue_jobs/gold_aggregates.py and the local runner call. Every gold
table is declared in contracts/gold/<table>.yaml; each one built is checked against its
declaration before it is written, and a declared table that was not built fails the run, unless
it was skipped because a silver table it needs does not exist yet (nothing of that source was
delivered): then the summary, ops.pipeline_runs (status SKIPPED) and the log name it and why.
"""

import logging
import time
from dataclasses import dataclass
from datetime import UTC, datetime

from pyspark import StorageLevel
from pyspark.sql import DataFrame, SparkSession
from pyspark.sql import functions as F

from lakehouse import delta_io, lease, ops, parallel
from lakehouse.errors import ContractError
from lakehouse.gold import incremental, inputs, marts, publish, scd2, star, updates
from lakehouse.gold.contracts import GoldSettings, gold_settings
from lakehouse.gold.fx import fx_asof
from lakehouse.gold.pii import protect, resolve_salt
from lakehouse.progress import stage
from lakehouse.tables import GoldTable, conform, load_gold_tables, schema_problems

log = logging.getLogger(__name__)

# The silver columns gold reads, per entity (customers also need the contract's SCD2 columns).
SILVER_NEEDS = {
    "sales": (
        "transaction_id",
        "sale_date",
        "store_id",
        "store_name",
        "city",
        "product_id",
        "product_name",
        "category",
        "customer_id",
        "quantity",
        "unit_price",
        "total_amount",
        "currency",
        "payment_method",
    ),
    "customers": ("customer_id",),
    "products": ("product_id", "product_name", "category", "brand", "unit_cost", "list_price"),
    "fx_rates": ("rate_date", "currency", "rate_to_usd"),
    "web_events": ("customer_id", "session_id", "event_ts"),
}
VERSIONS_ENTITY = "customers_versions"
# The silver entities each gold table is built from; a table whose inputs do not all exist yet is skipped.
FACT_NEEDS = ("sales", "customers", "products", "fx_rates")  # fact_sales and every mart (the enriched sales)
TABLE_NEEDS = {"dim_customer": ("customers",), "dim_date": ("sales",), "dim_store": ("sales",)}
TABLE_NEEDS |= {"dim_product": ("products",), "fact_sales": FACT_NEEDS}


@dataclass
class SilverInputs:
    """Each silver input, None when that table does not exist yet (nothing of its source delivered)."""

    sales: DataFrame | None
    customers: DataFrame | None  # every valid delivered version (see customer_versions)
    products: DataFrame | None
    fx_rates: DataFrame | None
    web_events: DataFrame | None  # optional: customer_360 then shows no web engagement

    def not_built(self, declared) -> dict[str, str]:
        """{gold table: why it cannot be built} for the declared tables whose silver inputs are missing."""
        reasons = {}
        for name, table in declared.items():
            needs = FACT_NEEDS if table.build == "mart" else TABLE_NEEDS.get(name, ())
            missing = [f"silver.{e}" for e in needs if getattr(self, e) is None]
            if missing:
                reasons[name] = f"{', '.join(missing)} not found (nothing of it delivered yet)"
        return reasons


def read_silver(spark: SparkSession, paths, entity: str, needs=(), optional=False, read_from=None) -> DataFrame | None:
    """silver.<entity> (or `read_from`), after checking it has the columns gold needs; names what is missing."""
    location = paths.silver(read_from or entity)
    df = delta_io.read_if_exists(spark, location)
    if df is None:
        if optional:
            return None
        raise FileNotFoundError(f"silver.{entity} not found at {location}: run silver_clean first")
    missing = [c for c in (*SILVER_NEEDS[entity], *needs) if c not in df.columns]
    if missing:
        raise ContractError(location, "columns", f"gold needs {missing} from silver.{entity}, which lacks them")
    return df


def read_silver_inputs(spark: SparkSession, paths, settings: GoldSettings) -> SilverInputs:
    scd2_needs = (*settings.scd2_tracked, settings.scd2_effective_from)
    return SilverInputs(
        sales=read_silver(spark, paths, "sales", optional=True),
        customers=customer_versions(spark, paths, scd2_needs),
        products=read_silver(spark, paths, "products", optional=True),
        fx_rates=read_silver(spark, paths, "fx_rates", optional=True),
        web_events=read_silver(spark, paths, "web_events", optional=True),
    )


def customer_versions(spark: SparkSession, paths, needs=()) -> DataFrame | None:
    """Every valid delivered customer version when silver keeps that log, else silver.customers.

    silver.customers holds only the latest version per key (a late-arriving older version is
    valid but never replaces it), so gold sees late versions only through an append-only
    silver/customers_versions table of all valid deliveries. Without it, each gold run adds
    the versions current in silver at that run (history still builds batch by batch).
    """
    versions = read_silver(spark, paths, "customers", needs, optional=True, read_from=VERSIONS_ENTITY)
    return versions if versions is not None else read_silver(spark, paths, "customers", needs, optional=True)


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
    return (
        base.transform(fx_asof(fx_rates))
        .transform(scd2.version_at, dim_customer)
        .transform(star.fact_sales, extra=("category", "product_name"))
    )


class GoldWriter:
    """Writes declared gold tables: checks each against its YAML, refreshes manifest and export, counts rows."""

    def __init__(self, spark: SparkSession, paths, declared: dict[str, GoldTable]):
        self.spark, self.paths, self.declared = spark, paths, declared
        self.rows: dict[str, int] = {}

    def _declaration(self, name: str) -> GoldTable:
        if name not in self.declared:
            raise ContractError("contracts/gold/", name, f"gold.{name} is built but has no contracts/gold/{name}.yaml")
        return self.declared[name]

    def overwrite(self, name: str, df: DataFrame) -> None:
        with stage(f"gold_aggregates {name}") as s:
            df = conform(df, self._declaration(name))
            if name in RANGE_BY:
                df = df.repartitionByRange(F.col(RANGE_BY[name]))
            publish.overwrite_table(self.spark, df, self.paths.gold(name))
            self.refresh(name)
            s.rows = self.rows[name]

    def replace(self, name: str, df: DataFrame, predicate: str) -> None:
        """Replace the rows matching `predicate` (a SQL condition on the table) with `df`, in one commit."""
        with stage(f"gold_aggregates {name} (incremental)") as s:
            df = conform(df, self._declaration(name))
            if name in RANGE_BY:
                df = df.repartitionByRange(F.col(RANGE_BY[name]))
            delta_io.replace_where(df, self.paths.gold(name), predicate)
            self.refresh(name)
            s.rows = self.rows[name]

    def refresh(self, name: str, rows: int | None = None) -> None:
        """For a table written in place (dim_customer's MERGE): check what is stored, then refresh consumers
        (`rows`: the stored snapshot's rows when the caller has counted them)."""
        table = self._declaration(name)
        problems = schema_problems(delta_io.read(self.spark, self.paths.gold(name)), table)
        if problems:
            raise ContractError(table.path, "columns", "stored table disagrees: " + "; ".join(problems))
        self.rows[name] = publish.refresh_consumers(self.spark, self.paths.gold(name), self.paths.exports(name), rows)

    def check_all_written(self, skipped=()) -> None:
        unbuilt = sorted(set(self.declared) - set(self.rows) - set(skipped))
        if unbuilt:
            raise ContractError("contracts/gold/", "table", f"declared but not built by the gold job: {unbuilt}")


def build_dim_customer(spark, paths, customers: DataFrame, settings: GoldSettings, salt: str, out: GoldWriter):
    """SCD2 MERGE of the silver versions (PII protected before writing); returns the dim and the MERGE counts."""
    staged = customers.transform(scd2.stage_versions(settings.scd2_tracked, settings.scd2_effective_from, salt))
    res = scd2.merge_scd2(
        spark, staged, paths.gold("dim_customer"), protect=protect(settings.pii.get("customers", {}), salt)
    )
    out.refresh("dim_customer", rows=res.rows)  # merge_scd2 counted the dim it left
    return delta_io.read(spark, paths.gold("dim_customer")), vars(res)


def fx_summary(enriched: DataFrame) -> dict:
    """Sales, sales without a usable FX rate, and those per currency (warned when any): one aggregate
    per currency, the totals summed here."""
    per_ccy = (
        enriched.groupBy("currency")
        .agg(F.count(F.lit(1)).alias("sales"), F.sum(F.col("fx_missing").cast("int")).alias("fx_missing"))
        .collect()
    )
    missing_by_ccy = {r["currency"]: r["fx_missing"] for r in per_ccy if r["fx_missing"]}
    summary = {
        "sales": sum(r["sales"] for r in per_ccy),
        "fx_missing": sum(missing_by_ccy.values()),
        "missing_by_currency": missing_by_ccy,
    }
    if summary["fx_missing"]:
        log.warning(
            "gold: %s sales without a usable FX rate (left out of USD figures): %s",
            summary["fx_missing"],
            missing_by_ccy,
        )
    return summary


def run(spark: SparkSession, config, rebuild: bool = False, max_share: float = incremental.DEFAULT_MAX_SHARE) -> dict:
    """Build every declared gold table; returns a summary (rows per table, SCD2 and FX counts, seconds).

    Skipped (summary["skipped"]) when nothing gold depends on changed since the last build (see
    lakehouse.gold.inputs), unless `rebuild`; otherwise only what the silver changes touch is rebuilt
    when lakehouse.gold.incremental allows it (`max_share`: see incremental.plan), else everything
    (summary["path"] and ["path_reason"]).
    """
    t0, started = time.time(), datetime.now(UTC)
    salt = resolve_salt(config.pii_salt)
    # Before the first commit: one writer per table (lakehouse.lease; ops tables lease per commit, in ops)
    paths = config.paths
    written = [p for name in load_gold_tables(config.contracts_dir) for p in (paths.gold(name), paths.exports(name))]
    written.append(paths.gold(CUSTOMER_ORDERS))
    with lease.hold(written), ops.deferred(spark):
        read_inputs, recorded = inputs.fingerprint(spark, config, salt), inputs.recorded(spark, config)
        if not rebuild and inputs.unchanged(read_inputs, recorded):
            start = started.replace(tzinfo=None)
            ops.record_run(spark, config, "gold_aggregates", "gold", 0, 0, started_at=start, status="SKIPPED")
            reason = "silver, contracts, code and PII salt unchanged since the last gold build"
            return {"run_id": config.run_id, "tables": {}, "skipped": reason, "seconds": round(time.time() - t0, 2)}
        summary = _build(spark, config, salt, read_inputs, recorded, rebuild, max_share)
        summary["seconds"] = round(time.time() - t0, 2)
        _record(spark, config, summary, started, rows_in=summary["fx"]["sales"])
        inputs.record_build(spark, config, read_inputs)
    return summary


# The marts the incremental path knows how to rebuild (docs/incremental-gold.md): daily_sales the rows
# of the touched days, product_performance those of the touched months (lakehouse.gold.updates),
# customer_360 all its rows (ranks over all customers) from the per-customer order figures it keeps in
# gold/_customer_orders (one row per customer), which the run updates with what the facts gained and lost.
SCOPED_MARTS = ("daily_sales", "product_performance", "customer_360")
CUSTOMER_ORDERS = "_customer_orders"
# Full writes lay these out by the column the incremental path replaces them on (sale_date, month), so a
# later replaceWhere of some days or a month rewrites only the files holding them, not every file.
RANGE_BY = {"fact_sales": "sale_date", "daily_sales": "sale_date", "product_performance": "month"}


def _build(spark: SparkSession, config, salt: str, fingerprint: str, recorded, rebuild: bool, max_share: float) -> dict:
    declared = load_gold_tables(config.contracts_dir)
    settings = gold_settings(config.contracts_dir)
    silver = read_silver_inputs(spark, config.paths, settings)
    out = GoldWriter(spark, config.paths, declared)
    not_built = silver.not_built(declared)
    summary: dict = {"run_id": config.run_id, "tables": out.rows, "not_built": not_built}
    summary["fx"] = {"sales": 0, "fx_missing": 0, "missing_by_currency": {}}
    for table, reason in not_built.items():
        log.warning("gold: gold.%s not built: %s", table, reason)

    def build(step: str) -> None:
        if step == "dim_date":
            out.overwrite("dim_date", star.dim_date(silver.sales))
        elif step == "dim_product":
            out.overwrite("dim_product", star.dim_product(silver.products))
        elif not_built:  # the incremental path needs every input (a first run, or a source not delivered yet)
            summary["path"], summary["path_reason"] = "full", f"silver inputs missing for {sorted(not_built)}"
            _build_full(spark, config, salt, settings, silver, out, summary)
        else:
            p, scope = _plan(spark, config, declared, fingerprint, recorded, rebuild, max_share, silver.fx_rates)
            summary["path"], summary["path_reason"] = p.path, p.reason
            log.info("gold: %s rebuild (%s)", p.path, p.reason)
            if p.path == "incremental":
                _build_incremental(spark, config, salt, settings, silver, out, summary, scope)
            else:
                _build_full(spark, config, salt, settings, silver, out, summary)

    # dim_date and dim_product are rebuilt in full on either path, so they need not wait for the plan
    parallel.run_concurrently(["path", *[d for d in SMALL_DIMS if d not in not_built]], lambda step: [], build)
    out.check_all_written(not_built)
    return summary


# One row per day / product, rebuilt in full from silver whichever path the run takes.
SMALL_DIMS = ("dim_date", "dim_product")


def _customers_table(spark, config) -> str:
    """The silver table gold's SCD2 reads (see customer_versions)."""
    return VERSIONS_ENTITY if delta_io.exists(spark, config.paths.silver(VERSIONS_ENTITY)) else "customers"


def _plan(spark, config, declared, fingerprint: str, recorded, rebuild: bool, max_share: float, fx_rates: DataFrame):
    """(incremental.Plan, incremental.Scope or None): the path this run takes and what it rebuilds
    (`recorded`: the last build's record and gold's versions, inputs.recorded)."""
    silver_root = config.paths.silver("").rstrip("/")
    customers = _customers_table(spark, config)
    needs = ("sales", "products", "fx_rates", customers)
    last, gold_now = recorded
    p = incremental.plan(spark, silver_root, last, fingerprint, gold_now, needs, rebuild, max_share)
    unknown = [t.name for t in declared.values() if t.build == "mart"]
    unknown = sorted(set(unknown) - set(SCOPED_MARTS))
    if p.path == "incremental" and unknown:
        p = incremental.Plan("full", f"no incremental rule for marts {unknown}", now=p.now)
    if p.path == "full":
        return p, None
    try:
        fact = delta_io.read(spark, config.paths.gold("fact_sales"))
        return p, incremental.scope(spark, silver_root, p, fact, customers, SILVER_NEEDS["sales"], fx_rates)
    except Exception as e:  # noqa: BLE001 - Delta: the change feed does not cover these versions (vacuumed, off)
        log.warning("gold: change feed unreadable, full rebuild: %s", e)
        first_line = str(e).strip().splitlines()[0][:200] if str(e).strip() else type(e).__name__
        return incremental.Plan("full", f"silver change feed not readable ({first_line})", now=p.now), None


def _build_full(spark, config, salt: str, settings: GoldSettings, silver: SilverInputs, out, summary) -> None:
    """Every table whose silver inputs exist, from all of silver (summary["not_built"]: the others), but
    SMALL_DIMS (_build writes them).

    dim_customer and dim_store are independent and written together (lakehouse.parallel); the facts and
    marts wait for dim_customer, whose versions they are keyed to.
    """
    built = {}

    def build(name: str) -> None:
        if name == "dim_customer":
            with stage("gold_aggregates dim_customer") as s:
                built[name], summary["scd2"] = build_dim_customer(
                    spark, config.paths, silver.customers, settings, salt, out
                )
                s.rows = out.rows["dim_customer"]
        elif name == "dim_store":
            out.overwrite("dim_store", star.dim_store(silver.sales))
        else:
            _build_facts(silver, built["dim_customer"], out.declared, out, summary)

    names = [n for n in ("dim_customer", "fact_sales", "dim_store") if n not in summary["not_built"]]
    parallel.run_concurrently(names, lambda n: ["dim_customer"] if n == "fact_sales" else [], build)


def _build_facts(silver: SilverInputs, dim_customer: DataFrame, declared, out: GoldWriter, summary: dict) -> None:
    """fact_sales and the marts, from the FX-converted sales joined to dim_customer and products."""
    enriched = enrich_sales(silver.sales, silver.fx_rates, dim_customer, silver.products)
    enriched = enriched.persist(StorageLevel.MEMORY_AND_DISK)
    try:
        out.overwrite("fact_sales", star.fact_sales(enriched))
        summary["fx"] = fx_summary(enriched)
        marts_inputs = {"customers_current": dim_customer.where("is_current"), "web_events": silver.web_events}

        def mart(name: str) -> None:
            if name == "customer_360":
                _write_customer_360(out, marts.customer_orders(enriched).localCheckpoint(), marts_inputs)
            else:
                out.overwrite(name, marts.build(name, enriched, **marts_inputs))

        parallel.run_concurrently([t.name for t in declared.values() if t.build == "mart"], lambda n: [], mart)
    finally:
        enriched.unpersist()


def _build_incremental(spark, config, salt, settings: GoldSettings, silver: SilverInputs, out, summary, scope) -> None:
    """Rebuild only what `scope` touches (lakehouse.gold.incremental); dim_store in full (SMALL_DIMS: _build).

    A day's steps are small Spark jobs and Delta commits whose time is mostly the driver's, so they run
    as the full path's do, up to three at a time (lakehouse.parallel), each once the steps whose tables
    or results it reads have ended (INCREMENTAL_STEPS).
    """
    steps = _IncrementalSteps(spark, config.paths, settings, salt, silver, out, summary, scope)
    summary["scope"] = {
        "days": len(scope.days),
        "fx_ranges": [f"{a}..{b or ''}" for a, b in scope.ranges],
        "customers": len(scope.customers),
    }
    names = [n for n in INCREMENTAL_STEPS if steps.wanted(n)]
    try:
        parallel.run_concurrently(names, lambda n: INCREMENTAL_STEPS[n], steps.run)
    finally:
        if steps.touched_sales is not None:
            steps.touched_sales.unpersist()


# Each incremental step and the steps it waits for: `lost` reads fact_sales before `fact_sales` replaces
# the touched days; `customer_360` recomputes customers who lost facts from the replaced fact_sales;
# `dim_store` finds each store's last sale day in the replaced daily_sales; `enriched` (the touched
# days' sales, FX-converted and keyed to dim_customer's versions) feeds the tables after it.
INCREMENTAL_STEPS = {
    "dim_customer": [],
    "lost": [],
    "enriched": ["dim_customer"],
    "fact_sales": ["enriched", "lost"],
    "daily_sales": ["enriched"],
    "product_performance": ["enriched", "lost"],
    "customer_keys": ["dim_customer", "fact_sales"],
    "dim_store": ["daily_sales"],
    "customer_360": ["dim_customer", "enriched", "lost", "fact_sales"],
}


class _IncrementalSteps:
    """The incremental path's steps (INCREMENTAL_STEPS), sharing what earlier steps produced."""

    def __init__(self, spark, paths, settings: GoldSettings, salt: str, silver: SilverInputs, out, summary, scope):
        self.spark, self.paths, self.settings, self.salt = spark, paths, settings, salt
        self.silver, self.out, self.summary, self.scope = silver, out, summary, scope
        self.ids = spark.createDataFrame([(c,) for c in sorted(scope.customers)], "customer_id string")
        self.days = scope.predicate("sale_date")
        self.months = scope.predicate("month", month=True)
        self.customer_dim = self.lost_keys = self.touched_sales = None  # set by the steps of those names

    def wanted(self, name: str) -> bool:
        if name == "customer_keys":
            return bool(self.scope.customers)
        if name == "customer_360":
            return "customer_360" in self.out.declared
        return True

    def run(self, name: str) -> None:
        getattr(self, name)()

    def dim_customer(self) -> None:
        """The SCD2 MERGE of the changed customers' versions; with none changed the dim is as the last build
        left it (the plan checked gold is unchanged since), so only its versions are counted."""
        with stage("gold_aggregates dim_customer") as s:
            if self.scope.customers:
                changed = self.silver.customers.join(self.ids, "customer_id", "left_semi")
                self.customer_dim, self.summary["scd2"] = build_dim_customer(
                    self.spark, self.paths, changed, self.settings, self.salt, self.out
                )
            else:
                self.customer_dim = delta_io.read(self.spark, self.paths.gold("dim_customer"))
                self.summary["scd2"] = vars(scd2.unchanged(self.spark, self.paths.gold("dim_customer")))
                self.out.rows["dim_customer"] = self.summary["scd2"]["rows"]
            s.rows = self.out.rows["dim_customer"]

    def _sales_touched(self) -> bool:
        return not self.scope.empty_for_sales()

    def lost(self) -> None:
        if self._sales_touched():
            self.lost_keys = updates.Lost.of(delta_io.read(self.spark, self.paths.gold("fact_sales")).where(self.days))

    def enriched(self) -> None:
        """The touched days' sales, enriched and cached; summary["fx"]: their FX conversion (which caches them)."""
        if self._sales_touched():
            sales = self.silver.sales.where(self.days)
            enriched = enrich_sales(sales, self.silver.fx_rates, self.customer_dim, self.silver.products)
            self.touched_sales = enriched.persist(StorageLevel.MEMORY_AND_DISK)
            self.summary["fx"] = fx_summary(self.touched_sales)

    def fact_sales(self) -> None:
        if self._sales_touched():
            self.out.replace("fact_sales", star.fact_sales(self.touched_sales), self.days)
        else:
            self.out.refresh("fact_sales")

    def daily_sales(self) -> None:
        if self._sales_touched():
            self.out.replace("daily_sales", marts.daily_sales(self.touched_sales), self.days)
        else:
            self.out.refresh("daily_sales")

    def product_performance(self) -> None:
        """The touched months' rows, from their stored rows and the change (lakehouse.gold.updates)."""
        if not self._sales_touched():
            self.out.refresh("product_performance")
            return
        silver, dim_customer = self.silver, self.customer_dim

        def recompute(pairs: list[tuple]) -> DataFrame:
            wanted = self.spark.createDataFrame(pairs, "month date, product_id string")
            months = F.trunc(F.col("sale_date"), "month").isin(sorted({m for m, _ in pairs}))
            sales = silver.sales.where(months).join(wanted.select("product_id").distinct(), "product_id", "left_semi")
            full = marts.product_performance(enrich_sales(sales, silver.fx_rates, dim_customer, silver.products))
            return full.drop("category_rank").join(wanted, updates.PRODUCT_MONTH, "left_semi")

        stored = delta_io.read(self.spark, self.paths.gold("product_performance")).where(self.months)
        performance = updates.product_performance(stored, self.lost_keys, self.touched_sales, recompute)
        self.out.replace("product_performance", performance, self.months)

    def customer_keys(self) -> None:
        with stage("gold_aggregates fact_sales customer keys") as s:
            s.rows = _rekey_facts(self.spark, self.paths.gold("fact_sales"), self.customer_dim, self.ids)
            self.out.refresh("fact_sales")

    def dim_store(self) -> None:
        self.out.overwrite("dim_store", star.dim_store(_last_day_sales(self.spark, self.paths, self.silver.sales)))

    def customer_360(self) -> None:
        """From the per-customer order figures, updated with what the touched days' facts gained and lost
        (unchanged when no sale day was touched)."""
        orders = None
        if self._sales_touched():
            fact_path = self.paths.gold("fact_sales")

            def customer_facts(ids: list) -> DataFrame:
                known = F.col("customer_id").isin([c for c in ids if c is not None])
                picked = known | F.col("customer_id").isNull() if None in ids else known
                return marts.customer_orders(delta_io.read(self.spark, fact_path).where(picked))

            stored = delta_io.read(self.spark, self.paths.gold(CUSTOMER_ORDERS))
            orders = updates.customer_orders(
                stored, self.lost_keys, self.touched_sales, customer_facts
            ).localCheckpoint()
        marts_inputs = {
            "customers_current": self.customer_dim.where("is_current"),
            "web_events": self.silver.web_events,
        }
        _write_customer_360(self.out, orders, marts_inputs)


def _last_day_sales(spark, paths, sales: DataFrame) -> DataFrame:
    """The silver sales of each store's last sale date (from gold.daily_sales, one row per day, store and
    category): where star.dim_store finds each store's row, so it need not rank all of them."""
    last = delta_io.read(spark, paths.gold("daily_sales")).groupBy("store_id").agg(F.max("sale_date").alias("_last"))
    days = sorted({r[0] for r in last.select("_last").distinct().collect() if r[0]})
    last = last.withColumnRenamed("_last", "sale_date")
    return sales.where(F.col("sale_date").isin(days)).join(last, ["store_id", "sale_date"], "left_semi")


def _write_customer_360(out: GoldWriter, orders: DataFrame | None, marts_inputs: dict) -> None:
    """customer_360 from the per-customer order figures (marts.customer_orders, checkpointed: written and
    read once), which are kept in gold/_customer_orders for the next incremental run (None: they did not
    change)."""
    path = out.paths.gold(CUSTOMER_ORDERS)
    if orders is not None:
        delta_io.overwrite(orders, path)
    else:
        orders = delta_io.read(out.spark, path)
    out.overwrite("customer_360", marts.profiles(orders, **marts_inputs))


def _rekey_facts(spark, fact_path: str, dim_customer: DataFrame, ids: DataFrame) -> int:
    """The facts of these customers get the customer_sk of the version valid at each sale (their SCD2
    history may have changed under any of them); only the facts whose key changes are rewritten."""
    facts = delta_io.read(spark, fact_path).join(ids, "customer_id", "left_semi")
    keyed = (
        facts.select("transaction_id", "customer_id", "sale_date", F.col("customer_sk").alias("_was"))
        .transform(scd2.version_at, dim_customer.join(ids, "customer_id", "left_semi"))
        .where(~F.col("customer_sk").eqNullSafe(F.col("_was")))
        .select("transaction_id", "customer_sk")
        .persist(StorageLevel.MEMORY_AND_DISK)
    )
    try:
        if keyed.isEmpty():
            return 0
        clause = (None, {"customer_sk": "s.customer_sk"})
        return delta_io.update_matched(spark, keyed, fact_path, ["transaction_id"], [clause])
    finally:
        keyed.unpersist()


def _record(spark, config, summary, started, rows_in) -> None:
    """One ops.pipeline_runs row per gold table, in one append (status SKIPPED for a table not built)."""
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
    rows += [
        (config.run_id, "gold_aggregates", f"gold.{t}", 0, 0, 0, 0, start, finished, 0.0, "SKIPPED")
        for t in summary.get("not_built", {})
    ]
    # which path ran: gold (incremental) or gold (full), the reason in the summary and the log
    rows.append(
        (
            config.run_id,
            "gold_aggregates",
            f"gold ({summary['path']})",
            int(rows_in),
            0,
            0,
            0,
            start,
            finished,
            (finished - start).total_seconds(),
            "SUCCEEDED",
        )
    )
    ops.append_rows(spark, config, "pipeline_runs", rows)


def format_summary(summary: dict) -> str:
    lines = ["gold:"]
    if summary.get("skipped"):
        return f"gold: nothing rebuilt ({summary['skipped']}), {summary.get('seconds', 0)} s"
    if summary.get("path"):
        lines.append(f"  {summary['path']} rebuild: {summary.get('path_reason', '')}")
    if summary.get("scope"):
        sc = summary["scope"]
        fx = f" and FX ranges {sc['fx_ranges']}" if sc["fx_ranges"] else ""
        lines.append(f"  rebuilt {sc['days']} sale days{fx}; {sc['customers']} customers changed")
    for table, n in summary.get("tables", {}).items():
        lines.append(f"  gold.{table:<20} {n:>8} rows")
    for table, reason in summary.get("not_built", {}).items():
        lines.append(f"  gold.{table:<20} not built: {reason}")
    s, fx = summary.get("scd2", {}), summary.get("fx", {})
    if s:
        lines.append(
            f"  dim_customer SCD2: {s['current']} current / {s['rows']} versions "
            f"(+{s['inserted']} inserted, {s['updated']} updated, {s['deleted']} absorbed)"
        )
    if fx and "fact_sales" in summary.get("tables", {}):
        whose = "rebuilt days' " if summary.get("scope") else ""
        lines.append(
            f"  FX: {fx['sales'] - fx['fx_missing']} of {fx['sales']} {whose}sales converted to USD, "
            f"{fx['fx_missing']} without a usable rate {fx['missing_by_currency'] or ''}".rstrip()
        )
    lines.append(f"  {summary.get('seconds', 0)} s")
    return "\n".join(lines)
