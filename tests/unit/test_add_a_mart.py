"""Adding a gold mart = one YAML in contracts/gold/ + one function in lakehouse.gold.marts.

A throwaway mart (`store_units`) added that way, and nothing else, shows up in the gold job's
output, in the generated docs and in the gold crawler's targets (Terraform, from a temp copy).
Declarations that disagree with what a consumer builds fail, naming the difference.
"""

import os
import re
import shutil
import subprocess
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path

import pytest
from lakehouse.config import JobConfig
from lakehouse.errors import ContractError
from lakehouse.gold import marts, run
from lakehouse.tables import load_gold_tables
from pyspark.sql import functions as F

REPO = Path(__file__).resolve().parents[2]
MART_YAML = """\
table: store_units
description: Units sold per store (a throwaway mart for this test).
grain: store
build: mart
unique_key: [store_id]
not_null: [store_id]
columns:
  - {name: store_id, type: string}
  - {name: units,    type: bigint, description: units sold}
"""


def store_units(sales):
    return sales.groupBy("store_id").agg(F.sum("quantity").cast("bigint").alias("units"))


@pytest.fixture
def contracts_with_mart(tmp_path):
    contracts = tmp_path / "contracts"
    shutil.copytree(REPO / "contracts", contracts)
    (contracts / "gold" / "store_units.yaml").write_text(MART_YAML)
    return contracts


@pytest.fixture
def silver_lake(spark, tmp_path):
    """The smallest silver the gold job accepts: two sales in two stores, one customer, product and rate."""
    lake = tmp_path / "lake"
    meta = ("b1", "f", datetime(2024, 1, 9), datetime(2024, 1, 9))
    meta_ddl = ", _batch_id string, _source_file string, _ingested_at timestamp, _processed_at timestamp"
    frames = {
        "sales": (
            [
                (
                    "T1",
                    date(2024, 1, 5),
                    "S1",
                    "One",
                    "Leeds",
                    "P1",
                    "W",
                    "Home",
                    "C1",
                    2,
                    "10.00",
                    "20.00",
                    "card",
                    "USD",
                ),
                (
                    "T2",
                    date(2024, 1, 6),
                    "S2",
                    "Two",
                    "York",
                    "P1",
                    "W",
                    "Home",
                    "C1",
                    3,
                    "1.00",
                    "3.00",
                    "cash",
                    "USD",
                ),
                (
                    "T3",
                    date(2024, 1, 6),
                    "S2",
                    "Two",
                    "York",
                    "P1",
                    "W",
                    "Home",
                    "C1",
                    4,
                    "1.00",
                    "4.00",
                    "cash",
                    "USD",
                ),
            ],
            "transaction_id string, sale_date date, store_id string, store_name string, city string, "
            "product_id string, product_name string, category string, customer_id string, quantity int, "
            "unit_price string, total_amount string, payment_method string, currency string",
        ),
        "customers": (
            [
                (
                    "C1",
                    "Ann",
                    "Lee",
                    "a@b.com",
                    "+1555",
                    "1 St",
                    "Leeds",
                    "WY",
                    "LS1",
                    "GB",
                    "gold",
                    datetime(2024, 1, 1),
                )
            ],
            "customer_id string, first_name string, last_name string, email string, phone string, street string, "
            "city string, state string, postcode string, country string, loyalty_tier string, updated_at timestamp",
        ),
        "products": (
            [("P1", "W", "Home", "Acme", Decimal("1.00"), Decimal("2.00"))],
            "product_id string, product_name string, category string, brand string, unit_cost decimal(12,2), "
            "list_price decimal(12,2)",
        ),
        "fx_rates": (
            [(date(2024, 1, 5), "EUR", Decimal("1.1"))],
            "rate_date date, currency string, rate_to_usd decimal(18,8)",
        ),
    }
    for entity, (rows, ddl) in frames.items():
        df = spark.createDataFrame([r + meta for r in rows], ddl + meta_ddl)
        df.write.format("delta").save(str(lake / "silver" / entity))
    return lake


def test_a_mart_yaml_and_function_show_up_in_gold_and_docs(spark, silver_lake, contracts_with_mart, monkeypatch):
    from lakehouse_local.docs import render

    monkeypatch.setattr(marts, "store_units", store_units, raising=False)
    summary = run(spark, JobConfig(str(silver_lake), (), "mart", pii_salt="s", contracts_dir=str(contracts_with_mart)))
    assert summary["tables"]["store_units"] == 2
    built = spark.read.format("delta").load(str(silver_lake / "gold" / "store_units"))
    assert built.dtypes == [("store_id", "string"), ("units", "bigint")]
    assert {r.store_id: r.units for r in built.collect()} == {"S1": 2, "S2": 7}  # by hand: 2; 3 + 4

    docs = render((REPO / "docs" / "TABLES.md").read_text(), contracts_with_mart)
    assert re.search(
        r"^\| `store_units` \| store \| store_id \(store_id\) \| no \| store_id, units bigint \(units sold\) \|$",
        docs,
        re.M,
    )


