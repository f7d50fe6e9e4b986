"""Assertions over `terraform show -json` of the dev plan: the wiring a reviewer would check."""

import hashlib
import json
from pathlib import Path

import pytest
import yaml

from tests.glue_scripts import required_args

REPO = Path(__file__).resolve().parents[2]
TF_DIR = REPO / "terraform"  # relative paths in the plan are relative to it
CONTRACTS = {(c := yaml.safe_load(p.read_text()))["entity"]: c for p in sorted((REPO / "contracts").glob("*.yaml"))}
CRAWLERS = {(c := yaml.safe_load(p.read_text()))["name"]: c for p in sorted((REPO / "crawlers").glob("*.yaml"))}
SCRIPTS = {
    "bronze": "bronze_ingest.py",
    "silver": "silver_clean.py",
    "gold": "gold_aggregates.py",
    "maintain": "maintain_tables.py",
}


def one(items, what):
    assert len(items) == 1, f"expected exactly one {what}, found {len(items)}"
    return items[0]


@pytest.fixture(scope="module")
def jobs(by_type):
    """Glue jobs by stage, recognised by their script."""
    found = {}
    for job in by_type("aws_glue_job"):
        script = job["values"]["command"][0]["script_location"].rsplit("/", 1)[-1]
        stage = {v: k for k, v in SCRIPTS.items()}.get(script)
        assert stage, f"{job['address']} runs an unknown script {script}"
        found[stage] = job["values"]
    assert set(found) == set(SCRIPTS), f"jobs for {sorted(found)}; expected {sorted(SCRIPTS)}"
    return found


# ------------------------------------------------------------------------------ trigger chain
def _chain_triggers(by_type):
    return [
        t["values"] for t in by_type("aws_glue_trigger") if t["values"]["name"] != _maintenance_trigger(by_type)["name"]
    ]


def _maintenance_trigger(by_type):
    return one(
        [t for t in by_type("aws_glue_trigger") if t["address"] == "aws_glue_trigger.maintenance"], "maintenance"
    )["values"]


def test_trigger_chain_runs_bronze_silver_gold_then_crawlers(by_type, jobs):
    triggers = _chain_triggers(by_type)
    workflow = one(by_type("aws_glue_workflow"), "workflow")["values"]["name"]
    assert {t["workflow_name"] for t in triggers} == {workflow}, "every trigger belongs to the workflow"

    start = one([t for t in triggers if t["type"] == "SCHEDULED"], "scheduled start trigger")
    assert start["schedule"].startswith("cron(")
    assert [a["job_name"] for a in start["actions"]] == [jobs["bronze"]["name"]]

    conditional = [t for t in triggers if t["type"] == "CONDITIONAL"]
    assert len(conditional) == len(triggers) - 1, "all follow-up triggers are CONDITIONAL"

    def next_after(job_name):
        watching = [
            t for t in conditional if any(c.get("job_name") == job_name for c in t["predicate"][0]["conditions"])
        ]
        trigger = one(watching, f"trigger watching {job_name}")
        conditions = trigger["predicate"][0]["conditions"]
        assert conditions == [
            {**conditions[0], "job_name": job_name, "state": "SUCCEEDED", "logical_operator": "EQUALS"}
        ], f"{trigger['name']} must fire only on {job_name} SUCCEEDED"
        return trigger["actions"]

    assert [a["job_name"] for a in next_after(jobs["bronze"]["name"])] == [jobs["silver"]["name"]]
    assert [a["job_name"] for a in next_after(jobs["silver"]["name"])] == [jobs["gold"]["name"]]
    crawler_names = {c["values"]["name"] for c in by_type("aws_glue_crawler")}
    started = next_after(jobs["gold"]["name"])
    assert {a["crawler_name"] for a in started} == crawler_names and len(crawler_names) == len(CRAWLERS)
    assert all(not a.get("job_name") for a in started), "after gold only crawlers start"
    assert all(a.get("job_name") != jobs["maintain"]["name"] for t in triggers for a in t["actions"])


