"""Every DQDL rule kind the contracts use, evaluated by the real evaluator on passing and failing data."""

import re
from pathlib import Path

import pytest
from lakehouse import dq
from lakehouse.contracts import Column, Contract, Rule, load_contracts

REPO = Path(__file__).resolve().parents[2]

# kind -> (rule, rows that pass, rows that fail); one column "v"
CASES = {
    "IsComplete": ('IsComplete "v"', ["a", "b"], ["a", None]),
    "Completeness >": ('Completeness "v" > 0.5', ["a", "b", None], ["a", None, None]),
    "IsUnique": ('IsUnique "v"', ["a", "b"], ["a", "a"]),
    "RowCount >": ("RowCount > 1", ["a", "b"], ["a"]),
    "ColumnLength =": ('ColumnLength "v" = 3', ["USD", "EUR"], ["USD", "EU"]),
    "ColumnValues in": ('ColumnValues "v" in ["cash", "card"]', ["cash", "card"], ["cash", "bitcoin"]),
    "ColumnValues matches": ('ColumnValues "v" matches "[^@ ]+@[^@ ]+[.][a-z]+"', ["a@b.com"], ["a(at)b.com"]),
    "ColumnValues >": ('ColumnValues "n" > 0', [1, 2], [1, -1]),
    "ColumnValues <=": ('ColumnValues "n" <= 0.01', [0.0, 0.01], [0.0, 5.0]),
    # DQDL between is exclusive: the bounds themselves fail
    "ColumnValues between": ('ColumnValues "n" between 0 and 10', [1, 9.5], [1, 10]),
}


def kind_of(rule: str) -> str:
    """'ColumnValues "q" > 0' -> 'ColumnValues >'; IsComplete/IsUnique have no operator."""
    m = re.match(r'(\w+)(?:\s+"[^"]*")?\s*(between|in|matches|<=|>=|=|<|>)?', rule)
    return f"{m.group(1)} {m.group(2)}" if m.group(2) else m.group(1)


def test_every_rule_kind_in_the_contracts_has_a_case():
    used = {kind_of(r.rule) for c in load_contracts(REPO / "contracts").values() for r in c.rules}
    assert used - set(CASES) == set(), "add a pass/fail case for each new rule kind"


def _evaluate(spark, rule: str, values):
    numeric = '"n"' in rule
    schema = "n double" if numeric else "v string"
    df = spark.createDataFrame([(float(v) if numeric and v is not None else v,) for v in values], schema)
    contract = Contract(
        path="t",
        source="t",
        entity="t",
        format="csv",
        business_key=("v",),
        columns=(Column("v", "v", "string"),),
        rules=(Rule("r", rule, "error", "row"),),
    )
    return dq.evaluate(spark, df, contract)


@pytest.mark.parametrize("kind", sorted(CASES))
def test_rule_passes_and_fails(spark, kind):
    rule, good, bad = CASES[kind]
    assert _evaluate(spark, rule, good).outcomes[0]["outcome"] == "Passed"
    failed = _evaluate(spark, rule, bad).outcomes[0]
    assert failed["outcome"] == "Failed" and failed["rule_name"] == "r"


