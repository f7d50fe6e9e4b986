"""Least privilege of the job roles' S3 access, proven where an emulator can prove it.

moto enforces IAM on S3 once `INITIAL_NO_AUTH_ACTION_COUNT` requests have passed (moto docs, "IAM-like
Access Control"): a request signed with an assumed role's credentials is allowed only if one of the
role's policy statements allows the S3 action (s3:GetObject, s3:PutObject, s3:ListBucket, ...) on the
resource (arn:aws:s3:::bucket or bucket/key). Each job role gets its policy exactly as Terraform plans
it (envs/dev.tfvars), and the role's credentials replay the job's S3 access pattern:

- Glue loading the job: the script, --extra-py-files and --extra-jars read from the artifacts bucket,
  TempDir and the Spark UI event logs written, listed and cleaned (the planned aws_glue_job's values);
  each bucket located (GetBucketLocation) before its first use;
- the job's tables (the datasets its OpenLineage events name; tests/integration/test_lineage_chain.py
  checks those against the same Terraform prefixes): a Delta read lists <table>/_delta_log/ and gets a
  commit and a data file; a Delta write puts a data file and a commit and deletes the folder marker
  (S3A removes the parent markers of a file it writes); bronze lists and gets the landing files;
- the lake report of a job given --report_uri (gold; lakehouse.report): it reads every bronze, quarantine,
  gold and ops table, and S3A's create of the page looks the key up, puts it and removes the parent marker.

- the lookups of keys that hold no object: a HEAD of each folder's own key and of `_delta_log` at the
  lake root (what the real jobs' S3 clients do first; tests/emulator/test_job_roles.py runs them).

Not proven here (see docs/least-privilege.md): that the real jobs make no other S3 calls (the
replay is a model of their access; tests/emulator/test_job_roles.py runs the real ones), S3's 404 or
403 for a missing key (moto answers 404 whatever the ListBucket grant; pinned on the plan below),
SSE-KMS (moto's S3 calls no KMS), bucket policies, and any service but S3.
"""

import json
from pathlib import Path

import boto3
import pytest
import yaml
from botocore.exceptions import ClientError
from moto import mock_aws
from moto import settings as moto_settings

REPO = Path(__file__).resolve().parents[2]
JOBS = ("bronze", "silver", "gold", "maintain")
S3_SIDS = {
    "LocateOwnBuckets",
    "ProbeOwnLakeFolders",
    "ListLakeBucket",
    "ReadOwnLakePrefixes",
    "WriteOwnLakePrefixes",
    "ReadOwnArtifacts",
    "ListArtifactsBucket",
    "WriteOwnArtifactPrefixes",
}
SOURCES = {
    (c := yaml.safe_load(p.read_text()))["source"]: c["entity"] for p in sorted((REPO / "contracts").glob("*.yaml"))
}
MARTS = sorted(yaml.safe_load(p.read_text())["table"] for p in (REPO / "contracts" / "gold").glob("*.yaml"))
OPS = ("pipeline_runs", "dq_results", "ingest_ledger", "schema_drift", "batches_processed")


def tables(job: str) -> tuple[list[str], list[str]]:
    """(tables read, tables written) by the job, as lake keys (what its lineage events name)."""
    bronze = [f"bronze/{s}" for s in SOURCES]
    silver = [f"silver/{e}" for e in SOURCES.values()]
    quarantine = [f"silver/quarantine_{e}" for e in SOURCES.values()]
    gold = [f"gold/{t}" for t in MARTS]
    ops = [f"ops/{t}" for t in OPS]
    if job == "bronze":
        return bronze + ["ops/ingest_ledger"], bronze + ["ops/ingest_ledger", "ops/schema_drift", "ops/pipeline_runs"]
    if job == "silver":
        return bronze + silver + ["ops/batches_processed"], silver + quarantine + ops
    if job == "gold":
        return silver + gold + ["ops/batches_processed"], gold + [f"exports/{t}" for t in MARTS] + ops
    every = bronze + silver + quarantine + gold + ops
    return every, every  # maintain: OPTIMIZE and VACUUM of every table


def report_reads() -> list[str]:
    """The tables the lake report reads (lakehouse.report: lake_counts and the ops tables), as lake keys."""
    quarantine = [f"silver/quarantine_{e}" for e in SOURCES.values()]
    return [f"bronze/{s}" for s in SOURCES] + quarantine + [f"gold/{t}" for t in MARTS] + [f"ops/{t}" for t in OPS]


def _glue_job(by_type, job: str) -> dict:
    address = f'module.glue_job["{job}"].aws_glue_job.this'
    return next(r["values"] for r in by_type("aws_glue_job") if r["address"] == address)


def _bucket_key(uri: str) -> tuple[str, str]:
    bucket, _, key = uri.removeprefix("s3://").partition("/")
    return bucket, key


