"""The deployed pipeline end to end in an emulated AWS account: moto on loopback, `terraform apply`
of the real root module (envs/emulator.tfvars), the workflow read back from the Glue API and run
by the emulator's Glue runner on one generated batch, the crawler stand-in, then `terraform destroy`.

First deployment is deliberately broken by a real slip: the deployed contracts carry a DQDL rule
outside the one-pass forms (lakehouse.dq.compile_rule), which pydeequ's evaluator runs, and
extra_jars leaves out the DQDL parser jar that evaluator needs: silver fails, the chain stops there.
The fixed deployment (the default jar list) runs that rule on pydeequ and resumes (bronze's ledger:
nothing ingested twice). Expected counts come from the
generator's ledger and truth files; expected columns from docs/TABLES.md.
"""

import csv
import re
import zipfile
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import yaml

from lakehouse_local import local_run, sample_data
from lakehouse_local.emulator import server
from lakehouse_local.emulator.__main__ import upload_batch
from lakehouse_local.emulator.delta_log import row_count, split_s3
from lakehouse_local.emulator.deploy import Terraform
from lakehouse_local.emulator.glue_runner import GlueRunner
from tests.glue_scripts import required_args
from tests.lake_report_check import assert_report_matches_ops
from tests.moto_deploy import fresh_moto_deployment

# The deployed chain in its own job processes (~6 min): `make test-long`, which CI runs after `make test`.
pytestmark = [pytest.mark.slow, pytest.mark.long]

REPO = Path(__file__).resolve().parents[2]
ROWS, SEED = 300, 7
WORKFLOW = "lakehouse-emulator-medallion"
CHAIN_TRIGGERS = [
    f"{WORKFLOW}-start-bronze",
    f"{WORKFLOW}-after-bronze-start-silver",
    f"{WORKFLOW}-after-silver-start-gold",
    f"{WORKFLOW}-after-gold-start-crawlers",
]
JOBS = {"bronze": "lakehouse-emulator-bronze-ingest", "silver": "lakehouse-emulator-silver-clean"}
JOBS["gold"] = "lakehouse-emulator-gold-aggregates"
CRAWLERS = {f"lakehouse-emulator-{c}" for c in ("bronze", "gold", "gold_spectrum", "ops")}
GOLD_TABLES = {
    "dim_date",
    "dim_store",
    "dim_product",
    "dim_customer",
    "fact_sales",
    "daily_sales",
    "customer_360",
    "product_performance",
}
# Outside the one-pass DQDL forms, so pydeequ evaluates it; a warn that passes, so no count changes
PYDEEQU_RULE = {"name": "mean_quantity_positive", "rule": 'Mean "quantity" > 0', "severity": "warn", "scope": "dataset"}
# docs/TABLES.md, gold.daily_sales
DAILY_SALES_COLUMNS = [
    ("sale_date", "date"),
    ("store_id", "string"),
    ("category", "string"),
    ("orders", "bigint"),
    ("units", "bigint"),
    ("revenue_usd", "decimal(18,2)"),
    ("unconverted_sales", "bigint"),
]


def deploy_without_the_dqdl_jar(work: Path, endpoint: str) -> tuple[Terraform, float]:
    tf = Terraform(endpoint, work / "terraform", work / "moto.log")
    add_rule(tf.zip, "pos_sales.yaml", PYDEEQU_RULE)
    return tf, tf.apply(extra_jars='["deequ-2.1.0-spark-3.5.jar"]')  # the DQDL parser jar forgotten