def test_maintenance_runs_on_its_own_schedule_outside_the_chain(by_type, jobs):
    """A trigger of no workflow: the daily chain (and the emulator's runner, which follows the workflow's
    triggers) never starts it; it keeps Delta's 7-day retention."""
    trigger = _maintenance_trigger(by_type)
    assert trigger["type"] == "SCHEDULED" and trigger["schedule"].startswith("cron(")
    assert not trigger.get("workflow_name")
    assert [a["job_name"] for a in trigger["actions"]] == [jobs["maintain"]["name"]]
    start = one([t for t in _chain_triggers(by_type) if t["type"] == "SCHEDULED"], "chain start")
    assert trigger["schedule"] != start["schedule"]
    assert int(jobs["maintain"]["default_arguments"]["--retain_hours"]) >= 168


# ------------------------------------------------------------------------------ jobs
@pytest.mark.parametrize("stage", sorted(SCRIPTS))
def test_job_arguments_cover_what_the_script_requires(jobs, stage):
    script = REPO / "glue_jobs" / SCRIPTS[stage]
    args = jobs[stage]["default_arguments"]
    needed = [a for a in required_args(script) if a != "JOB_NAME"]  # Glue passes JOB_NAME itself
    assert needed, f"{script.name}: REQUIRED_ARGS lists no job arguments"
    missing = [a for a in needed if not args.get(f"--{a}")]
    assert not missing, f"{jobs[stage]['name']} lacks {missing} required by {script.name}"
    assert args["--lake_root"].startswith("s3://") and args["--lake_root"].endswith("-lake-123456789012")


@pytest.mark.parametrize("stage", sorted(SCRIPTS))
def test_job_runtime_matches_local_runtime(jobs, stage):
    job = jobs[stage]
    args = job["default_arguments"]
    assert job["glue_version"] == "5.1"
    assert args["--datalake-formats"] == "delta"
    confs = dict(part.split("=", 1) for part in args["--conf"].split(" --conf "))
    assert confs == {
        "spark.sql.extensions": "io.delta.sql.DeltaSparkSessionExtension",
        "spark.sql.catalog.spark_catalog": "org.apache.spark.sql.delta.catalog.DeltaCatalog",
    }
    assert args["--additional-python-modules"] == "pydeequ==1.7.0"
    assert [j.rsplit("/", 1)[-1] for j in args["--extra-jars"].split(",")] == [
        "deequ-2.1.0-spark-3.5.jar",
        "dqdl-1.0.0.jar",
    ]
    assert args["--extra-py-files"].endswith("/packages/lakehouse.zip")
    assert args["--enable-metrics"] == "true" and args["--job-language"] == "python"
    assert args["--user-jars-first"] == "true", "the pinned Deequ/DQDL jars win over Glue's own DQ runtime"
    # Glue 5.x: --custom-logGroup-prefix decides the log groups; the Glue <= 4.0 continuous-logging
    # flags are not used. Jobs read and write Delta by path, so no Glue catalog as metastore.
    unwanted = {"--enable-continuous-cloudwatch-log", "--continuous-log-logGroup", "--enable-glue-datacatalog"}
    assert not unwanted & set(args), sorted(unwanted & set(args))
    assert not [a for a in args if a.endswith("_database")], "the scripts take no catalog database arguments"


def test_jobs_write_to_the_managed_log_groups(jobs, by_type):
    """Glue 5 writes to <--custom-logGroup-prefix>/output and /error: those must be Terraform's groups."""
    groups = {g["values"]["name"]: g for g in by_type("aws_cloudwatch_log_group")}
    for job in jobs.values():
        prefix = job["default_arguments"]["--custom-logGroup-prefix"]
        for stream in ("output", "error"):
            group = groups.get(f"{prefix}/{stream}")
            assert group, f"{job['name']} writes to {prefix}/{stream}, which Terraform does not create"
            assert group["values"]["retention_in_days"] == 365
            assert group["values"].get("kms_key_id") or group["unknown"].get("kms_key_id"), "KMS-encrypted"


