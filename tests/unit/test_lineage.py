"""lakehouse.lineage: the OpenLineage events a job run emits, built and sent without Spark jobs.

Expected values are written by hand from the OpenLineage spec (dataset naming for S3 and files,
facet shapes) and checked against the OpenLineage model the client ships (tests/lineage_schema.py).
"""

import json
import socket
import sys
import time

import pytest
from lakehouse import lineage
from pyspark.sql.types import LongType, StringType, StructField, StructType

from tests.lineage_schema import problems

SCHEMA = StructType(
    [
        StructField("id", StringType()),
        StructField("n", LongType()),
        StructField("address", StructType([StructField("city", StringType())])),
    ]
)


class Frame:  # what lineage reads of a DataFrame: its schema (no Spark session needed)
    schema = SCHEMA


@pytest.fixture(autouse=True)
def no_open_run():
    yield
    lineage._current, lineage._transport = None, None


def test_datasets_are_named_by_storage_location_as_the_spec_says():
    assert lineage.dataset_id("s3://lake-bucket/bronze/pos_sales/") == ("s3://lake-bucket", "bronze/pos_sales")
    assert lineage.dataset_id("s3a://lake-bucket/silver/sales") == ("s3://lake-bucket", "silver/sales")
    assert lineage.dataset_id("/tmp/lake/gold/daily_sales") == ("file", "/tmp/lake/gold/daily_sales")
    assert lineage.dataset_id("file:///tmp/lake/ops/dq_results") == ("file", "/tmp/lake/ops/dq_results")


def test_rule_outcomes_become_one_assertion_per_rule_failed_when_any_batch_failed_it():
    rows = [
        {"source": "pos_sales", "rule_name": "qty", "rule": "ColumnValues q > 0", "outcome": "Failed"},
        {"source": "pos_sales", "rule_name": "qty", "rule": "ColumnValues q > 0", "outcome": "Passed"},
        {"source": "pos_sales", "rule_name": "rows", "rule": "RowCount > 0", "outcome": "Passed"},
        {"source": "pos_sales", "rule_name": "fresh", "rule": "DataFreshness", "outcome": "Skipped"},
        {"source": "products", "rule_name": "id", "rule": "IsComplete id", "outcome": "Passed", "severity": "error"},
    ]
    got = lineage.assertions(rows)
    assert got == {
        "pos_sales": [
            {"assertion": "qty", "success": False, "content": "ColumnValues q > 0"},
            {"assertion": "rows", "success": True, "content": "RowCount > 0"},
        ],
        "products": [{"assertion": "id", "success": True, "severity": "error", "content": "IsComplete id"}],
    }


def a_run(tmp_path) -> lineage.Run:
    run = lineage.Run(
        job="silver_clean",
        run_id=lineage.run_uuid("jr_abc"),
        lake_root=str(tmp_path),
        glue={"jobRunId": "jr_abc", "workflowName": "wf", "workflowRunId": "wr_1"},
    )
    run.inputs[f"{tmp_path}/bronze/pos_sales"] = Frame()
    run.inputs[f"{tmp_path}/ops/batches_processed"] = None
    run.outputs[f"{tmp_path}/silver/sales"] = Frame()
    run.outcomes = [{"source": "pos_sales", "rule_name": "qty", "rule": "q > 0", "outcome": "Failed"}]
    return run


def test_complete_event_is_valid_openlineage_with_schema_rows_dq_and_parent(tmp_path):
    run = a_run(tmp_path)
    event = lineage.build_event(run, "COMPLETE", {f"{tmp_path}/silver/sales": 42})
    assert problems(event) == []
    assert event["run"]["facets"]["glueJobRun"]["jobRunId"] == "jr_abc"
    parent = event["run"]["facets"]["parent"]
    assert parent["job"]["name"] == "wf" and parent["run"]["runId"] == lineage.run_uuid("wr_1")
    inputs = {d["name"]: d for d in event["inputs"]}
    assert set(inputs) == {f"{tmp_path}/bronze/pos_sales", f"{tmp_path}/ops/batches_processed"}
    judged = inputs[f"{tmp_path}/bronze/pos_sales"]["inputFacets"]["dataQualityAssertions"]["assertions"]
    assert judged == [{"assertion": "qty", "success": False, "content": "q > 0"}]
    assert "inputFacets" not in inputs[f"{tmp_path}/ops/batches_processed"]
    (out,) = event["outputs"]
    assert out["namespace"] == "file" and out["outputFacets"]["outputStatistics"]["rowCount"] == 42
    fields = out["facets"]["schema"]["fields"]
    assert fields == [
        {"name": "id", "type": "string"},
        {"name": "n", "type": "bigint"},
        {"name": "address", "type": "struct<city:string>", "fields": [{"name": "city", "type": "string"}]},
    ]


def test_start_carries_no_datasets_and_fail_carries_the_error(tmp_path):
    run = a_run(tmp_path)
    start = lineage.build_event(run, "START")
    assert problems(start) == [] and start["inputs"] == [] and start["outputs"] == []
    try:
        raise ValueError("rule qty failed")
    except ValueError as exc:
        fail = lineage.build_event(run, "FAIL", {}, exc)
    assert problems(fail) == []
    assert fail["run"]["facets"]["errorMessage"]["message"] == "ValueError: rule qty failed"
    assert fail["run"]["runId"] == start["run"]["runId"]  # one run: one START, one FAIL


def test_schema_check_catches_a_broken_event(tmp_path):
    """The checker itself must be able to fail: a runId that is no UUID, a facet without _producer."""
    event = lineage.build_event(a_run(tmp_path), "COMPLETE", {})
    event["run"]["runId"] = "jr_abc"
    del event["outputs"][0]["facets"]["schema"]["_producer"]
    found = problems(event)
    assert any(p.startswith("event.run.runId: 'jr_abc' rejected") for p in found)
    assert "event.outputs[0].facets.schema: required '_producer' missing (SchemaDatasetFacet)" in found


