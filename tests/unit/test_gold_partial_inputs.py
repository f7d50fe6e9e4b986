"""Gold on a lake where only some sources were delivered (or none): it builds what its silver
inputs allow and names each table it did not build and why (summary, ops row, log), instead of
stopping with FileNotFoundError - the first run of a new deployment has an empty landing/."""

from decimal import Decimal
from pathlib import Path

from lakehouse.config import JobConfig
from lakehouse.gold import format_summary, run
from lakehouse.tables import load_gold_tables

REPO = Path(__file__).resolve().parents[2]
DECLARED = load_gold_tables(REPO / "contracts")
META = "_batch_id string, _source_file string, _ingested_at timestamp, _processed_at timestamp"


def pipeline_runs(spark, lake):
    rows = spark.read.format("delta").load(f"{lake}/ops/pipeline_runs").where("job = 'gold_aggregates'").collect()
    return {r.dataset: r.status for r in rows}


def test_nothing_delivered_builds_nothing_and_says_why(spark, tmp_path, caplog):
    lake = str(tmp_path / "lake")
    summary = run(spark, JobConfig(lake, (), "run-empty", pii_salt="test-salt"))
    assert summary["tables"] == {}
    assert set(summary["not_built"]) == set(DECLARED)
    assert "silver.sales, silver.customers, silver.products, silver.fx_rates" in summary["not_built"]["fact_sales"]
    assert summary["not_built"]["dim_product"] == "silver.products not found (nothing of it delivered yet)"
    # each table SKIPPED, and the row naming the path the build took (full: inputs missing)
    assert pipeline_runs(spark, lake) == {f"gold.{t}": "SKIPPED" for t in DECLARED} | {"gold (full)": "SUCCEEDED"}
    assert summary["path"] == "full" and "silver inputs missing" in summary["path_reason"]
    assert "gold.fact_sales" in caplog.text and "not built" in caplog.text
    assert "gold.dim_customer" in format_summary(summary) and "not built: silver.customers" in format_summary(summary)


def test_only_products_delivered_builds_dim_product_only(spark, tmp_path):
    lake = str(tmp_path / "lake")
    rows = [("P1", "Widget", "Home", "Acme", Decimal("4.00"), Decimal("10.00"), "b1", "f", None, None)]
    rows.append(("P2", "Yoyo", "Toys", "Toyco", Decimal("0.50"), Decimal("1.00"), "b1", "f", None, None))
    schema = "product_id string, product_name string, category string, brand string, unit_cost decimal(12,2), "
    schema += "list_price decimal(12,2), " + META
    spark.createDataFrame(rows, schema).write.format("delta").save(f"{lake}/silver/products")

    summary = run(spark, JobConfig(lake, (), "run-products", pii_salt="test-salt"))
    assert summary["tables"] == {"dim_product": 2}  # the two products written above
    assert set(summary["not_built"]) == set(DECLARED) - {"dim_product"}
    assert summary["not_built"]["dim_date"] == "silver.sales not found (nothing of it delivered yet)"
    assert summary["not_built"]["fact_sales"].startswith("silver.sales, silver.customers, silver.fx_rates not found")
    runs = pipeline_runs(spark, lake)
    assert runs.pop("gold.dim_product") == "SUCCEEDED" and runs.pop("gold (full)") == "SUCCEEDED"
    assert set(runs.values()) == {"SKIPPED"}
    exported = spark.read.parquet(f"{lake}/exports/dim_product").count()
    assert exported == 2 and not Path(f"{lake}/exports/fact_sales").exists(), "no export for a table not built"
