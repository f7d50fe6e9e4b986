"""`./deploy.sh check <env>`: read a deployment back and print expected vs found, one verdict per line.

Only the aws CLI (read calls, plus one Athena query and one count per star table) and Terraform's
outputs (`terraform output -json`, a file given as the first argument). Each line is OK, WARN (not
wrong, but not shown working yet, e.g. no run yet) or FAIL; the exit code is 1 when any line FAILs.
docs/first-deploy.md says what to do with each FAIL.

    python3 scripts/deploy_check.py outputs.json [--region R] [--contracts contracts/]
"""

import argparse
import json
import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
STAR = ("dim_date", "dim_store", "dim_product", "dim_customer", "fact_sales")  # redshift_sql/04_load_star.sql
POLL_SECONDS = float(__import__("os").environ.get("CHECK_POLL_SECONDS", "2"))


class Aws:
    def __init__(self, region: str):
        self.region = region

    def __call__(self, *args: str) -> dict:
        cmd = ["aws", "--region", self.region, *args, "--output", "json"]
        done = subprocess.run(cmd, capture_output=True, text=True)
        if done.returncode != 0:
            raise RuntimeError(" ".join(args[:2]) + ": " + (done.stderr.strip().splitlines() or ["failed"])[-1])
        return json.loads(done.stdout or "{}")


class Report:
    def __init__(self):
        self.lines: list[tuple[str, str, str, str]] = []

    def add(self, check: str, expected: str, found: str, verdict: str) -> None:
        self.lines.append((check, expected, found, verdict))

    def guard(self, check: str, expected: str, fn) -> None:
        """Runs fn(); an AWS error is a FAIL line of its own (the other checks go on)."""
        try:
            fn()
        except RuntimeError as exc:
            self.add(check, expected, f"error: {exc}"[:160], "FAIL")

    def render(self) -> str:
        widths = [max(len(r[i]) for r in [("check", "expected", "found", "verdict"), *self.lines]) for i in range(3)]
        rows = [("check", "expected", "found", "verdict"), *self.lines]
        out = ["  ".join(c.ljust(w) for c, w in zip(r[:3], widths, strict=True)) + "  " + r[3] for r in rows]
        counts = {v: sum(r[3] == v for r in self.lines) for v in ("OK", "WARN", "FAIL")}
        verdict = "FAILED" if counts["FAIL"] else "PASSED"
        out.append(f"check: {counts['OK']} OK, {counts['WARN']} WARN, {counts['FAIL']} FAIL: {verdict}")
        return "\n".join(out)

    def failed(self) -> bool:
        return any(r[3] == "FAIL" for r in self.lines)


def value(outputs: dict, name: str):
    item = outputs.get(name)
    return item.get("value") if isinstance(item, dict) and "value" in item else item


def check_job_runs(aws: Aws, report: Report, jobs: dict, log_groups: dict) -> None:
    # JobRun.LogGroupName: "The name of the log group for secure logging that can be server-side
    # encrypted in Amazon CloudWatch using KMS" - with a security configuration Glue may write to a
    # group of its own, which is what this line shows on a real account.
    prefix = "/".join(next(iter(log_groups.values()), "").split("/")[:-1]) if log_groups else ""
    for job in sorted(jobs.values()):
        expected = f"SUCCEEDED, logs under {prefix or '/aws-glue/jobs'}"

        def one(job=job, expected=expected):
            runs = aws("glue", "get-job-runs", "--job-name", job, "--max-items", "1").get("JobRuns", [])
            if not runs:
                report.add(f"job {job}", expected, "no run yet", "WARN")
                return
            run = runs[0]
            group = run.get("LogGroupName", "")
            found = f"{run.get('JobRunState')}, logs in {group or '(no LogGroupName)'}"
            ok = run.get("JobRunState") == "SUCCEEDED" and (not prefix or group.startswith(prefix))
            report.add(f"job {job}", expected, found, "OK" if ok else "FAIL")

        report.guard(f"job {job}", expected, one)


def gold_tables(contracts: Path) -> list[str]:
    return sorted(p.stem for p in (contracts / "gold").glob("*.yaml"))


def table_type(table: dict) -> str:
    params = table.get("Parameters", {})
    fmt = table.get("StorageDescriptor", {}).get("InputFormat", "")
    if "Symlink" in fmt:
        return "symlink-manifest"
    return (params.get("table_type") or params.get("classification") or fmt.rsplit(".", 1)[-1] or "?").lower()


def check_catalog(aws: Aws, report: Report, databases: dict, declared: list[str]) -> None:
    wanted = {"gold": "delta", "gold_spectrum": "symlink-manifest"}
    for layer, kind in wanted.items():
        db = databases.get(layer)
        if not db:
            continue

        def one(db=db, kind=kind, layer=layer):
            tables = {t["Name"]: t for t in aws("glue", "get-tables", "--database-name", db).get("TableList", [])}
            for name in declared:
                if name not in tables:
                    report.add(f"catalog {db}.{name}", kind, "missing", "FAIL")
                else:
                    found = table_type(tables[name])
                    report.add(f"catalog {db}.{name}", kind, found, "OK" if found == kind else "FAIL")

        report.guard(f"catalog {db}", f"{len(declared)} {kind} tables", one)