@pytest.fixture(scope="module")
def emulated(tmp_path_factory):
    with fresh_moto_deployment(tmp_path_factory, deploy_without_the_dqdl_jar) as (work, endpoint, (tf, apply_s)):
        out = tf.outputs()
        ledger = sample_data.generate(work / "sample", ROWS, 1, SEED)
        s3, glue = server.client("s3", endpoint), server.client("glue", endpoint)
        upload_batch(s3, work / "sample", out["lake_root"], 1)
        runner = GlueRunner(endpoint, out["glue_workflow_name"], work)
        broken = runner.run()
        print(broken.timeline())
        del tf.vars["extra_jars"]  # the fix: the default jar list
        reapply_s = tf.apply()
        fixed = runner.run()
        fixed.write(work / "run.json")
        print(fixed.timeline())
        print(f"apply {apply_s:.0f}s, re-apply {reapply_s:.0f}s")
        yield {
            "tf": tf,
            "endpoint": endpoint,
            "out": out,
            "ledger": ledger,
            "truth": work / "sample" / "truth",
            "s3": s3,
            "glue": glue,
            "broken": broken,
            "fixed": fixed,
            "run_log": work / "run.json",
        }


def add_rule(package: Path, contract: str, rule: dict) -> None:
    """Add `rule` to a contract bundled in the package zip (as a team's next deployment would)."""
    with zipfile.ZipFile(package) as zf:
        entries = [(info, zf.read(info)) for info in zf.infolist()]
    with zipfile.ZipFile(package, "w", zipfile.ZIP_DEFLATED) as zf:
        for info, data in entries:
            if info.filename == f"lakehouse/bundled_contracts/{contract}":
                raw = yaml.safe_load(data)
                raw["dq"].append(rule)
                data = yaml.safe_dump(raw, sort_keys=False).encode()
            zf.writestr(info, data)


def test_broken_job_stops_the_chain_where_glue_would(emulated):
    broken = emulated["broken"]
    assert broken.fired() == CHAIN_TRIGGERS[:2], "only the trigger on bronze SUCCEEDED may fire"
    assert broken.states() == {JOBS["bronze"]: "SUCCEEDED", JOBS["silver"]: "FAILED"}
    assert "Error" in broken.step(JOBS["silver"]).detail, "the failure is reported with its error"
    assert not broken.succeeded()


def test_fixed_deployment_fires_every_trigger_in_chain_order(emulated):
    fixed = emulated["fixed"]
    assert fixed.fired() == CHAIN_TRIGGERS
    assert fixed.states() == {**{j: "SUCCEEDED" for j in JOBS.values()}, **{c: "SUCCEEDED" for c in CRAWLERS}}
    assert [s.name for s in fixed.steps if s.kind == "job"] == [JOBS["bronze"], JOBS["silver"], JOBS["gold"]]
    assert all(fixed.step(j).rows > 0 for j in (JOBS["silver"], JOBS["gold"])), "silver and gold wrote rows"
    assert "after-gold-start-crawlers" in emulated["run_log"].read_text(), "the run log holds the timeline"


@pytest.mark.parametrize("stage", sorted(JOBS))
def test_each_job_ran_the_uploaded_script_with_what_it_requires(emulated, stage):
    step = emulated["fixed"].step(JOBS[stage])
    deployed = emulated["glue"].get_job(JobName=JOBS[stage])["Job"]
    script = deployed["Command"]["ScriptLocation"].rsplit("/", 1)[-1]
    for arg in required_args(REPO / "glue_jobs" / script):
        if arg != "JOB_NAME":  # Glue passes it itself
            assert step.arguments[f"--{arg}"] == deployed["DefaultArguments"][f"--{arg}"], arg
    assert step.arguments["--lake_root"] == emulated["out"]["lake_root"]
    if stage == "gold":
        assert step.arguments["--pii_salt_parameter"] == emulated["out"]["pii_salt_parameter_name"]
    else:
        assert step.arguments["--sources"] == "all"
    log = Path(step.log).read_text()
    assert "/deps/lakehouse.zip/lakehouse/__init__.py" in log, "lakehouse must come from the --extra-py-files zip"


