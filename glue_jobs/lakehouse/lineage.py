"""OpenLineage run events of every Glue job: START when it starts, COMPLETE or FAIL when it ends.

Hooked in two places, not in each job: `runtime.glue_session` opens a run (START) and closes it
(COMPLETE / FAIL); `delta_io`'s reads and writes (and bronze's landing read, silver's full bronze read)
tell the open run which datasets it read and wrote (`read`, `wrote`); `ops.append_rows` hands it
silver's DQ rule outcomes (`dq_outcomes`). The events use the OpenLineage Python client
(openlineage-python, pinned in requirements.txt).

Transport, by job argument (read from argv like --lakehouse_verbose, so no script declares them):
  --lineage_url URL            HTTP, e.g. Marquez (POST URL/api/v1/lineage)
  --lineage_datazone_domain ID the client's Amazon DataZone transport (PostLineageEvent)
  --lineage_dir DIR            file: DIR/events.jsonl, one event per line
With none of them a local lake root gets <lake>/lineage/events.jsonl; an S3 lake root emits nothing.

Datasets are named by storage location, as the OpenLineage naming spec gives it for object stores and
files: s3://bucket/key → namespace "s3://bucket", name "key"; a local path → namespace "file", name
the absolute path. A Delta table is the dataset at its folder.

Emitting never fails a job: a missing client, a transport error or a bug here is one warning line,
and the job goes on (and keeps its own outcome). The time spent is kept in `overhead_seconds`.
"""

from __future__ import annotations

import json
import os
import sys
import time
import traceback
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime

PRODUCER = "urn:lakehouse:glue_jobs"  # who wrote the events (a URI, as the spec asks)
EVENTS_FILE = "events.jsonl"
LOCAL_DIR = "lineage"  # under a local lake root
DEFAULT_NAMESPACE = "lakehouse"  # the jobs' namespace (--lineage_namespace)
ARGS = ("lineage_url", "lineage_dir", "lineage_datazone_domain", "lineage_namespace")
# The run facet that carries Glue's own identifiers (a custom facet: its schema is this module).
GLUE_FACET = "glueJobRun"
GLUE_FACET_SCHEMA = "urn:lakehouse:glue_jobs:lineage#GlueJobRunFacet"

overhead_seconds = 0.0  # time this process spent building and emitting events (bench/lineage_bench.py)


def dataset_id(path: str) -> tuple[str, str]:
    """(namespace, name) of the dataset at `path`, per the OpenLineage naming spec (S3; local file)."""
    path = path.rstrip("/")
    scheme, sep, rest = path.partition("://")
    if sep and scheme in ("s3", "s3a", "s3n"):
        bucket, _, key = rest.partition("/")
        return f"s3://{bucket}", key
    if sep and scheme == "file":
        path = rest
    return "file", os.path.abspath(path)


def _argv_value(name: str, argv: list[str]) -> str | None:
    flag = f"--{name}"
    return next((argv[i + 1] for i, a in enumerate(argv[:-1]) if a == flag), None)


@dataclass
class Run:
    """What one job run read and wrote, collected while it runs."""

    job: str
    run_id: str
    lake_root: str
    namespace: str = DEFAULT_NAMESPACE
    glue: dict = field(default_factory=dict)  # jobRunId, workflowName, workflowRunId
    started: datetime = field(default_factory=lambda: datetime.now(UTC))
    inputs: dict = field(default_factory=dict)  # path -> a frame of it (its schema), or None
    outputs: dict = field(default_factory=dict)
    outcomes: list = field(default_factory=list)  # ops.dq_results rows as dicts


_current: Run | None = None


def _safe(fn):
    """Run fn; any error is one warning (lineage never fails a job) and the time counts as overhead."""

    def wrapper(*args, **kwargs):
        global overhead_seconds
        t0 = time.perf_counter()
        try:
            return fn(*args, **kwargs)
        except Exception as exc:  # noqa: BLE001 - lineage must never take a job down
            why = f"{type(exc).__name__}: {exc}"
            print(f"WARNING lineage: {fn.__name__} failed ({why}); the job goes on", file=sys.stderr)
            return None
        finally:
            overhead_seconds += time.perf_counter() - t0

    return wrapper


@_safe
def read(path: str, df=None) -> None:
    """The open run read the dataset at `path` (`df`: a frame of it, for the schema facet)."""
    if _current is not None and path:
        _current.inputs[path.rstrip("/")] = df


@_safe
def wrote(path: str, df=None) -> None:
    """The open run wrote the dataset at `path` (`df`: the frame written, for the schema facet)."""
    if _current is not None and path:
        _current.outputs[path.rstrip("/")] = df


@_safe
def dq_outcomes(rows: list[dict]) -> None:
    """Silver's rule outcomes (ops.dq_results rows): the assertions facet of the input they judged."""
    if _current is not None:
        _current.outcomes.extend(rows)


# --------------------------------------------------------------------------- facets (plain dicts)
def _facet(schema: str, **fields) -> dict:
    return {"_producer": PRODUCER, "_schemaURL": schema, **fields}