def test_schema_check_catches_an_unknown_facet_key_and_an_unknown_facet(tmp_path):
    """A key the facet's class does not have (a misspelt rowCount), a _schemaURL no facet class has."""
    event = lineage.build_event(a_run(tmp_path), "COMPLETE", {f"{tmp_path}/silver/sales": 42})
    stats = event["outputs"][0]["outputFacets"]["outputStatistics"]
    stats["rowcount"] = stats.pop("rowCount")
    event["job"]["facets"]["jobType"]["_schemaURL"] = lineage.JOB_TYPE_FACET.replace("2-0-4", "9-9-9")
    assert sorted(problems(event)) == [
        f"event.job.facets.jobType: no OpenLineage facet for '{lineage.JOB_TYPE_FACET.replace('2-0-4', '9-9-9')}'",
        "event.outputs[0].outputFacets.outputStatistics: unknown key 'rowcount' (not in "
        "OutputStatisticsOutputDatasetFacet)",
    ]


def test_a_local_run_writes_start_and_complete_to_the_lake_file(tmp_path):
    args = {"JOB_NAME": "bronze_ingest", "lake_root": str(tmp_path)}
    lineage.start(args, argv=["x.py", "--WORKFLOW_RUN_ID", "wr_9"])
    lineage.read(f"{tmp_path}/landing/pos_sales", Frame())
    lineage.finish(spark=None)  # no outputs: no commit to read
    events = lineage.read_events(str(tmp_path))
    assert [e["eventType"] for e in events] == ["START", "COMPLETE"]
    assert events[0]["run"]["runId"] == events[1]["run"]["runId"]
    assert [d["name"] for d in events[1]["inputs"]] == [f"{tmp_path}/landing/pos_sales"]
    assert events[1]["run"]["facets"]["parent"]["run"]["runId"] == lineage.run_uuid("wr_9")
    assert all(problems(e) == [] for e in events)


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_an_unreachable_lineage_server_is_a_warning_not_a_failed_job(tmp_path, capsys):
    url = f"http://127.0.0.1:{_closed_port()}"
    t0 = time.monotonic()
    lineage.start({"JOB_NAME": "gold_aggregates", "lake_root": "s3://lake"}, argv=["x.py", "--lineage_url", url])
    lineage.finish(spark=None)
    err = capsys.readouterr().err
    assert "WARNING lineage: start failed" in err and "the job goes on" in err
    assert time.monotonic() - t0 < 10  # bounded by the transport's timeout and single retry


def test_without_the_client_package_the_job_only_warns(tmp_path, monkeypatch, capsys):
    for name in [m for m in sys.modules if m == "openlineage" or m.startswith("openlineage.")]:
        monkeypatch.delitem(sys.modules, name)
    monkeypatch.setitem(sys.modules, "openlineage", None)  # import openlineage... raises ImportError
    lineage.start({"JOB_NAME": "silver_clean", "lake_root": str(tmp_path)}, argv=["x.py"])
    lineage.finish(spark=None)
    assert "WARNING lineage: start failed (ModuleNotFoundError" in capsys.readouterr().err
    assert lineage.read_events(str(tmp_path)) == []


def test_an_s3_lake_without_a_lineage_argument_emits_nothing(tmp_path):
    lineage.start({"JOB_NAME": "bronze_ingest", "lake_root": "s3://lake"}, argv=["x.py"])
    assert lineage._current is None
    lineage.read("s3://lake/landing/x", Frame())  # no open run: ignored
    lineage.finish(spark=None)


def test_lineage_dir_argument_writes_json_lines_there(tmp_path):
    out = tmp_path / "elsewhere"
    lineage.start({"JOB_NAME": "maintain_tables", "lake_root": "s3://lake"}, argv=["x.py", "--lineage_dir", str(out)])
    lineage.finish(spark=None)
    lines = (out / lineage.EVENTS_FILE).read_text().splitlines()
    assert [json.loads(x)["eventType"] for x in lines] == ["START", "COMPLETE"]


def test_rows_written_are_the_runs_own_commits(spark, tmp_path):
    from lakehouse import delta_io

    path = str(tmp_path / "silver" / "t")
    delta_io.append(spark.range(3), path)  # before the run: not its rows
    run = lineage.Run(job="silver_clean", run_id=lineage.run_uuid(None), lake_root=str(tmp_path))
    delta_io.append(spark.range(5), path)
    delta_io.append(spark.range(2), path)
    run.outputs[path] = None
    assert lineage.rows_written(spark, run) == {path: 7}


def test_glue_session_sends_complete_or_fail_and_keeps_the_jobs_outcome(spark, tmp_path, monkeypatch):
    from lakehouse import delta_io, runtime

    monkeypatch.setattr(sys, "argv", ["silver_clean.py"])
    args = {"JOB_NAME": "silver_clean", "lake_root": str(tmp_path)}
    with runtime.glue_session(args) as session:
        delta_io.append(session.range(4), f"{tmp_path}/silver/x")
    with pytest.raises(ValueError, match="rule failed"), runtime.glue_session(args):
        raise ValueError("rule failed")
    events = lineage.read_events(str(tmp_path))
    assert [e["eventType"] for e in events] == ["START", "COMPLETE", "START", "FAIL"]
    (out,) = events[1]["outputs"]
    assert out["name"] == f"{tmp_path}/silver/x" and out["outputFacets"]["outputStatistics"]["rowCount"] == 4
    assert events[3]["run"]["facets"]["errorMessage"]["message"] == "ValueError: rule failed"
    assert all(problems(e) == [] for e in events)
