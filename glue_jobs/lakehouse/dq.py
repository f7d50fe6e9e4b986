"""Data quality, one mechanism (dqx style): every check adds its name to one failed-check column,
and `split` returns (valid, quarantine) from it.

Checks are DQDL rules from the contract, evaluated in one pass with the semantics of pydeequ's
DQDL evaluator (the engine behind AWS Glue Data Quality; see `compile_rule`), plus the checks
outside DQDL the silver job declares (bronze parsing, references), added with `flag`.
A rule's `scope` is declared in the contract, or defaulted from its DQDL rule type
(contracts.default_scope; ops.dq_results says which, in `scope_from`):
- `row`: rows failing it are quarantined (severity error) or only counted (severity warn);
- `dataset`: it judges the batch (RowCount, IsUnique, Completeness thresholds, ...); a failure
  is recorded, and with severity error it stops the batch from being published.

Each outcome carries two separate facts: `outcome`, the evaluator's verdict on the rule, and
`flagged_rows`, the rows its row-level check flagged. They can disagree on purpose: a dataset
rule (`Completeness "phone" > 0.8`, `IsUnique`) passes when its threshold is met even though some
rows are flagged; `outcome_note` says so in words.
"""

import operator
import re
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import NamedTuple

from pyspark.sql import Column, DataFrame, Window
from pyspark.sql import functions as F
from pyspark.sql.types import DataType, NumericType, StringType, StructType

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
        "scope": "row",
        "scope_from": "silver",
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
    # per rule: rule_name, rule, severity, scope, scope_from, outcome, failure_reason, flagged_rows, outcome_note
    outcomes: list[dict]

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


def evaluate(spark, df: DataFrame, contract: Contract, unique: frozenset = frozenset()) -> Evaluation:
    """The contract's DQDL on `df`: rows flagged per rule scope and severity, and one outcome per rule.

    The rule forms of `compile_rule` take one pass: their row checks are columns of the returned
    frame (not computed until it is read), and every rule's metric comes from one aggregate over
    `df`, the only Spark job. Any other DQDL goes to pydeequ's evaluator (more passes, only then).
    `unique`: columns the caller knows hold no repeated non-null value (the business key of the
    latest rows per key), so IsUnique on one of them needs no window over `df`.
    """
    checks = {r.name: compile_rule(r.rule, df.schema, unique) for r in contract.rules}
    rows, deequ_outcomes = _flag(spark, df, contract, checks, set())
    totals = _measure(rows, contract, checks, set())
    # Deequ fails every row of a ColumnLength rule whose column is null throughout: known only now,
    # so that rare batch is flagged again with those rules forced
    forced = {
        n
        for n, c in checks.items()
        if c and c.null_column_fails_rows and totals[n].rows and totals[n].values[0] is None
    }
    if forced:
        rows, deequ_outcomes = _flag(spark, df, contract, checks, forced)
        totals = _measure(rows, contract, checks, forced)
    by_text = {_normalise(o["rule"]): o for o in deequ_outcomes}
    outcomes = []
    for rule in contract.rules:
        values, n, flagged = totals[rule.name]
        if checks[rule.name]:
            outcome, reason = checks[rule.name].judge(n, flagged, values)
        else:
            found = by_text[_normalise(rule.rule)]
            outcome, reason = found["outcome"], found["reason"]
        outcomes.append(
            {
                "rule_name": rule.name,
                "rule": rule.rule,
                "severity": rule.severity,
                "scope": rule.scope,
                "scope_from": "contract" if rule.scope_declared else "rule type",
                "outcome": outcome,
                "failure_reason": reason,
                "flagged_rows": flagged,
                "outcome_note": outcome_note(rule.scope == "row", rule.severity, outcome, flagged),
            }
        )
    return Evaluation(rows, outcomes)


