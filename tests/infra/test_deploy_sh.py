"""deploy.sh: preflight failures, terraform orchestration and the redshift_sql/ run.

terraform and aws are replaced by recording fakes on PATH, so this runs offline; the fakes'
logs are what the assertions read.
"""

import json
import os
import shutil
import stat
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
DEPLOY = REPO / "deploy.sh"
BASICS = ["bash", "env", "dirname", "basename", "sed", "ls", "tr", "mktemp", "rm", "cat", "sleep", "sort", "head"]
SECRET = "arn:aws:secretsmanager:eu-central-1:123456789012:secret:redshift!lakehouse-dev-ns-admin"

FAKE_TERRAFORM = r"""#!{python}
import json, os, sys
args = [a for a in sys.argv[1:] if not a.startswith("-chdir=")]
with open(os.environ["FAKE_LOG"], "a") as log:
    log.write(json.dumps(["terraform", *args]) + "\n")
outputs = {{
    "aws_region": os.environ.get("FAKE_REGION", "eu-central-1"),
    "lake_root": "s3://lakehouse-dev-lake-123456789012",
    "glue_workflow_name": "lakehouse-dev-medallion",
    "glue_job_names": {{"bronze": "lakehouse-dev-bronze-ingest", "gold": "lakehouse-dev-gold-aggregates"}},
    "glue_database_names": {{"gold": "lakehouse_dev_gold", "gold_spectrum": "lakehouse_dev_gold_spectrum"}},
    "glue_log_group_names": {{
        "output": "/aws-glue/jobs/lakehouse-dev/output", "error": "/aws-glue/jobs/lakehouse-dev/error"
    }},
    "athena_workgroup_name": "lakehouse-dev",
    "dq_metric_namespace": "Lakehouse/DataQuality",
    "redshift_workgroup_name": os.environ.get("FAKE_WORKGROUP", "lakehouse-dev-wg"),
    "redshift_database_name": "lakehouse",
    "redshift_admin_secret_arn": SECRET,
    "exports_uri": "s3://lakehouse-dev-lake-123456789012/exports",
    "redshift_role_arn": "arn:aws:iam::123456789012:role/lakehouse-dev-redshift",
    "redshift_spectrum_database_name": "lakehouse_dev_gold_spectrum",
}}
if os.environ.get("FAKE_NO_OUTPUTS") == "1":
    outputs = {{}}
if args[:1] == ["output"]:
    if args[1] == "-json" and len(args) == 2:
        print(json.dumps({{k: {{"value": v}} for k, v in outputs.items()}}))
    elif args[1] == "-json":
        print(json.dumps(outputs[args[2]]))
    else:
        value = outputs.get(args[-1])
        if value is None:
            sys.exit(1)
        sys.stdout.write(value)
""".replace("SECRET", repr("arn:aws:secretsmanager:eu-central-1:123456789012:secret:redshift!lakehouse-dev-ns-admin"))

# Jobs of the workflow in chain order, then the crawler; each poll of get-workflow-run moves on.
JOBS = ["lakehouse-dev-bronze-ingest", "lakehouse-dev-silver-clean", "lakehouse-dev-gold-aggregates"]
GOLD = sorted(p.stem for p in (REPO / "contracts" / "gold").glob("*.yaml"))