def test_gold_reads_the_salt_parameter_terraform_creates(jobs, by_type):
    parameter = one(by_type("aws_ssm_parameter"), "SSM parameter")["values"]
    assert parameter["type"] == "SecureString"
    assert jobs["gold"]["default_arguments"]["--pii_salt_parameter"] == parameter["name"]
    assert parameter.get("value") in (None, ""), "the salt must not be in the plan (write-only value)"


def test_script_zip_and_jar_locations_point_to_uploaded_objects(jobs, by_type):
    objects = {f"s3://{o['values']['bucket']}/{o['values']['key']}": o["values"] for o in by_type("aws_s3_object")}
    for stage, job in jobs.items():
        location = job["command"][0]["script_location"]
        assert location in objects, f"{job['name']}: {location} is not uploaded by Terraform"
        uploaded = objects[location]
        local = REPO / "glue_jobs" / SCRIPTS[stage]
        assert (TF_DIR / uploaded["source"]).resolve() == local.resolve()
        assert uploaded["source_hash"] == hashlib.md5(local.read_bytes()).hexdigest(), "uploads are content-hashed"
        for uri in [
            job["default_arguments"]["--extra-py-files"],
            *job["default_arguments"]["--extra-jars"].split(","),
        ]:
            assert uri in objects, f"{job['name']}: {uri} is not uploaded by Terraform"
            assert objects[uri]["server_side_encryption"] == "aws:kms"
            assert (
                objects[uri]["source_hash"] == hashlib.md5((TF_DIR / objects[uri]["source"]).read_bytes()).hexdigest()
            )


# ------------------------------------------------------------------------------ IAM
def _statements(policy: str) -> list[dict]:
    return json.loads(policy)["Statement"]


def _as_list(value) -> list:
    return value if isinstance(value, list) else [value]


def _is_lake_key_policy(policy: dict) -> bool:
    """The lake-key policies name the key by ARN, which a first plan does not know yet."""
    return ".aws_iam_role_policy.lake_key" in policy["address"]


def _scoped_policies(by_type) -> list[dict]:
    return [p for p in by_type("aws_iam_role_policy") if not _is_lake_key_policy(p)]


def test_iam_policies_are_known_at_plan_and_never_wildcard(by_type):
    policies = _scoped_policies(by_type)
    assert len(policies) >= 3 + len(CRAWLERS) + 1, "one role policy per job, crawler, DQ evaluator (+ Redshift)"
    for p in policies:
        assert not p["unknown"].get("policy"), f"{p['address']}: policy unknown at plan, can't be reviewed"
        for s in _statements(p["values"]["policy"]):
            actions, resources = _as_list(s["Action"]), _as_list(s["Resource"])
            assert "*" not in actions and "s3:*" not in actions, f"{p['address']} {s.get('Sid')}: wildcard action"
            assert not any(a.endswith(":*") for a in actions), f"{p['address']} {s.get('Sid')}: service-wide action"
            if "*" in resources:
                assert actions == ["cloudwatch:PutMetricData"] and "Condition" in s, (
                    f"{p['address']} {s.get('Sid')}: * resource"
                )
            for r in resources:
                assert not r.endswith(":::*") and not r.endswith("-123456789012/*"), f"{p['address']}: whole bucket {r}"


def test_get_bucket_location_is_never_under_an_s3_prefix_condition(by_type):
    """s3:prefix is only in ListBucket requests: GetBucketLocation under it would never be granted."""
    policies = _scoped_policies(by_type)
    located = 0
    for p in policies:
        for s in _statements(p["values"]["policy"]):
            if "s3:GetBucketLocation" in _as_list(s["Action"]):
                located += 1
                assert "s3:prefix" not in json.dumps(s.get("Condition", {})), f"{p['address']} {s.get('Sid')}"
    assert located >= 3 + len(CRAWLERS) + 1, "every role that reads S3 may locate its buckets"


def _module_resource(plan_json, module: str, address: str) -> dict:
    resources = plan_json["configuration"]["root_module"]["module_calls"][module]["module"]["resources"]
    return one([r for r in resources if r["address"] == address], f"{module}.{address}")


