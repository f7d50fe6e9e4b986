"""Bronze's ops tables exist after its first run, before any drift or delivery: the ops crawler
targets them, and what a crawler does with a missing Delta path is not documented."""

from pathlib import Path

import yaml
from lakehouse import bronze, delta_io, ops
from lakehouse.config import JobConfig
from pyspark.sql.types import _parse_datatype_string

REPO = Path(__file__).resolve().parents[2]


def test_create_missing_makes_bronze_ops_tables_empty_with_their_schema(spark, tmp_path):
    config = JobConfig(str(tmp_path))
    crawled = yaml.safe_load((REPO / "crawlers" / "ops.yaml").read_text())["tables"]
    assert set(bronze.BRONZE_OPS_TABLES) <= set(crawled), "the ops crawler targets what bronze creates"
    assert not [t for t in crawled if delta_io.exists(spark, config.paths.ops(t))]

    assert ops.create_missing(spark, config, bronze.BRONZE_OPS_TABLES) == list(bronze.BRONZE_OPS_TABLES)

    for table in bronze.BRONZE_OPS_TABLES:
        df = delta_io.read(spark, config.paths.ops(table))
        assert df.inputFiles() == [], f"{table}: created empty"
        assert df.schema == _parse_datatype_string(ops.SCHEMAS[table]), table
    assert ops.create_missing(spark, config, bronze.BRONZE_OPS_TABLES) == [], "existing tables are left alone"