FAKE_AWS = r"""#!{python}
import json, os, sys
args = sys.argv[1:]
env = os.environ.get
with open(env("FAKE_LOG"), "a") as log:
    log.write(json.dumps(["aws", *args]) + "\n")
if args[:1] == ["--region"]:
    args = args[2:]
def arg(name):
    return args[args.index(name) + 1]
def counter(name):
    path = env("FAKE_LOG") + "." + name
    n = int(open(path).read()) + 1 if os.path.exists(path) else 1
    open(path, "w").write(str(n))
    return n
text = "--query" in args  # deploy.sh asks for one field as text; the check reads whole JSON answers
if args[:2] == ["sts", "get-caller-identity"]:
    sys.exit(0 if env("FAKE_CREDS", "1") == "1" else 255)
if args[:2] == ["s3", "cp"]:
    sys.exit(0)
if args[:2] == ["glue", "start-workflow-run"]:
    print("wr-1")
    sys.exit(0)
if args[:2] == ["glue", "get-job"]:
    print(env("FAKE_MAX_RETRIES", "0") if env("FAKE_RETRY_JOB", "-") in arg("--job-name") else "0")
    sys.exit(0)
if args[:2] == ["glue", "get-job-runs"] and "--max-items" not in args:  # deploy.sh: the retry chain
    n = counter("jobruns")
    retry_state = "RUNNING" if n == 1 else ("FAILED" if env("FAKE_RETRY_FAILS") else "SUCCEEDED")
    retry = {{"Id": "jr_1_attempt_1", "PreviousRunId": "jr_1", "Attempt": 1, "JobRunState": retry_state}}
    if retry_state == "FAILED":
        retry["ErrorMessage"] = "second attempt failed too"
    runs = [retry, {{"Id": "jr_1", "Attempt": 0, "JobRunState": "FAILED", "ErrorMessage": "first attempt"}}]
    print(json.dumps({{"JobRuns": runs}}))
    sys.exit(0)
if args[:2] == ["glue", "get-workflow-run"]:
    jobs = {jobs}
    poll = counter("polls")
    fail, retry = env("FAKE_FAIL_JOB"), env("FAKE_RETRY_JOB")
    start = {{"Type": "SCHEDULED", "Name": "lakehouse-dev-start"}}
    nodes = [{{"Type": "TRIGGER", "Name": "lakehouse-dev-start", "TriggerDetails": {{"Trigger": start}}}}]
    for i, name in enumerate(jobs):
        if env("FAKE_NOT_STARTED") or poll < i + 1:
            nodes.append({{"Type": "JOB", "Name": name, "JobDetails": {{}}}})
            continue
        state = "RUNNING" if poll == i + 1 else "SUCCEEDED"
        run = {{"Id": f"jr_{{i}}", "JobRunState": state, "Attempt": 0}}
        if (fail and fail in name) or (retry and retry in name and poll > i + 1):
            error = "AnalysisException: Path does not exist:\n s3://lake/bronze/x"
            run = {{"Id": f"jr_{{i}}", "JobRunState": "FAILED", "Attempt": 0, "ErrorMessage": error}}
        nodes.append({{"Type": "JOB", "Name": name, "JobDetails": {{"JobRuns": [run]}}}})
    done = poll > len(jobs) or bool(env("FAKE_NOT_STARTED"))
    if done:
        crawl = {{"State": env("FAKE_CRAWL_STATE", "SUCCEEDED"), "ErrorMessage": "Internal Service Exception"}}
        nodes.append({{"Type": "CRAWLER", "Name": "lakehouse-dev-gold", "CrawlerDetails": {{"Crawls": [crawl]}}}})
    print(json.dumps({{"Run": {{"Status": "COMPLETED" if done else "RUNNING", "Graph": {{"Nodes": nodes}}}}}}))
    sys.exit(0)
if args[:2] == ["s3api", "list-objects-v2"]:
    prefix = arg("--prefix")
    empty = [t for t in env("FAKE_EMPTY_EXPORTS", "").split(",") if t]
    n = 0 if any(prefix == f"exports/{{t}}/" for t in empty) else 1
    print(n if text else json.dumps({{"Contents": [{{"Key": prefix + "part-0.parquet"}}] * n}}))
    sys.exit(0)
if args[:2] in (["redshift-data", "execute-statement"], ["redshift-data", "batch-execute-statement"]):
    n = counter("n")
    sqls = args[args.index("--sqls") + 1:] if "--sqls" in args else [arg("--sql")]
    sqls = [s for s in sqls if not s.startswith("--")][: len(sqls)]
    print(f"stmt-{{n}}" if text else json.dumps({{"Id": f"stmt-{{n}}"}}))
    if env("FAKE_FAIL_ON") and any(env("FAKE_FAIL_ON") in s for s in sqls):
        open(env("FAKE_LOG") + ".failed", "w").write(f"stmt-{{n}}")
    sys.exit(0)
if args[:2] == ["redshift-data", "describe-statement"]:
    sid = arg("--id")
    failed = env("FAKE_LOG") + ".failed"
    status = "FAILED" if os.path.exists(failed) and open(failed).read() == sid else "FINISHED"
    error = "syntax error at or near BOGUS"
    if not text:
        print(json.dumps({{"Status": status, "Error": error}}))
    else:
        print(status if arg("--query") == "Status" else error)
    sys.exit(0)
if args[:2] == ["redshift-data", "get-statement-result"]:
    print(json.dumps({{"Records": [[{{"longValue": int(env("FAKE_STAR_ROWS", "7"))}}]]}}))
    sys.exit(0)
# ------------------------------------------------------------ what ./deploy.sh check reads
if args[:2] == ["glue", "get-job-runs"]:
    group = env("FAKE_RUN_LOG_GROUP", "/aws-glue/jobs/lakehouse-dev")
    print(json.dumps({{"JobRuns": [{{"Id": "jr_9", "JobRunState": "SUCCEEDED", "LogGroupName": group}}]}}))
    sys.exit(0)
if args[:2] == ["glue", "get-tables"]:
    db, gold = arg("--database-name"), {gold}
    missing = env("FAKE_MISSING_TABLE", "-")
    if db.endswith("spectrum"):
        sd = {{"InputFormat": "org.apache.hadoop.hive.ql.io.SymlinkTextInputFormat"}}
        tables = [{{"Name": t, "StorageDescriptor": sd, "Parameters": {{}}}} for t in gold]
    else:
        tables = [{{"Name": t, "StorageDescriptor": {{}}, "Parameters": {{"table_type": "DELTA"}}}} for t in gold]
    print(json.dumps({{"TableList": [t for t in tables if t["Name"] != missing]}}))
    sys.exit(0)
if args[:2] == ["athena", "start-query-execution"]:
    print(json.dumps({{"QueryExecutionId": "q-1"}}))
    sys.exit(0)
if args[:2] == ["athena", "get-query-execution"]:
    print(json.dumps({{"QueryExecution": {{"Status": {{"State": "SUCCEEDED"}}}}}}))
    sys.exit(0)
if args[:2] == ["athena", "get-query-results"]:
    rows = [{{"Data": [{{"VarCharValue": "_col0"}}]}}, {{"Data": [{{"VarCharValue": env("FAKE_ATHENA_ROWS", "42")}}]}}]
    print(json.dumps({{"ResultSet": {{"Rows": rows}}}}))
    sys.exit(0)
if args[:2] == ["cloudwatch", "list-metrics"]:
    names = [m for m in env("FAKE_METRICS", "RuleFailed,FailedRows").split(",") if m]
    print(json.dumps({{"Metrics": [{{"MetricName": m}} for m in names]}}))
    sys.exit(0)
if args[:2] == ["cloudwatch", "describe-alarms"]:
    alarm = {{"AlarmName": arg("--alarm-name-prefix") + "-dq-rules-failed", "StateValue": env("FAKE_ALARM", "OK")}}
    print(json.dumps({{"MetricAlarms": [alarm]}}))
    sys.exit(0)
sys.exit(f"fake aws: unexpected {{args}}")
""".replace("{jobs}", repr(JOBS)).replace("{gold}", repr(GOLD))


