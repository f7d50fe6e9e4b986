from dataclasses import replace
from pathlib import Path

import pytest
from chispa import assert_df_equality
from lakehouse import delta_io, dq, ops
from lakehouse.contracts import Reference, load_contracts
from lakehouse.errors import ContractError
from lakehouse.silver import cleaned_batches, dependency_order, flag_unknown_references, pending_bronze

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


def test_pending_rows_are_those_of_batches_the_entity_has_not_cleaned(spark, job_config):
    """Another entity's or layer's marker does not count; a row without a batch id is never taken as cleaned."""
    products = CONTRACTS["products"]
    assert pending_bronze(spark, job_config, products, []) is None  # no bronze yet
    delta_io.append(
        spark.createDataFrame([("r1", "b1"), ("r2", "b2"), ("r3", "b3"), ("r4", None)], "v string, _batch_id string"),
        job_config.paths.bronze(products.source),
    )
    markers = [("silver", "products", "b1"), ("silver", "pos_sales", "b2"), ("gold", "products", "b3")]
    ops.append_rows(spark, job_config, "batches_processed", [(*m, "run", ops.now()) for m in markers])

    cleaned = cleaned_batches(spark, job_config, ["products", "customers"])
    assert dict(cleaned) == {"products": ["b1"]}
    pending = pending_bronze(spark, job_config, products, cleaned["products"])
    assert sorted(r.v for r in pending.collect()) == ["r2", "r3", "r4"]
    assert pending_bronze(spark, job_config, products, cleaned["customers"]).count() == 4


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
