"""`terraform apply` of envs/emulator.tfvars against a moto server on loopback, then the
deployed pipeline read back through the AWS APIs (boto3), as the local runner will read it.

What moto lacks (Redshift Serverless, Glue Data Quality rulesets, a taggable Athena workgroup,
lifecycle read-back, condition-aware bucket policies) is switched off in the emulator env and
covered by `terraform test` and the plan-JSON tests instead.
"""

import json
import time
from pathlib import Path

import boto3
import pytest
import yaml

from lakehouse_local.emulator.deploy import failure_evidence
from lakehouse_local.emulator.server import EmulatorError
from tests.glue_scripts import required_args
from tests.moto_deploy import fresh_moto_deployment

# terraform apply + destroy of the whole stack on moto: `make test-long`, which CI runs after `make test`.
pytestmark = [pytest.mark.slow, pytest.mark.long]

REPO = Path(__file__).resolve().parents[2]
CONTRACTS = [yaml.safe_load(p.read_text()) for p in sorted((REPO / "contracts").glob("*.yaml"))]
SCRIPTS = {
    "bronze_ingest.py": "bronze",
    "silver_clean.py": "silver",
    "gold_aggregates.py": "gold",
    "maintain_tables.py": "maintain",
}
PREFIX = "lakehouse-emulator"


@pytest.fixture(scope="module")
def deployed(terraform, tf_env, tf_init, artifacts, tmp_path_factory):
    def apply(work: Path, endpoint: str) -> list[str]:
        args = [
            "-input=false",
            "-no-color",
            "-lock=false",
            "-var-file=envs/emulator.tfvars",
            f"-var=aws_endpoint_url={endpoint}",
            f"-var=package_zip_path={artifacts['zip']}",
            f"-state={work / 'emulator.tfstate'}",
        ]
        provider_log = work / "provider.log"
        started = time.monotonic()
        env = {**tf_env, "TF_LOG_PROVIDER": "DEBUG", "TF_LOG_PATH": str(provider_log)}
        applied = terraform("apply", "-auto-approve", *args, timeout=900, env=env)
        if applied.returncode != 0:
            evidence = failure_evidence(provider_log, work / "moto.log")
            raise EmulatorError(f"apply against moto failed:\n{applied.stdout[-6000:]}\n{applied.stderr}\n{evidence}")
        print(f"emulator apply: {time.monotonic() - started:.0f}s")
        return args

    with fresh_moto_deployment(tmp_path_factory, apply) as (work, endpoint, args):
        session = boto3.Session(aws_access_key_id="testing", aws_secret_access_key="testing", region_name="us-east-1")
        clients = {name: session.client(name, endpoint_url=endpoint) for name in ("glue", "s3", "iam", "ssm", "sns")}
        state = work / "emulator.tfstate"
        yield {"clients": clients, "args": args, "state": state, "endpoint": endpoint, "zip": artifacts["zip"]}


def test_workflow_triggers_form_the_chain(deployed):
    glue = deployed["clients"]["glue"]
    assert glue.get_workflow(Name=f"{PREFIX}-medallion")["Workflow"]["Name"] == f"{PREFIX}-medallion"
    triggers = [t for t in glue.get_triggers()["Triggers"] if t.get("WorkflowName") == f"{PREFIX}-medallion"]
    start = [t for t in triggers if t["Type"] == "SCHEDULED"]
    assert len(start) == 1 and [a["JobName"] for a in start[0]["Actions"]] == [f"{PREFIX}-bronze-ingest"]

    def after(job):
        found = [
            t
            for t in triggers
            if t["Type"] == "CONDITIONAL"
            and t["Predicate"]["Conditions"] == [{"LogicalOperator": "EQUALS", "JobName": job, "State": "SUCCEEDED"}]
        ]
        assert len(found) == 1, f"one trigger must fire on {job} SUCCEEDED"
        return found[0]["Actions"]

    assert [a["JobName"] for a in after(f"{PREFIX}-bronze-ingest")] == [f"{PREFIX}-silver-clean"]
    assert [a["JobName"] for a in after(f"{PREFIX}-silver-clean")] == [f"{PREFIX}-gold-aggregates"]
    crawlers = {c["Name"] for c in glue.get_crawlers()["Crawlers"]}
    assert (
        {a["CrawlerName"] for a in after(f"{PREFIX}-gold-aggregates")}
        == crawlers
        == {f"{PREFIX}-{name}" for name in ("bronze", "gold", "gold_spectrum", "ops")}
    )


@pytest.mark.parametrize("script", sorted(SCRIPTS))
def test_jobs_run_the_uploaded_scripts_with_their_arguments(deployed, script):
    glue, s3 = deployed["clients"]["glue"], deployed["clients"]["s3"]
    name = f"{PREFIX}-{script.removesuffix('.py').replace('_', '-')}"
    job = glue.get_job(JobName=name)["Job"]
    assert job["GlueVersion"] == "5.1"
    bucket, key = job["Command"]["ScriptLocation"].removeprefix("s3://").split("/", 1)
    body = s3.get_object(Bucket=bucket, Key=key)["Body"].read()
    assert body == (REPO / "glue_jobs" / script).read_bytes(), "the deployed script is the repository's"
    args = job["DefaultArguments"]
    for arg in required_args(REPO / "glue_jobs" / script):
        if arg != "JOB_NAME":
            assert args.get(f"--{arg}"), f"{name}: --{arg} missing"
    zip_bucket, zip_key = args["--extra-py-files"].removeprefix("s3://").split("/", 1)
    assert s3.get_object(Bucket=zip_bucket, Key=zip_key)["Body"].read() == deployed["zip"].read_bytes()
    role = deployed["clients"]["iam"].get_role(RoleName=job["Role"].rsplit("/", 1)[-1])["Role"]
    assert role["RoleName"] == f"{PREFIX}-{SCRIPTS[script]}"