def access_pattern(by_type, job: str, lake: str) -> list[tuple]:
    """The S3 calls of one job run: (method, kwargs) for boto3's S3 client."""
    glue = _glue_job(by_type, job)
    args = glue["default_arguments"]
    artifacts = [glue["command"][0]["script_location"]]
    artifacts += [u for a in ("--extra-py-files", "--extra-jars") for u in args.get(a, "").split(",") if u]
    scratch = [args["--TempDir"], args["--spark-event-logs-path"]]
    calls = [("get_bucket_location", {"Bucket": b}) for b in sorted({_bucket_key(u)[0] for u in artifacts + scratch})]
    calls += [("get_object", dict(zip(("Bucket", "Key"), _bucket_key(u), strict=True))) for u in artifacts]
    for uri in scratch:
        bucket, prefix = _bucket_key(uri)
        calls += [
            ("put_object", {"Bucket": bucket, "Key": f"{prefix}run-1/part", "Body": b"x"}),
            ("list_objects_v2", {"Bucket": bucket, "Prefix": f"{prefix}run-1/"}),
            ("get_object", {"Bucket": bucket, "Key": f"{prefix}run-1/part"}),
            ("delete_object", {"Bucket": bucket, "Key": f"{prefix}run-1/part"}),
        ]
    calls.append(("get_bucket_location", {"Bucket": lake}))
    if job == "bronze":
        for source in SOURCES:
            calls += [
                ("list_objects_v2", {"Bucket": lake, "Prefix": f"landing/{source}/"}),
                ("get_object", {"Bucket": lake, "Key": f"landing/{source}/001/{source}.csv"}),
            ]
    reads, writes = tables(job)
    report = args.get("--report_uri")
    if report:
        reads = reads + [t for t in report_reads() if t not in reads]
    # Before using a table, Hadoop's S3 client looks up each folder's own key (HEAD `landing` as well
    # as `landing/`) and Delta looks for a table's root up its parents (HEAD `_delta_log` at the lake
    # root): keys that hold no object (tests/emulator/test_job_roles.py met them with the real jobs)
    folders = {t.split("/", 1)[0] for t in reads + writes} | {"_delta_log"}
    if report:
        folders.add(_bucket_key(report)[1].split("/", 1)[0])
    for key in sorted(folders):
        calls.append(("head_object", {"Bucket": lake, "Key": key}))
    for t in reads:
        calls += [
            ("list_objects_v2", {"Bucket": lake, "Prefix": f"{t}/_delta_log/"}),
            ("get_object", {"Bucket": lake, "Key": f"{t}/_delta_log/{0:020d}.json"}),
            ("get_object", {"Bucket": lake, "Key": f"{t}/part-00000.parquet"}),
        ]
    for t in writes:
        calls += [
            ("put_object", {"Bucket": lake, "Key": f"{t}/part-00001.parquet", "Body": b"x"}),
            ("put_object", {"Bucket": lake, "Key": f"{t}/_delta_log/{1:020d}.json", "Body": b"{}"}),
            ("delete_object", {"Bucket": lake, "Key": f"{t}/"}),
        ]
    if report:
        bucket, key = _bucket_key(report)
        calls += [
            ("get_object", {"Bucket": bucket, "Key": key}),
            ("list_objects_v2", {"Bucket": bucket, "Prefix": f"{key}/"}),
            ("put_object", {"Bucket": bucket, "Key": key, "Body": b"<!DOCTYPE html>"}),
            ("delete_object", {"Bucket": bucket, "Key": f"{key.rsplit('/', 1)[0]}/"}),
        ]
    return calls


def one_per_kind(calls) -> list[tuple]:
    """The first call of each (method, bucket, top folder): the policies grant by bucket and top-level
    prefix, so these meet every statement the whole pattern meets, in far fewer calls."""
    seen, out = set(), []
    for method, kw in calls:
        kind = (method, kw["Bucket"], kw.get("Key", kw.get("Prefix", "")).split("/", 1)[0])
        if kind not in seen:
            seen.add(kind)
            out.append((method, kw))
    return out


def _policy(by_type, job: str) -> dict:
    address = f'module.iam.aws_iam_role_policy.this["{job}"]'
    return json.loads(next(r["values"]["policy"] for r in by_type("aws_iam_role_policy") if r["address"] == address))


def _lake_bucket(by_type) -> str:
    return next(b["values"]["bucket"] for b in by_type("aws_s3_bucket") if "-lake-" in b["values"]["bucket"])


