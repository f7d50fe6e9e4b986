import shutil
from dataclasses import replace
from pathlib import Path

import pytest
from chispa import assert_df_equality
from delta.tables import DeltaTable
from lakehouse import delta_io, dq, ops
from lakehouse.contracts import Reference, load_contracts
from lakehouse.errors import ContractError
from lakehouse.silver import (
    Mark,
    cleaned_batches,
    cleaned_marks,
    dependency_order,
    flag_unknown_references,
    pending_bronze,
)

CONTRACTS = load_contracts(Path(__file__).resolve().parents[2] / "contracts")


def test_referenced_entities_are_cleaned_first():
    order = [c.entity for c in dependency_order(list(CONTRACTS.values()), CONTRACTS)]
    assert order.index("products") < order.index("sales")
    only_sales = dependency_order([CONTRACTS["pos_sales"]], CONTRACTS)
    assert [c.entity for c in only_sales] == ["sales"]


def test_reference_cycles_and_unknown_entities_fail_with_the_contract():
    products = replace(CONTRACTS["products"], references=(Reference("product_id", "sales", "product_id"),))
    cyclic = {**CONTRACTS, "products": products}
    with pytest.raises(ContractError, match="cycle"):
        dependency_order(list(cyclic.values()), cyclic)
    ghost = replace(CONTRACTS["products"], references=(Reference("brand", "brands", "brand"),))
    with pytest.raises(ContractError, match="'brands' has no contract"):
        dependency_order([ghost], {**CONTRACTS, "products": ghost})


def _bronze_batch(spark, path, batch_id, values):
    """One bronze append (one commit, one data file) of rows `values` in batch `batch_id`."""
    rows = [(v, batch_id) for v in values]
    delta_io.append(spark.createDataFrame(rows, "v string, _batch_id string").coalesce(1), path)


def _mark(spark, config, entity, batch_ids, mark):
    rows = [("silver", entity, b, "run", ops.now(), mark.table_id, mark.version) for b in batch_ids]
    ops.append_rows(spark, config, "batches_processed", rows)


def _values(pending):
    return sorted(r.v for r in pending.rows.collect())


def test_pending_rows_are_those_of_batches_the_entity_has_not_cleaned(spark, job_config):
    """Without a recorded version (the first run): the full read. Another entity's or layer's marker does
    not count; a row without a batch id is never taken as cleaned."""
    products = CONTRACTS["products"]
    assert pending_bronze(spark, job_config, products, None) is None  # no bronze yet
    delta_io.append(
        spark.createDataFrame([("r1", "b1"), ("r2", "b2"), ("r3", "b3"), ("r4", None)], "v string, _batch_id string"),
        job_config.paths.bronze(products.source),
    )
    markers = [("silver", "products", "b1"), ("silver", "pos_sales", "b2"), ("gold", "products", "b3")]
    ops.append_rows(spark, job_config, "batches_processed", [(*m, "run", ops.now()) for m in markers])

    assert cleaned_marks(spark, job_config, ["products", "customers"]) == {}  # markers without a version
    assert cleaned_batches(spark, job_config, "products") == ["b1"]
    pending = pending_bronze(spark, job_config, products, None)
    assert _values(pending) == ["r2", "r3", "r4"]
    assert pending.read.startswith("full: no version recorded")
    assert pending_bronze(spark, job_config, replace(products, entity="customers"), None).rows.count() == 4


def test_pending_rows_are_the_files_appended_after_the_recorded_version(spark, job_config):
    """bronze v0 = b1, v1 = b2 (cleaned up to v1), v2 = an OPTIMIZE of both files, v3 = b3: only b3's file
    is read; the compaction (no data change) is not taken as new rows."""
    products = CONTRACTS["products"]
    path = job_config.paths.bronze(products.source)
    _bronze_batch(spark, path, "b1", ["r1", "r2"])
    _bronze_batch(spark, path, "b2", ["r3"])
    state = delta_io.table_state(spark, path)
    _mark(spark, job_config, "products", ["b1", "b2"], Mark(state.table_id, 1))
    marks = cleaned_marks(spark, job_config, ["products"])
    assert marks == {"products": Mark(state.table_id, 1)}
    assert pending_bronze(spark, job_config, products, marks["products"]) is None  # nothing new

    metrics = DeltaTable.forPath(spark, path).optimize().executeCompaction().first()["metrics"]
    assert metrics["numFilesRemoved"] == 2  # the compaction happened
    assert pending_bronze(spark, job_config, products, marks["products"]) is None  # a compaction brings nothing
    _bronze_batch(spark, path, "b3", ["r4", "r5"])
    pending = pending_bronze(spark, job_config, products, marks["products"])
    assert _values(pending) == ["r4", "r5"]
    assert (pending.read, pending.mark) == ("appended files: 1", Mark(state.table_id, 3))


