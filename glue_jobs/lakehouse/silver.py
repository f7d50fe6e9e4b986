"""silver_clean: new bronze rows → typed, standardised, de-duplicated, DQ-checked silver.<entity>.

Per entity and run:  rows in = valid (merged) + quarantined + exact duplicates + superseded.
Rows failing a row-level error rule, a reference check, bronze parsing (corrupt_record),
decoding (invalid_encoding) or a cast (<column>_unparsable) go to silver.quarantine_<entity>
with the names of what they failed. Valid rows are MERGEd by the
business key, so a re-run (or a re-delivery) never duplicates anything.
"""

import time
from dataclasses import dataclass

from pyspark.sql import DataFrame
from pyspark.sql import functions as F

from lakehouse import contracts as contracts_mod
from lakehouse import delta_io, dq, lease, lineage, metrics, ops, parallel, tables
from lakehouse.contracts import Contract
from lakehouse.errors import ContractError, DataQualityError
from lakehouse.progress import spark_step, stage
from lakehouse.standardise import (
    LATEST,
    UNPARSABLE,
    apply_contract,
    dedupe_and_mark_latest,
    unparsable_rule,
)

LAYER = "silver"
ORDER = ("_ingested_at", "_source_file", "_source_line")
BRONZE_META = ("_raw", "_corrupt", "_invalid_encoding", "_batch_id", "_source_file", "_source_line", "_ingested_at")
STAMPED = ("_processed_at", "_quarantined_at")  # metadata columns set to the run's start time
UNSET = ("_released_at", "_released_by_run")  # quarantine columns only a replay sets (lakehouse.replay)
CORRUPT_RULE = "corrupt_record"
ENCODING_RULE = "invalid_encoding"
EMPTY_SUMMARY = {
    "rows_in": 0,
    "valid": 0,
    "quarantined": 0,
    "exact_duplicates": 0,
    "superseded": 0,
    "inserted": 0,
    "updated": 0,
    "quarantined_by_rule": {},
    "warned_by_rule": {},
    "outcomes": [],
    "failed_dataset_rules": [],
    "bronze_read": None,
}


def dependency_order(selected: list[Contract], all_contracts: dict[str, Contract]) -> list[Contract]:
    """Entities referenced by others are cleaned first (sales checks product ids against products)."""
    by_entity = {c.entity: c for c in all_contracts.values()}
    ordered, seen = [], set()

    def visit(c: Contract, trail=()):
        if c.entity in trail:
            raise ContractError(c.path, "references", f"cycle through {' → '.join(trail + (c.entity,))}")
        for ref in c.references:
            if ref.entity not in by_entity:
                raise ContractError(c.path, "references", f"entity '{ref.entity}' has no contract")
            if by_entity[ref.entity] in selected:
                visit(by_entity[ref.entity], trail + (c.entity,))
        if c.entity not in seen:
            seen.add(c.entity)
            ordered.append(c)

    for c in selected:
        visit(c)
    return ordered


@dataclass(frozen=True)
class Mark:
    """How far silver has cleaned an entity's bronze table: the table's id and the version it read up to."""

    table_id: str
    version: int


def cleaned_marks(spark, config, entities: list[str]) -> dict[str, Mark]:
    """{entity: Mark} of its latest published batches, read once per job (one small aggregate, not a list
    of every batch ever cleaned). Entities cleaned only before marks were recorded have none.

    The job's own batches_processed rows are written at its end (ops.deferred), so reading first misses nothing.
    """
    processed = ops.read(spark, config, "batches_processed")
    if "source_version" not in processed.columns:  # written before marks were recorded
        return {}
    latest = F.max_by(F.struct("source_table_id", "source_version"), "processed_at")
    rows = (
        processed.where((F.col("layer") == LAYER) & F.col("dataset").isin(entities))
        .groupBy("dataset")
        .agg(latest.alias("mark"))
        .collect()
    )
    return {r.dataset: Mark(*r.mark) for r in rows if r.mark and r.mark.source_version is not None}


def cleaned_batches(spark, config, entity: str) -> list[str]:
    """Every batch id silver has cleaned for this entity: only the full read needs them (see pending_bronze)."""
    rows = (
        ops.read(spark, config, "batches_processed")
        .where((F.col("layer") == LAYER) & (F.col("dataset") == entity))
        .select("batch_id")
        .distinct()
        .collect()
    )
    return sorted(r.batch_id for r in rows)


