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
BASICS = ["bash", "env", "dirname", "basename", "sed", "ls", "tr", "mktemp", "rm", "cat", "sleep"]

FAKE_TERRAFORM = r"""#!{python}
import json, os, sys
args = [a for a in sys.argv[1:] if not a.startswith("-chdir=")]
with open(os.environ["FAKE_LOG"], "a") as log:
    log.write(json.dumps(["terraform", *args]) + "\n")
outputs = {{
    "redshift_workgroup_name": os.environ.get("FAKE_WORKGROUP", "lakehouse-dev-wg"),
    "redshift_database_name": "lakehouse",
    "exports_uri": "s3://lakehouse-dev-lake-123456789012/exports",
    "redshift_role_arn": "arn:aws:iam::123456789012:role/lakehouse-dev-redshift",
    "redshift_spectrum_database_name": "lakehouse_dev_gold_spectrum",
}}
if args[:1] == ["output"]:
    if args[1] == "-json":
        print(json.dumps({{"bronze": "lakehouse_dev_bronze", "gold": "lakehouse_dev_gold"}}))
    else:
        value = outputs.get(args[-1])
        if value is None:
            sys.exit(1)
        sys.stdout.write(value)
"""

FAKE_AWS = r"""#!{python}
import json, os, sys
args = sys.argv[1:]
with open(os.environ["FAKE_LOG"], "a") as log:
    log.write(json.dumps(["aws", *args]) + "\n")
if args[:2] == ["sts", "get-caller-identity"]:
    sys.exit(0 if os.environ.get("FAKE_CREDS", "1") == "1" else 255)
if args[:2] == ["redshift-data", "execute-statement"]:
    counter = os.environ["FAKE_LOG"] + ".n"
    n = int(open(counter).read()) + 1 if os.path.exists(counter) else 1
    open(counter, "w").write(str(n))
    sql = args[args.index("--sql") + 1]
    if "--session-id" in args:
        print(f"stmt-{{n}}")
    else:
        print(f"stmt-{{n}}\tsession-{{n}}")
    if os.environ.get("FAKE_FAIL_ON") and os.environ["FAKE_FAIL_ON"] in sql:
        open(counter + ".failed", "w").write(f"stmt-{{n}}")
    sys.exit(0)
if args[:2] == ["redshift-data", "describe-statement"]:
    sid = args[args.index("--id") + 1]
    failed = os.environ["FAKE_LOG"] + ".n.failed"
    is_failed = os.path.exists(failed) and open(failed).read() == sid
    query = args[args.index("--query") + 1]
    print(("FAILED" if is_failed else "FINISHED") if query == "Status" else "syntax error at or near BOGUS")
    sys.exit(0)
sys.exit(f"fake aws: unexpected {{args}}")
"""


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
    env = {
        "PATH": str(fake),
        "HOME": str(tmp_path),
        "FAKE_LOG": str(log),
        "SKIP_BUILD": "1",
        "TF_PLUGIN_DIR": str(tmp_path / "no-mirror"),
        "SQL_POLL_SECONDS": "0",
        **env_extra,
    }
    result = subprocess.run(["bash", str(DEPLOY), *args], env=env, capture_output=True, text=True, timeout=120)
    calls = [json.loads(line) for line in log.read_text().splitlines()] if log.exists() else []
    return result, calls


def test_usage_without_action(tmp_path):
    result, _ = run_deploy(tmp_path)
    assert result.returncode == 2 and "plan | apply | destroy" in result.stderr


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
    assert [c[:3] for c in calls] == [["aws", "sts", "get-caller-identity"]]


def test_emulator_needs_an_endpoint(tmp_path):
    result, _ = run_deploy(tmp_path, "plan", "emulator")
    assert result.returncode == 1 and "LAKEHOUSE_EMULATOR_ENDPOINT" in result.stderr