@pytest.mark.long  # OPTIMIZE + VACUUM with a zero retention on a real table: make test-long
def test_pending_rows_after_a_compaction_of_their_files_and_vacuum_come_from_the_full_read(spark, job_config):
    """b2's file (after the mark) is compacted with b1's and vacuumed: the log no longer names a file that
    holds b2 alone, so the table is read without the cleaned batches: b2, nothing twice."""
    products = CONTRACTS["products"]
    path = job_config.paths.bronze(products.source)
    _bronze_batch(spark, path, "b1", ["r1"])
    table_id = delta_io.table_state(spark, path).table_id
    _mark(spark, job_config, "products", ["b1"], Mark(table_id, 0))
    _bronze_batch(spark, path, "b2", ["r2", "r3"])
    DeltaTable.forPath(spark, path).optimize().executeCompaction()
    spark.conf.set("spark.databricks.delta.retentionDurationCheck.enabled", "false")
    try:
        DeltaTable.forPath(spark, path).vacuum(0)  # the test's only way to make the old files go now
    finally:
        spark.conf.unset("spark.databricks.delta.retentionDurationCheck.enabled")
    pending = pending_bronze(spark, job_config, products, cleaned_marks(spark, job_config, ["products"])["products"])
    assert _values(pending) == ["r2", "r3"]
    assert pending.read.startswith("full: the log after version 0")


def test_pending_rows_of_a_recreated_or_rewritten_bronze_come_from_the_full_read(spark, job_config):
    products = CONTRACTS["products"]
    path = job_config.paths.bronze(products.source)
    _bronze_batch(spark, path, "b1", ["r1"])
    table_id = delta_io.table_state(spark, path).table_id
    _mark(spark, job_config, "products", ["b1"], Mark(table_id, 0))
    _bronze_batch(spark, path, "b2", ["r2"])
    spark.sql(f"DELETE FROM delta.`{path}` WHERE v = 'r1'")  # a commit that removes data
    pending = pending_bronze(spark, job_config, products, Mark(table_id, 0))
    assert (_values(pending), pending.read[:5]) == (["r2"], "full:")

    shutil.rmtree(path)  # recreated: a new table, versions from 0 again
    _bronze_batch(spark, path, "b1", ["r1"])
    _bronze_batch(spark, path, "b3", ["r3"])
    pending = pending_bronze(spark, job_config, products, Mark(table_id, 0))
    assert (_values(pending), pending.read) == (["r3"], "full: bronze table recreated")


def test_unknown_reference_is_flagged_known_and_null_are_not(spark, job_config):
    delta_io.overwrite(
        spark.createDataFrame([("P1",), ("P2",)], "product_id string"), job_config.paths.silver("products")
    )
    sales = spark.createDataFrame(
        [("T1", "P1"), ("T2", "P9"), ("T3", None)], "transaction_id string, product_id string"
    )
    expected = spark.createDataFrame(
        [("T1", "P1", []), ("T2", "P9", ["unknown_product_id"]), ("T3", None, [])],
        f"transaction_id string, product_id string, {dq.FAILED} array<string>",
    )
    flagged = sales.transform(flag_unknown_references(spark, job_config, CONTRACTS["pos_sales"]))
    assert_df_equality(flagged, expected, ignore_row_order=True, ignore_nullable=True)


def test_before_the_referenced_entity_exists_every_key_is_unknown(spark, job_config):
    sales = spark.createDataFrame([("T1", "P1")], "transaction_id string, product_id string")
    flagged = sales.transform(flag_unknown_references(spark, job_config, CONTRACTS["pos_sales"])).first()[dq.FAILED]
    assert flagged == ["unknown_product_id"]


@pytest.mark.parametrize(
    "key, known_unique, expected",
    [
        # latest rows A1 (line 3), A2, two null keys: the present ids are unique by construction
        (["id"], {"id"}, ("Passed", 0)),
        # (id, name) keeps both A1 versions: 1 of 3 present ids seen once, the two A1 rows flagged
        (["id", "name"], set(), ("Failed", 2)),
    ],
)
def test_silver_tells_dq_a_one_column_key_is_unique_among_the_latest_rows(
    spark, tmp_path, monkeypatch, key, known_unique, expected
):
    from lakehouse import bronze, silver
    from lakehouse.contracts import parse_contract
    from pyspark.sql import functions as F

    contract = parse_contract(
        {
            "source": "t",
            "entity": "t",
            "format": "csv",
            "business_key": key,
            "columns": [{"name": "id", "type": "string"}, {"name": "name", "type": "string"}],
            "dq": [{"name": "id_unique", "rule": 'IsUnique "id"', "severity": "warn", "scope": "dataset"}],
        },
        "t.yaml",
    )
    landing = tmp_path / "t.csv"
    landing.write_text("id,name\nA1,x\nA1,y\nA2,z\n,n1\n,n2\n")
    df, _ = bronze.PARSERS["csv"](spark, [str(landing)], contract)
    pending = df.select("*", F.lit("b1").alias("_batch_id"), F.current_timestamp().alias("_ingested_at"))
    told = []
    evaluate = dq.evaluate
    monkeypatch.setattr(dq, "evaluate", lambda *a: told.append(a[3]) or evaluate(*a))
    checked = silver.check_batch(spark, None, contract, pending)
    (outcome,) = checked.evaluation.outcomes
    assert told == [known_unique]
    assert (outcome["outcome"], outcome["flagged_rows"]) == expected
    for cached in checked.cached:
        cached.unpersist()