@dataclass
class Pending:
    """The bronze rows to clean, the mark to record once they are published, and how they were found."""

    rows: DataFrame
    mark: Mark
    read: str  # "appended files: N" or "full: <why>" (printed and in the summary)


def pending_bronze(spark, config, contract: Contract, mark: Mark | None) -> Pending | None:
    """Bronze rows this entity has not cleaned yet, from bronze pinned at its latest version.

    Bronze is append-only, so what arrived after the `mark` is the data files the commits after it added
    (delta_io.appended_files: read from those commits' JSON, nothing of the history). The table is read
    in full, without the batches already cleaned, when the log cannot say it exactly: the first run
    (no mark), bronze recreated (another table id), a commit gone or one that rewrote data, or a
    compaction of the appended files (see appended_files). A re-run after a kill repeats only idempotent
    work either way: the mark is recorded with the batches, in the job's last commit (ops.WRITTEN_LAST).
    """
    path = config.paths.bronze(contract.source)
    if not delta_io.exists(spark, path):
        return None
    state = delta_io.table_state(spark, path)
    now = Mark(state.table_id, state.version)
    if mark is None:
        why = "no version recorded yet"
    elif mark.table_id != state.table_id:
        why = "bronze table recreated"
    elif not state.plain:
        why = "bronze is partitioned or has deletion vectors or column mapping"
    else:
        files = delta_io.appended_files(spark, path, mark.version, state.version)
        if files is not None:
            if not files:
                return None
            return Pending(delta_io.read_files(spark, path, files, state.schema), now, f"appended files: {len(files)}")
        why = f"the log after version {mark.version} does not list the appended files alone"
    bronze = spark.read.format("delta").option("versionAsOf", state.version).load(path)
    lineage.read(path, bronze)
    cleaned = cleaned_batches(spark, config, contract.entity)
    if cleaned:
        bronze = bronze.where(F.col("_batch_id").isNull() | ~F.col("_batch_id").isin(cleaned))
    return Pending(bronze, now, f"full: {why}")


def flag_unknown_references(spark, config, contract: Contract):
    """df.transform factory: flags unknown_<column> where a reference's key is not in the target entity."""

    def transform(df: DataFrame) -> DataFrame:
        for i, ref in enumerate(contract.references):
            target = config.paths.silver(ref.entity)
            known = (
                delta_io.read(spark, target).select(F.col(ref.key).alias(f"_ref{i}")).distinct()
                if delta_io.exists(spark, target)
                else spark.createDataFrame([], f"_ref{i} string")
            )
            df = (
                df.join(F.broadcast(known), F.col(ref.column) == F.col(f"_ref{i}"), "left")
                .transform(dq.flag(f"unknown_{ref.column}", F.col(ref.column).isNotNull() & F.col(f"_ref{i}").isNull()))
                .drop(f"_ref{i}")
            )
        return df

    return transform


def row_checks(contract: Contract) -> list[tuple[str, str]]:
    """(name, description) of the row checks outside DQDL, recorded in ops.dq_results like rules."""
    return (
        [
            (CORRUPT_RULE, "bronze record parses"),
            (ENCODING_RULE, f"record decodes as {contract.options.encoding}"),
        ]
        + [
            (unparsable_rule(c.name), f"{c.name} parses as {c.type} when present")
            for c in contract.columns
            if c.type != "string"
        ]
        + [(f"unknown_{r.column}", f"{r.column} references {r.entity}.{r.key}") for r in contract.references]
    )


def parse_failures() -> F.Column:
    """array<string>: why a row could not be read as the contract says (bronze parsing, decoding, casting)."""
    return F.concat(
        F.when(F.col("_corrupt"), F.array(F.lit(CORRUPT_RULE))).otherwise(F.array()),
        F.when(F.col("_invalid_encoding"), F.array(F.lit(ENCODING_RULE))).otherwise(F.array()),
        F.col(UNPARSABLE),
    ).cast("array<string>")


