"""silver_clean: new bronze rows → typed, standardised, de-duplicated, DQ-checked silver.<entity>.

Per entity and run:  rows in = valid (merged) + quarantined + exact duplicates + superseded.
Rows failing a row-level error rule, a reference check or bronze parsing go to
silver.quarantine_<entity> with the names of what they failed. Valid rows are MERGEd by the
business key, so a re-run (or a re-delivery) never duplicates anything.
"""

import time

from pyspark.sql import DataFrame
from pyspark.sql import functions as F

from lakehouse import contracts as contracts_mod
from lakehouse import delta_io, dq, ops
from lakehouse.contracts import Contract
from lakehouse.errors import ContractError, DataQualityError
from lakehouse.standardise import apply_contract, drop_exact_duplicates, latest_by_key

LAYER = "silver"
ORDER = ("_ingested_at", "_source_file", "_source_line")
BRONZE_META = ("_raw", "_corrupt", "_batch_id", "_source_file", "_source_line", "_ingested_at")
SILVER_META = ("_batch_id", "_source_file", "_ingested_at", "_processed_at")
CORRUPT_RULE = "corrupt_record"


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


def pending_bronze(spark, config, contract: Contract) -> DataFrame | None:
    """Bronze rows of batches this entity has not cleaned yet."""
    path = config.paths.bronze(contract.source)
    if not delta_io.exists(spark, path):
        return None
    done = (
        ops.read(spark, config, "batches_processed")
        .where((F.col("layer") == LAYER) & (F.col("dataset") == contract.entity))
        .select("batch_id")
    )
    return delta_io.read(spark, path).join(done, F.col("_batch_id") == F.col("batch_id"), "left_anti")


def unknown_references(spark, config, contract: Contract, df: DataFrame) -> DataFrame:
    """Adds _ref_failed: unknown_<column> for every reference whose key is not in the target entity."""
    df = df.withColumn("_ref_failed", F.array().cast("array<string>"))
    for i, ref in enumerate(contract.references):
        target = config.paths.silver(ref.entity)
        known = (
            delta_io.read(spark, target).select(F.col(ref.key).alias(f"_ref{i}")).distinct()
            if delta_io.exists(spark, target)
            else spark.createDataFrame([], f"_ref{i} string")
        )
        df = (
            df.join(F.broadcast(known), F.col(ref.column) == F.col(f"_ref{i}"), "left")
            .withColumn(
                "_ref_failed",
                F.when(
                    F.col(ref.column).isNotNull() & F.col(f"_ref{i}").isNull(),
                    F.array_union("_ref_failed", F.array(F.lit(f"unknown_{ref.column}"))),
                ).otherwise(F.col("_ref_failed")),
            )
            .drop(f"_ref{i}")
        )
    return df


