"""Run a deployed Glue workflow locally, the way Glue runs it.

Everything comes back from the emulated Glue API — the workflow's triggers (GetTriggers), each job
(GetJob: script location, default arguments, timeout) and crawler (GetCrawler) — nothing is listed
here. The start trigger (SCHEDULED or ON_DEMAND) fires first; after every job or crawler ends, each
activated CONDITIONAL trigger not yet fired in this run is evaluated on the outcomes so far
(``AND``: every condition, ``ANY``: one; job ``State`` SUCCEEDED / FAILED / TIMEOUT / STOPPED,
crawler ``CrawlState``), and its actions start. A trigger fires at most once per run, so a failed
job stops the SUCCEEDED branch and only FAILED-condition triggers go on.

A job runs as its own driver, a fresh Python process (a Glue job is its own driver too):

- the script is downloaded from ScriptLocation (emulated S3) and run as ``__main__`` with
  ``--JOB_NAME``, ``--JOB_RUN_ID`` and the deployed DefaultArguments merged with the trigger action's
  Arguments (the run arguments win), so ``getResolvedOptions`` checks the script's REQUIRED_ARGS;
- ``--extra-py-files`` are downloaded and are the only project code on PYTHONPATH (``lakehouse``
  is imported from the zip, and the job log says from where);
- ``--extra-jars`` are downloaded; ``--datalake-formats delta`` adds the Delta jars Glue provides, and
  the s3a jars stand in for Glue's own S3 filesystem (both from the local jar cache);
- ``--additional-python-modules`` must be installed in this interpreter at the pinned version;
- ``Timeout`` (minutes) ends the run as TIMEOUT; ``AWS_ENDPOINT_URL`` points boto3 and Spark's
  s3/s3a (lakehouse.runtime: S3AFileSystem, path-style) at the emulator;
- ``MaxRetries``: "the maximum number of times to retry this job after a JobRun fails" (Glue API, Job):
  a FAILED attempt (an error, or its driver killed) runs again, up to MaxRetries times, as a new attempt
  (JobRun ``Attempt`` n, run id ``<first run id>_attempt_<n>``, ``PreviousRunId`` the first); a TIMEOUT
  is not a failure and is not retried;
- a start beyond the workflow's ``MaxConcurrentRuns`` or the job's ``ExecutionProperty.MaxConcurrentRuns``
  (runs of this process) is refused with ConcurrentRunsExceededException, nothing run.

Stages run one action at a time (Glue would start a stage's actions in parallel; ours are independent,
and the machine has two cores).
"""

import json
import os
import re
import signal
import subprocess
import sys
import threading
import time
import uuid
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path

from lakehouse.runtime import CODEGEN_ENV, JIT_ENV, S3_CREDENTIALS_ENV

from lakehouse_local.emulator import crawler as crawler_mod
from lakehouse_local.emulator.delta_log import rows_written_since, split_s3
from lakehouse_local.emulator.server import aws_env, client

REPO_ROOT = Path(__file__).resolve().parents[2]
JAR_CACHE = Path(os.environ.get("LAKEHOUSE_JARS_DIR", REPO_ROOT / ".cache" / "jars"))
# What the Glue runtime provides, as files of the local jar cache.
DATALAKE_JARS = {"delta": ("delta-spark_*.jar", "delta-storage-*.jar")}
S3_FILESYSTEM_JARS = ("hadoop-aws-*.jar", "aws-java-sdk-bundle-*.jar")
# Runs the downloaded script as `python script.py args` would, then says where `lakehouse` came from.
BOOTSTRAP = (
    "import os, runpy, sys\n"
    "sys.argv = sys.argv[1:]\n"
    "sys.path[0] = os.path.dirname(sys.argv[0])\n"
    "try:\n"
    "    runpy.run_path(sys.argv[0], run_name='__main__')\n"
    "finally:\n"
    "    m = sys.modules.get('lakehouse')\n"
    "    print('glue-runner: lakehouse imported from', getattr(m, '__file__', None), file=sys.stderr)\n"
)


