"""silver_replay: quarantined rows of one entity → the current contract and reference data, again.

Selected rows (all unreleased ones of the entity, or those of one rule and/or one batch) are
re-derived from their bronze records — bronze keeps every record's raw text — so a fixed contract
(a new date format, a widened range) or reference data that arrived later (a product now in silver)
really applies. They then go through silver's own steps (`silver.check_batch`, `dq.split`,
`silver.with_metadata`, `silver.tally`):
- rows that now pass are MERGEd into silver by business key, latest wins: an old released row never
  replaces a newer silver version of its key (newer = the contract's `latest_by`, then the bronze
  `_ingested_at`; contracts without `latest_by` compare `_ingested_at` alone), and reach the
  versions log of scd2 entities; their quarantine rows are marked released (`_released_at`,
  `_released_by_run`), never deleted;
- rows still failing stay quarantined with their failed checks refreshed;
- rows not re-evaluated stay as they are: a bronze record no longer found, or an older version of a
  key that a newer selected row of the same key supersedes (as in a silver run).
Dataset-level rules are not judged: a replay selection is not a delivered batch.
Conservation, per entity and per rule the rows were quarantined for:
quarantined before = released + still quarantined. It is printed and recorded in ops.pipeline_runs
(job `silver_replay`: rows_in = selected, rows_out = released, rows_quarantined = still quarantined).
Not in ops.dq_results: its trend would count the same failing rows a second time.
"""

import time
from dataclasses import dataclass, field

from pyspark.sql import functions as F

from lakehouse import contracts as contracts_mod
from lakehouse import delta_io, dq, lease, ops, silver, tables
from lakehouse.contracts import Contract
from lakehouse.errors import ContractError

JOB = "silver_replay"
RECORD = ("_batch_id", "_source_file", "_raw")  # one bronze record, as the quarantine identifies it
NOW_FAILED = "_now_failed"


@dataclass
class ReplayResult:
    entity: str
    run_id: str
    selected: int = 0  # quarantined (unreleased) rows matching the filter, before the replay
    released: int = 0
    still_quarantined: int = 0  # still failing (refreshed) + not re-evaluated
    refreshed: int = 0  # still failing, reasons refreshed
    not_replayed: int = 0  # not re-evaluated: no bronze record, or superseded by a newer selected version
    inserted: int = 0  # released rows new to silver
    updated: int = 0  # released rows that replaced an older silver version
    by_rule: dict = field(default_factory=dict)  # rule → {"before", "released", "still"} (rules before the replay)
    now_failing: dict = field(default_factory=dict)  # rule → still-failing rows naming it after the refresh
    seconds: float = 0.0

    def lines(self) -> list[str]:
        """The conservation summary a person reads: per entity, then per rule (each selected row has one outcome)."""
        out = [
            f"silver_replay {self.entity}: quarantined before {self.selected} = released {self.released} "
            f"+ still quarantined {self.still_quarantined}; silver inserted {self.inserted}, "
            f"updated {self.updated}, kept newer {self.released - self.inserted - self.updated}; "
            f"reasons refreshed {self.refreshed}, not re-evaluated {self.not_replayed}; run {self.run_id}"
        ]
        for rule, n in sorted(self.by_rule.items()):
            out.append(f"  {rule}: before {n['before']} = released {n['released']} + still {n['still']}")
        return out


def entity_contract(contracts: dict[str, Contract], entity: str) -> Contract:
    for c in contracts.values():
        if c.entity == entity:
            return c
    known = sorted(c.entity for c in contracts.values())
    raise ContractError("contracts/", "entity", f"no contract declares entity '{entity}' (known: {known})")


def select_quarantined(quarantine, rule: str | None = None, batch_id: str | None = None):
    """Unreleased quarantine rows, of one failed check and/or one bronze batch when given."""
    rows = quarantine.where(F.col("_released_at").isNull())
    if rule:
        rows = rows.where(F.array_contains(dq.FAILED, rule))
    if batch_id:
        rows = rows.where(F.col("_batch_id") == batch_id)
    return rows


def _status(selected, checked_rows):
    """Each selected quarantine row with what the replay decided: released, still failing or not re-evaluated."""
    outcome = checked_rows.select(*RECORD, F.col(dq.FAILED).alias(NOW_FAILED))
    # a record passes → every selected row with that text is released (same text, same values)
    passed = outcome.where(F.size(NOW_FAILED) == 0).select("_raw").distinct().withColumn("_release", F.lit(True))
    failing = outcome.where(F.size(NOW_FAILED) > 0).dropDuplicates(list(RECORD))
    return (
        selected.join(passed, "_raw", "left")
        .join(failing, list(RECORD), "left")
        .withColumn(
            "_status",
            F.when(F.col("_release"), "released").when(F.col(NOW_FAILED).isNotNull(), "still").otherwise("skipped"),
        )
    )


