"""Data quality: a contract's DQDL ruleset in, per-row failed rule names and rule outcomes out.

Evaluation is pydeequ's DQDL evaluator (the engine behind AWS Glue Data Quality). Rules
whose type judges single rows (IsComplete, ColumnValues, ColumnLength) quarantine the rows
that fail them when their severity is `error` and only count them when it is `warn`. The
other rules judge the whole batch (RowCount, IsUnique, Completeness thresholds, ...): a
failure is recorded, and with severity `error` it stops the batch from being published.

Each outcome carries two separate facts: `outcome`, the evaluator's verdict on the rule, and
`flagged_rows`, the rows its row-level check flagged. They can disagree on purpose: a dataset
rule (`Completeness "phone" > 0.8`, `IsUnique`) passes when its threshold is met even though some
rows are flagged; `outcome_note` says so in words.
"""

import re
from dataclasses import dataclass

from pyspark.sql import DataFrame
from pyspark.sql import functions as F

from lakehouse.contracts import Contract, Rule

ROW_LEVEL_TYPES = {"IsComplete", "ColumnValues", "ColumnLength"}
OUTCOME_COLUMNS = (
    "DataQualityRulesPass",
    "DataQualityRulesFail",
    "DataQualityRulesSkip",
    "DataQualityEvaluationResult",
)


def rule_type(rule: Rule) -> str:
    return rule.rule.split(None, 1)[0]


def is_row_level(rule: Rule) -> bool:
    return rule_type(rule) in ROW_LEVEL_TYPES


def _normalise(text: str) -> str:
    """DQDL text as the evaluator echoes it may differ in spacing; compare without it."""
    return re.sub(r"\s+", "", text)


@dataclass
class Evaluation:
    rows: DataFrame  # input + _dq_failed (error row rules), _dq_warned (warn row rules), _dq_all_failed
    outcomes: list[dict]  # per rule: rule_name, rule, severity, outcome, failure_reason, flagged_rows, outcome_note

    def dataset_failures(self, contract: Contract) -> list[dict]:
        """Failed rules that judge the batch as a whole and have severity error."""
        by_name = {r.name: r for r in contract.rules}
        return [
            o
            for o in self.outcomes
            if o["outcome"] == "Failed" and o["severity"] == "error" and not is_row_level(by_name[o["rule_name"]])
        ]


def evaluate(spark, df: DataFrame, contract: Contract) -> Evaluation:
    from pydeequ.dqdl import EvaluateDataQuality  # imported late: needs SPARK_VERSION (runtime sets it)

    result = EvaluateDataQuality.processRows(spark, df, contract.ruleset())
    names = F.create_map(*[x for r in contract.rules for x in (F.lit(_normalise(r.rule)), F.lit(r.name))])
    failed = F.transform("DataQualityRulesFail", lambda x: F.coalesce(names[F.regexp_replace(x, r"\s+", "")], x))
    error_rows = [r.name for r in contract.rules if is_row_level(r) and r.severity == "error"]
    warn_rows = [r.name for r in contract.rules if is_row_level(r) and r.severity == "warn"]
    rows = (
        result["rowLevelOutcomes"]
        .withColumn("_dq_all_failed", failed)
        .withColumn("_dq_failed", F.filter("_dq_all_failed", lambda n: n.isin(error_rows)))
        .withColumn("_dq_warned", F.filter("_dq_all_failed", lambda n: n.isin(warn_rows)))
        .drop(*OUTCOME_COLUMNS)
        .persist()
    )  # the very frame returned, so the caller's unpersist() releases it
    flagged_counts = {
        r["name"]: r["n"]
        for r in rows.select(F.explode("_dq_all_failed").alias("name"))
        .groupBy("name")
        .agg(F.count("*").alias("n"))
        .collect()
    }
    by_text = {_normalise(r.rule): r for r in contract.rules}
    outcomes = []
    for o in result["ruleOutcomes"].collect():
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
                "outcome_note": outcome_note(rule is not None and is_row_level(rule), severity, o["Outcome"], flagged),
            }
        )
    return Evaluation(rows, outcomes)


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
