"""Operational tables under ops/: run log, DQ results, ingest ledger, schema drift, progress.

Each is an append-only Delta table with a fixed schema, so Athena and the summary read them alike.
A job writes its ops rows inside `deferred()`: they are appended together when the job ends
(or fails), one Delta commit per ops table instead of one per entity and table.

No decision rests on a row held there except silver's `batches_processed`, written last: a job
killed before that commit re-processes its batches, and every silver write is idempotent per
batch. Bronze decides from bronze itself (see lakehouse.bronze); its ledger is the report.
"""

from collections import defaultdict
from contextlib import contextmanager
from datetime import UTC, datetime

from lakehouse import delta_io, lease, lineage

SCHEMAS = {
    "pipeline_runs": "run_id string, job string, dataset string, rows_in bigint, rows_out bigint, "
    "rows_quarantined bigint, duplicates_dropped bigint, started_at timestamp, "
    "finished_at timestamp, seconds double, status string",
    # scope: how the rule judged (row/dataset); scope_from: "contract" (declared), "rule type" (not
    # declared: contracts.default_scope) or "silver" (silver's own row checks: parsing, decoding, references)
    "dq_results": "run_id string, batch_id string, source string, entity string, rule_name string, rule string, "
    "severity string, outcome string, failure_reason string, flagged_rows bigint, outcome_note string, "
    "rows_flagged_by_any_rule bigint, evaluated_at timestamp, scope string, scope_from string",
    # file: path under the landing root (pos_sales/001/x.csv); size + checksum identify its content;
    # redelivery_of: the checksum this delivery replaced; duplicate_of: the file whose content it repeats;
    # listing_tag: what the listing showed of the file (ETag / mtime: known unread while it shows the same);
    # bronze_version: bronze.<source>'s version the ledger covers with this row (lakehouse.bronze.delivered)
    "ingest_ledger": "source string, file string, batch_id string, records bigint, ingested_at timestamp, "
    "size bigint, checksum string, redelivery_of string, duplicate_of string, listing_tag string, "
    "bronze_version bigint",
    "schema_drift": "source string, file string, batch_id string, extra_columns array<string>, "
    "missing_columns array<string>, detected_at timestamp",
    # source_table_id/source_version: the bronze table silver read these batches from, and the version it read
    # up to (the next run reads only the commits after it: lakehouse.silver.pending_bronze); NULL for gold
    "batches_processed": "layer string, dataset string, batch_id string, run_id string, processed_at timestamp, "
    "source_table_id string, source_version bigint",
}


# The marker a re-run trusts is written last: a kill before it only repeats idempotent work.
WRITTEN_LAST = "batches_processed"


def now() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)


_pending: dict | None = None  # (table, path) → rows, while a job defers its ops writes


def append_rows(spark, config, table: str, rows: list[tuple]) -> None:
    if not rows:
        return
    if table == "dq_results":  # silver's rule outcomes: the run's data-quality assertions
        lineage.dq_outcomes([dict(zip(columns(table), r, strict=False)) for r in rows])
    if _pending is not None:
        _pending[(table, config.paths.ops(table))].extend(rows)
        return
    _append(_frame(spark, table, rows), config.paths.ops(table))


def _append(df, path: str) -> None:
    """A blind append under the ops table's lease: every job appends to ops tables, and on S3 two drivers
    appending at once can write the same commit file (lakehouse.lease). Held for this commit only."""
    with lease.hold([path]):
        delta_io.append(df, path)


def columns(table: str) -> list[str]:
    """The column names of an ops table, in order (from SCHEMAS: no Spark)."""
    return [c.strip().split(" ", 1)[0] for c in SCHEMAS[table].split(", ")]


def _frame(spark, table: str, rows: list[tuple]):
    """The rows as a frame of the table's schema; columns a row leaves out at the end are NULL
    (columns added later, e.g. batches_processed's source columns, which gold's rows do not have)."""
    width = len(spark.createDataFrame([], SCHEMAS[table]).columns)  # no Spark job
    return spark.createDataFrame([tuple(r) + (None,) * (width - len(r)) for r in rows], SCHEMAS[table])


@contextmanager
def deferred(spark):
    """Hold every ops row written inside the block; append them at its end, one commit per table.

    Flushed in `finally`, so a job that raises (e.g. a failed dataset-level DQ rule) still leaves
    its rows. Rows are never read back inside the same job, so holding them changes no decision.
    """
    global _pending
    if _pending is not None:  # nested: the outer block flushes
        yield
        return
    _pending = defaultdict(list)
    try:
        yield
    finally:
        pending, _pending = _pending, None
        for (table, path), rows in sorted(pending.items(), key=lambda kv: kv[0][0] == WRITTEN_LAST):
            _append(_frame(spark, table, rows), path)


def create_missing(spark, config, tables) -> list[str]:
    """Create, empty and with its declared schema, each of `tables` not written yet; return their names.

    The ops crawler targets these tables, but a table exists only after its first row
    (schema_drift only after a drift, ingest_ledger only after a delivery). The Glue documentation
    does not say what a crawler does with a Delta path that is not there, so bronze, the chain's
    first job, makes its own ops tables exist and the crawler's first run finds them.
    """
    created = []
    for table in tables:
        path = config.paths.ops(table)
        if not delta_io.exists(spark, path):
            _append(spark.createDataFrame([], SCHEMAS[table]), path)
            created.append(table)
    return created


def read(spark, config, table: str):
    """The ops table, or an empty frame of its schema before its first write."""
    path = config.paths.ops(table)
    if delta_io.exists(spark, path):
        return delta_io.read(spark, path)
    return spark.createDataFrame([], SCHEMAS[table])


def record_run(
    spark,
    config,
    job: str,
    dataset: str,
    rows_in: int,
    rows_out: int,
    rows_quarantined: int = 0,
    duplicates_dropped: int = 0,
    started_at: datetime | None = None,
    status: str = "SUCCEEDED",
) -> None:
    finished = now()
    started = started_at or finished
    append_rows(
        spark,
        config,
        "pipeline_runs",
        [
            (
                config.run_id,
                job,
                dataset,
                int(rows_in),
                int(rows_out),
                int(rows_quarantined),
                int(duplicates_dropped),
                started,
                finished,
                (finished - started).total_seconds(),
                status,
            )
        ],
    )