@pytest.mark.parametrize("module", ["iam", "redshift_serverless"])
def test_lake_key_is_granted_by_arn_not_alias(plan_json, by_type, module):
    """Alias changes take up to five minutes to affect KMS authorization ("Use aliases to control
    access to KMS keys"), and `up` starts jobs within that window: grant the key by its ARN."""
    call = plan_json["configuration"]["root_module"]["module_calls"][module]
    assert call["expressions"]["kms_key_arn"]["references"][0] == "module.lake_storage.kms_key_arn"
    assert "kms_key_alias" not in call["expressions"]
    policy = _module_resource(plan_json, module, "aws_iam_role_policy.lake_key")["expressions"]["policy"]
    assert "var.kms_key_arn" in policy["references"]
    for p in by_type("aws_iam_role_policy"):
        text = p["values"].get("policy") or ""
        assert "kms:ResourceAliases" not in text and "kms:" not in text, f"{p['address']}: KMS outside lake_key"
    key_policies = [p for p in by_type("aws_iam_role_policy") if _is_lake_key_policy(p)]
    assert len(key_policies) == len(_scoped_policies(by_type)), "one lake-key policy per role"


def test_trust_policies_carry_no_undocumented_condition(by_type):
    """Glue ("Step 2: Create an IAM role for AWS Glue") and Redshift ("Granting permissions to Amazon
    Redshift Serverless") document their trust without conditions: a condition on a key the service
    does not send when it assumes the role makes every assume fail."""
    roles = by_type("aws_iam_role")
    assert len(roles) >= 3 + len(CRAWLERS) + 1
    for role in roles:
        for statement in json.loads(role["values"]["assume_role_policy"])["Statement"]:
            assert "Condition" not in statement, f"{role['address']}: {statement['Condition']}"


def test_each_role_creates_only_its_own_log_groups(by_type, jobs):
    """With the security configuration's CloudWatch encryption, Glue creates a crawler's group as
    /aws-glue/crawlers-role/<role>-<configuration> and a job's as /aws-glue/jobs/<configuration>-role/<role>/;
    the jobs' --custom-logGroup-prefix groups are Terraform's. No role gets logs:CreateLogGroup or
    logs:AssociateKmsKey on all of /aws-glue/*."""
    security_configuration = one(by_type("aws_glue_security_configuration"), "security configuration")
    config_name = security_configuration["values"]["name"]
    role_names = {
        r["address"].split('"')[1]: r["values"]["name"]
        for r in by_type("aws_iam_role")
        if r["address"].startswith("module.iam.")
    }
    for crawler in by_type("aws_glue_crawler"):
        name = crawler["values"]["name"].removeprefix("lakehouse-dev-")
        assert crawler["values"]["security_configuration"] == config_name
        statements = _role_policy(by_type, f"crawler_{name}")
        (own,) = [s for s in statements if s.get("Sid") == "CreateOwnEncryptedLogGroups"]
        group = f"log-group:/aws-glue/crawlers-role/{role_names[f'crawler_{name}']}-{config_name}"
        assert [r.split(":", 5)[5] for r in own["Resource"]] == [group, f"{group}:*"]
        assert not [s for s in statements if s.get("Sid") == "WriteManagedJobLogs"]
    for stage, job in jobs.items():
        assert job["security_configuration"] == config_name
        statements = _role_policy(by_type, stage)
        (own,) = [s for s in statements if s.get("Sid") == "CreateOwnEncryptedLogGroups"]
        assert own["Resource"][0].endswith(f":log-group:/aws-glue/jobs/{config_name}-role/{role_names[stage]}/*")
        (managed,) = [s for s in statements if s.get("Sid") == "WriteManagedJobLogs"]
        prefix = job["default_arguments"]["--custom-logGroup-prefix"]
        assert {r.split(":log-group:")[1] for r in managed["Resource"]} == {
            f"{prefix}/{g}{tail}" for g in ("output", "error") for tail in ("", ":*")
        }
        assert managed["Action"] == ["logs:CreateLogStream", "logs:PutLogEvents"]
    for p in _scoped_policies(by_type):
        for s in _statements(p["values"]["policy"]):
            if {"logs:AssociateKmsKey", "logs:CreateLogGroup"} & set(_as_list(s["Action"])):
                wide = [r for r in _as_list(s["Resource"]) if r.endswith(":log-group:/aws-glue/*")]
                assert not wide or p["address"].endswith('["data_quality"]'), f"{p['address']} {s.get('Sid')}"
                assert not (wide and "logs:AssociateKmsKey" in s["Action"]), f"{p['address']} {s.get('Sid')}"