def _bin(tmp_path: Path, with_terraform=True, with_aws=True) -> Path:
    fake = tmp_path / "bin"
    fake.mkdir()
    for tool in BASICS:
        found = shutil.which(tool)
        if found:
            (fake / tool).symlink_to(found)
    (fake / "python3").symlink_to(sys.executable)
    for name, body, wanted in (("terraform", FAKE_TERRAFORM, with_terraform), ("aws", FAKE_AWS, with_aws)):
        if wanted:
            path = fake / name
            path.write_text(body.format(python=sys.executable))
            path.chmod(path.stat().st_mode | stat.S_IEXEC)
    return fake


def run_deploy(tmp_path, *args, fake=None, **env_extra):
    fake = fake or _bin(tmp_path)
    log = tmp_path / "calls.log"
    (tmp_path / "tmp").mkdir(exist_ok=True)
    env = {
        "TMPDIR": str(tmp_path / "tmp"),  # deploy.sh's temporary files, checked for leftovers
        "PATH": str(fake),
        "HOME": str(tmp_path),
        "FAKE_LOG": str(log),
        "SKIP_BUILD": "1",
        "TF_PLUGIN_DIR": str(tmp_path / "no-mirror"),
        "SQL_POLL_SECONDS": "0",
        "RUN_POLL_SECONDS": "0",
        **env_extra,
    }
    result = subprocess.run(["bash", str(DEPLOY), *args], env=env, capture_output=True, text=True, timeout=120)
    calls = [json.loads(line) for line in log.read_text().splitlines()] if log.exists() else []
    return result, calls