@pytest.fixture
def account(monkeypatch):
    """An in-process moto account; `as_role(policy)` gives an S3 client of a role holding that policy,
    with IAM enforced from then on."""
    admin_env = {"AWS_ACCESS_KEY_ID": "admin", "AWS_SECRET_ACCESS_KEY": "admin", "AWS_DEFAULT_REGION": "us-east-1"}
    for k, v in admin_env.items():
        monkeypatch.setenv(k, v)
    monkeypatch.delenv("AWS_ENDPOINT_URL", raising=False)
    monkeypatch.setattr(moto_settings, "INITIAL_NO_AUTH_ACTION_COUNT", float("inf"))
    with mock_aws():
        admin = boto3.client("s3")
        roles = []

        def seed(calls):
            """The buckets the calls use, and every object they read (as the admin, before enforcing)."""
            for bucket in sorted({kw["Bucket"] for _, kw in calls}):
                admin.create_bucket(Bucket=bucket)
            for method, kw in calls:
                if method == "get_object":
                    admin.put_object(Bucket=kw["Bucket"], Key=kw["Key"], Body=b"x")

        def as_role(policy: dict):
            monkeypatch.setattr(moto_settings, "INITIAL_NO_AUTH_ACTION_COUNT", float("inf"))
            iam, name = boto3.client("iam"), f"job-role-{len(roles)}"
            glue = {"Effect": "Allow", "Principal": {"Service": "glue.amazonaws.com"}, "Action": "sts:AssumeRole"}
            trust = {"Version": "2012-10-17", "Statement": [glue]}
            arn = iam.create_role(RoleName=name, AssumeRolePolicyDocument=json.dumps(trust))["Role"]["Arn"]
            iam.put_role_policy(RoleName=name, PolicyName="scoped-access", PolicyDocument=json.dumps(policy))
            creds = boto3.client("sts").assume_role(RoleArn=arn, RoleSessionName="run")["Credentials"]
            roles.append(name)
            monkeypatch.setattr(moto_settings, "INITIAL_NO_AUTH_ACTION_COUNT", 0)  # enforce from here on
            return boto3.client(
                "s3",
                aws_access_key_id=creds["AccessKeyId"],
                aws_secret_access_key=creds["SecretAccessKey"],
                aws_session_token=creds["SessionToken"],
            )

        yield seed, as_role


def denied(s3, calls) -> list[str]:
    """The calls the role may not make ('method key')."""
    out = []
    for method, kw in calls:
        try:
            getattr(s3, method)(**kw)
        except ClientError as exc:
            code = exc.response["Error"]["Code"]
            if code in ("NoSuchKey", "404"):  # authorised; no such object (a probe, or an earlier call was denied)
                continue
            if code not in ("AccessDenied", "403"):  # a HEAD's error has no body: its status is its code
                raise
            out.append(f"{method} {kw.get('Key', kw.get('Prefix', kw['Bucket']))}")
    return out


@pytest.mark.parametrize("job", JOBS)
def test_each_job_role_allows_its_jobs_s3_access_and_every_s3_statement_is_needed(by_type, account, job):
    seed, as_role = account
    calls = access_pattern(by_type, job, _lake_bucket(by_type))
    seed(calls)
    policy = _policy(by_type, job)
    assert denied(as_role(policy), calls) == []
    sids = {s["Sid"] for s in policy["Statement"]} & S3_SIDS
    assert sids, "no S3 statement found"
    kinds = one_per_kind(calls)
    for sid in sorted(sids):  # without any one of them the job's access fails somewhere
        without = {**policy, "Statement": [s for s in policy["Statement"] if s["Sid"] != sid]}
        assert denied(as_role(without), kinds), f"{job}: statement {sid} is not needed by the job's access"


@pytest.mark.parametrize(
    "job, foreign",
    [
        ("bronze", "silver/sales"),
        ("silver", "gold/daily_sales"),
        ("gold", "bronze/pos_sales"),
        ("maintain", "landing/pos_sales"),
    ],
)
def test_a_job_role_cannot_write_a_layer_that_is_not_its_own(by_type, account, job, foreign):
    seed, as_role = account
    lake = _lake_bucket(by_type)
    seed([("put_object", {"Bucket": lake, "Key": "x"})])
    s3 = as_role(_policy(by_type, job))
    with pytest.raises(ClientError) as err:
        s3.put_object(Bucket=lake, Key=f"{foreign}/part-00001.parquet", Body=b"x")
    assert err.value.response["Error"]["Code"] == "AccessDenied"


@pytest.mark.parametrize("job", JOBS)
def test_each_job_role_lists_its_buckets_without_a_prefix_condition(by_type, job):
    """S3 answers a HEAD of a missing key with 404 only to an identity with s3:ListBucket on the bucket,
    else 403 ("HeadObject", Amazon S3 API Reference); a HEAD has no s3:prefix, so a ListBucket under an
    s3:prefix condition would not count, and the jobs' S3 clients fail on a 403 (terraform/modules/iam).
    moto answers 404 either way, so this is pinned on the plan."""
    lists = [s for s in _policy(by_type, job)["Statement"] if s["Action"] in (["s3:ListBucket"], "s3:ListBucket")]
    lake = f"arn:aws:s3:::{_lake_bucket(by_type)}"
    assert any(lake in s["Resource"] for s in lists), f"{job}: no ListBucket on the lake bucket"
    assert [s["Sid"] for s in lists if "Condition" in s] == [], f"{job}: a ListBucket under a condition"
