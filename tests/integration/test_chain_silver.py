"""The real Glue scripts over 3 generated batches: every count checked against the generator's ledger."""

import csv
import shutil
from pathlib import Path

import pytest
import yaml
from lakehouse import bronze, delta_io, ops, silver
from lakehouse.config import JobConfig
from lakehouse.contracts import load_contracts
from lakehouse.errors import DataQualityError
from pyspark.sql import functions as F

from lakehouse_local.local_run import deliver
from lakehouse_local.sample_data import generate

pytestmark = pytest.mark.slow
REPO = Path(__file__).resolve().parents[2]
CONTRACTS = load_contracts(REPO / "contracts")


def _truth(lake, name):
    return list(csv.DictReader((Path(lake) / "sample" / "truth" / f"{name}.csv").open()))


def _silver_runs(spark, lake, entity):
    runs = ops.read(spark, JobConfig(lake), "pipeline_runs")
    return (
        runs.where((F.col("job") == "silver_clean") & (F.col("dataset") == entity))
        .agg(*[F.sum(c).alias(c) for c in ("rows_in", "rows_out", "rows_quarantined", "duplicates_dropped")])
        .first()
    )


@pytest.mark.parametrize("source", sorted(CONTRACTS))
def test_conservation_landing_bronze_silver_quarantine(spark, chain_lake, source):
    lake, ledger = chain_lake
    expected = ledger["sources"][source]
    paths = JobConfig(lake).paths
    entity = CONTRACTS[source].entity
    bronze_rows = delta_io.read(spark, paths.bronze(source)).count()
    assert bronze_rows == expected["landing_records"]
    runs = _silver_runs(spark, lake, entity)
    assert runs["rows_in"] == bronze_rows
    assert runs["rows_in"] == runs["rows_out"] + runs["rows_quarantined"] + runs["duplicates_dropped"]
    assert runs["rows_quarantined"] == expected["quarantined_rows"]
    assert runs["duplicates_dropped"] == expected["exact_duplicates"] + expected["superseded"]
    assert runs["rows_out"] == expected["valid_rows"]
    assert delta_io.read(spark, paths.silver(entity)).count() == expected["silver_rows"]


@pytest.mark.parametrize("source", sorted(CONTRACTS))
def test_quarantine_reasons_and_warnings_match_the_injected_faults(spark, chain_lake, source):
    lake, ledger = chain_lake
    expected = ledger["sources"][source]
    config = JobConfig(lake)
    entity = CONTRACTS[source].entity
    q = delta_io.read(spark, config.paths.quarantine(entity))
    reasons = {
        r["rule"]: r["count"]
        for r in q.select(F.explode("_dq_failed_rules").alias("rule")).groupBy("rule").count().collect()
    }
    assert reasons == expected["quarantined_by_rule"]
    assert q.count() == expected["quarantined_rows"]
    assert q.where(F.col("_batch_id").isNull() | F.col("_raw").isNull()).count() == 0
    warned = {
        r["rule_name"]: r["n"]
        for r in ops.read(spark, config, "dq_results")
        .where((F.col("entity") == entity) & (F.col("severity") == "warn") & (F.col("flagged_rows") > 0))
        .groupBy("rule_name")
        .agg(F.sum("flagged_rows").alias("n"))
        .collect()
    }
    assert warned == expected["warned_by_rule"]


def test_quarantined_sales_are_exactly_the_faulted_ids(spark, chain_lake):
    lake, ledger = chain_lake
    faults = ledger["sources"]["pos_sales"]["faults"]
    q = delta_io.read(spark, JobConfig(lake).paths.quarantine("sales"))
    unknown = {
        r[0]
        for r in q.where(F.array_contains("_dq_failed_rules", "unknown_product_id")).select("transaction_id").collect()
    }
    assert unknown == set(faults["unknown_product"])
    negative = {
        r[0]
        for r in q.where(F.array_contains("_dq_failed_rules", "quantity_positive") & F.col("quantity").isNotNull())
        .select("transaction_id")
        .collect()
    }
    assert negative == set(faults["negative_quantity"])