@dataclass
class Checked:
    """One entity batch after the checks: every row with its failed checks, the counts and DQDL outcomes."""

    rows: DataFrame  # value columns + bronze metadata + dq.FAILED
    evaluation: dq.Evaluation
    batch_ids: list[str]
    rows_in: int
    exact_duplicates: int
    superseded: int
    cached: tuple[DataFrame, ...]


def check_batch(spark, config, contract: Contract, pending: DataFrame) -> Checked | None:
    """Type, de-duplicate, keep the latest per key, then flag every row with the checks it fails.

    None when `pending` has no rows (nothing to clean).

    A row that could not be read as the contract says (corrupt, undecodable, a present value that
    does not cast) goes straight to quarantine with those reasons: it is not a version of anything,
    so it is neither de-duplicated nor judged by the DQDL rules.
    """
    if "_invalid_encoding" not in pending.columns:  # bronze written before the column existed
        pending = pending.withColumn("_invalid_encoding", F.lit(False))
    pending = pending.withColumn("_invalid_encoding", F.coalesce("_invalid_encoding", F.lit(False)))
    typed = pending.transform(apply_contract(contract, keep=BRONZE_META)).withColumn(dq.FAILED, parse_failures())
    typed = typed.drop(UNPARSABLE).persist()
    # rows in, unreadable rows and the batches from one aggregate (one Spark job, not three actions)
    with spark_step(spark, f"silver {contract.entity}: cast + standardise (fills typed cache)"):
        sizes = typed.agg(
            F.count(F.lit(1)).alias("n"),
            F.count(F.when(F.size(dq.FAILED) > 0, 1)).alias("bad"),
            F.collect_set("_batch_id").alias("batch_ids"),
        ).first()
    if not sizes["n"]:
        typed.unpersist()
        return None
    rows_in, n_parsed = sizes["n"], sizes["n"] - sizes["bad"]
    unreadable = typed.where(F.size(dq.FAILED) > 0)
    parsed = typed.where(F.size(dq.FAILED) == 0).drop(dq.FAILED)
    marked = parsed.transform(dedupe_and_mark_latest(contract.business_key, contract.latest_by, ORDER)).persist()
    with spark_step(spark, f"silver {contract.entity}: exact duplicates + latest per key (fills marked cache)"):
        kept = marked.agg(
            F.count(F.lit(1)).alias("distinct"), F.count(F.when(F.col(LATEST), 1)).alias("latest")
        ).first()
    n_distinct, n_latest = kept["distinct"], kept["latest"]
    latest = marked.where(F.col(LATEST)).drop(LATEST)
    # one row per non-null key is what mark_latest keeps: a one-column key is unique by construction
    unique = frozenset(contract.business_key) if len(contract.business_key) == 1 else frozenset()
    with spark_step(spark, f"silver {contract.entity}: DQ aggregate"):
        evaluation = dq.evaluate(spark, latest.drop("_corrupt", "_invalid_encoding"), contract, unique)
    rows = (
        evaluation.rows.transform(flag_unknown_references(spark, config, contract))
        .unionByName(unreadable, allowMissingColumns=True)
        .persist()
    )  # read by the tally (which fills it), the valid and quarantine writes and the versions log
    return Checked(
        rows,
        evaluation,
        sorted(sizes["batch_ids"]),
        rows_in,
        n_parsed - n_distinct,
        n_distinct - n_latest,
        (typed, marked, rows),
    )


def with_metadata(df: DataFrame, contract: Contract, metadata, stamped_at) -> DataFrame:
    """The value columns, then the declared metadata columns (contracts/silver/metadata.yaml)."""
    stamps = {c: F.lit(stamped_at) for c in STAMPED} | {c: F.lit(None) for c in UNSET}
    value_cols = contract.column_names + [d.name for d in contract.derived]
    return df.select(*value_cols, *[stamps.get(m.name, F.col(m.name)).cast(m.type).alias(m.name) for m in metadata])


@dataclass
class Tally:
    """What the checks did to one batch, from one grouped pass over the checked rows."""

    by_check: dict[str, int]  # quarantined rows per failed check (a row failing two counts under both)
    quarantined: int
    valid: int
    flagged_any: int  # distinct rows flagged by any rule or check, quarantined or kept (counted once)