def _count(status, result: ReplayResult) -> None:
    """Totals and per-rule figures from one grouped pass over the selected rows."""
    groups = status.groupBy("_status", dq.FAILED, NOW_FAILED).count().collect()
    for g in groups:
        n, state = g["count"], g["_status"]
        result.selected += n
        result.released += n if state == "released" else 0
        result.refreshed += n if state == "still" else 0
        result.not_replayed += n if state == "skipped" else 0
        for rule in g[dq.FAILED] or []:
            figures = result.by_rule.setdefault(rule, {"before": 0, "released": 0, "still": 0})
            figures["before"] += n
            figures["released" if state == "released" else "still"] += n
        for rule in (g[NOW_FAILED] or []) if state == "still" else []:
            result.now_failing[rule] = result.now_failing.get(rule, 0) + n
    result.still_quarantined = result.refreshed + result.not_replayed


def run(spark, config, entity: str, rule: str | None = None, batch_id: str | None = None) -> ReplayResult:
    """The job: one replay, its ops rows written in one commit per table (as silver_clean does)."""
    spark.conf.set("spark.sql.legacy.timeParserPolicy", "CORRECTED")  # as silver.run: unparsable dates → NULL
    contract = entity_contract(contracts_mod.load_contracts(config.contracts_dir), entity)
    # The tables silver_clean writes for this entity: a replay and a clean of it never commit at once.
    with lease.hold(silver.written_tables(config, [contract])), ops.deferred(spark):
        return replay(spark, config, entity, rule, batch_id)


def replay(spark, config, entity: str, rule: str | None = None, batch_id: str | None = None) -> ReplayResult:
    """Replay one entity's quarantined rows (all, or by rule and/or batch); see the module docstring."""
    t0, started = time.monotonic(), ops.now()
    contract = entity_contract(contracts_mod.load_contracts(config.contracts_dir), entity)
    result = ReplayResult(entity, config.run_id)
    q_path = config.paths.quarantine(entity)
    if delta_io.exists(spark, q_path):
        metadata = tables.load_silver_metadata(config.contracts_dir)
        # quarantine tables written before the release columns existed gain them here (NULL = not released)
        delta_io.add_missing_columns(spark, q_path, {m.name: m.type for m in metadata["quarantine"]})
        selected = select_quarantined(delta_io.read(spark, q_path), rule, batch_id).persist()
        _replay_selected(spark, config, contract, selected, metadata, started, result)
        selected.unpersist()
    ops.record_run(spark, config, JOB, entity, result.selected, result.released, result.still_quarantined, 0, started)
    result.seconds = time.monotonic() - t0
    return result


def _replay_selected(spark, config, contract: Contract, selected, metadata, started, result: ReplayResult) -> None:
    records = delta_io.read(spark, config.paths.bronze(contract.source)).join(
        selected.select(*RECORD).distinct(), list(RECORD), "left_semi"
    )
    if records.isEmpty():  # nothing selected, or no bronze record left for it: every selected row stays
        _count(selected.withColumn("_status", F.lit("skipped")).withColumn(NOW_FAILED, F.lit(None)), result)
        return
    checked = silver.check_batch(spark, config, contract, records)
    valid, _ = dq.split(checked.rows)
    if silver.tally(checked.rows).valid:
        valid = silver.with_metadata(valid, contract, metadata["entity"], started)
        newer = (contract.latest_by, "_ingested_at") if contract.latest_by else ("_ingested_at",)
        merged = delta_io.merge_upsert(
            spark,
            valid,
            config.paths.silver(contract.entity),
            contract.business_key,
            newer_than=newer,
            partition_by=contract.partition_by,
        )
        result.inserted, result.updated = merged["inserted"], merged["updated"]
        if contract.scd2:  # every released version, as silver appends every valid one
            # keyed by (batch, business key) — one version per key per batch — so a replay killed before
            # it marks the quarantine and run again does not log the version twice
            versions = config.paths.silver(f"{contract.entity}_versions")
            delta_io.insert_absent(spark, valid, versions, ("_batch_id", *contract.business_key))
    status = _status(selected, checked.rows).persist()
    _count(status, result)
    delta_io.update_matched(
        spark,
        status.where("_status != 'skipped'").select(*RECORD, "_release", NOW_FAILED).dropDuplicates(list(RECORD)),
        config.paths.quarantine(contract.entity),
        RECORD,
        [
            ("s._release", {"_released_at": F.lit(started), "_released_by_run": F.lit(config.run_id)}),
            (None, {dq.FAILED: F.col(f"s.{NOW_FAILED}")}),
        ],
        target_where="t._released_at IS NULL",
    )
    status.unpersist()
    for df in checked.cached:
        df.unpersist()