SCHEMA_FACET = "https://openlineage.io/spec/facets/1-2-0/SchemaDatasetFacet.json#/$defs/SchemaDatasetFacet"
STATS_FACET = (
    "https://openlineage.io/spec/facets/1-0-2/OutputStatisticsOutputDatasetFacet.json"
    "#/$defs/OutputStatisticsOutputDatasetFacet"
)
DQ_FACET = (
    "https://openlineage.io/spec/facets/1-1-0/DataQualityAssertionsDatasetFacet.json"
    "#/$defs/DataQualityAssertionsDatasetFacet"
)
PARENT_FACET = "https://openlineage.io/spec/facets/1-2-0/ParentRunFacet.json#/$defs/ParentRunFacet"
JOB_TYPE_FACET = "https://openlineage.io/spec/facets/2-0-4/JobTypeJobFacet.json#/$defs/JobTypeJobFacet"
ERROR_FACET = "https://openlineage.io/spec/facets/1-0-1/ErrorMessageRunFacet.json#/$defs/ErrorMessageRunFacet"
EVENT_SCHEMA = "https://openlineage.io/spec/2-0-2/OpenLineage.json#/$defs/RunEvent"


def schema_facet(struct) -> dict:
    """The schema facet of a Spark StructType (nested structs as nested fields)."""

    def fields(st):
        out = []
        for f in st.fields:
            entry = {"name": f.name, "type": f.dataType.simpleString()}
            if hasattr(f.dataType, "fields"):
                entry["fields"] = fields(f.dataType)
            out.append(entry)
        return out

    return _facet(SCHEMA_FACET, fields=fields(struct))


def assertions(rows: list[dict]) -> dict[str, list[dict]]:
    """{source: assertions} of ops.dq_results rows: one assertion per rule, failed when any batch failed it.

    Skipped rules (not evaluated) are left out: an assertion states an outcome.
    """
    by_source: dict[str, dict[str, dict]] = {}
    for r in rows:
        if r.get("outcome") not in ("Passed", "Failed"):
            continue
        rules = by_source.setdefault(r["source"], {})
        a = rules.setdefault(
            r["rule_name"],
            {"assertion": r["rule_name"], "success": True, "severity": r.get("severity"), "content": r.get("rule")},
        )
        a["success"] = a["success"] and r["outcome"] == "Passed"
    return {
        source: [{k: v for k, v in a.items() if v is not None} for a in rules.values()]
        for source, rules in by_source.items()
    }


def _dataset(path: str, df) -> dict:
    namespace, name = dataset_id(path)
    facets = {}
    if df is not None:
        facets["schema"] = schema_facet(df.schema)
    return {"namespace": namespace, "name": name, "facets": facets}


def run_uuid(glue_run_id: str | None) -> str:
    """The OpenLineage runId (a UUID): derived from Glue's run id when there is one, so START and COMPLETE
    of one Glue run, and a re-sent event, carry the same runId; a new UUID otherwise."""
    return str(uuid.uuid5(uuid.NAMESPACE_URL, f"glue-job-run:{glue_run_id}")) if glue_run_id else str(uuid.uuid4())


def build_event(
    run: Run, event_type: str, rows_written: dict | None = None, error: BaseException | None = None
) -> dict:
    """One RunEvent as a dict in the OpenLineage 2-0-2 shape (START carries no datasets)."""
    run_facets: dict = {}
    if run.glue:
        run_facets[GLUE_FACET] = _facet(GLUE_FACET_SCHEMA, **run.glue)
    if run.glue.get("workflowRunId"):
        run_facets["parent"] = _facet(
            PARENT_FACET,
            run={"runId": run_uuid(run.glue["workflowRunId"])},
            job={"namespace": run.namespace, "name": run.glue.get("workflowName") or "workflow"},
        )
    if error is not None:
        run_facets["errorMessage"] = _facet(
            ERROR_FACET,
            message=f"{type(error).__name__}: {error}",
            programmingLanguage="python",
            stackTrace="".join(traceback.format_exception(error))[-4000:],
        )
    event = {
        "eventType": event_type,
        "eventTime": datetime.now(UTC).isoformat(),
        "producer": PRODUCER,
        "schemaURL": EVENT_SCHEMA,
        "run": {"runId": run.run_id, "facets": run_facets},
        "job": {
            "namespace": run.namespace,
            "name": run.job,
            "facets": {
                "jobType": _facet(JOB_TYPE_FACET, processingType="BATCH", integration="GLUE", jobType="JOB"),
            },
        },
        "inputs": [],
        "outputs": [],
    }
    if event_type == "START":
        return event
    checks = assertions(run.outcomes)
    from lakehouse.paths import LakePaths

    judged = {LakePaths(run.lake_root).bronze(s): a for s, a in checks.items()}
    for path, df in sorted(run.inputs.items()):
        ds = _dataset(path, df)
        if path in judged:
            ds["inputFacets"] = {"dataQualityAssertions": _facet(DQ_FACET, assertions=judged[path])}
        event["inputs"].append(ds)
    for path, df in sorted(run.outputs.items()):
        ds = _dataset(path, df)
        rows = (rows_written or {}).get(path)
        if rows is not None:
            ds["outputFacets"] = {"outputStatistics": _facet(STATS_FACET, rowCount=rows)}
        event["outputs"].append(ds)
    return event