def test_silver_sales_equal_the_clean_truth(spark, chain_lake):
    lake, _ = chain_lake
    got = {
        (
            r["transaction_id"],
            str(r["sale_date"]),
            r["city"],
            r["category"],
            r["quantity"],
            f"{r['total_amount']:.2f}",
            r["payment_method"],
            r["currency"],
        )
        for r in delta_io.read(spark, JobConfig(lake).paths.silver("sales")).collect()
    }
    want = {
        (
            t["transaction_id"],
            t["sale_date"],
            t["city"],
            t["category"],
            int(t["quantity"]),
            f"{float(t['total_amount']):.2f}",
            t["payment_method"],
            t["currency"],
        )
        for t in _truth(lake, "sales")
    }
    assert got == want


def test_silver_customers_hold_the_latest_version_and_ignore_late_arrivals(spark, chain_lake):
    lake, _ = chain_lake
    latest = {}
    for t in _truth(lake, "customers"):
        if t["delivery"] != "late" and t["updated_at"] >= latest.get(t["customer_id"], {}).get("updated_at", ""):
            latest[t["customer_id"]] = t
    got = {r["customer_id"]: r for r in delta_io.read(spark, JobConfig(lake).paths.silver("customers")).collect()}
    assert set(got) == set(latest)
    for cid, t in latest.items():
        g = got[cid]
        assert (
            g["email"],
            g["city"],
            g["state"],
            g["loyalty_tier"],
            g["updated_at"].strftime("%Y-%m-%dT%H:%M:%SZ"),
            g["phone"] or "",
        ) == (t["email"], t["city"], t["state"], t["loyalty_tier"], t["updated_at"], t["phone"]), cid


def test_schema_drift_is_recorded_not_fatal(spark, chain_lake):
    lake, ledger = chain_lake
    drift = ops.read(spark, JobConfig(lake), "schema_drift").where(F.col("source") == "pos_sales").collect()
    assert sorted(Path(r["file"]).name for r in drift) == ledger["sources"]["pos_sales"]["drift_files"]
    assert all(r["extra_columns"] == ["loyalty_points"] for r in drift)
    extra = delta_io.read(spark, JobConfig(lake).paths.bronze("pos_sales")).where(F.size("_extra") > 0)
    assert extra.count() > 0


def test_rerun_ingests_nothing_and_leaves_silver_unchanged(spark, chain_rerun):
    lake, before, after = chain_rerun
    silver_before = {k: v for k, v in before.items() if k.startswith("silver.")}
    silver_after = {k: v for k, v in after.items() if k.startswith("silver.")}
    assert silver_before and silver_after == silver_before
    runs = ops.read(spark, JobConfig(lake), "pipeline_runs").where(F.col("job") == "bronze_ingest")
    last_run = runs.orderBy(F.col("finished_at").desc()).first()["run_id"]
    assert runs.where(F.col("run_id") == last_run).agg(F.sum("rows_in")).first()[0] == 0


def test_dataset_level_error_rule_records_outcome_then_fails_the_job(spark, tmp_path, monkeypatch):
    from lakehouse import metrics

    published = []  # what silver hands to CloudWatch (the DQ alarm's metric), recorded instead of sent
    monkeypatch.setattr(metrics, "publish_rule_outcomes", lambda entity, outcomes: published.append((entity, outcomes)))
    contracts = tmp_path / "contracts"
    shutil.copytree(REPO / "contracts", contracts)
    raw = yaml.safe_load((contracts / "products.yaml").read_text())
    raw["dq"].append({"name": "enough_products", "rule": "RowCount > 100000", "severity": "error", "scope": "dataset"})
    (contracts / "products.yaml").write_text(yaml.safe_dump(raw))
    lake = tmp_path / "lake"
    generate(lake / "sample", rows=150, batches=1, seed=5)
    deliver(lake / "sample", lake, 1)
    config = JobConfig(str(lake), ("products",), "run-dq", contracts_dir=str(contracts))
    bronze.run(spark, config)
    with pytest.raises(DataQualityError, match="products: enough_products"):
        silver.run(spark, config)
    outcome = ops.read(spark, config, "dq_results").where(F.col("rule_name") == "enough_products").first()
    assert outcome["outcome"] == "Failed" and outcome["severity"] == "error"
    assert [e for e, _ in published] == ["products"], "silver publishes each entity's rule outcomes once"
    assert {o["rule_name"]: o["outcome"] for o in published[0][1]}["enough_products"] == "Failed"
    assert not delta_io.exists(spark, config.paths.silver("products"))
    assert ops.read(spark, config, "batches_processed").count() == 0