def _flag(spark, df: DataFrame, contract: Contract, checks: dict, forced: set) -> tuple[DataFrame, list[dict]]:
    """`df` + ALL_FAILED, FAILED and WARNED (computed when read), and pydeequ's outcomes if it was needed."""
    failed = [F.when(_row_check(c, n in forced), F.lit(n)) for n, c in checks.items() if c and c.failed is not None]
    rows = df.withColumn(ALL_FAILED, F.filter(F.array(*failed).cast("array<string>"), lambda x: x.isNotNull()))
    others = [r for r in contract.rules if checks[r.name] is None]
    deequ_outcomes = []
    if others:
        rows, deequ_outcomes = _evaluate_with_deequ(spark, rows, replace(contract, rules=tuple(others)))
    row_rules = [r for r in contract.rules if r.scope == "row"]
    error_rows = [r.name for r in row_rules if r.severity == "error"]
    warn_rows = [r.name for r in row_rules if r.severity == "warn"]
    rows = rows.transform(add_failures(_in_contract_order(error_rows))).withColumn(
        WARNED, _in_contract_order(warn_rows)
    )
    return rows, deequ_outcomes


class Totals(NamedTuple):
    """One rule's figures from `_measure`."""

    values: list  # its metrics, in Check.metrics order
    rows: int  # rows in the batch
    flagged: int  # rows its row check flagged


def _row_check(check: "Check", forced: bool) -> Column:
    return F.lit(True) if forced else check.failed


def _measure(rows: DataFrame, contract: Contract, checks: dict, forced: set) -> dict[str, Totals]:
    """Per rule its Totals, from one aggregate that reads each check itself, never the flag arrays
    (those only rules left to pydeequ need): so the job reads only the columns the rules name."""
    aggregates, flags = [F.count(F.lit(1)).alias("rows")], {}
    for i, rule in enumerate(contract.rules):
        check = checks[rule.name]
        if check is None:  # pydeequ's flags are only in the array
            flags[f"_flagged{i}"] = F.array_contains(ALL_FAILED, rule.name)
        else:  # the check itself, so the aggregate never builds the arrays
            flags[f"_flagged{i}"] = F.lit(False) if check.failed is None else _row_check(check, rule.name in forced)
        aggregates.append(F.count(F.when(F.col(f"_flagged{i}"), 1)).alias(f"flagged{i}"))
        metrics = check.metrics if check else ()
        aggregates += [m.alias(f"m{i}_{j}") for j, m in enumerate(metrics)]
    # each flag a column first: a check may hold a window function (IsUnique), which an aggregate cannot
    totals = rows.withColumns(flags).agg(*aggregates).first().asDict()
    return {
        rule.name: Totals(
            [v for k, v in totals.items() if k.startswith(f"m{i}_")], totals["rows"], totals[f"flagged{i}"]
        )
        for i, rule in enumerate(contract.rules)
    }


def _evaluate_with_deequ(spark, rows: DataFrame, others: Contract) -> tuple[DataFrame, list[dict]]:
    """The rules of `others` (outside `compile_rule`) by pydeequ's evaluator, their failures appended to ALL_FAILED."""
    from pydeequ.dqdl import EvaluateDataQuality  # imported late: needs SPARK_VERSION (runtime sets it)

    result = EvaluateDataQuality.processRows(spark, rows, others.ruleset())
    names = F.create_map(*[x for r in others.rules for x in (F.lit(_normalise(r.rule)), F.lit(r.name))])
    failed = F.transform("DataQualityRulesFail", lambda x: F.coalesce(names[F.regexp_replace(x, r"\s+", "")], x))
    flagged = result["rowLevelOutcomes"].withColumn(ALL_FAILED, F.concat(ALL_FAILED, failed)).drop(*OUTCOME_COLUMNS)
    outcomes = [
        {"rule": o["Rule"], "outcome": o["Outcome"], "reason": o["FailureReason"]}
        for o in result["ruleOutcomes"].collect()
    ]
    return flagged, outcomes


def _in_contract_order(names: list[str]) -> Column:
    """The rules among `names` a row failed, in contract order."""
    return F.filter(
        F.array(*[F.lit(n) for n in names]).cast("array<string>"), lambda n: F.array_contains(ALL_FAILED, n)
    )