def test_every_job_held_its_table_leases_in_the_emulated_dynamodb(emulated):
    """Each deployed job got --lease_table and took its leases in the emulated DynamoDB (lakehouse.lease,
    docs/concurrency.md); none is left behind."""
    dynamodb = server.client("dynamodb", emulated["endpoint"])
    for stage in JOBS:
        step = emulated["fixed"].step(JOBS[stage])
        table = step.arguments["--lease_table"]
        held = re.search(rf"took (\d+) table leases in {re.escape(table)}, all released", Path(step.log).read_text())
        assert held and int(held.group(1)) >= 1, f"{stage}: no leases taken ({step.log})"
    assert dynamodb.scan(TableName=table)["Items"] == []


def assert_layers_match_the_ledger(s3, lake: str, ledger: dict) -> None:
    """Bronze and silver row counts of every source in the emulated S3 equal the generator's ledger."""
    contracts = [yaml.safe_load(p.read_text()) for p in sorted((REPO / "contracts").glob("*.yaml"))]
    for c in contracts:
        expected = ledger["sources"][c["source"]]
        assert row_count(s3, f"{lake}/bronze/{c['source']}") == expected["bronze_rows"], c["source"]
        assert row_count(s3, f"{lake}/silver/{c['entity']}") == expected["silver_rows"], c["entity"]


def test_resumed_run_ingested_nothing_twice_and_counts_match_the_ledger(emulated):
    assert_layers_match_the_ledger(emulated["s3"], emulated["out"]["lake_root"], emulated["ledger"])


def test_the_rule_outside_the_one_pass_forms_ran_on_pydeequ_in_the_deployed_job(emulated):
    """The fixed silver run evaluated it (pydeequ, with the DQDL parser jar back) and published its outcome."""
    cloudwatch = server.client("cloudwatch", emulated["endpoint"])
    now = datetime.now(UTC)
    stats = cloudwatch.get_metric_statistics(
        Namespace="Lakehouse/DataQuality",
        MetricName="RuleFailed",
        Dimensions=[{"Name": "entity", "Value": "sales"}, {"Name": "rule", "Value": PYDEEQU_RULE["name"]}],
        StartTime=now - timedelta(days=1),
        EndTime=now + timedelta(hours=1),
        Period=86400,
        Statistics=["Maximum", "SampleCount"],
    )
    assert [(p["SampleCount"], p["Maximum"]) for p in stats["Datapoints"]] == [(1.0, 0.0)], "evaluated once, passed"


def read_csv(path: Path) -> list[dict]:
    with path.open(newline="") as f:
        return list(csv.DictReader(f))


def test_gold_tables_in_emulated_s3_have_the_expected_row_counts(emulated):
    assert_gold_matches_the_truth(emulated["s3"], emulated["out"]["lake_root"], emulated["truth"])


def assert_gold_matches_the_truth(s3, lake: str, truth: Path) -> None:
    """Gold's row counts in the emulated S3 equal what the generator's truth files imply."""
    sales, products = read_csv(truth / "sales.csv"), read_csv(truth / "products.csv")
    category = {p["product_id"]: p["category"] for p in products}
    daily = {(s["sale_date"][:10], s["store_id"], category.get(s["product_id"], s["category"])) for s in sales}
    assert row_count(s3, f"{lake}/gold/fact_sales") == len(sales)
    assert row_count(s3, f"{lake}/gold/dim_product") == len(products)
    assert row_count(s3, f"{lake}/gold/dim_store") == len({s["store_id"] for s in sales})
    assert row_count(s3, f"{lake}/gold/daily_sales") == len(daily)


def test_gold_job_wrote_the_lake_report_to_the_lake_bucket_with_the_ops_tables_figures(emulated, tmp_path):
    """The deployed gold job's --report_uri (Terraform: <lake root>/report/index.html) written through S3A;
    its figures against the ops tables downloaded from the emulated S3 and read by DuckDB."""
    from lakehouse.report import embedded_data

    s3, lake = emulated["s3"], emulated["out"]["lake_root"]
    step = emulated["fixed"].step(JOBS["gold"])
    assert step.arguments["--report_uri"] == f"{lake}/report/index.html"
    bucket, key = split_s3(step.arguments["--report_uri"])
    page = s3.get_object(Bucket=bucket, Key=key)["Body"].read().decode()
    data = embedded_data(page)
    assert data["lake_root"] == lake
    for page_of_keys in s3.get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix="ops/"):
        for obj in page_of_keys.get("Contents", []):
            if obj["Key"].endswith(".parquet") and "/_delta_log/" not in obj["Key"]:
                local = tmp_path / obj["Key"]
                local.parent.mkdir(parents=True, exist_ok=True)
                s3.download_file(bucket, obj["Key"], str(local))
    assert_report_matches_ops(data, str(tmp_path), emulated["ledger"])
    assert data["gold"] == {t: row_count(s3, f"{lake}/gold/{t}") for t in GOLD_TABLES}


