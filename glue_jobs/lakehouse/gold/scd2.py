"""dim_customer as SCD Type 2, maintained with a Delta MERGE.

Each silver customer row is a *version* effective from its `updated_at` (the contract's
`scd2.effective_from`). `attr_hash` = sha2(salt || tracked attributes) detects change
(salted because the tracked attributes include PII; it is computed on clear values, before
protection, so a change hidden by a mask is still seen).

Rules, per business key, over the versions already in gold plus the incoming ones:
- ordered by valid_from; a version whose attr_hash equals the version in effect just
  before it is no change (an unchanged re-delivery, even with a newer updated_at, adds
  nothing);
- a changed version closes its predecessor (valid_to = its valid_from) and is current
  until a later one arrives (valid_to = 9999-12-31 00:00:00, is_current);
- a late-arriving version (valid_from earlier than the current version's) never
  overwrites newer history: it is inserted as a *closed historical version between its
  neighbours* — the predecessor is closed at its valid_from and it is closed at the
  successor's valid_from; the current version stays current and unchanged. A late
  version equal to the version already in effect at its time is absorbed (no change);
  one equal to its successor extends the successor back to its own valid_from;
- two versions with the same valid_from: the incoming one wins (a correction).

Only keys with a version not already in gold are rebuilt; the rebuilt rows are MERGEd on
customer_sk (= md5(customer_id | valid_from)): changed rows updated, new rows inserted,
rows absorbed by a late version deleted. Untouched keys are not rewritten, and re-running
on unchanged silver leaves the table unchanged.
"""

from dataclasses import dataclass

from pyspark.sql import DataFrame, SparkSession, Window
from pyspark.sql import functions as F

from lakehouse import delta_io, lineage

OPEN_END = "9999-12-31 00:00:00"
KEY = "customer_id"
ATTRS = [
    "first_name",
    "last_name",
    "email",
    "phone",
    "street",
    "city",
    "state",
    "postcode",
    "country",
    "loyalty_tier",
]
DIM_COLUMNS = ["customer_sk", KEY, *ATTRS, "attr_hash", "valid_from", "valid_to", "is_current"]
_SEP, _NULL = "\u001f", "\u0000"


def attr_hash(tracked: list[str], salt: str):
    """Column: sha2(salt || tracked values joined with a separator; null marked distinctly)."""
    parts = [F.coalesce(F.col(c).cast("string"), F.lit(_NULL)) for c in tracked]
    return F.sha2(F.concat(F.lit(salt), F.concat_ws(_SEP, *parts)), 256)


def stage_versions(tracked: list[str], effective_from: str, salt: str):
    """Transform silver customers → versions: customer_id, ATTRS, attr_hash, valid_from."""

    def transform(df: DataFrame) -> DataFrame:
        cols = [
            F.col(c).cast("string").alias(c) if c in df.columns else F.lit(None).cast("string").alias(c) for c in ATTRS
        ]
        return (
            df.where(F.col(KEY).isNotNull() & F.col(effective_from).isNotNull())
            .select(
                F.col(KEY).cast("string").alias(KEY),
                *cols,
                attr_hash(tracked, salt).alias("attr_hash"),
                F.col(effective_from).cast("timestamp").alias("valid_from"),
            )
            .dropDuplicates([KEY, "valid_from", "attr_hash"])
        )

    return transform


def customer_sk(key_col="customer_id", from_col="valid_from"):
    return F.md5(F.concat_ws("|", F.col(key_col), F.date_format(F.col(from_col), "yyyy-MM-dd HH:mm:ss.SSSSSS")))


def build_timeline(versions: DataFrame) -> DataFrame:
    """Pure: versions (+ `_prio`: 1 incoming, 0 already in gold; optional) → SCD2 rows (DIM_COLUMNS)."""
    if "_prio" not in versions.columns:
        versions = versions.withColumn("_prio", F.lit(1))
    same_instant = Window.partitionBy(KEY, "valid_from").orderBy(F.col("_prio").desc(), F.col("attr_hash"))
    by_time = Window.partitionBy(KEY).orderBy("valid_from")
    deduped = versions.withColumn("_rn", F.row_number().over(same_instant)).where("_rn = 1").drop("_rn")
    changes = deduped.withColumn("_prev", F.lag("attr_hash").over(by_time)).where(
        F.col("_prev").isNull() | (F.col("_prev") != F.col("attr_hash"))
    )
    nxt = F.lead("valid_from").over(by_time)
    return (
        changes.withColumn("_next", nxt)
        .withColumn("valid_to", F.coalesce(F.col("_next"), F.lit(OPEN_END).cast("timestamp")))
        .withColumn("is_current", F.col("_next").isNull())
        .withColumn("customer_sk", customer_sk())
        .select(*DIM_COLUMNS)
    )


@dataclass
class Scd2Result:
    rows: int
    current: int
    inserted: int
    updated: int
    deleted: int
    touched_keys: int