@dataclass
class Step:
    """One line of the timeline: a trigger firing, or a job / crawler run."""

    kind: str  # trigger | job | crawler
    name: str
    state: str  # FIRED | SUCCEEDED | FAILED | TIMEOUT
    at: float  # seconds since the workflow run started
    seconds: float = 0.0
    rows: int | None = None
    detail: str = ""
    started_by: str = ""
    arguments: dict = field(default_factory=dict)
    log: str = ""
    attempts: int = 1  # 1 + the retries Glue made after FAILED attempts (the job's MaxRetries)


@dataclass
class WorkflowRun:
    workflow: str
    run_id: str
    steps: list[Step]
    seconds: float
    refused: str = ""  # why StartWorkflowRun was refused (nothing ran)

    def fired(self) -> list[str]:
        return [s.name for s in self.steps if s.kind == "trigger"]

    def states(self) -> dict[str, str]:
        return {s.name: s.state for s in self.steps if s.kind != "trigger"}

    def step(self, name: str) -> Step:
        return next(s for s in self.steps if s.name == name and s.kind != "trigger")

    def succeeded(self) -> bool:
        return not self.refused and all(s.state in ("FIRED", "SUCCEEDED") for s in self.steps)

    def timeline(self) -> str:
        lines = [f"workflow {self.workflow} run {self.run_id}"]
        if self.refused:
            return "\n".join([*lines, f"  refused: {self.refused}"])
        for s in self.steps:
            if s.kind == "trigger":
                lines.append(f"  {s.at:7.1f}s  trigger  {s.name}")
                continue
            rows = "" if s.rows is None else f"{s.rows:>8} rows"
            lines.append(f"  {s.at:7.1f}s  {s.kind:<8} {s.name:<44} {s.state:<9} {s.seconds:6.1f}s {rows}")
            if s.detail:
                lines.append(f"           {'':8} {s.detail}")
        lines.append(f"  total {self.seconds:.1f}s: {'SUCCEEDED' if self.succeeded() else 'FAILED'}")
        return "\n".join(lines)

    def write(self, path: Path) -> None:
        path.write_text(json.dumps({**asdict(self), "timeline": self.timeline()}, indent=2, default=str))


def condition_met(condition: dict, outcomes: dict[str, str]) -> bool:
    if condition.get("LogicalOperator", "EQUALS") != "EQUALS":
        raise ValueError(f"unsupported condition operator {condition['LogicalOperator']}")
    if "JobName" in condition:
        return outcomes.get(condition["JobName"]) == condition["State"]
    return outcomes.get(condition["CrawlerName"]) == condition["CrawlState"]


def predicate_met(predicate: dict, outcomes: dict[str, str]) -> bool:
    met = [condition_met(c, outcomes) for c in predicate.get("Conditions", [])]
    return any(met) if predicate.get("Logical", "AND") == "ANY" else bool(met) and all(met)