def test_catalog_holds_the_crawled_tables_with_their_columns(emulated):
    glue, dbs, lake = emulated["glue"], emulated["out"]["glue_database_names"], emulated["out"]["lake_root"]
    gold = {t["Name"]: t for t in glue.get_tables(DatabaseName=dbs["gold"])["TableList"]}
    assert set(gold) == GOLD_TABLES
    daily = gold["daily_sales"]
    assert [(c["Name"], c["Type"]) for c in daily["StorageDescriptor"]["Columns"]] == DAILY_SALES_COLUMNS
    assert daily["Parameters"]["spark.sql.sources.provider"] == "delta"
    assert daily["StorageDescriptor"]["Location"] == f"{lake}/gold/daily_sales/"
    spectrum = glue.get_table(DatabaseName=dbs["gold_spectrum"], Name="daily_sales")["Table"]
    assert spectrum["StorageDescriptor"]["Location"] == f"{lake}/gold/daily_sales/_symlink_format_manifest/"
    ops = {t["Name"] for t in glue.get_tables(DatabaseName=dbs["ops"])["TableList"]}
    assert {"dq_results", "ingest_ledger", "pipeline_runs"} <= ops


def test_athena_named_queries_run_on_the_emulated_catalog(emulated, tmp_path):
    """Trino (Athena v3's engine) over the emulated Glue catalog and S3: every athena_sql/ query runs
    against the tables Terraform declared and the crawlers registered, and sees the truth's sales."""
    from lakehouse_local.emulator.athena import run_named_queries
    from lakehouse_local.engines.trino import TrinoServer

    endpoint, dbs = emulated["endpoint"], emulated["out"]["glue_database_names"]
    results = run_named_queries(endpoint, dbs, tmp_path)
    assert [r["name"] for r in results if "error" in r] == [], results
    assert {r["name"] for r in results} == {p.stem for p in (REPO / "athena_sql").glob("*.sql")}
    with TrinoServer(tmp_path / "count", glue_endpoint=endpoint) as trino:
        got = trino.query(f"SELECT count(*) FROM {dbs['gold']}.fact_sales").rows[0][0]
    assert got == len(read_csv(emulated["truth"] / "sales.csv"))


def test_local_run_chain_is_the_deployed_chain(emulated):
    """`make lake` (lakehouse_local.local_run) runs the deployed scripts in the deployed order, with
    the deployed values of the arguments it sets (lake_root and the salt source are per environment)."""
    glue = emulated["glue"]
    deployed = [glue.get_job(JobName=s.name)["Job"] for s in emulated["fixed"].steps if s.kind == "job"]
    assert [j["Command"]["ScriptLocation"].rsplit("/", 1)[-1] for j in deployed] == [
        f"{name}.py" for name, _ in local_run.CHAIN
    ]
    for job, (name, local_args) in zip(deployed, local_run.CHAIN, strict=True):
        for key, value in local_args.items():
            assert key in job["DefaultArguments"], f"{name}: local_run passes {key}, Terraform does not deploy it"
            if key != "--pii_salt_parameter":
                assert job["DefaultArguments"][key] == value, f"{name} {key}"


def test_terraform_destroy_empties_the_emulated_account(emulated):
    emulated["tf"].destroy()
    assert emulated["glue"].get_jobs()["Jobs"] == []
    assert emulated["glue"].get_triggers()["Triggers"] == []