def test_catalog_has_layers_and_silver_tables_from_contracts(deployed):
    glue = deployed["clients"]["glue"]
    names = {d["Name"] for d in glue.get_databases()["DatabaseList"]}
    assert {f"lakehouse_emulator_{db}" for db in ("bronze", "silver", "gold", "ops", "gold_spectrum")} <= names
    tables = {t["Name"] for t in glue.get_tables(DatabaseName="lakehouse_emulator_silver")["TableList"]}
    expected = {c["entity"] for c in CONTRACTS} | {f"quarantine_{c['entity']}" for c in CONTRACTS}
    expected |= {f"{c['entity']}_versions" for c in CONTRACTS if c.get("scd2")}
    assert tables == expected


def test_pii_salt_is_generated_and_kept_out_of_state(deployed):
    ssm = deployed["clients"]["ssm"]
    parameter = ssm.get_parameter(Name="/lakehouse/emulator/pii-salt", WithDecryption=True)["Parameter"]
    assert parameter["Type"] == "SecureString" and len(parameter["Value"]) == 48
    assert parameter["Value"] not in deployed["state"].read_text(), "the salt must not be stored in the state"


def test_job_policies_read_back_scoped(deployed):
    iam = deployed["clients"]["iam"]
    doc = iam.get_role_policy(RoleName=f"{PREFIX}-silver", PolicyName="scoped-access")["PolicyDocument"]
    doc = json.loads(doc) if isinstance(doc, str) else doc
    writes = next(s for s in doc["Statement"] if s["Sid"] == "WriteOwnLakePrefixes")["Resource"]
    assert sorted(r.rsplit("/", 2)[-2] for r in writes) == ["ops", "silver"]


def test_second_plan_is_empty(terraform, deployed):
    result = terraform("plan", "-detailed-exitcode", *deployed["args"], timeout=600)
    assert result.returncode == 0, f"apply is not idempotent (exit {result.returncode}):\n{result.stdout[-4000:]}"


def test_deploy_check_reads_back_what_moto_serves(terraform, deployed, tf_env, tmp_path):
    """`./deploy.sh check` (scripts/deploy_check.py, the aws CLI) against the emulated account right
    after apply, before any run: the calls and the answers' shapes are the APIs' (as moto serves
    them). Nothing has run, so each job has no run yet (WARN), the crawlers made no gold tables and
    gold wrote no exports (FAIL: the red lines docs/first-deploy.md explains), and Athena and
    Redshift are switched off in this env (WARN)."""
    import subprocess
    import sys

    out = terraform("output", "-json", f"-state={deployed['state']}", timeout=120)
    assert out.returncode == 0, out.stderr
    outputs = tmp_path / "outputs.json"
    outputs.write_text(out.stdout)
    # One attempt per call: no back-off on moto's CloudWatch 500s (the check's ~13 CLI calls: 67 s here, loaded cores).
    env = {**tf_env, "AWS_ENDPOINT_URL": deployed["endpoint"], "AWS_MAX_ATTEMPTS": "1"}
    cmd = [sys.executable, str(REPO / "scripts" / "deploy_check.py"), str(outputs), "--region", "us-east-1"]
    done = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=600)
    assert done.returncode == 1, done.stdout + done.stderr
    rows = [r for r in done.stdout.splitlines()[1:-1]]
    verdict = {r.split("  ")[0].strip(): r.split()[-1] for r in rows}
    jobs = json.loads(out.stdout)["glue_job_names"]["value"]
    assert {verdict[f"job {j}"] for j in jobs.values()} == {"WARN"} and "no run yet" in done.stdout
    gold = sorted(p.stem for p in (REPO / "contracts" / "gold").glob("*.yaml"))
    assert {verdict[f"catalog lakehouse_emulator_gold.{t}"] for t in gold} == {"FAIL"}
    assert verdict["export exports/fact_sales/"] == "FAIL"
    assert verdict["athena query"] == verdict["redshift star"] == "WARN"
    # This moto server answers the aws CLI's CloudWatch calls (list-metrics, describe-alarms) with an
    # internal error (seen here; the recording fakes cover those lines): each is a FAIL line of its
    # own with the error, and the checks after it still run.
    cloudwatch = [r for r in rows if r.startswith(("DQ metrics", "alarms "))]
    assert len(cloudwatch) == 2 and all("error: cloudwatch" in r and r.endswith("FAIL") for r in cloudwatch)
    assert sum("error:" in r for r in rows) == 2, "every Glue and S3 call the check makes is one moto answers"