def check_athena(aws: Aws, report: Report, workgroup: str | None, gold_db: str | None) -> None:
    if not workgroup or not gold_db:
        report.add("athena query", "a workgroup", "Athena disabled", "WARN")
        return
    sql = f"SELECT count(*) FROM {gold_db}.fact_sales"
    name = f"athena {sql}"

    def one():
        qid = aws("athena", "start-query-execution", "--work-group", workgroup, "--query-string", sql)[
            "QueryExecutionId"
        ]
        for _ in range(150):
            status = aws("athena", "get-query-execution", "--query-execution-id", qid)["QueryExecution"]["Status"]
            if status["State"] in ("SUCCEEDED", "FAILED", "CANCELLED"):
                break
            time.sleep(POLL_SECONDS)
        if status["State"] != "SUCCEEDED":
            report.add(name, "SUCCEEDED, > 0 rows", f"{status['State']}: {status.get('StateChangeReason', '')}", "FAIL")
            return
        rows = aws("athena", "get-query-results", "--query-execution-id", qid)["ResultSet"]["Rows"]
        n = int(rows[-1]["Data"][0].get("VarCharValue", "0")) if len(rows) > 1 else 0
        report.add(name, "SUCCEEDED, > 0 rows", f"SUCCEEDED, {n} rows", "OK" if n > 0 else "FAIL")

    report.guard(name, "SUCCEEDED, > 0 rows", one)


def check_exports(aws: Aws, report: Report, exports_uri: str | None) -> list[str]:
    """The star tables whose export holds at least one file."""
    present = []
    if not exports_uri:
        return present
    bucket, _, prefix = exports_uri.removeprefix("s3://").partition("/")
    for table in STAR:

        def one(table=table):
            listed = aws(
                "s3api", "list-objects-v2", "--bucket", bucket, "--prefix", f"{prefix}/{table}/", "--max-items", "1"
            )
            n = len(listed.get("Contents", []))
            if n:
                present.append(table)
            report.add(f"export {prefix}/{table}/", ">= 1 Parquet file", f"{n} objects", "OK" if n else "FAIL")

        report.guard(f"export {prefix}/{table}/", ">= 1 Parquet file", one)
    return present


def check_dq_metrics(aws: Aws, report: Report, namespace: str | None) -> None:
    if not namespace:
        return

    def one():
        metrics = aws("cloudwatch", "list-metrics", "--namespace", namespace).get("Metrics", [])
        names = sorted({m["MetricName"] for m in metrics})
        found = f"{len(metrics)} metrics {names}" if metrics else "none"
        report.add(f"DQ metrics {namespace}", "RuleFailed and FailedRows", found, "OK" if metrics else "FAIL")

    report.guard(f"DQ metrics {namespace}", "RuleFailed and FailedRows", one)


def check_alarms(aws: Aws, report: Report, prefix: str) -> None:
    def one():
        alarms = aws("cloudwatch", "describe-alarms", "--alarm-name-prefix", prefix).get("MetricAlarms", [])
        if not alarms:
            report.add(f"alarms {prefix}*", "OK or INSUFFICIENT_DATA", "no alarms", "FAIL")
        for a in alarms:
            state = a.get("StateValue", "?")
            verdict = "FAIL" if state == "ALARM" else "OK"
            report.add(f"alarm {a['AlarmName']}", "OK or INSUFFICIENT_DATA", state, verdict)

    report.guard(f"alarms {prefix}*", "OK or INSUFFICIENT_DATA", one)


def check_redshift(aws: Aws, report: Report, outputs: dict, exported: list[str]) -> None:
    workgroup, database = value(outputs, "redshift_workgroup_name"), value(outputs, "redshift_database_name")
    secret = value(outputs, "redshift_admin_secret_arn")
    if not workgroup:
        report.add("redshift star", "row counts", "Redshift disabled (enable_redshift = false)", "WARN")
        return
    for table in STAR:
        name = f"redshift star.{table}"
        expected = "> 0 rows" if table in exported else "0 rows (no export)"

        def one(table=table, name=name, expected=expected):
            sql = f"SELECT count(*) FROM star.{table}"
            args = ["--workgroup-name", workgroup, "--database", database, "--secret-arn", secret, "--sql", sql]
            sid = aws("redshift-data", "execute-statement", *args)["Id"]
            for _ in range(150):
                desc = aws("redshift-data", "describe-statement", "--id", sid)
                if desc["Status"] in ("FINISHED", "FAILED", "ABORTED"):
                    break
                time.sleep(POLL_SECONDS)
            if desc["Status"] != "FINISHED":
                report.add(name, expected, f"{desc['Status']}: {desc.get('Error', '')}"[:160], "FAIL")
                return
            n = aws("redshift-data", "get-statement-result", "--id", sid)["Records"][0][0]["longValue"]
            ok = n > 0 if table in exported else True
            report.add(name, expected, f"{n} rows", "OK" if ok else "FAIL")

        report.guard(name, expected, one)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("outputs", help="terraform output -json, saved to a file")
    ap.add_argument("--region", required=True)
    ap.add_argument("--contracts", default=str(REPO / "contracts"))
    args = ap.parse_args(argv)
    outputs = json.loads(Path(args.outputs).read_text())
    aws, report = Aws(args.region), Report()
    databases = value(outputs, "glue_database_names") or {}
    check_job_runs(aws, report, value(outputs, "glue_job_names") or {}, value(outputs, "glue_log_group_names") or {})
    check_catalog(aws, report, databases, gold_tables(Path(args.contracts)))
    check_athena(aws, report, value(outputs, "athena_workgroup_name"), databases.get("gold"))
    exported = check_exports(aws, report, value(outputs, "exports_uri"))
    check_dq_metrics(aws, report, value(outputs, "dq_metric_namespace"))
    workflow = value(outputs, "glue_workflow_name") or ""
    check_alarms(aws, report, workflow.rsplit("-", 1)[0])
    check_redshift(aws, report, outputs, exported)
    print(report.render())
    return 1 if report.failed() else 0


if __name__ == "__main__":
    sys.exit(main())