def tally(rows: DataFrame) -> Tally:
    """One Spark job instead of a count per rule, a quarantine count, a valid count and a flagged count."""
    flagged = (F.size(dq.FAILED) > 0) | (F.size(dq.ALL_FAILED) > 0)  # size(NULL) = -1: corrupt rows have no DQDL
    groups = rows.groupBy(F.col(dq.FAILED).alias("failed"), flagged.alias("flagged")).count().collect()
    by_check: dict[str, int] = {}
    for g in groups:
        for name in g["failed"] or []:
            by_check[name] = by_check.get(name, 0) + g["count"]
    quarantined = sum(g["count"] for g in groups if g["failed"])
    return Tally(
        by_check,
        quarantined,
        sum(g["count"] for g in groups) - quarantined,
        sum(g["count"] for g in groups if g["flagged"]),
    )


def record_dq_results(
    spark, config, contract: Contract, batch_ids: list[str], outcomes: list[dict], n_flagged_any: int
) -> None:
    now = ops.now()
    ops.append_rows(
        spark,
        config,
        "dq_results",
        [
            (
                config.run_id,
                ",".join(sorted(batch_ids)),
                contract.source,
                contract.entity,
                o["rule_name"],
                o["rule"],
                o["severity"],
                o["outcome"],
                o["failure_reason"],
                o["flagged_rows"],
                o["outcome_note"],
                n_flagged_any,
                now,
                o["scope"],
                o["scope_from"],
            )
            for o in outcomes
        ],
    )
    metrics.publish_rule_outcomes(contract.entity, outcomes)  # what the DQ alarm watches


def publish(
    spark, config, contract: Contract, valid: DataFrame, quarantine: DataFrame, batch_ids, n_quarantined, mark: Mark
):
    """MERGE valid rows by key, write the quarantine and the versions log, mark the batches done
    (with the bronze `mark` they were read up to).

    Each write is idempotent per batch (MERGE by key; the others replace the batches' rows in one commit),
    and the batches are marked done last (ops.WRITTEN_LAST): a job killed between any two commits and run
    again leaves the tables as one uninterrupted run would.
    """
    step = f"silver {contract.entity}: write"
    with spark_step(spark, f"{step} MERGE (first: overwrite)"):
        merged = delta_io.merge_upsert(
            spark,
            valid,
            config.paths.silver(contract.entity),
            contract.business_key,
            # same version delivered again (a corrected file): the later delivery wins
            newer_than=(contract.latest_by, "_ingested_at") if contract.latest_by else None,
            partition_by=contract.partition_by,
        )
        delta_io.enable_change_feed(spark, config.paths.silver(contract.entity))  # gold reads what changed
    if contract.scd2:  # every valid version, late ones too, for gold's SCD2 history
        with spark_step(spark, f"{step} versions"):
            versions = config.paths.silver(f"{contract.entity}_versions")
            delta_io.replace_batches(spark, valid, versions, batch_ids)
            delta_io.enable_change_feed(spark, versions)
    q_path = config.paths.quarantine(contract.entity)
    if n_quarantined or not delta_io.exists(spark, q_path):  # created even when empty: queries expect it
        with spark_step(spark, f"{step} quarantine"):
            delta_io.replace_batches(spark, quarantine, q_path, batch_ids)
    ops.append_rows(
        spark,
        config,
        "batches_processed",
        [(LAYER, contract.entity, b, config.run_id, ops.now(), mark.table_id, mark.version) for b in batch_ids],
    )
    return merged


def written_tables(config, contracts: list[Contract]) -> list[str]:
    """The paths of the silver tables a clean or a replay of these entities writes (their leases)."""
    paths = config.paths
    return [
        path
        for c in contracts
        for path in (paths.silver(c.entity), paths.quarantine(c.entity))
        + ((paths.silver(f"{c.entity}_versions"),) if c.scd2 else ())
    ]


