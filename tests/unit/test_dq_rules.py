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


def test_each_outcome_says_its_scope_and_whether_the_contract_declared_it(spark):
    """ops.dq_results' scope and scope_from come from these outcomes (silver.record_dq_results)."""
    df = spark.createDataFrame([(1,), (None,)], "q int")
    rules = (
        Rule("q_complete", 'IsComplete "q"', "error", "row", scope_declared=False),  # defaulted: a row form
        Rule("has_rows", "RowCount > 0", "error", "dataset", scope_declared=False),
        Rule("q_positive", 'ColumnValues "q" > 0', "warn", "dataset"),  # declared, against the default
    )
    contract = Contract("t", "t", "t", "csv", ("q",), (Column("q", "q", "int"),), rules)
    scopes = {o["rule_name"]: (o["scope"], o["scope_from"]) for o in dq.evaluate(spark, df, contract).outcomes}
    assert scopes == {
        "q_complete": ("row", "rule type"),
        "has_rows": ("dataset", "rule type"),
        "q_positive": ("dataset", "contract"),
    }
    silver_check = dq.check_outcome("corrupt_record", "bronze record parses", 0)
    assert (silver_check["scope"], silver_check["scope_from"]) == ("row", "silver")


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


# --- The one-pass evaluator against pydeequ's DQDL evaluator (the independent engine) -------------
# Every rule form dq.compile_rule knows, with each operator, on columns of each type the contracts use.
ONE_PASS_RULES = [
    'IsComplete "s"',
    'Completeness "s" > 0.5',
    'Completeness "s" >= 0.8',
    'Completeness "pm" < 0.9',
    'IsUnique "s"',
    'IsUnique "id"',
    "RowCount > 1",
    "RowCount = 6",
    "RowCount <= 3",
    "RowCount between 1 and 6",
    'ColumnLength "pm" = 4',
    'ColumnLength "pm" > 3',
    'ColumnLength "pm" <= 4',
    'ColumnValues "pm" in ["cash", "card"]',
    'ColumnValues "e" matches "[^@ ]+@[^@ ]+[.][a-z]+"',
    'ColumnValues "n" > 0',
    'ColumnValues "n" >= 0',
    'ColumnValues "n" < 1',
    'ColumnValues "n" <= 0.01',
    'ColumnValues "n" = 1',
    'ColumnValues "n" != 1',
    'ColumnValues "n" between 0 and 10',
    'ColumnValues "q" > 0',
    'ColumnValues "d" <= 0.01',
    'ColumnValues "d" between 0 and 100000',
]
SCHEMA = "id int, s string, pm string, e string, n double, q int, d decimal(14,2)"
FRAMES = {
    # nulls, empty strings, bounds, repeats, partial pattern matches
    "edge cases": [
        (1, "a", "cash", "a@b.com", 1.0, 1, "0.00"),
        (2, "a", None, "xx a@b.com yy", 0.0, 0, "0.01"),
        (3, None, "bitcoin", None, None, None, None),
        (4, "c", "card", "a@b.comX", 10.0, -2, "0.02"),
        (5, "d", "", "", -1.0, 5, "100000.00"),
        (6, "e", "cash", "x@y.org", 0.5, 3, "99999.99"),
    ],
    "clean": [(1, "a", "cash", "a@b.com", 1.0, 1, "0.00"), (2, "b", "card", "c@d.net", 1.0, 2, "0.01")],
    "all null": [(1, None, None, None, None, None, None), (2, None, None, None, None, None, None)],
    "empty": [],
}


def _frame(spark, rows):
    from decimal import Decimal

    return spark.createDataFrame([r[:-1] + (Decimal(r[-1]) if r[-1] else None,) for r in rows], SCHEMA)


def _contract(rules):
    return Contract("t", "t", "t", "csv", ("id",), (Column("id", "id", "int"),), rules)