def clean_entity(spark, config, contract: Contract) -> dict:
    t0, started = time.monotonic(), ops.now()
    summary = {
        "entity": contract.entity,
        "source": contract.source,
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
    }
    pending = pending_bronze(spark, config, contract)
    batch_ids = [r[0] for r in pending.select("_batch_id").distinct().collect()] if pending is not None else []
    if not batch_ids:
        ops.record_run(spark, config, "silver_clean", contract.entity, 0, 0, started_at=started)
        return {**summary, "seconds": time.monotonic() - t0}

    typed = pending.transform(apply_contract(contract, keep=BRONZE_META)).persist()
    # rows in and corrupt rows from one aggregate (one Spark job, not two counts)
    sizes = typed.agg(F.count(F.lit(1)).alias("n"), F.count(F.when(F.col("_corrupt"), 1)).alias("bad")).first()
    rows_in, n_corrupt = sizes["n"], sizes["bad"]
    n_parsed = rows_in - n_corrupt
    corrupt = typed.where("_corrupt")
    parsed = typed.where("NOT _corrupt")
    distinct = parsed.transform(drop_exact_duplicates("_raw", ORDER)).persist()
    latest = distinct.transform(latest_by_key(contract.business_key, contract.latest_by, ORDER))
    latest = unknown_references(spark, config, contract, latest).persist()
    n_distinct, n_latest = distinct.count(), latest.count()

    evaluation = dq.evaluate(spark, latest.drop("_corrupt"), contract)
    failed = F.concat("_dq_failed", "_ref_failed")
    checked = evaluation.rows.withColumn("_dq_failed_rules", failed).drop("_dq_failed", "_ref_failed")
    value_cols = contract.column_names + [d.name for d in contract.derived]
    quarantine = (
        checked.where(F.size("_dq_failed_rules") > 0)
        .unionByName(corrupt.withColumn("_dq_failed_rules", F.array(F.lit(CORRUPT_RULE))), allowMissingColumns=True)
        .select(
            *value_cols,
            "_dq_failed_rules",
            "_raw",
            "_batch_id",
            "_source_file",
            F.lit(started).alias("_quarantined_at"),
        )
    )
    valid = checked.where(F.size("_dq_failed_rules") == 0).select(
        *value_cols, "_batch_id", "_source_file", "_ingested_at", F.lit(started).alias("_processed_at")
    )

    # Quarantined rows and rows per failed rule from one grouped pass over the failing rows
    # (one Spark job instead of a rule count, a quarantine count and a valid count).
    failing = checked.where(F.size("_dq_failed_rules") > 0).groupBy("_dq_failed_rules").count().collect()
    quarantined_by_rule: dict[str, int] = {CORRUPT_RULE: n_corrupt} if n_corrupt else {}
    for r in failing:
        for rule in r["_dq_failed_rules"]:
            quarantined_by_rule[rule] = quarantined_by_rule.get(rule, 0) + r["count"]
    n_failing = sum(r["count"] for r in failing)
    n_quarantined = n_failing + n_corrupt
    outcomes = evaluation.outcomes + _pseudo_outcomes(contract, quarantined_by_rule)
    dataset_failures = evaluation.dataset_failures(contract)
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
                o["failed_rows"],
                now,
            )
            for o in outcomes
        ],
    )
    summary.update(
        rows_in=rows_in,
        quarantined=n_quarantined,
        exact_duplicates=n_parsed - n_distinct,
        superseded=n_distinct - n_latest,
        quarantined_by_rule=quarantined_by_rule,
        warned_by_rule={
            o["rule_name"]: o["failed_rows"]
            for o in evaluation.outcomes
            if o["severity"] == "warn" and o["failed_rows"]
        },
        outcomes=outcomes,
        failed_dataset_rules=dataset_failures,
    )

    if dataset_failures:  # nothing of this batch is published; it is retried on the next run
        ops.record_run(
            spark,
            config,
            "silver_clean",
            contract.entity,
            rows_in,
            0,
            n_quarantined,
            summary["exact_duplicates"] + summary["superseded"],
            started,
            status="FAILED_DQ",
        )
    else:
        n_valid = n_latest - n_failing  # every checked row is either valid or failing
        merged = delta_io.merge_upsert(
            spark,
            valid,
            config.paths.silver(contract.entity),
            contract.business_key,
            newer_than=contract.latest_by,
            partition_by=contract.partition_by,
        )
        if contract.scd2:  # every valid version, late ones too, for gold's SCD2 history
            delta_io.append(valid, config.paths.silver(f"{contract.entity}_versions"))
        q_path = config.paths.quarantine(contract.entity)
        if n_quarantined or not delta_io.exists(spark, q_path):  # created even when empty: queries expect it
            delta_io.append(quarantine, q_path)
        ops.append_rows(
            spark, config, "batches_processed", [(LAYER, contract.entity, b, config.run_id, now) for b in batch_ids]
        )
        ops.record_run(
            spark,
            config,
            "silver_clean",
            contract.entity,
            rows_in,
            n_valid,
            n_quarantined,
            summary["exact_duplicates"] + summary["superseded"],
            started,
        )
        summary.update(valid=n_valid, **merged)
    for df in (typed, distinct, latest, evaluation.rows):
        df.unpersist()
    return {**summary, "seconds": time.monotonic() - t0}


def _pseudo_outcomes(contract: Contract, quarantined_by_rule: dict) -> list[dict]:
    """Checks outside DQDL (bronze parsing, references) recorded in ops.dq_results like rules."""
    checks = [(CORRUPT_RULE, "bronze record parses")] + [
        (f"unknown_{r.column}", f"{r.column} references {r.entity}.{r.key}") for r in contract.references
    ]
    return [
        {
            "rule_name": name,
            "rule": text,
            "severity": "error",
            "outcome": "Failed" if quarantined_by_rule.get(name) else "Passed",
            "failure_reason": f"{quarantined_by_rule[name]} rows" if quarantined_by_rule.get(name) else None,
            "failed_rows": int(quarantined_by_rule.get(name, 0)),
        }
        for name, text in checks
    ]


def run(spark, config) -> list[dict]:
    """Clean every selected entity; raise DataQualityError at the end if a batch-level error rule failed."""
    spark.conf.set("spark.sql.legacy.timeParserPolicy", "CORRECTED")  # unparsable dates → NULL, not an error
    all_contracts = contracts_mod.load_contracts(config.contracts_dir)
    selected = contracts_mod.select(all_contracts, config.sources)
    with ops.deferred(spark):  # one ops commit per table for the whole job
        results = [clean_entity(spark, config, c) for c in dependency_order(selected, all_contracts)]
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