def test_row_level_errors_quarantine_warns_count_and_batch_rules_fail(spark):
    df = spark.createDataFrame(
        [("a", "cash", 1), (None, "bitcoin", 2), ("c", "card", -3)], "id string, pm string, q int"
    )
    contract = Contract(
        path="t",
        source="t",
        entity="t",
        format="csv",
        business_key=("id",),
        columns=(Column("id", "id", "string"),),
        rules=(
            Rule("id_complete", 'IsComplete "id"', "error", "row"),
            Rule("q_positive", 'ColumnValues "q" > 0', "error", "row"),
            Rule("pm_known", 'ColumnValues "pm" in ["cash", "card"]', "warn", "row"),
            Rule("enough_rows", "RowCount > 5", "error", "dataset"),
            Rule("id_unique", 'IsUnique "id"', "warn", "dataset"),
        ),
    )
    ev = dq.evaluate(spark, df, contract)
    rows = {r["q"]: (sorted(r[dq.FAILED]), r[dq.WARNED]) for r in ev.rows.collect()}
    assert rows == {1: ([], []), 2: (["id_complete"], ["pm_known"]), -3: (["q_positive"], [])}
    outcomes = {o["rule_name"]: (o["outcome"], o["flagged_rows"]) for o in ev.outcomes}
    assert outcomes["id_complete"] == ("Failed", 1) and outcomes["pm_known"] == ("Failed", 1)
    assert outcomes["id_unique"][0] == "Passed"
    notes = {o["rule_name"]: o["outcome_note"] for o in ev.outcomes}
    assert notes["id_complete"] == "failed: 1 rows quarantined"
    assert notes["pm_known"] == "failed: 1 rows kept and counted (severity warn)"
    assert notes["enough_rows"] == "failed at dataset level; no single row is to blame"
    assert [f["rule_name"] for f in ev.dataset_failures(contract)] == ["enough_rows"]


def test_scope_is_declared_a_row_rule_declared_dataset_judges_the_batch(spark):
    """The same ColumnValues rule quarantines rows when declared `row`, stops the batch when `dataset`."""
    df = spark.createDataFrame([(1,), (-3,)], "q int")

    def contract(scope):
        rule = Rule("q_positive", 'ColumnValues "q" > 0', "error", scope)
        return Contract("t", "t", "t", "csv", ("q",), (Column("q", "q", "int"),), (rule,))

    as_row, as_dataset = contract("row"), contract("dataset")
    ev = dq.evaluate(spark, df, as_row)
    assert {r["q"]: r[dq.FAILED] for r in ev.rows.collect()} == {1: [], -3: ["q_positive"]}
    assert ev.dataset_failures(as_row) == []
    ev = dq.evaluate(spark, df, as_dataset)
    assert {r["q"]: r[dq.FAILED] for r in ev.rows.collect()} == {1: [], -3: []}
    assert [f["rule_name"] for f in ev.dataset_failures(as_dataset)] == ["q_positive"]


def test_every_check_flags_the_same_column_and_split_returns_valid_and_quarantine(spark):
    from chispa import assert_df_equality
    from pyspark.sql import functions as F

    df = spark.createDataFrame([("a", 1), ("b", -1), (None, -2)], "id string, q int")
    checked = df.transform(dq.flag("id_complete", F.col("id").isNull())).transform(
        dq.flag("q_positive", F.col("q") <= 0)
    )
    valid, quarantine = dq.split(checked)
    assert_df_equality(valid, spark.createDataFrame([("a", 1)], "id string, q int"), ignore_nullable=True)
    expected = spark.createDataFrame(
        [("b", -1, ["q_positive"]), (None, -2, ["id_complete", "q_positive"])],
        f"id string, q int, {dq.FAILED} array<string>",
    )
    assert_df_equality(quarantine, expected, ignore_row_order=True, ignore_nullable=True)


def test_a_passed_dataset_rule_with_flagged_rows_says_why(spark):
    # 4 of 5 phones present: completeness 0.8 > 0.7 passes, yet the null row is flagged
    df = spark.createDataFrame([("a",), (None,), ("c",), ("d",), ("e",)], "phone string")
    contract = Contract(
        path="t",
        source="t",
        entity="t",
        format="csv",
        business_key=("phone",),
        columns=(Column("phone", "phone", "string"),),
        rules=(Rule("phone_mostly", 'Completeness "phone" > 0.7', "warn", "dataset"),),
    )
    (o,) = dq.evaluate(spark, df, contract).outcomes
    assert (o["outcome"], o["flagged_rows"]) == ("Passed", 1)
    assert o["outcome_note"] == "passed: dataset-level threshold met although 1 rows were flagged (rows kept)"