def test_usage_without_action(tmp_path):
    result, _ = run_deploy(tmp_path)
    assert result.returncode == 2 and "up | plan | apply | seed | run | sql | check | destroy" in result.stderr


def test_unknown_environment_is_named(tmp_path):
    result, calls = run_deploy(tmp_path, "plan", "staging-eu")
    assert (
        result.returncode == 1
        and "no such environment" in result.stderr
        and "terraform/envs/staging-eu.tfvars" in result.stderr
    )
    assert calls == []


def test_missing_terraform_fails_early_with_a_clear_message(tmp_path):
    result, calls = run_deploy(tmp_path, "plan", "dev", fake=_bin(tmp_path, with_terraform=False))
    assert result.returncode == 1 and "terraform not found on PATH" in result.stderr
    assert calls == []


def test_missing_aws_cli_fails_early(tmp_path):
    result, calls = run_deploy(tmp_path, "apply", "dev", fake=_bin(tmp_path, with_aws=False))
    assert result.returncode == 1 and "aws CLI not found" in result.stderr
    assert not any(c[0] == "terraform" for c in calls)


def test_missing_credentials_fail_before_terraform_runs(tmp_path):
    result, calls = run_deploy(tmp_path, "apply", "dev", FAKE_CREDS="0")
    assert result.returncode == 1 and "no usable AWS credentials" in result.stderr
    # Before the first apply there are no outputs: the env file's region is used.
    assert [c[:5] for c in calls] == [["aws", "--region", "eu-west-1", "sts", "get-caller-identity"]]


def test_emulator_needs_an_endpoint(tmp_path):
    result, _ = run_deploy(tmp_path, "plan", "emulator")
    assert result.returncode == 1 and "LAKEHOUSE_EMULATOR_ENDPOINT" in result.stderr


def test_emulator_refuses_run_and_sql(tmp_path):
    result, calls = run_deploy(tmp_path, "up", "emulator", LAKEHOUSE_EMULATOR_ENDPOINT="http://127.0.0.1:5000")
    assert result.returncode == 1 and "moto runs no Glue jobs" in result.stderr
    assert calls == []


BATCH = ["redshift-data", "batch-execute-statement"]
STAR = ("dim_date", "dim_store", "dim_product", "dim_customer", "fact_sales")


def _sqls(call):
    """The SQL text(s) of an execute-statement (--sql) or batch-execute-statement (--sqls ...) call."""
    if "--sql" in call:
        return [call[call.index("--sql") + 1]]
    rest = call[call.index("--sqls") + 1 :]
    return rest[: next((i for i, a in enumerate(rest) if a.startswith("--")), len(rest))]


def _aws(calls):
    return [c for c in calls if c[0] == "aws"]