def test_job_roles_have_no_catalog_access(by_type):
    """The jobs read and write Delta by path; the crawlers own the catalog."""
    for job in SCRIPTS:
        actions = [a for s in _role_policy(by_type, job) for a in _as_list(s["Action"])]
        assert not [a for a in actions if a.startswith("glue:")], f"{job}: {actions}"


def test_dq_alarm_reads_the_metric_silver_publishes(by_type):
    """Names declared once in lakehouse.metrics; Terraform's alarm and IAM must use the same."""
    from lakehouse import metrics

    alarm = one(by_type("aws_cloudwatch_metric_alarm"), "DQ alarm")["values"]
    (query,) = alarm["metric_query"]
    dims = ", ".join(metrics.DIMENSIONS)
    assert query["expression"] == f'SELECT SUM({metrics.RULE_FAILED}) FROM SCHEMA("{metrics.NAMESPACE}", {dims})'
    assert alarm["threshold"] == 0 and alarm["comparison_operator"] == "GreaterThanThreshold"
    for job in SCRIPTS:
        (put,) = [s for s in _role_policy(by_type, job) if s.get("Sid") == "PutOwnMetrics"]
        namespaces = put["Condition"]["StringEquals"]["cloudwatch:namespace"]
        assert (metrics.NAMESPACE in namespaces) == (job == "silver"), f"{job}: {namespaces}"


def _role_policy(by_type, principal):
    address = f'module.iam.aws_iam_role_policy.this["{principal}"]'
    policy = one([p for p in by_type("aws_iam_role_policy") if p["address"] == address], address)
    return _statements(policy["values"]["policy"])


@pytest.mark.parametrize(
    "job, writes",
    [
        ("bronze", {"bronze/", "ops/"}),
        ("silver", {"silver/", "ops/"}),
        ("gold", {"gold/", "exports/", "ops/", "report/"}),  # report/: the lake report (--report_uri)
        ("maintain", {"bronze/", "silver/", "gold/", "ops/"}),  # compacts and vacuums; never landing/ or exports/
    ],
)
def test_each_job_role_writes_only_its_own_prefixes(by_type, job, writes):
    statements = _role_policy(by_type, job)
    write = one([s for s in statements if s.get("Sid") == "WriteOwnLakePrefixes"], "lake write statement")
    prefixes = {r.split("-lake-123456789012/", 1)[1].rstrip("*") for r in write["Resource"]}
    assert prefixes == writes


def test_gold_job_writes_the_lake_report_into_the_lake_bucket_and_no_other_job_does(jobs, by_type):
    """enable_lake_report (default on): the chain's last job writes the report (lakehouse.report) to
    <lake root>/report/index.html; its role's write grant covers that key (test_least_privilege.py replays it)."""
    lake = one([b["values"]["bucket"] for b in by_type("aws_s3_bucket") if "-lake-" in b["values"]["bucket"]], "lake")
    gold = jobs["gold"]["default_arguments"]
    assert gold["--report_uri"] == f"{gold['--lake_root']}/report/index.html" == f"s3://{lake}/report/index.html"
    assert [s for s, j in jobs.items() if "--report_uri" in j["default_arguments"]] == ["gold"]
    write = one([s for s in _role_policy(by_type, "gold") if s.get("Sid") == "WriteOwnLakePrefixes"], "gold writes")
    assert f"arn:aws:s3:::{lake}/report/*" in write["Resource"]


