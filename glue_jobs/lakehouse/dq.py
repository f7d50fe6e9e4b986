"""Data quality, one mechanism (dqx style): every check adds its name to one failed-check column,
and `split` returns (valid, quarantine) from it.

Checks are DQDL rules from the contract, evaluated by pydeequ's DQDL evaluator (the engine
behind AWS Glue Data Quality), plus the checks outside DQDL the silver job declares (bronze
parsing, references), added with `flag`. A rule's `scope` is declared in the contract:
- `row`: rows failing it are quarantined (severity error) or only counted (severity warn);
- `dataset`: it judges the batch (RowCount, IsUnique, Completeness thresholds, ...); a failure
  is recorded, and with severity error it stops the batch from being published.

Each outcome carries two separate facts: `outcome`, the evaluator's verdict on the rule, and
`flagged_rows`, the rows its row-level check flagged. They can disagree on purpose: a dataset
rule (`Completeness "phone" > 0.8`, `IsUnique`) passes when its threshold is met even though some
rows are flagged; `outcome_note` says so in words.
"""

import re
from dataclasses import dataclass

from pyspark.sql import Column, DataFrame
from pyspark.sql import functions as F

from lakehouse.contracts import Contract

FAILED = "_dq_failed_rules"  # array<string>: names of the error checks a row failed (empty = valid)
WARNED = "_dq_warned"  # array<string>: names of the warn row rules a row failed (counted, kept)
ALL_FAILED = "_dq_all_failed"  # array<string>: every DQDL rule a row failed, whatever its scope
OUTCOME_COLUMNS = (
    "DataQualityRulesPass",
    "DataQualityRulesFail",
    "DataQualityRulesSkip",
    "DataQualityEvaluationResult",
)


def _failed_so_far(df: DataFrame) -> Column:
    return F.col(FAILED) if FAILED in df.columns else F.array().cast("array<string>")


def add_failures(names: Column):
    """df.transform factory: append the check names in `names` (array<string>) to FAILED."""

    def transform(df: DataFrame) -> DataFrame:
        return df.withColumn(FAILED, F.concat(_failed_so_far(df), names))

    return transform


def flag(name: str, failed: Column):
    """df.transform factory: add check `name` to FAILED on the rows where `failed` is true."""
    return add_failures(F.when(failed, F.array(F.lit(name))).otherwise(F.array().cast("array<string>")))


def split(checked: DataFrame) -> tuple[DataFrame, DataFrame]:
    """(valid rows without FAILED, quarantined rows with it) of a checked frame."""
    failed = F.size(FAILED) > 0
    return checked.where(~failed).drop(FAILED), checked.where(failed)


def check_outcome(name: str, text: str, failed_rows: int) -> dict:
    """An ops.dq_results outcome for a row check outside DQDL (error severity, row scope)."""
    return {
        "rule_name": name,
        "rule": text,
        "severity": "error",
        "outcome": "Failed" if failed_rows else "Passed",
        "failure_reason": f"{failed_rows} rows" if failed_rows else None,
        "flagged_rows": int(failed_rows),
        "outcome_note": outcome_note(True, "error", "Failed" if failed_rows else "Passed", int(failed_rows)),
    }


def _normalise(text: str) -> str:
    """DQDL text as the evaluator echoes it may differ in spacing; compare without it."""
    return re.sub(r"\s+", "", text)


@dataclass
class Evaluation:
    rows: DataFrame  # input + FAILED (error row rules), WARNED (warn row rules), ALL_FAILED
    outcomes: list[dict]  # per rule: rule_name, rule, severity, outcome, failure_reason, flagged_rows, outcome_note

    def dataset_failures(self, contract: Contract) -> list[dict]:
        """Failed rules of scope dataset and severity error."""
        by_name = {r.name: r for r in contract.rules}
        return [
            o
            for o in self.outcomes
            if o["outcome"] == "Failed" and o["severity"] == "error" and by_name[o["rule_name"]].scope == "dataset"
        ]

    def warned_rows(self) -> dict[str, int]:
        """Rows failing each warn rule (kept, only counted)."""
        return {
            o["rule_name"]: o["flagged_rows"] for o in self.outcomes if o["severity"] == "warn" and o["flagged_rows"]
        }


def evaluate(spark, df: DataFrame, contract: Contract) -> Evaluation:
    """The contract's DQDL on `df`: rows flagged per rule scope and severity, and one outcome per rule."""
    from pydeequ.dqdl import EvaluateDataQuality  # imported late: needs SPARK_VERSION (runtime sets it)

    result = EvaluateDataQuality.processRows(spark, df, contract.ruleset())
    names = F.create_map(*[x for r in contract.rules for x in (F.lit(_normalise(r.rule)), F.lit(r.name))])
    failed = F.transform("DataQualityRulesFail", lambda x: F.coalesce(names[F.regexp_replace(x, r"\s+", "")], x))
    row_rules = [r for r in contract.rules if r.scope == "row"]
    error_rows = [r.name for r in row_rules if r.severity == "error"]
    warn_rows = [r.name for r in row_rules if r.severity == "warn"]
    rows = (
        result["rowLevelOutcomes"]
        .withColumn(ALL_FAILED, failed)
        .transform(add_failures(_in_contract_order(error_rows)))
        .withColumn(WARNED, _in_contract_order(warn_rows))
        .drop(*OUTCOME_COLUMNS)
        .persist()
    )  # the very frame returned, so the caller's unpersist() releases it
    return Evaluation(rows, _rule_outcomes(result["ruleOutcomes"], rows, contract))


def _in_contract_order(names: list[str]) -> Column:
    """The rules among `names` a row failed, in contract order (the evaluator's own order varies run to run)."""
    return F.filter(
        F.array(*[F.lit(n) for n in names]).cast("array<string>"), lambda n: F.array_contains(ALL_FAILED, n)
    )


def _rule_outcomes(rule_outcomes: DataFrame, rows: DataFrame, contract: Contract) -> list[dict]:
    """One outcome per rule, with the number of rows its row-level check flagged."""
    flagged_counts = {
        r["name"]: r["n"]
        for r in rows.select(F.explode(ALL_FAILED).alias("name")).groupBy("name").agg(F.count("*").alias("n")).collect()
    }
    by_text = {_normalise(r.rule): r for r in contract.rules}
    outcomes = []
    for o in rule_outcomes.collect():
        rule = by_text.get(_normalise(o["Rule"]))
        name = rule.name if rule else o["Rule"]
        severity = rule.severity if rule else "error"
        flagged = int(flagged_counts.get(name, 0))
        outcomes.append(
            {
                "rule_name": name,
                "rule": o["Rule"],
                "severity": severity,
                "outcome": o["Outcome"],
                "failure_reason": o["FailureReason"],
                "flagged_rows": flagged,
                "outcome_note": outcome_note(rule is not None and rule.scope == "row", severity, o["Outcome"], flagged),
            }
        )
    return outcomes


def outcome_note(row_level: bool, severity: str, outcome: str, flagged: int) -> str | None:
    """Why the evaluator's outcome and the flagged-row count read as they do (None when obvious)."""
    if outcome == "Passed":
        if not flagged:
            return None
        return f"passed: dataset-level threshold met although {flagged} rows were flagged (rows kept)"
    if not row_level:
        if flagged:
            return f"failed at dataset level; {flagged} rows flagged (rows kept, batch judged as a whole)"
        return "failed at dataset level; no single row is to blame"
    if severity == "error":
        return f"failed: {flagged} rows quarantined"
    return f"failed: {flagged} rows kept and counted (severity {severity})"