def _index(calls, prefix):
    """Position of the first call whose arguments (after --region R) start with prefix."""
    for i, c in enumerate(calls):
        body = c[3:] if c[:2] == ["aws", "--region"] else c[1:]
        if c[0] == prefix[0] and body[: len(prefix) - 1] == prefix[1:]:
            return i
    raise AssertionError(f"no call {prefix}")


def test_up_applies_then_runs_the_workflow_then_the_sql(tmp_path):
    mirror = tmp_path / "mirror"
    mirror.mkdir()
    result, calls = run_deploy(tmp_path, "up", "dev", TF_PLUGIN_DIR=str(mirror))
    assert result.returncode == 0, result.stderr
    assert list((tmp_path / "tmp").iterdir()) == [], "no temporary file is left behind"
    tf = [c[1:] for c in calls if c[0] == "terraform"]
    assert tf[0] == ["init", "-input=false", f"-plugin-dir={mirror}"], "init uses the provider mirror when it exists"
    assert tf[1] == ["workspace", "select", "-or-create=true", "dev"]
    assert tf[2][0] == "plan" and f"-var-file={REPO}/terraform/envs/dev.tfvars" in tf[2] and "-out=dev.tfplan" in tf[2]
    assert tf[3] == ["apply", "-input=false", "dev.tfplan"]

    # apply -> start-workflow-run -> wait (polls) -> exports check -> SQL
    applied = _index(calls, ["terraform", "apply"])
    started = _index(calls, ["aws", "glue", "start-workflow-run"])
    polls = [i for i, c in enumerate(calls) if c[3:5] == ["glue", "get-workflow-run"]]
    checked = _index(calls, ["aws", "s3api", "list-objects-v2"])
    first_sql = _index(calls, ["aws", "redshift-data", "execute-statement"])
    assert applied < started < polls[0] <= polls[-1] < checked < first_sql
    assert len(polls) == 4, "polled until the workflow COMPLETED"
    assert _index(calls, ["aws", "glue", "get-tables"]) > first_sql, "up ends with the check"
    start = calls[started]
    assert start[start.index("--name") + 1] == "lakehouse-dev-medallion"
    poll = calls[polls[0]]
    assert poll[poll.index("--run-id") + 1] == "wr-1" and "--include-graph" in poll

    # Every aws call names the region: the env file's before apply, Terraform's output after.
    aws = _aws(calls)
    assert all(c[1] == "--region" for c in aws), [c for c in aws if c[1] != "--region"]
    assert [c[2] for c in aws if c[3:5] == ["sts", "get-caller-identity"]] == ["eu-west-1"]
    assert {c[2] for c in aws if c[3:5] != ["sts", "get-caller-identity"]} == {"eu-central-1"}

    # One progress line per job state, in chain order.
    progress = [
        line.removeprefix("deploy: run: ") for line in result.stderr.splitlines() if line.startswith("deploy: run: ")
    ]
    assert [p for p in progress if p.split()[0] in JOBS] == [
        f"{job} {state}" for job in JOBS for state in ("RUNNING", "SUCCEEDED")
    ]
    assert "lakehouse-dev-gold SUCCEEDED" in progress and progress[-1] == "workflow lakehouse-dev-medallion COMPLETED"

    executed = [c for c in calls if c[3:5] in (["redshift-data", "execute-statement"], BATCH)]
    executed = [c for c in executed if "--query" in c]  # deploy.sh's; the check's counts ask for JSON
    sqls = [s for c in executed for s in _sqls(c)]
    assert sqls, "redshift_sql/ was not run"
    assert not any("${" in s for s in sqls), "template variables must be substituted"
    assert any("'s3://lakehouse-dev-lake-123456789012/exports/" in s for s in sqls)
    assert any("'arn:aws:iam::123456789012:role/lakehouse-dev-redshift'" in s for s in sqls)
    assert any("DATABASE 'lakehouse_dev_gold_spectrum'" in s for s in sqls), "Spectrum reads the manifest tables"
    # Files run in name order, every statement as the admin (its managed secret); each star load
    # (a BEGIN ... COMMIT block of 04_load_star.sql) is one batch-execute-statement: one transaction.
    files = sorted((REPO / "redshift_sql").glob("*.sql"))
    assert all(
        c[c.index("--workgroup-name") + 1] == "lakehouse-dev-wg"
        and c[c.index("--database") + 1] == "lakehouse"
        and c[c.index("--secret-arn") + 1] == SECRET
        for c in executed
    )
    batches = [_sqls(c) for c in executed if c[3:5] == BATCH]
    assert [[s.split()[0] for s in b] for b in batches] == [["DELETE", "COPY"]] * 5
    assert not any(s.upper() in ("BEGIN", "COMMIT") for s in sqls), "a batch is the transaction"
    logged = [
        line for line in result.stderr.splitlines() if line.startswith("deploy: redshift_sql: ") and " on " in line
    ]
    assert [line.split()[2] for line in logged] == [f.name for f in files]
    statuses = [c for c in calls if c[3:5] == ["redshift-data", "describe-statement"] and "--query" in c]
    assert len(statuses) == len(executed), "every statement is awaited before the next"
    # The exports check covers every table 04_load_star.sql copies.
    listed = {c[c.index("--prefix") + 1] for c in calls if c[3:5] == ["s3api", "list-objects-v2"]}
    assert listed == {f"exports/{t}/" for t in ("dim_date", "dim_store", "dim_product", "dim_customer", "fact_sales")}