class GlueRunner:
    """Runs the workflow ``workflow`` deployed in the emulator at ``endpoint``; job runs go under ``workdir``."""

    def __init__(
        self,
        endpoint: str,
        workflow: str,
        workdir: Path,
        echo=print,
        kill_after_commits=None,
        credentials: dict | None = None,
        s3_as_job_role: bool = False,
    ):
        """``kill_after_commits``: {job name: n}; the first attempt of each run of that job has its
        driver SIGKILLed once n new Delta commits of its lake are in the emulated S3 (a crash at a
        point of the job's own choosing, as a Glue worker lost mid-run), for Glue's retry to repair.

        ``credentials``: the identity the runner (and the jobs' other AWS clients) act as, default the
        emulator's fake one. ``s3_as_job_role``: each attempt's S3 client (Hadoop's S3A: all of a
        job's S3 access) gets temporary credentials of the job's IAM role, assumed as Glue assumes
        it, so moto with IAM enforced (server.enforce_iam) allows only what the role's policies do."""
        self.endpoint, self.workflow, self.workdir, self.echo = endpoint, workflow, Path(workdir), echo
        self.credentials, self.s3_as_job_role = credentials, s3_as_job_role
        self.glue, self.s3 = client("glue", endpoint, credentials), client("s3", endpoint, credentials)
        self.kill_after_commits = kill_after_commits or {}

    # ------------------------------------------------------------ what is deployed
    def triggers(self) -> list[dict]:
        found = []
        for page in self.glue.get_paginator("get_triggers").paginate():
            found += [t for t in page["Triggers"] if t.get("WorkflowName") == self.workflow]
        if not found:
            raise RuntimeError(f"workflow {self.workflow}: no triggers deployed")
        return sorted(found, key=lambda t: t["Name"])

    def start_trigger(self, triggers: list[dict]) -> dict:
        starts = [t for t in triggers if t["Type"] in ("SCHEDULED", "ON_DEMAND")]
        if len(starts) != 1:
            raise RuntimeError(f"workflow {self.workflow}: expected one start trigger, found {len(starts)}")
        return starts[0]

    # ------------------------------------------------------------ the run
    # Runs in progress in this process, per workflow and per job: Glue refuses a start beyond the
    # workflow's MaxConcurrentRuns or the job's ExecutionProperty.MaxConcurrentRuns with
    # ConcurrentRunsExceededException (Glue API, StartWorkflowRun / StartJobRun errors).
    _running: dict[tuple[str, str], int] = {}
    _running_lock = threading.Lock()

    @contextmanager
    def _one_more_run(self, kind: str, name: str, limit: int | None):
        """Count a run of ``kind`` ``name`` while it lasts; ConcurrentRunsExceeded beyond ``limit``."""
        with GlueRunner._running_lock:
            running = GlueRunner._running.get((kind, name), 0)
            if limit and running >= limit:
                raise ConcurrentRunsExceeded(
                    f"ConcurrentRunsExceededException: {kind} {name} already has {running} run(s) (max {limit})"
                )
            GlueRunner._running[(kind, name)] = running + 1
        try:
            yield
        finally:
            with GlueRunner._running_lock:
                GlueRunner._running[(kind, name)] -= 1

    def max_concurrent_runs(self) -> int | None:
        return self.glue.get_workflow(Name=self.workflow)["Workflow"].get("MaxConcurrentRuns")

    def run(self) -> WorkflowRun:
        run_id = "wr_" + uuid.uuid4().hex[:16]
        try:
            with self._one_more_run("workflow", self.workflow, self.max_concurrent_runs()):
                return self._run(run_id)
        except ConcurrentRunsExceeded as refused:
            self.echo(f"workflow {self.workflow}: start refused: {refused}")
            return WorkflowRun(self.workflow, run_id, [], 0.0, refused=str(refused))

    def _run(self, run_id: str) -> WorkflowRun:
        t0 = time.monotonic()
        triggers = self.triggers()
        steps: list[Step] = []
        outcomes: dict[str, str] = {}
        fired: set[str] = set()
        queue = [self.start_trigger(triggers)]
        while queue:
            trigger = queue.pop(0)
            fired.add(trigger["Name"])
            steps.append(Step("trigger", trigger["Name"], "FIRED", time.monotonic() - t0))
            self.echo(f"[{time.monotonic() - t0:7.1f}s] trigger {trigger['Name']} fired")
            for action in trigger["Actions"]:
                step = self._run_action(action, trigger["Name"], run_id, t0)
                steps.append(step)
                outcomes[step.name] = step.state
                self.echo(
                    f"[{step.at + step.seconds:7.1f}s] {step.kind} {step.name}: {step.state} "
                    f"({step.seconds:.1f}s){' ' + step.detail if step.detail else ''}"
                )
            for t in triggers:  # evaluated after every stage, on this run's outcomes only
                if (
                    t["Type"] == "CONDITIONAL"
                    and t.get("State") == "ACTIVATED"
                    and t["Name"] not in fired
                    and t not in queue
                    and predicate_met(t["Predicate"], outcomes)
                ):
                    queue.append(t)
        return WorkflowRun(self.workflow, run_id, steps, time.monotonic() - t0)

    def _run_action(self, action: dict, trigger: str, run_id: str, t0: float) -> Step:
        if action.get("JobName"):
            return self.run_job(action["JobName"], action.get("Arguments") or {}, trigger, run_id, t0)
        name = action["CrawlerName"]
        step = Step("crawler", name, "SUCCEEDED", time.monotonic() - t0, started_by=trigger)
        try:
            result = crawler_mod.crawl(self.glue, self.s3, name)
            step.detail = f"{len(result['tables'])} tables" + (
                f", {len(result['missing'])} paths without a Delta table yet" if result["missing"] else ""
            )
        except Exception as exc:  # noqa: BLE001 - a failed crawl is an outcome, like in Glue
            step.state, step.detail = "FAILED", f"{type(exc).__name__}: {exc}"
        step.seconds = time.monotonic() - t0 - step.at
        return step

    # ------------------------------------------------------------ one job run
    def run_job(self, name: str, run_arguments: dict, trigger: str, wf_run_id: str, t0: float) -> Step:
        job = self.glue.get_job(JobName=name)["Job"]
        job_run_id = "jr_" + uuid.uuid4().hex
        arguments = {**job.get("DefaultArguments", {}), **run_arguments}
        step = Step("job", name, "FAILED", time.monotonic() - t0, started_by=trigger, arguments=arguments)
        started_at = datetime.now(UTC)
        limit = job.get("ExecutionProperty", {}).get("MaxConcurrentRuns")
        try:
            with self._one_more_run("job", name, limit):
                self._attempts(job, arguments, step, job_run_id, wf_run_id)
        except ConcurrentRunsExceeded as refused:
            step.state, step.detail = "FAILED", str(refused)
        step.seconds = time.monotonic() - t0 - step.at
        lake_root = arguments.get("--lake_root", "")
        if lake_root.startswith("s3"):
            bucket, prefix = split_s3(lake_root)
            step.rows = sum(rows_written_since(self.s3, bucket, prefix, started_at).values())
        return step

    def _attempts(self, job: dict, arguments: dict, step: Step, job_run_id: str, wf_run_id: str) -> None:
        """The job run's attempts: again after a FAILED one, up to the job's MaxRetries."""
        name, failed = job["Name"], []
        for attempt in range(int(job.get("MaxRetries") or 0) + 1):
            run_id = job_run_id if attempt == 0 else f"{job_run_id}_attempt_{attempt}"
            step.attempts = attempt + 1
            kill_at = self.kill_after_commits.get(name) if attempt == 0 else None
            step.state, step.log, detail = self._attempt(job, arguments, run_id, wf_run_id, kill_at)
            if step.state != "FAILED":
                break
            failed.append(f"attempt {attempt}: {detail}")
            if attempt < int(job.get("MaxRetries") or 0):
                self.echo(f"job {name}: attempt {attempt} FAILED ({detail}); Glue retries it (MaxRetries)")
        if step.state == "FAILED":
            step.detail = "; ".join(failed)
        elif step.state == "TIMEOUT":
            step.detail = f"timed out after {job.get('Timeout')} min (log: {step.log})"
        elif failed:
            step.detail = f"succeeded on attempt {step.attempts - 1} after " + "; ".join(failed)

    def _attempt(
        self, job: dict, arguments: dict, job_run_id: str, wf_run_id: str, kill_at: int | None = None
    ) -> tuple[str, str, str]:
        """One attempt of a job run in its own driver process: (state, log path, error detail)."""
        rundir = self.workdir / "job_runs" / f"{job['Name']}-{job_run_id[:11]}{job_run_id[35:]}"
        rundir.mkdir(parents=True)
        log_path = rundir / "driver.log"
        try:
            cmd, env = self._job_process(job, arguments, job_run_id, wf_run_id, rundir)
        except JobSetupError as exc:
            return "FAILED", str(log_path), str(exc)
        with open(log_path, "w") as log:
            # Own process group, so a timeout ends the driver and its JVM together.
            proc = subprocess.Popen(
                cmd, cwd=rundir, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
            )
            deadline = time.monotonic() + job.get("Timeout", 2880) * 60
            commits = self._commits(arguments) if kill_at else None
            while (code := proc.poll()) is None:
                if time.monotonic() > deadline:
                    os.killpg(proc.pid, signal.SIGKILL)
                    proc.wait()
                    return "TIMEOUT", str(log_path), ""
                if kill_at and len(self._commits(arguments) - commits) >= kill_at:
                    os.killpg(proc.pid, signal.SIGKILL)
                    self.echo(f"job {job['Name']}: driver killed after {kill_at} Delta commits (kill point)")
                    kill_at = None
                time.sleep(0.2)
        if code == 0:
            return "SUCCEEDED", str(log_path), ""
        error = f"driver killed by signal {-code}" if code < 0 else last_error(log_path)
        return "FAILED", str(log_path), f"{error} (log: {log_path})"

    def _commits(self, arguments: dict) -> set[str]:
        """The Delta commit files (<table>/_delta_log/<version>.json) under the job's --lake_root."""
        bucket, prefix = split_s3(arguments["--lake_root"])
        found = set()
        for page in self.s3.get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=prefix):
            found |= {o["Key"] for o in page.get("Contents", []) if re.search(r"/_delta_log/\d+\.json$", o["Key"])}
        return found

    def _download(self, uri: str, folder: Path) -> Path:
        bucket, key = split_s3(uri)
        target = folder / key.rsplit("/", 1)[-1]
        try:
            self.s3.download_file(bucket, key, str(target))
        except Exception as exc:  # noqa: BLE001 - Glue fails the run the same way
            raise JobSetupError(f"cannot download {uri}: {exc}") from exc
        return target

    def _job_process(self, job: dict, arguments: dict, job_run_id: str, wf_run_id: str, rundir: Path):
        script = self._download(job["Command"]["ScriptLocation"], rundir)
        deps = rundir / "deps"
        deps.mkdir()
        py_files = [self._download(u, deps) for u in split_list(arguments.get("--extra-py-files"))]
        jars = [self._download(u, deps) for u in split_list(arguments.get("--extra-jars"))]
        for fmt in split_list(arguments.get("--datalake-formats")):
            if fmt not in DATALAKE_JARS:
                raise JobSetupError(f"--datalake-formats {fmt}: only {sorted(DATALAKE_JARS)} are mapped locally")
            jars += cache_jars(DATALAKE_JARS[fmt])
        jars += cache_jars(S3_FILESYSTEM_JARS)
        for requirement in split_list(arguments.get("--additional-python-modules")):
            check_installed(requirement)
        env = {k: v for k, v in aws_env(self.endpoint, self.credentials).items() if not k.startswith("LAKEHOUSE_")}
        if self.s3_as_job_role:
            sts = client("sts", self.endpoint, self.credentials)
            role = sts.assume_role(RoleArn=job["Role"], RoleSessionName=job_run_id[:64])["Credentials"]
            env.update(
                {
                    f"{S3_CREDENTIALS_ENV}_ACCESS_KEY_ID": role["AccessKeyId"],
                    f"{S3_CREDENTIALS_ENV}_SECRET_ACCESS_KEY": role["SecretAccessKey"],
                    f"{S3_CREDENTIALS_ENV}_SESSION_TOKEN": role["SessionToken"],
                }
            )
        env.update(
            {
                "PYTHONPATH": os.pathsep.join(str(p) for p in py_files),
                "LAKEHOUSE_RUNTIME": "local",
                "LAKEHOUSE_JARS": ",".join(str(j) for j in jars),
                "SPARK_LOCAL_IP": "127.0.0.1",
                "PYTHONUNBUFFERED": "1",
            }
        )
        # A job run here lives for a few hundred rows: C1 only (lakehouse.runtime.QUICK_JIT). `make emulator`,
        # 300 rows: the three jobs 128.0 -> 119.3 s; in `make test`, whose two workers share two cores, the
        # emulator chain's file 429 -> 324 s. LAKEHOUSE_JIT=default gives the jobs both compilers.
        env[JIT_ENV] = os.environ.get(JIT_ENV, "quick")
        # For the same reason, interpreted expressions (lakehouse.runtime.CODEGEN_ENV): `make emulator`'s
        # three jobs 111.9 -> 91.3 s. LAKEHOUSE_CODEGEN=on gives them Spark's generated code.
        env[CODEGEN_ENV] = os.environ.get(CODEGEN_ENV, "off")
        # A Glue job's Spark retries a failed task (spark.task.maxFailures, default 4: "Spark Configuration"),
        # so a read cut short by S3 costs one task, not the job; local mode ignores that setting and
        # tries a task once unless its master says local[<cores>,<attempts>] (tests/emulator/test_faults.py).
        env["LAKEHOUSE_SPARK_MASTER"] = "local[2,4]"
        for key in ("LAKEHOUSE_SHUFFLE_PARTITIONS", "LAKEHOUSE_DRIVER_MEMORY", "LAKEHOUSE_SPARK_MASTER"):
            if key in os.environ:  # local Spark sizing, not job configuration
                env[key] = os.environ[key]
        argv = [str(script), "--JOB_NAME", job["Name"], "--JOB_RUN_ID", job_run_id, "--WORKFLOW_RUN_ID", wf_run_id]
        for key, value in arguments.items():
            argv += [key, value]
        return [sys.executable, "-c", BOOTSTRAP, *argv], env