# ------------------------------------------------------------------------------ concurrency
def test_one_run_per_job_and_workflow_and_every_job_leases_its_tables(by_type, jobs):
    """docs/concurrency.md: Glue refuses a second concurrent run of a job or the workflow, and every job
    gets the DynamoDB lease table (lakehouse.lease) that keeps two drivers off one Delta table."""
    from lakehouse import lease

    table = one(by_type("aws_dynamodb_table"), "lease table")["values"]
    assert table["billing_mode"] == "PAY_PER_REQUEST" and table["hash_key"] == "lease_key"
    assert table["ttl"] == [{"attribute_name": lease.EXPIRY_ATTRIBUTE, "enabled": True}]
    assert table["point_in_time_recovery"][0]["enabled"] is True
    assert table["server_side_encryption"][0]["enabled"] is True
    for stage, job in jobs.items():
        assert job["default_arguments"]["--lease_table"] == table["name"], stage
        assert job["execution_property"] == [{"max_concurrent_runs": 1}], stage
    assert one(by_type("aws_glue_workflow"), "workflow")["values"]["max_concurrent_runs"] == 1


def test_lease_grants_are_item_reads_and_writes_on_the_lease_table_only(by_type):
    table = one(by_type("aws_dynamodb_table"), "lease table")["values"]["name"]
    for p in _scoped_policies(by_type):
        principal = p["address"].rsplit('["', 1)[-1].rstrip('"]')
        grants = [
            s
            for s in _statements(p["values"]["policy"])
            if any(a.startswith("dynamodb:") for a in _as_list(s["Action"]))
        ]
        if p["address"].startswith("module.iam.") and principal in SCRIPTS:
            (grant,) = grants
            assert sorted(grant["Action"]) == [
                "dynamodb:DeleteItem",
                "dynamodb:GetItem",
                "dynamodb:PutItem",
                "dynamodb:UpdateItem",
            ]
            assert grant["Resource"] == [f"arn:aws:dynamodb:eu-west-1:123456789012:table/{table}"], principal
        else:
            assert not grants, f"{p['address']} has DynamoDB access"


# ------------------------------------------------------------------------------ contracts
@pytest.mark.parametrize("entity", sorted(CONTRACTS))
def test_every_contract_has_a_ruleset_and_silver_tables(by_type, entity):
    contract = CONTRACTS[entity]
    rulesets = [
        r["values"]
        for r in by_type("aws_glue_data_quality_ruleset")
        if r["values"]["target_table"][0]["table_name"] == entity
    ]
    ruleset = one(rulesets, f"ruleset for {entity}")
    assert ruleset["target_table"][0]["database_name"].endswith("_silver")
    expected = "Rules = [\n    " + ",\n    ".join(r["rule"] for r in contract["dq"]) + "\n]"
    assert ruleset["ruleset"] == expected

    tables = {t["values"]["name"]: t["values"] for t in by_type("aws_glue_catalog_table")}
    for name in (entity, f"quarantine_{entity}"):
        assert name in tables, f"silver.{name} missing"
        table = tables[name]
        columns = {c["name"] for c in table["storage_descriptor"][0]["columns"]} | {
            p["name"] for p in table.get("partition_keys") or []
        }
        wanted = {c["name"] for c in contract["columns"]} | {d["name"] for d in contract.get("derived") or []}
        assert wanted <= columns, f"silver.{name} lacks {sorted(wanted - columns)}"
        assert table["storage_descriptor"][0]["location"].endswith(f"/silver/{name}/")
    assert [p["name"] for p in tables[entity].get("partition_keys") or []] == contract["partition_by"]
    # quarantine columns end with contracts/silver/metadata.yaml's, the replay's release columns included
    declared = [c["name"] for c in yaml.safe_load((REPO / "contracts/silver/metadata.yaml").read_text())["quarantine"]]
    quarantine_columns = [c["name"] for c in tables[f"quarantine_{entity}"]["storage_descriptor"][0]["columns"]]
    assert quarantine_columns[-len(declared) :] == declared
    assert {"_released_at", "_released_by_run"} <= set(declared)
    assert (f"{entity}_versions" in tables) == bool(contract.get("scd2")), "scd2 contracts keep <entity>_versions"