def test_apply_neither_runs_the_workflow_nor_the_sql(tmp_path):
    result, calls = run_deploy(tmp_path, "apply", "dev")
    assert result.returncode == 0, result.stderr
    assert ["apply", "-input=false", "dev.tfplan"] in [c[1:] for c in calls if c[0] == "terraform"]
    assert [c[3:5] for c in _aws(calls)] == [["sts", "get-caller-identity"]]


def test_run_stops_with_the_failed_jobs_error_and_log_group(tmp_path):
    result, calls = run_deploy(tmp_path, "run", "dev", FAKE_FAIL_JOB="silver")
    assert result.returncode == 1
    err = result.stderr
    assert (
        "job lakehouse-dev-silver-clean FAILED (run jr_1): AnalysisException: Path does not exist: s3://lake/bronze/x"
        in err
    )
    assert "CloudWatch Logs group /aws-glue/jobs/lakehouse-dev/error, log streams starting with jr_1" in err
    assert "http" not in err, "a pointer, not a link"
    assert "lakehouse-dev-gold-aggregates" not in err
    assert not any(c[3:4] == ["redshift-data"] for c in calls)


def test_run_before_any_apply_says_so(tmp_path):
    result, calls = run_deploy(tmp_path, "run", "dev", FAKE_NO_OUTPUTS="1")
    assert result.returncode == 1 and "run ./deploy.sh apply dev first" in result.stderr
    assert not any(c[3:4] == ["glue"] for c in calls)


def test_sql_skips_the_loads_of_tables_gold_did_not_build(tmp_path):
    result, calls = run_deploy(tmp_path, "sql", "dev", FAKE_EMPTY_EXPORTS="fact_sales,dim_date")
    assert result.returncode == 0, result.stderr
    assert "no gold export for: dim_date fact_sales" in result.stderr
    assert "skipped the load from exports/fact_sales/" in result.stderr
    loaded = [_sqls(c)[1] for c in calls if c[3:5] == BATCH]
    assert [s.split()[1] for s in loaded] == ["star.dim_store", "star.dim_product", "star.dim_customer"]
    assert "nothing to load yet" not in result.stderr


def test_sql_with_no_exports_at_all_succeeds_and_says_so(tmp_path):
    result, calls = run_deploy(tmp_path, "sql", "dev", FAKE_EMPTY_EXPORTS=",".join(STAR))
    assert result.returncode == 0, result.stderr
    assert "nothing to load yet: deliver data to landing/ (./deploy.sh seed dev)" in result.stderr
    assert not any(c[3:5] == BATCH for c in calls), "no COPY from an empty prefix"
    assert any(c[3:5] == ["redshift-data", "execute-statement"] for c in calls), "the DDL still runs"