# --- One-pass DQDL -----------------------------------------------------------------------------
# The rule forms below are compiled to Spark columns with the semantics of pydeequ's DQDL evaluator
# (deequ 2.1.0, the engine behind AWS Glue Data Quality); tests/unit/test_dq_rules.py checks every
# form against that evaluator on the same rows, outcome, failure reason and flagged rows alike:
# - ColumnValues with > >= < <= = judge the batch by its minimum (> >= =) and maximum (< <= =),
#   ColumnLength likewise by the shortest and longest value; `!=`, `between`, `in` and `matches` by
#   the share of rows that comply, which must be 1; `between` is exclusive at both ends;
# - a numeric ColumnValues rule other than `!=` also fails the batch when the column has a null;
# - `matches` must match the whole value; IsUnique counts values seen once among non-null rows;
# - row level, a null fails every rule except IsUnique, `!=` and ColumnLength (not applicable,
#   unless the column is null throughout).
# Every other rule (thresholds, `where`, dates, other rule types) is left to pydeequ's evaluator.

_OPS = {">": operator.gt, ">=": operator.ge, "<": operator.lt, "<=": operator.le, "=": operator.eq}
_NUM = r"-?\d+(?:\.\d+)?"
_COL = r'"(?P<col>[^"]+)"'
_OP = r"(?P<op>>=|<=|>|<|=)"
_FORMS = {
    "IsComplete": rf"IsComplete\s+{_COL}",
    "Completeness": rf"Completeness\s+{_COL}\s*{_OP}\s*(?P<num>{_NUM})",
    "IsUnique": rf"IsUnique\s+{_COL}",
    "RowCount": rf"RowCount\s*{_OP}\s*(?P<num>\d+)",
    "RowCount between": r"RowCount\s+between\s+(?P<low>\d+)\s+and\s+(?P<high>\d+)",
    "ColumnValues in": rf'ColumnValues\s+{_COL}\s+in\s+\[(?P<items>\s*"[^"]*"(?:\s*,\s*"[^"]*")*\s*)\]',
    "ColumnValues matches": rf'ColumnValues\s+{_COL}\s+matches\s+"(?P<regex>[^"]*)"',
    "ColumnValues !=": rf"ColumnValues\s+{_COL}\s*!=\s*(?P<num>{_NUM})",
    "ColumnValues": rf"ColumnValues\s+{_COL}\s*{_OP}\s*(?P<num>{_NUM})",
    "ColumnValues between": rf"ColumnValues\s+{_COL}\s+between\s+(?P<low>{_NUM})\s+and\s+(?P<high>{_NUM})",
    "ColumnLength": rf"ColumnLength\s+{_COL}\s*{_OP}\s*(?P<num>\d+)",
}
_NEEDS = {  # the column type each form reads; another type goes to pydeequ's evaluator
    "ColumnValues in": StringType,
    "ColumnValues matches": StringType,
    "ColumnLength": StringType,
    "ColumnValues !=": NumericType,
    "ColumnValues": NumericType,
    "ColumnValues between": NumericType,
}


@dataclass(frozen=True)
class Check:
    """One compiled rule: its row check, the aggregates it is judged by, and the judgement."""

    failed: Column | None  # true on a row the rule flags (None: no row-level check)
    metrics: tuple[Column, ...]  # aggregates over the batch
    judge: Callable[[int, int, list], tuple[str, str | None]]  # (rows, flagged rows, metrics) -> (outcome, reason)
    null_column_fails_rows: bool = False  # every row fails when metrics[0] is null (a column null throughout)