def clean_entity(spark, config, contract: Contract, mark: Mark | None) -> dict:
    """Pending bronze batches → checked rows → (valid, quarantine) → DQ outcomes → published (or held)."""
    t0, started = time.monotonic(), ops.now()
    summary = {**EMPTY_SUMMARY, "entity": contract.entity, "source": contract.source}
    with spark_step(spark, f"silver {contract.entity}: find pending bronze"):
        pending = pending_bronze(spark, config, contract, mark)
    if pending is not None:
        print(f"silver_clean {contract.entity}: bronze read: {pending.read}", flush=True)
        summary["bronze_read"] = pending.read
    checked = check_batch(spark, config, contract, pending.rows) if pending is not None else None
    if checked is None:  # no bronze yet, or every batch already cleaned
        ops.record_run(spark, config, "silver_clean", contract.entity, 0, 0, started_at=started)
        return {**summary, "seconds": time.monotonic() - t0}
    batch_ids = checked.batch_ids
    valid, quarantine = dq.split(checked.rows)
    metadata = tables.load_silver_metadata(config.contracts_dir)
    valid = with_metadata(valid, contract, metadata["entity"], started)
    quarantine = with_metadata(quarantine, contract, metadata["quarantine"], started)

    with spark_step(spark, f"silver {contract.entity}: reference checks + split tally (fills checked cache)"):
        counts = tally(checked.rows)
    quarantined_by_rule, n_quarantined = counts.by_check, counts.quarantined
    outcomes = checked.evaluation.outcomes + [
        dq.check_outcome(name, text, quarantined_by_rule.get(name, 0)) for name, text in row_checks(contract)
    ]
    dataset_failures = checked.evaluation.dataset_failures(contract)
    record_dq_results(spark, config, contract, batch_ids, outcomes, counts.flagged_any)
    summary.update(
        rows_in=checked.rows_in,
        quarantined=n_quarantined,
        exact_duplicates=checked.exact_duplicates,
        superseded=checked.superseded,
        quarantined_by_rule=quarantined_by_rule,
        warned_by_rule=checked.evaluation.warned_rows(),
        outcomes=outcomes,
        failed_dataset_rules=dataset_failures,
    )
    if not dataset_failures:  # otherwise nothing of this batch is published; the next run retries it
        summary.update(valid=counts.valid)
        summary.update(publish(spark, config, contract, valid, quarantine, batch_ids, n_quarantined, pending.mark))
    dropped = checked.exact_duplicates + checked.superseded
    status = "FAILED_DQ" if dataset_failures else "SUCCEEDED"
    ops.record_run(
        spark,
        config,
        "silver_clean",
        contract.entity,
        checked.rows_in,
        summary["valid"],
        n_quarantined,
        dropped,
        started,
        status,
    )
    for df in checked.cached:
        df.unpersist()
    return {**summary, "seconds": time.monotonic() - t0}


def run(spark, config) -> list[dict]:
    """Clean every selected entity; raise DataQualityError at the end if a batch-level error rule failed."""
    spark.conf.set("spark.sql.legacy.timeParserPolicy", "CORRECTED")  # unparsable dates → NULL, not an error
    all_contracts = contracts_mod.load_contracts(config.contracts_dir)
    selected = contracts_mod.select(all_contracts, config.sources)
    ordered = dependency_order(selected, all_contracts)
    # Before the first commit: one writer per table (lakehouse.lease; ops tables lease per commit, in ops)
    with (
        lease.hold(written_tables(config, ordered)),
        spark_step(spark, "silver: ops commits"),  # what the steps below do not label: the deferred ops rows
        ops.deferred(spark),  # one ops commit per table
    ):
        with spark_step(spark, "silver: read cleaned marks"):
            marks = cleaned_marks(spark, config, [c.entity for c in ordered])
        by_entity = {c.entity: c for c in ordered}

        def clean(c: Contract) -> dict:
            with stage(f"silver_clean {c.entity}") as s, spark_step(spark, f"silver {c.entity}: between the steps"):
                result = clean_entity(spark, config, c, marks.get(c.entity))
                s.rows = result["rows_in"]
            return result

        def references(c: Contract) -> list[Contract]:  # cleaned first: sales checks products' ids
            return [by_entity[r.entity] for r in c.references if r.entity in by_entity]

        results = parallel.run_concurrently(ordered, references, clean)
    failures = [
        f"{r['entity']}: {o['rule_name']} ({o['rule']}) — {o['failure_reason']}"
        for r in results
        for o in r["failed_dataset_rules"]
    ]
    if failures:
        raise DataQualityError(
            "dataset-level rules of severity error failed; those batches were not published "
            "(outcomes are in ops.dq_results):\n  " + "\n  ".join(failures)
        )
    return results