def test_a_mart_without_its_yaml_or_function_fails_naming_it(spark, silver_lake, contracts_with_mart):
    config = JobConfig(str(silver_lake), (), "mart", pii_salt="s", contracts_dir=str(contracts_with_mart))
    with pytest.raises(LookupError, match="has no store_units"):
        run(spark, config)  # YAML without function


def test_a_built_table_that_disagrees_with_its_yaml_fails_naming_the_difference(
    spark, silver_lake, contracts_with_mart, monkeypatch
):
    path = contracts_with_mart / "gold" / "store_units.yaml"
    path.write_text(MART_YAML.replace("type: bigint", "type: int"))
    monkeypatch.setattr(marts, "store_units", store_units, raising=False)
    config = JobConfig(str(silver_lake), (), "mart", pii_salt="s", contracts_dir=str(contracts_with_mart))
    with pytest.raises(ContractError, match="units is bigint, declared int"):
        run(spark, config)


def test_every_declared_table_is_documented_and_the_docs_are_current():
    from lakehouse_local.docs import render

    text = (REPO / "docs" / "TABLES.md").read_text()
    assert render(text) == text, "docs/TABLES.md is stale: run python -m lakehouse_local.docs"
    for name in load_gold_tables(REPO / "contracts"):
        assert f"| `{name}` |" in text


def test_redshift_ddl_and_load_follow_the_declared_column_order():
    """COPY ... FORMAT AS PARQUET maps columns by position: the star DDL must list the YAML's columns in order."""
    declared = {n: t.column_names for n, t in load_gold_tables(REPO / "contracts").items() if t.redshift}
    ddl = (REPO / "redshift_sql" / "03_star_tables.sql").read_text()
    tables = dict(re.findall(r"CREATE TABLE IF NOT EXISTS star\.(\w+) \((.*?)\n\)", ddl, re.S))
    assert set(tables) == set(declared)
    for name, body in tables.items():
        columns = [line.split()[0] for line in body.strip().splitlines() if not line.strip().startswith("PRIMARY")]
        assert columns == declared[name], name
    # the load is positional (COPY of the export, written in the YAML's order by the gold job's conform)
    load = (REPO / "redshift_sql" / "04_load_star.sql").read_text()
    loaded = dict(re.findall(r"COPY star\.(\w+)\s+FROM '\$\{exports_uri\}/(\w+)/'", load))
    assert loaded == {name: name for name in declared}


@pytest.mark.slow
def test_a_mart_yaml_becomes_a_gold_crawler_target_in_terraform(tmp_path):
    """terraform test in a temp copy holding the throwaway YAML: the gold crawlers target it, no other edit."""
    copy = tmp_path / "repo"
    for part in ("terraform", "contracts", "crawlers", "athena_sql", "redshift_sql", "glue_jobs"):
        shutil.copytree(REPO / part, copy / part, ignore=shutil.ignore_patterns(".terraform", "__pycache__"))
    (copy / "contracts" / "gold" / "store_units.yaml").write_text(MART_YAML)
    tests = copy / "terraform" / "tests"
    main_test = (tests / "main.tftest.hcl").read_text()
    header = main_test[: main_test.index('run "dev"')]
    for f in tests.glob("*.tftest.hcl"):
        f.unlink()
    (tests / "mart.tftest.hcl").write_text(
        header
        + """run "mart" {
  command = plan
  variables {
    environment = "dev"
  }
  assert {
    condition = alltrue([
      contains(local.crawlers["gold"].tables, "store_units"),
      contains(local.crawlers["gold_spectrum"].tables, "store_units"),
    ])
    error_message = "the gold crawlers (targets <lake>/gold/<table>/) must cover every contracts/gold/*.yaml"
  }
}
"""
    )
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "TF_VAR_"))}
    env.update(CHECKPOINT_DISABLE="1", TF_IN_AUTOMATION="1", TF_DATA_DIR=str(tmp_path / "tfdata"))
    env.update(AWS_ACCESS_KEY_ID="testing", AWS_SECRET_ACCESS_KEY="testing", AWS_EC2_METADATA_DISABLED="true")
    if not Path.home().joinpath(".terraformrc").exists():
        env["TF_CLI_CONFIG_FILE"] = "/dev/null"
    plugins = Path(os.environ.get("TF_PLUGIN_DIR", "/opt/tf-plugins"))
    init = ["init", "-backend=false", "-input=false", "-no-color"] + (
        [f"-plugin-dir={plugins}"] if plugins.is_dir() else []
    )
    for args in (init, ["test", "-no-color"]):
        result = subprocess.run(
            ["terraform", f"-chdir={copy / 'terraform'}", *args], env=env, capture_output=True, text=True, timeout=900
        )
        assert result.returncode == 0, f"terraform {args[0]} failed:\n{result.stdout[-4000:]}\n{result.stderr[-2000:]}"


def test_gold_names_the_silver_columns_it_needs_and_lacks(spark, silver_lake):
    from lakehouse import delta_io

    path = str(silver_lake / "silver" / "sales")
    delta_io.overwrite(delta_io.read(spark, path).drop("currency", "store_name"), path)
    with pytest.raises(ContractError, match=r"gold needs \['store_name', 'currency'\] from silver.sales"):
        run(spark, JobConfig(str(silver_lake), (), "mart", pii_salt="s"))
