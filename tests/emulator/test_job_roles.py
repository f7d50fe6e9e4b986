"""Least privilege with the real jobs (issue 34, item 3): the deployed chain runs in the emulator with
moto enforcing IAM, each job's S3 client acting as the job's own role (GlueRunner s3_as_job_role:
temporary credentials of the deployed role, assumed as Glue assumes it). Every job must succeed;
without one of its role's S3 statements a job must fail with AccessDenied.

What moto can and cannot check (moto's "IAM-like Access Control", lakehouse_local.emulator.server.
enforce_iam): it evaluates resource-level statements for S3 only, so only the jobs' S3 access runs as
the role; their DynamoDB, SSM and CloudWatch calls and the runner's own calls act as an
administrator user created here. moto cannot evaluate a trust policy whose principal is a service (it
fails on glue.amazonaws.com), so the roles' trust policy is replaced by one naming that user, who
stands for Glue; the roles' permission policies are the deployed ones, untouched."""

import json
import time

import pytest

from lakehouse_local import sample_data
from lakehouse_local.emulator import server
from lakehouse_local.emulator.__main__ import upload_batch
from lakehouse_local.emulator.deploy import Terraform
from lakehouse_local.emulator.glue_runner import GlueRunner
from tests.emulator.test_emulator_chain import JOBS, ROWS, SEED, assert_layers_match_the_ledger

pytestmark = [pytest.mark.slow, pytest.mark.long]

ADMIN = "emulator-admin"
ACCOUNT = "123456789012"
DROPPED = "WriteOwnLakePrefixes"  # the gold role's writes to its own tables (terraform/modules/iam)


def as_admin(endpoint: str) -> dict:
    """An IAM user allowed everything, and its access key as environment names."""
    iam = server.client("iam", endpoint)
    iam.create_user(UserName=ADMIN)
    allow_all = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]}
    iam.put_user_policy(UserName=ADMIN, PolicyName="all", PolicyDocument=json.dumps(allow_all))
    key = iam.create_access_key(UserName=ADMIN)["AccessKey"]
    return {"AWS_ACCESS_KEY_ID": key["AccessKeyId"], "AWS_SECRET_ACCESS_KEY": key["SecretAccessKey"]}


def trusted_by_admin(endpoint: str, role_arns: list[str]) -> None:
    iam = server.client("iam", endpoint)
    trust = {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Principal": {"AWS": f"arn:aws:iam::{ACCOUNT}:user/{ADMIN}"},
                "Action": "sts:AssumeRole",
            }
        ],
    }
    for arn in role_arns:
        iam.update_assume_role_policy(RoleName=arn.rsplit("/", 1)[1], PolicyDocument=json.dumps(trust))


@pytest.fixture(scope="module")
def enforced(tmp_path_factory):
    work = tmp_path_factory.mktemp("jobroles")
    proc, endpoint = server.start_moto(work / "moto.log")
    try:
        tf = Terraform(endpoint, work / "terraform", work / "moto.log")
        tf.apply()
        out = tf.outputs()
        ledger = sample_data.generate(work / "sample", ROWS, 1, SEED)
        upload_batch(server.client("s3", endpoint), work / "sample", out["lake_root"], 1)
        admin = as_admin(endpoint)
        glue = server.client("glue", endpoint)
        roles = {stage: glue.get_job(JobName=name)["Job"]["Role"] for stage, name in JOBS.items()}
        trusted_by_admin(endpoint, list(roles.values()))
        server.enforce_iam(endpoint)
        runner = GlueRunner(endpoint, out["glue_workflow_name"], work, credentials=admin, s3_as_job_role=True)
        run = runner.run()
        print(run.timeline())
        yield {
            "endpoint": endpoint,
            "admin": admin,
            "runner": runner,
            "run": run,
            "roles": roles,
            "out": out,
            "ledger": ledger,
            "work": work,
        }
    finally:
        server.stop(proc)


def role_s3(enforced, stage: str):
    sts = server.client("sts", enforced["endpoint"], enforced["admin"])
    creds = sts.assume_role(RoleArn=enforced["roles"][stage], RoleSessionName="check")["Credentials"]
    env = {
        "AWS_ACCESS_KEY_ID": creds["AccessKeyId"],
        "AWS_SECRET_ACCESS_KEY": creds["SecretAccessKey"],
        "AWS_SESSION_TOKEN": creds["SessionToken"],
    }
    return server.client("s3", enforced["endpoint"], env)


def test_moto_enforced_each_role_on_s3(enforced):
    """The run above was under enforcement: a role writing another layer is denied, its own allowed."""
    bucket, prefix = enforced["out"]["lake_root"].split("://", 1)[1].partition("/")[::2]
    key = lambda layer: "/".join(p for p in (prefix.strip("/"), layer, "probe.txt") if p)  # noqa: E731
    silver = role_s3(enforced, "silver")
    silver.put_object(Bucket=bucket, Key=key("silver"), Body=b"own layer")
    with pytest.raises(Exception, match="AccessDenied"):
        silver.put_object(Bucket=bucket, Key=key("bronze"), Body=b"not its layer")


def test_every_job_succeeded_as_its_own_role(enforced):
    run = enforced["run"]
    assert run.succeeded(), run.timeline()
    assert {s.name: s.attempts for s in run.steps if s.kind == "job"} == dict.fromkeys(JOBS.values(), 1)
    s3 = server.client("s3", enforced["endpoint"], enforced["admin"])
    assert_layers_match_the_ledger(s3, enforced["out"]["lake_root"], enforced["ledger"])


def test_without_its_write_statement_the_gold_job_fails_with_access_denied(enforced):
    iam = server.client("iam", enforced["endpoint"], enforced["admin"])
    role = enforced["roles"]["gold"].rsplit("/", 1)[1]
    policy = iam.get_role_policy(RoleName=role, PolicyName="scoped-access")["PolicyDocument"]
    policy = json.loads(policy) if isinstance(policy, str) else policy
    kept = [st for st in policy["Statement"] if st.get("Sid") != DROPPED]
    assert len(kept) == len(policy["Statement"]) - 1, f"no statement {DROPPED} in {role}'s policy"
    iam.put_role_policy(
        RoleName=role, PolicyName="scoped-access", PolicyDocument=json.dumps({**policy, "Statement": kept})
    )
    moto_log = enforced["work"] / "moto.log"
    seen = len(moto_log.read_text().splitlines())
    step = enforced["runner"].run_job(JOBS["gold"], {}, "test", "wr_denied", time.monotonic())
    assert step.state == "FAILED", step.detail
    assert "AccessDeniedException" in open(step.log).read(), step.detail
    denied = [line for line in moto_log.read_text().splitlines()[seen:] if '" 403 ' in line]
    assert denied and all(line.split('"')[1].split()[0] in ("PUT", "POST", "DELETE") for line in denied), denied