def test_crawlers_follow_their_definitions(by_type):
    crawlers = {c["values"]["name"].removeprefix("lakehouse-dev-"): c["values"] for c in by_type("aws_glue_crawler")}
    assert set(crawlers) == set(CRAWLERS)
    for name, definition in CRAWLERS.items():
        target = one(crawlers[name]["delta_target"], f"delta target of {name}")
        assert target["create_native_delta_table"] is definition.get("create_native_delta_table", True)
        if "tables" in definition:
            tables = definition["tables"]
        elif definition.get("tables_from_gold_tables"):
            tables = [t.stem for t in (REPO / "contracts" / "gold").glob("*.yaml")]
        elif "tables_from_crawler" in definition:
            tables = CRAWLERS[definition["tables_from_crawler"]]["tables"]
        else:
            tables = sorted({c[definition["tables_from_contracts"]] for c in CONTRACTS.values()})
        layer = definition["layer"]
        expected = sorted(f"s3://lakehouse-dev-lake-123456789012/{layer}/{t}/" for t in tables)
        assert sorted(target["delta_tables"]) == expected
        assert crawlers[name]["database_name"] == f"lakehouse_dev_{definition.get('database', layer)}"
    # Athena reads native Delta tables; Redshift Spectrum the symlink-manifest ones.
    assert crawlers["gold"]["delta_target"][0]["create_native_delta_table"] is True
    assert crawlers["gold_spectrum"]["delta_target"][0]["create_native_delta_table"] is False


def test_redshift_role_reads_the_spectrum_database(by_type):
    policy = one(
        [p for p in _scoped_policies(by_type) if p["address"].startswith("module.redshift_serverless")],
        "role",
    )
    catalog = one([s for s in _statements(policy["values"]["policy"]) if s["Sid"] == "ReadGoldCatalog"], "catalog read")
    assert any(r.endswith(":database/lakehouse_dev_gold_spectrum") for r in catalog["Resource"])


def test_athena_named_queries_are_rendered_from_athena_sql(by_type):
    files = sorted((REPO / "athena_sql").glob("*.sql"))
    queries = {q["values"]["name"]: q["values"] for q in by_type("aws_athena_named_query")}
    assert set(queries) == {f.stem for f in files}
    for q in queries.values():
        assert "${" not in q["query"], f"{q['name']}: unrendered template variable"
        assert q["database"] == "lakehouse_dev_gold"
    workgroup = one(by_type("aws_athena_workgroup"), "Athena workgroup")["values"]["configuration"][0]
    assert workgroup["engine_version"][0]["selected_engine_version"] == "Athena engine version 3"
    assert workgroup["enforce_workgroup_configuration"] is True and workgroup["bytes_scanned_cutoff_per_query"] > 0


def test_redshift_network_is_coherent(by_type):
    """Enhanced VPC routing only together with the S3 and Glue endpoints COPY/Spectrum need."""
    workgroup = one(by_type("aws_redshiftserverless_workgroup"), "workgroup")["values"]
    endpoints = {e["values"]["service_name"].rsplit(".", 1)[-1] for e in by_type("aws_vpc_endpoint")}
    assert endpoints == ({"s3", "glue"} if workgroup["enhanced_vpc_routing"] else set())
    keys = {c["parameter_key"] for c in workgroup["config_parameter"]}
    assert keys == {
        "auto_mv",
        "datestyle",
        "enable_case_sensitive_identifier",
        "enable_user_activity_logging",
        "max_query_execution_time",
        "query_group",
        "require_ssl",
        "search_path",
        "use_fips_ssl",
    }, "every key AWS returns, or each plan shows a diff"


def test_deploy_sh_reads_the_region_from_the_outputs(plan_json):
    outputs = plan_json["planned_values"]["outputs"]
    assert outputs["aws_region"]["value"] == "eu-west-1"  # envs/dev.tfvars
    assert "redshift_admin_secret_arn" in plan_json["configuration"]["root_module"]["outputs"]


def test_redshift_serverless_is_planned_with_limits(by_type):
    namespace = one(by_type("aws_redshiftserverless_namespace"), "namespace")["values"]
    assert namespace["manage_admin_password"] is True and not namespace.get("admin_user_password")
    limit = one(by_type("aws_redshiftserverless_usage_limit"), "usage limit")["values"]
    assert limit["usage_type"] == "serverless-compute" and limit["amount"] > 0