class ConcurrentRunsExceeded(RuntimeError):
    """Glue's ConcurrentRunsExceededException: a start beyond the workflow's or job's concurrency limit."""


class JobSetupError(RuntimeError):
    """The job could not start (missing artifact, unmapped runtime option): a FAILED run, as in Glue."""


def split_list(value: str | None) -> list[str]:
    return [v.strip() for v in (value or "").split(",") if v.strip()]


def cache_jars(patterns) -> list[Path]:
    jars = []
    for pattern in patterns:
        found = sorted(JAR_CACHE.glob(pattern))
        if not found:
            raise JobSetupError(f"no {pattern} in {JAR_CACHE}: run `make setup` (scripts/fetch_jars.sh)")
        jars.append(found[-1])
    return jars


def check_installed(requirement: str) -> None:
    name, _, pinned = requirement.partition("==")
    try:
        have = metadata.version(name)
    except metadata.PackageNotFoundError:
        raise JobSetupError(f"--additional-python-modules {requirement}: not installed (make setup)") from None
    if pinned and have != pinned:
        raise JobSetupError(f"--additional-python-modules {requirement}: this interpreter has {name} {have}")


def last_error(log: Path) -> str:
    """The exception line a Glue run's ErrorMessage would show: the last 'SomeError: ...' of the log."""
    lines = log.read_text(errors="replace").splitlines()
    for line in reversed(lines):
        head = line.split(":", 1)[0].strip()
        if ":" in line and head.replace(".", "").isidentifier() and head.endswith(("Error", "Exception", "Exit")):
            return line.strip()[:300]
    return (lines[-1] if lines else "no output")[:300]