def test_plain_init_without_mirror(tmp_path):
    result, calls = run_deploy(tmp_path, "plan", "dev")
    assert result.returncode == 0, result.stderr
    assert [c[1:] for c in calls if c[0] == "terraform"][0] == ["init", "-input=false"]
    assert not any(c[3:4] == ["redshift-data"] for c in calls), "plan never touches Redshift"


def test_failed_statement_stops_with_the_file_and_error(tmp_path):
    result, calls = run_deploy(tmp_path, "sql", "dev", FAKE_FAIL_ON="CREATE EXTERNAL SCHEMA")
    assert result.returncode == 1
    assert "02_external_schema.sql" in result.stderr and "FAILED" in result.stderr and "syntax error" in result.stderr
    sqls = [c[c.index("--sql") + 1] for c in calls if c[3:5] == ["redshift-data", "execute-statement"]]
    assert "CREATE EXTERNAL SCHEMA" in sqls[-1], "nothing runs after the failed statement"


def test_a_failed_star_load_is_one_rolled_back_batch_and_nothing_is_left_open(tmp_path):
    # BatchExecuteStatement runs its Sqls "as a single transaction. If any SQL statement fails,
    # all work is rolled back": the DELETE of star.dim_product goes with its failed COPY, and no
    # session holds an open BEGIN (deploy.sh sends no BEGIN/COMMIT and opens no session).
    result, calls = run_deploy(tmp_path, "sql", "dev", FAKE_FAIL_ON="/exports/dim_product/")
    assert result.returncode == 1 and "04_load_star.sql" in result.stderr and "FAILED" in result.stderr
    sent = [c for c in calls if c[3:4] == ["redshift-data"] and c[4] != "describe-statement"]
    assert sent[-1][4] == "batch-execute-statement"
    assert [s.split()[0] for s in _sqls(sent[-1])] == ["DELETE", "COPY"] and "star.dim_product" in _sqls(sent[-1])[0]
    assert not any("--session-id" in c or "--session-keep-alive-seconds" in c for c in sent)
    assert not any(s.strip().upper() in ("BEGIN", "COMMIT") for c in sent for s in _sqls(c))
    assert list((tmp_path / "tmp").iterdir()) == [], "the rendered statements are removed when the run stops"


def test_redshift_disabled_skips_sql(tmp_path):
    result, calls = run_deploy(tmp_path, "sql", "dev", FAKE_WORKGROUP="")
    assert result.returncode == 0 and "skipping redshift_sql/" in result.stderr
    assert not any(c[3:4] == ["redshift-data"] for c in calls)


def test_destroy_asks_unless_auto_approved(tmp_path):
    result, calls = run_deploy(tmp_path, "destroy", "dev", AUTO_APPROVE="1")
    assert result.returncode == 0, result.stderr
    destroy = [c[1:] for c in calls if c[:2] == ["terraform", "destroy"]]
    assert destroy and "-auto-approve" in destroy[0] and f"-var-file={REPO}/terraform/envs/dev.tfvars" in destroy[0]


def test_script_is_executable_and_parses():
    assert os.access(DEPLOY, os.X_OK)
    assert subprocess.run(["bash", "-n", str(DEPLOY)]).returncode == 0


def test_up_sample_uploads_then_runs_then_loads_then_checks(tmp_path):
    result, calls = run_deploy(tmp_path, "up", "dev", "--sample", SAMPLE_ROWS="60")
    assert result.returncode == 0, result.stderr
    applied = _index(calls, ["terraform", "apply"])
    uploads = [i for i, c in enumerate(calls) if c[3:5] == ["s3", "cp"]]
    started = _index(calls, ["aws", "glue", "start-workflow-run"])
    first_sql = _index(calls, ["aws", "redshift-data", "execute-statement"])
    checked = _index(calls, ["aws", "glue", "get-tables"])
    assert applied < uploads[0] <= uploads[-1] < started < first_sql < checked
    # One generated batch, each source to landing/<source>/001/ of the lake Terraform made.
    targets = sorted(calls[i][-1] for i in uploads)
    sources = ("customers", "fx_rates", "pos_sales", "products", "web_events")
    assert targets == [f"s3://lakehouse-dev-lake-123456789012/landing/{s}/001/" for s in sources]
    assert all(calls[i][5] == "--recursive" for i in uploads)
    assert "seed: one sample batch (60 sales rows, 5 sources)" in result.stderr
    assert "check: " in result.stdout and ": PASSED" in result.stdout
    assert list((tmp_path / "tmp").iterdir()) == [], "the generated sample is removed"