# --------------------------------------------------------------------------- rows written
def rows_written(spark, run: Run) -> dict[str, int]:
    """{output path: rows the run's commits wrote}, from the Delta commits made since the run started
    (commitInfo.operationMetrics.numOutputRows: what Delta itself counted, no data read)."""
    from lakehouse import delta_io

    since_ms = int(run.started.timestamp() * 1000)
    out = {}
    for path in run.outputs:
        total, found = 0, False
        for info in delta_io.commit_infos_since(spark, path, since_ms):
            metrics = info.get("operationMetrics") or {}
            if "numOutputRows" in metrics:
                total += int(metrics["numOutputRows"])
                found = True
        if found:
            out[path] = total
    return out


# --------------------------------------------------------------------------- transport and the run
def transport_for(args: dict, lake_root: str):
    """The client transport the job arguments ask for, or None (no lineage)."""
    url, folder, domain = (args.get(a) for a in ARGS[:3])
    if url:
        from openlineage.client.transport.http import HttpConfig, HttpTransport

        # A short timeout and one retry: a lineage server that is down costs the job seconds, not minutes.
        return HttpTransport(HttpConfig(url=url, timeout=5.0, retry={"total": 1, "backoff_factor": 0.5}))
    if domain:
        from openlineage.client.transport.amazon_datazone import AmazonDataZoneConfig, AmazonDataZoneTransport

        return AmazonDataZoneTransport(AmazonDataZoneConfig(domain_id=domain))
    if not folder:
        if "://" in lake_root and not lake_root.startswith("file://"):
            return None  # an S3 lake without a lineage argument: nothing to write to
        folder = os.path.join(lake_root.removeprefix("file://"), LOCAL_DIR)
    from openlineage.client.transport.file import FileConfig, FileTransport

    os.makedirs(folder, exist_ok=True)
    return FileTransport(FileConfig(log_file_path=os.path.join(folder, EVENTS_FILE), append=True))


_transport = None  # the open run's OpenLineage transport (the client serialises the dict events as given)


@_safe
def start(args: dict, argv: list[str] | None = None) -> None:
    """Open the run of this job (args: the resolved Glue arguments) and emit START."""
    global _current, _transport
    argv = sys.argv if argv is None else argv
    given = {a: args.get(a) or _argv_value(a, argv) for a in ARGS}
    lake_root = args.get("lake_root") or ""
    _current, _transport = None, None
    transport = transport_for(given, lake_root)
    if transport is None:
        return
    # A job a workflow trigger starts gets --WORKFLOW_NAME and --WORKFLOW_RUN_ID from Glue ("Getting and
    # setting workflow run properties", AWS Glue Developer Guide); the emulator's runner passes the run id too.
    glue_ids = {
        "jobRunId": args.get("JOB_RUN_ID") or _argv_value("JOB_RUN_ID", argv),
        "workflowName": args.get("WORKFLOW_NAME") or _argv_value("WORKFLOW_NAME", argv),
        "workflowRunId": args.get("WORKFLOW_RUN_ID") or _argv_value("WORKFLOW_RUN_ID", argv),
    }
    glue = {k: v for k, v in glue_ids.items() if v}
    _current = Run(
        job=args.get("JOB_NAME") or "unknown",
        run_id=run_uuid(glue.get("jobRunId")),
        lake_root=lake_root,
        namespace=given["lineage_namespace"] or DEFAULT_NAMESPACE,
        glue=glue,
    )
    _transport = transport
    _transport.emit(build_event(_current, "START"))


@_safe
def finish(spark, error: BaseException | None = None) -> None:
    """Emit COMPLETE (or FAIL with the error) with what the run read and wrote, and close the run."""
    global _current, _transport
    run, transport = _current, _transport
    _current, _transport = None, None
    if run is None or transport is None:
        return
    try:
        written = rows_written(spark, run)
    except Exception as exc:  # noqa: BLE001 - the event goes out without row counts
        print(f"WARNING lineage: rows written not read ({type(exc).__name__}: {exc})", file=sys.stderr)
        written = {}
    transport.emit(build_event(run, "FAIL" if error is not None else "COMPLETE", written, error))
    transport.close(5.0)


def read_events(lake_root: str) -> list[dict]:
    """The events of a local lake (<lake>/lineage/events.jsonl), oldest first."""
    path = os.path.join(lake_root, LOCAL_DIR, EVENTS_FILE)
    if not os.path.exists(path):
        return []
    with open(path, encoding="utf-8") as f:
        return [json.loads(line) for line in f if line.strip()]
