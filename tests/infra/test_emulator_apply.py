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

pytestmark = pytest.mark.slow

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
