"""`./deploy.sh check <env>` (scripts/deploy_check.py) with the recording fakes of test_deploy_sh:
every line of a healthy deployment is OK, and each kind of red line turns that line, and only that
line, to FAIL and the exit code to 1. tests/infra/test_emulator_apply.py runs the same check against
what moto serves after a real `terraform apply`."""

import pytest

from tests.infra.test_deploy_sh import GOLD, run_deploy


def lines(stdout: str) -> dict[str, str]:
    """{check: verdict} of the printed table (the check is the first column, the verdict the last)."""
    rows = [
        r for r in stdout.splitlines() if r.rstrip().endswith(("OK", "WARN", "FAIL")) and not r.startswith("check:")
    ]
    return {r.split("  ")[0].strip(): r.split()[-1] for r in rows}


def test_a_healthy_deployment_is_all_ok(tmp_path):
    result, calls = run_deploy(tmp_path, "check", "dev")
    assert result.returncode == 0, result.stdout + result.stderr
    found = lines(result.stdout)
    assert set(found.values()) == {"OK"}, found
    expected_checks = {"job lakehouse-dev-bronze-ingest", "job lakehouse-dev-gold-aggregates"}
    expected_checks |= {f"catalog lakehouse_dev_gold.{t}" for t in GOLD}
    expected_checks |= {f"catalog lakehouse_dev_gold_spectrum.{t}" for t in GOLD}
    expected_checks |= {"athena SELECT count(*) FROM lakehouse_dev_gold.fact_sales", "DQ metrics Lakehouse/DataQuality"}
    expected_checks |= {f"export exports/{t}/" for t in ("dim_date", "dim_store", "dim_product", "dim_customer")}
    expected_checks |= {"export exports/fact_sales/", "alarm lakehouse-dev-dq-rules-failed"}
    expected_checks |= {f"redshift star.{t}" for t in ("dim_date", "dim_store", "dim_product", "dim_customer")}
    expected_checks |= {"redshift star.fact_sales"}
    assert set(found) == expected_checks
    assert result.stdout.splitlines()[-1] == f"check: {len(expected_checks)} OK, 0 WARN, 0 FAIL: PASSED"
    assert "SUCCEEDED, 42 rows" in result.stdout and "7 rows" in result.stdout
    # read-only: nothing that writes (beyond the Athena query and the SELECT counts)
    verbs = {c[4] for c in calls if c[0] == "aws" and c[3] != "sts"}
    assert verbs <= {
        "get-job-runs",
        "get-tables",
        "start-query-execution",
        "get-query-execution",
        "get-query-results",
        "list-objects-v2",
        "list-metrics",
        "describe-alarms",
        "execute-statement",
        "describe-statement",
        "get-statement-result",
    }, verbs
    sqls = [c[c.index("--sql") + 1] for c in calls if "--sql" in c]
    assert sqls and all(s.startswith("SELECT count(*) FROM star.") for s in sqls)


JOBS = ("job lakehouse-dev-bronze-ingest", "job lakehouse-dev-gold-aggregates")


@pytest.mark.parametrize(
    "env, red",
    [
        # Glue's default group instead of the job's custom one: the security configuration moved the logs.
        ({"FAKE_RUN_LOG_GROUP": "/aws-glue/jobs/output"}, set(JOBS)),
        (
            {"FAKE_MISSING_TABLE": "daily_sales"},
            {f"catalog {db}.daily_sales" for db in ("lakehouse_dev_gold", "lakehouse_dev_gold_spectrum")},
        ),
        ({"FAKE_ATHENA_ROWS": "0"}, {"athena SELECT count(*) FROM lakehouse_dev_gold.fact_sales"}),
        ({"FAKE_EMPTY_EXPORTS": "dim_store"}, {"export exports/dim_store/"}),
        ({"FAKE_METRICS": ""}, {"DQ metrics Lakehouse/DataQuality"}),
        ({"FAKE_ALARM": "ALARM"}, {"alarm lakehouse-dev-dq-rules-failed"}),
        (
            {"FAKE_STAR_ROWS": "0"},
            {f"redshift star.{t}" for t in ("dim_date", "dim_store", "dim_product", "dim_customer", "fact_sales")},
        ),
    ],
)
def test_each_red_line(tmp_path, env, red):
    result, _ = run_deploy(tmp_path, "check", "dev", **env)
    assert result.returncode == 1
    found = lines(result.stdout)
    assert {k for k, v in found.items() if v == "FAIL"} == red, "that line, and only that kind, is red"
    assert result.stdout.splitlines()[-1].endswith(f"{len(red)} FAIL: FAILED")
    assert "docs/first-deploy.md says what to do with each" in result.stderr


def test_redshift_disabled_is_a_warning_not_a_failure(tmp_path):
    result, _ = run_deploy(tmp_path, "check", "dev", FAKE_WORKGROUP="")
    assert result.returncode == 0, result.stdout
    assert lines(result.stdout)["redshift star"] == "WARN"