def test_up_sample_fails_when_the_check_finds_a_red_line(tmp_path):
    result, _ = run_deploy(tmp_path, "up", "dev", "--sample", FAKE_ALARM="ALARM")
    assert result.returncode == 1 and "the check found FAIL lines" in result.stderr


def test_a_failed_attempt_with_retries_left_does_not_stop_the_run(tmp_path):
    # Job.MaxRetries: "The maximum number of times to retry this job after a JobRun fails"; the
    # retry is a new run (JobRun.Attempt one more, PreviousRunId the failed run).
    result, calls = run_deploy(tmp_path, "run", "dev", FAKE_RETRY_JOB="silver", FAKE_MAX_RETRIES="1")
    assert result.returncode == 0, result.stderr
    err = result.stderr
    assert "lakehouse-dev-silver-clean RUNNING (attempt 2)" in err
    assert "lakehouse-dev-silver-clean SUCCEEDED (attempt 2)" in err
    assert "workflow lakehouse-dev-medallion COMPLETED" in err
    assert any(c[3:5] == ["glue", "get-job-runs"] for c in calls)


def test_a_retry_that_fails_too_stops_the_run_with_its_error(tmp_path):
    result, _ = run_deploy(tmp_path, "run", "dev", FAKE_RETRY_JOB="silver", FAKE_MAX_RETRIES="1", FAKE_RETRY_FAILS="1")
    assert result.returncode == 1
    assert "job lakehouse-dev-silver-clean FAILED (run jr_1_attempt_1): second attempt failed too" in result.stderr


def test_without_retries_the_first_failed_attempt_stops_the_run(tmp_path):
    result, calls = run_deploy(tmp_path, "run", "dev", FAKE_RETRY_JOB="silver", FAKE_MAX_RETRIES="0")
    assert result.returncode == 1 and "job lakehouse-dev-silver-clean FAILED (run jr_1)" in result.stderr
    assert not any(c[3:5] == ["glue", "get-job-runs"] for c in calls)


def test_a_crawler_in_state_error_stops_the_run(tmp_path):
    # Crawl State: RUNNING | COMPLETED | CANCELLING | CANCELLED | SUCCEEDED | FAILED | ERROR.
    result, _ = run_deploy(tmp_path, "run", "dev", FAKE_CRAWL_STATE="ERROR")
    assert result.returncode == 1
    assert "crawler lakehouse-dev-gold ERROR: Internal Service Exception" in result.stderr


def test_a_run_that_completes_without_starting_the_jobs_fails_and_names_the_start_trigger(tmp_path):
    result, calls = run_deploy(tmp_path, "run", "dev", FAKE_NOT_STARTED="1")
    assert result.returncode == 1
    err = result.stderr
    assert "COMPLETED but never started: lakehouse-dev-bronze-ingest" in err
    assert "start trigger is SCHEDULED lakehouse-dev-start" in err and "schedule = null" in err
    assert "workflow lakehouse-dev-medallion COMPLETED" not in err


def test_seed_needs_an_applied_stack(tmp_path):
    result, calls = run_deploy(tmp_path, "seed", "dev", FAKE_NO_OUTPUTS="1")
    assert result.returncode == 1 and "run ./deploy.sh apply dev first" in result.stderr
    assert not any(c[3:5] == ["s3", "cp"] for c in calls)
