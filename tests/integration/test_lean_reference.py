"""bench/duckdb_lean.py, the bench's lean reference, against silver on the same input (DuckDB as the independent
engine): batch 1 of the chain lake, the same kept rows and the same counts as silver's first run."""

import sys
from collections import Counter
from pathlib import Path

import duckdb
import pytest
from lakehouse import ops
from lakehouse.config import JobConfig
from lakehouse.contracts import load_contracts
from pyspark.sql import functions as F

pytestmark = pytest.mark.slow
REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO / "bench"))
import duckdb_lean  # noqa: E402

SOURCES = ["products", "pos_sales", "fx_rates"]  # the CSV contracts (sales checks product ids against products)
CONTRACTS = load_contracts(REPO / "contracts")


@pytest.fixture(scope="module")
def lean(chain_lake):
    lake, _ = chain_lake
    con = duckdb.connect()
    con.execute("SET enable_progress_bar = false")
    counts = duckdb_lean.run(con, str(REPO / "contracts"), f"{lake}/sample/drops/001", SOURCES)
    return con, counts


@pytest.mark.parametrize("source", SOURCES)
def test_lean_reference_counts_equal_silvers_first_run(spark, chain_lake, lean, source):
    lake, _ = chain_lake
    entity = CONTRACTS[source].entity
    first = (
        ops.read(spark, JobConfig(lake), "pipeline_runs")
        .where((F.col("job") == "silver_clean") & (F.col("dataset") == entity) & (F.col("rows_in") > 0))
        .orderBy("started_at")
        .first()
    )
    n = lean[1][entity]
    assert n["rows_in"] > 0 and n["quarantined"] > 0  # the batch has faults of every kind: a real comparison
    assert (n["rows_in"], n["valid"], n["quarantined"], n["exact_duplicates"] + n["superseded"]) == (
        first["rows_in"],
        first["rows_out"],
        first["rows_quarantined"],
        first["duplicates_dropped"],
    )


@pytest.mark.parametrize("source", SOURCES)
def test_lean_reference_keeps_the_rows_silver_kept(spark, chain_lake, lean, source):
    lake, _ = chain_lake
    contract = CONTRACTS[source]
    names = contract.column_names + [d.name for d in contract.derived]
    path = JobConfig(lake).paths.silver(contract.entity)
    first_write = spark.read.format("delta").option("versionAsOf", 0).load(path)  # batch 1's silver rows
    spark_rows = Counter(tuple(r) for r in first_write.select(*names).collect())
    duck_rows = Counter(
        lean[0].execute(f"SELECT {', '.join(map(duckdb_lean.q, names))} FROM lean_{contract.entity}").fetchall()
    )
    assert spark_rows and spark_rows == duck_rows