def merge_scd2(spark: SparkSession, staged: DataFrame, path: str, protect=None) -> Scd2Result:
    """MERGE staged versions (stage_versions output, clear values) into the dim at `path`.

    `protect` (a transform) hashes/masks PII before anything is written.
    """
    from delta.tables import DeltaTable

    protect = protect or (lambda df: df)
    staged = protect(staged)
    if not DeltaTable.isDeltaTable(spark, path):
        timeline = build_timeline(staged)
        lineage.wrote(path, timeline)
        timeline.write.format("delta").mode("overwrite").save(path)
        n, cur = _counts(spark, path)
        return Scd2Result(
            rows=n,
            current=cur,
            inserted=n,
            updated=0,
            deleted=0,
            touched_keys=staged.select(KEY).distinct().count(),
        )

    target = DeltaTable.forPath(spark, path)
    tdf = target.toDF()
    new = staged.join(tdf.select(KEY, "valid_from", "attr_hash"), [KEY, "valid_from", "attr_hash"], "left_anti")
    touched = new.select(KEY).distinct()
    touched_n = touched.count()
    if touched_n == 0:
        return unchanged(spark, path)

    existing = tdf.join(touched, KEY, "left_semi")
    versions = (
        existing.select(KEY, *ATTRS, "attr_hash", "valid_from")
        .withColumn("_prio", F.lit(0))
        .unionByName(staged.join(touched, KEY, "left_semi").withColumn("_prio", F.lit(1)))
    )
    timeline = build_timeline(versions)
    deletes = existing.join(timeline.select("customer_sk"), "customer_sk", "left_anti").select(*DIM_COLUMNS)
    source = timeline.withColumn("_action", F.lit("upsert")).unionByName(deletes.withColumn("_action", F.lit("delete")))
    differs = " OR ".join(f"NOT (t.`{c}` <=> s.`{c}`)" for c in DIM_COLUMNS if c != "customer_sk")
    lineage.wrote(path, timeline.select(*DIM_COLUMNS))
    (
        target.alias("t")
        .merge(source.alias("s"), "t.customer_sk = s.customer_sk")
        .whenMatchedDelete(condition="s._action = 'delete'")
        .whenMatchedUpdate(condition=f"s._action = 'upsert' AND ({differs})", set={c: f"s.`{c}`" for c in DIM_COLUMNS})
        .whenNotMatchedInsert(condition="s._action = 'upsert'", values={c: f"s.`{c}`" for c in DIM_COLUMNS})
        .execute()
    )
    _, m = delta_io.last_operation(spark, path)
    n, cur = _counts(spark, path)
    return Scd2Result(
        rows=n,
        current=cur,
        inserted=int(m.get("numTargetRowsInserted", 0)),
        updated=int(m.get("numTargetRowsUpdated", 0)),
        deleted=int(m.get("numTargetRowsDeleted", 0)),
        touched_keys=touched_n,
    )


def unchanged(spark: SparkSession, path: str) -> Scd2Result:
    """The result of a MERGE that changed nothing: the dim's versions counted, nothing inserted or updated."""
    n, cur = _counts(spark, path)
    return Scd2Result(rows=n, current=cur, inserted=0, updated=0, deleted=0, touched_keys=0)


def _counts(spark: SparkSession, path: str) -> tuple[int, int]:
    """(versions, current versions) of the dim."""
    r = (
        spark.read.format("delta")
        .load(path)
        .agg(F.count(F.lit(1)).alias("n"), F.sum(F.col("is_current").cast("int")).alias("cur"))
        .first()
    )
    return int(r["n"]), int(r["cur"] or 0)


def version_at(facts: DataFrame, dim: DataFrame, date_col: str = "sale_date") -> DataFrame:
    """Transform (`facts.transform(version_at, dim)`): add customer_sk of the version valid at each fact's date.

    The version valid at the *end* of the sale date (the latest one with valid_from before
    the next midnight); a sale dated before the customer's first known version takes that
    first version; an unknown customer gets null. Facts must carry `transaction_id`.
    """
    d = dim.select(
        F.col(KEY).alias("_d_key"), F.col("customer_sk").alias("_d_sk"), F.col("valid_from").alias("_d_from")
    )
    next_midnight = F.date_add(F.col(date_col).cast("date"), 1).cast("timestamp")
    j = facts.join(d, F.col(KEY) == F.col("_d_key"), "left")
    eligible = F.col("_d_from") < next_midnight
    w = Window.partitionBy("transaction_id").orderBy(
        F.when(eligible, 0).otherwise(1),
        F.when(eligible, F.col("_d_from")).desc_nulls_last(),
        F.col("_d_from").asc_nulls_last(),
    )
    return (
        j.withColumn("_rn", F.row_number().over(w))
        .where("_rn = 1")
        .withColumn("customer_sk", F.col("_d_sk"))
        .drop("_rn", "_d_key", "_d_sk", "_d_from")
    )