@pytest.mark.parametrize("frame", sorted(FRAMES))
def test_one_pass_evaluation_agrees_with_pydeequs_evaluator(spark, frame):
    from pydeequ.dqdl import EvaluateDataQuality

    df = _frame(spark, FRAMES[frame])
    assert all(dq.compile_rule(r, df.schema) for r in ONE_PASS_RULES), "every rule here must take the one pass"
    names = {dq._normalise(r): f"r{i}" for i, r in enumerate(ONE_PASS_RULES)}
    contract = _contract(tuple(Rule(f"r{i}", r, "error", "row") for i, r in enumerate(ONE_PASS_RULES)))

    # "id" is unique in every frame: IsUnique "id" takes the path without a window, "s" the window
    ours = dq.evaluate(spark, df, contract, unique=frozenset({"id"}))
    theirs = EvaluateDataQuality.processRows(spark, df, contract.ruleset())

    expected = {
        names[dq._normalise(o["Rule"])]: (o["Outcome"], o["FailureReason"]) for o in theirs["ruleOutcomes"].collect()
    }
    got = {o["rule_name"]: (o["outcome"], o["failure_reason"]) for o in ours.outcomes}
    for name, (outcome, reason) in expected.items():
        assert got[name][0] == outcome, (name, got[name], reason)
        if reason and not reason.startswith("Empty state"):  # Deequ's empty-state text names an analyzer id
            assert got[name][1] == reason, name
    expected_rows = {
        r["id"]: sorted(names[dq._normalise(x)] for x in r["DataQualityRulesFail"])
        for r in theirs["rowLevelOutcomes"].collect()
    }
    assert {r["id"]: sorted(r[dq.ALL_FAILED]) for r in ours.rows.collect()} == expected_rows
    flagged = {n: sum(n in fails for fails in expected_rows.values()) for n in names.values()}
    assert {o["rule_name"]: o["flagged_rows"] for o in ours.outcomes} == flagged


def test_the_step_is_one_spark_job_and_leaves_caching_to_the_caller(spark):
    df = _frame(spark, FRAMES["edge cases"])
    rules = ('IsUnique "id"', 'IsUnique "s"', 'IsComplete "s"', 'ColumnValues "n" > 0', "RowCount > 1")
    contract = _contract(tuple(Rule(f"r{i}", r, "error", "row") for i, r in enumerate(rules)))
    known = frozenset({"id"})
    assert dq.compile_rule(rules[0], df.schema, known).failed is None, "a key known unique needs no window"
    assert dq.compile_rule(rules[1], df.schema, known).failed is not None
    sc = spark.sparkContext
    sc.setJobGroup("dq-step", "the DQ step alone")
    try:
        ev = dq.evaluate(spark, df, contract, unique=known)
    finally:
        sc.setLocalProperty("spark.jobGroup.id", None)
    assert len(sc.statusTracker().getJobIdsForGroup("dq-step")) == 1
    assert not ev.rows.is_cached  # silver caches the rows its writes read, after adding its own checks
    # by hand: "s" is a, a, None, c, d, e: the two "a" rows repeat, the None is incomplete;
    # "n" is 1, 0, None, 10, -1, 0.5: 0, None and -1 are not > 0
    assert {o["rule_name"]: (o["outcome"], o["flagged_rows"]) for o in ev.outcomes} == {
        "r0": ("Passed", 0),
        "r1": ("Failed", 2),
        "r2": ("Failed", 1),
        "r3": ("Failed", 3),
        "r4": ("Passed", 0),
    }


def test_rules_outside_the_one_pass_forms_are_evaluated_by_pydeequ_in_the_same_step(spark):
    df = spark.createDataFrame([(1.0, "a"), (-1.0, "a"), (None, "b"), (5.0, None)], "n double, s string")
    rules = (
        Rule("s_complete", 'IsComplete "s"', "error", "row"),
        Rule("s_is_a", 'ColumnValues "s" = "a"', "warn", "row"),  # string comparison: not a one-pass form
        Rule("mean_positive", 'Mean "n" > 0', "error", "dataset"),  # (1 - 1 + 5) / 3 > 0
    )
    assert [dq.compile_rule(r.rule, df.schema) is None for r in rules] == [False, True, True]
    ev = dq.evaluate(spark, df, _contract(rules))
    rows = {(r["n"], r["s"]): (r[dq.FAILED], r[dq.WARNED]) for r in ev.rows.collect()}
    assert rows == {
        (1.0, "a"): ([], []),
        (-1.0, "a"): ([], []),
        (None, "b"): ([], ["s_is_a"]),
        (5.0, None): (["s_complete"], ["s_is_a"]),
    }
    outcomes = {o["rule_name"]: (o["outcome"], o["flagged_rows"]) for o in ev.outcomes}
    assert outcomes == {"s_complete": ("Failed", 1), "s_is_a": ("Failed", 2), "mean_positive": ("Passed", 0)}


def test_every_rule_in_the_contracts_is_evaluated_in_one_pass():
    from pyspark.sql.types import StructField, StructType, _parse_datatype_string

    for contract in load_contracts(REPO / "contracts").values():
        typed = [(c.name, c.type) for c in contract.columns] + [(d.name, d.type) for d in contract.derived]
        schema = StructType([StructField(n, _parse_datatype_string(t)) for n, t in typed])
        slow = [r.rule for r in contract.rules if dq.compile_rule(r.rule, schema) is None]
        assert slow == [], f"{contract.entity}: a rule pydeequ would evaluate in extra passes"