def test_apply_plans_applies_then_runs_redshift_sql_in_order(tmp_path):
    mirror = tmp_path / "mirror"
    mirror.mkdir()
    result, calls = run_deploy(tmp_path, "apply", "dev", TF_PLUGIN_DIR=str(mirror))
    assert result.returncode == 0, result.stderr
    tf = [c[1:] for c in calls if c[0] == "terraform"]
    assert tf[0] == ["init", "-input=false", f"-plugin-dir={mirror}"], "init uses the provider mirror when it exists"
    assert tf[1] == ["workspace", "select", "-or-create=true", "dev"]
    assert tf[2][0] == "plan" and f"-var-file={REPO}/terraform/envs/dev.tfvars" in tf[2] and "-out=dev.tfplan" in tf[2]
    assert tf[3] == ["apply", "-input=false", "dev.tfplan"]

    executed = [c for c in calls if c[:3] == ["aws", "redshift-data", "execute-statement"]]
    sqls = [c[c.index("--sql") + 1] for c in executed]
    assert sqls, "redshift_sql/ was not run"
    assert not any("${" in s for s in sqls), "template variables must be substituted"
    assert any("'s3://lakehouse-dev-lake-123456789012/exports/" in s for s in sqls)
    assert any("'arn:aws:iam::123456789012:role/lakehouse-dev-redshift'" in s for s in sqls)
    assert any("DATABASE 'lakehouse_dev_gold_spectrum'" in s for s in sqls), "Spectrum reads the manifest tables"
    # Files run in name order; each file opens one session that its later statements reuse.
    files = sorted((REPO / "redshift_sql").glob("*.sql"))
    openers = [c for c in executed if "--workgroup-name" in c]
    assert len(openers) == len(files)
    assert all(
        c[c.index("--workgroup-name") + 1] == "lakehouse-dev-wg" and c[c.index("--database") + 1] == "lakehouse"
        for c in openers
    )
    logged = [
        line for line in result.stderr.splitlines() if line.startswith("deploy: redshift_sql: ") and " on " in line
    ]
    assert [line.split()[2] for line in logged] == [f.name for f in files]
    statuses = [c for c in calls if c[:3] == ["aws", "redshift-data", "describe-statement"]]
    assert len(statuses) == len(executed), "every statement is awaited before the next"


def test_plain_init_without_mirror(tmp_path):
    result, calls = run_deploy(tmp_path, "plan", "dev")
    assert result.returncode == 0, result.stderr
    assert [c[1:] for c in calls if c[0] == "terraform"][0] == ["init", "-input=false"]
    assert not any(c[:2] == ["aws", "redshift-data"] for c in calls), "plan never touches Redshift"


def test_failed_statement_stops_with_the_file_and_error(tmp_path):
    result, calls = run_deploy(tmp_path, "sql", "dev", FAKE_FAIL_ON="CREATE EXTERNAL SCHEMA")
    assert result.returncode == 1
    assert "02_external_schema.sql" in result.stderr and "FAILED" in result.stderr and "syntax error" in result.stderr
    sqls = [c[c.index("--sql") + 1] for c in calls if c[:3] == ["aws", "redshift-data", "execute-statement"]]
    assert "CREATE EXTERNAL SCHEMA" in sqls[-1], "nothing runs after the failed statement"


def test_redshift_disabled_skips_sql(tmp_path):
    result, calls = run_deploy(tmp_path, "sql", "dev", FAKE_WORKGROUP="")
    assert result.returncode == 0 and "skipping redshift_sql/" in result.stderr
    assert not any(c[:2] == ["aws", "redshift-data"] for c in calls)


def test_destroy_asks_unless_auto_approved(tmp_path):
    result, calls = run_deploy(tmp_path, "destroy", "dev", AUTO_APPROVE="1")
    assert result.returncode == 0, result.stderr
    destroy = [c[1:] for c in calls if c[:2] == ["terraform", "destroy"]]
    assert destroy and "-auto-approve" in destroy[0] and f"-var-file={REPO}/terraform/envs/dev.tfvars" in destroy[0]


def test_script_is_executable_and_parses():
    assert os.access(DEPLOY, os.X_OK)
    assert subprocess.run(["bash", "-n", str(DEPLOY)]).returncode == 0