def compile_rule(text: str, schema: StructType, unique: frozenset = frozenset()) -> Check | None:
    """`text` as a one-pass Check on frames of `schema`, or None when it is not one of _FORMS.

    IsUnique on a column of `unique` (known free of repeated non-null values) flags no row.
    """
    found = [(form, m) for form, pattern in _FORMS.items() if (m := re.fullmatch(pattern, text.strip()))]
    if not found:
        return None
    form, m = found[0]
    g = m.groupdict()
    if "col" in g:
        if g["col"] not in schema.names or not isinstance(schema[g["col"]].dataType, _NEEDS.get(form, DataType)):
            return None
        col = g["col"]
        c = F.col(f"`{col}`")
    if form in ("IsComplete", "Completeness"):
        op, threshold = (_OPS[g["op"]], float(g["num"])) if form == "Completeness" else (operator.eq, 1.0)
        return Check(
            c.isNull(), (F.count(c),), lambda n, _, v: _lines(_shortfall(v[0], n, op, threshold, f"Completeness({col}"))
        )
    if form == "IsUnique":
        repeated = None if col in unique else c.isNotNull() & (F.count(c).over(Window.partitionBy(c)) > 1)
        return Check(
            repeated,
            (F.count(c),),
            lambda n, r, v: _lines(_shortfall(v[0] - r, v[0], operator.eq, 1.0, f"Uniqueness(List({col})")),
        )
    if form == "RowCount":
        return Check(None, (), lambda n, _, __: _lines([] if _OPS[g["op"]](n, int(g["num"])) else [_value(n)]))
    if form == "RowCount between":
        return Check(None, (), lambda n, _, __: _lines([] if int(g["low"]) < n < int(g["high"]) else [_value(n)]))
    if form in ("ColumnValues in", "ColumnValues matches", "ColumnValues !="):
        if form == "ColumnValues in":
            ok = c.isNotNull() & c.isin(re.findall(r'"([^"]*)"', g["items"]))
        elif form == "ColumnValues matches":  # anchored as the evaluator anchors it; regexp_extract as PatternMatch
            ok = c.isNotNull() & (F.regexp_extract(c, f"^{g['regex']}$", 0) != "")
        else:
            ok = c.isNull() | (c != F.expr(g["num"]))
        return Check(
            ~ok, (F.count(F.when(ok, 1)),), lambda n, _, v: _lines(_shortfall(v[0], n, operator.eq, 1.0, "Compliance("))
        )
    if form == "ColumnValues between":
        inside = (c > F.expr(g["low"])) & (c < F.expr(g["high"]))
        return Check(
            c.isNull() | ~inside,
            (F.count(F.when(c.isNull() | inside, 1)), F.count(c)),
            lambda n, _, v: _lines(_shortfall(v[0], n, operator.eq, 1.0, "Compliance("), n, v[1], nulls_fail=True),
        )
    bound = F.expr(g["num"])
    if form == "ColumnValues":
        ok = _OPS[g["op"]](c, bound)
        return Check(c.isNull() | ~ok, (*_extremes(c), F.count(c)), _bounds("Minimum", "Maximum", col, g, True))
    length = F.length(c)  # ColumnLength
    return Check(
        c.isNotNull() & ~_OPS[g["op"]](length, bound),
        (*_extremes(length), F.count(c)),
        _bounds("MinLength", "MaxLength", col, g, False),
        null_column_fails_rows=True,
    )


def _extremes(c: Column) -> tuple[Column, Column]:
    return F.min(c).cast("double"), F.max(c).cast("double")


def _value(value) -> str:
    return f"Value: {value} does not meet the constraint requirement!"


def _empty(analyzer: str) -> str:
    return f"Empty state for analyzer {analyzer},None,None), all input values were NULL."


def _lines(failures: list[str], n=0, present=0, nulls_fail=False) -> tuple[str, str | None]:
    """The evaluator's outcome and failure reason: one line per failed constraint, as it words them."""
    if nulls_fail and present < n:
        failures = [*failures, _value("NULL")]
    return ("Failed", "\n".join(failures)) if failures else ("Passed", None)


def _shortfall(part: int, whole: int, op, threshold: float, analyzer: str) -> list[str]:
    """The failure line of a ratio constraint (completeness, uniqueness, compliance); no rows is an empty state."""
    if not whole:
        return [_empty(analyzer)]
    return [] if op(part / whole, threshold) else [_value(part / whole)]


def _bounds(lowest: str, highest: str, col: str, g: dict, nulls_fail: bool):
    """Judged by the smallest (> >= =) and largest (< <= =) value, nulls ignored; each a constraint."""
    op, bound = _OPS[g["op"]], float(g["num"])

    def judge(n: int, flagged: int, values: list):
        low, high, present = values
        failures = []
        for analyzer, value, applies in (
            (lowest, low, g["op"] in (">", ">=", "=")),
            (highest, high, g["op"] in ("<", "<=", "=")),
        ):
            if applies and value is None:
                failures.append(_empty(f"{analyzer}({col}"))
            elif applies and not op(value, bound):
                failures.append(_value(value))
        return _lines(failures, n, present, nulls_fail=nulls_fail)

    return judge


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
