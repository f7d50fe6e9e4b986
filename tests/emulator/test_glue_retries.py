"""The emulator's Glue runner honours a deployed job's MaxRetries: a FAILED attempt (here its driver
SIGKILLed mid-run) runs again as attempt <n> of the same job run. A probe script stands in for the job (no
Spark): each attempt records its --JOB_RUN_ID, and the first one kills itself.

It also refuses what Glue refuses: a start beyond a workflow's MaxConcurrentRuns or a job's
ExecutionProperty.MaxConcurrentRuns (ConcurrentRunsExceededException), as when a workflow is started
by hand while its scheduled run is going (a sleeping probe holds the first run)."""

import threading
import time

import pytest

from lakehouse_local.emulator import server
from lakehouse_local.emulator.glue_runner import GlueRunner

PROBE = """
import os, signal, sys
args = dict(zip(sys.argv[1::2], sys.argv[2::2]))
with open(args["--attempts_file"], "a") as f:
    f.write(args["--JOB_RUN_ID"] + "\\n")
if sum(1 for _ in open(args["--attempts_file"])) == 1:
    os.kill(os.getpid(), signal.SIGKILL)  # the first attempt's driver dies mid-run
print("probe done")
"""
SLEEPER = "import time; time.sleep(4); print('slept')\n"


@pytest.fixture(scope="module")
def emulator(tmp_path_factory):
    work = tmp_path_factory.mktemp("retries")
    proc, endpoint = server.start_moto(work / "moto.log")
    s3 = server.client("s3", endpoint)
    s3.create_bucket(Bucket="artifacts")
    s3.put_object(Bucket="artifacts", Key="scripts/probe.py", Body=PROBE.encode())
    s3.put_object(Bucket="artifacts", Key="scripts/sleeper.py", Body=SLEEPER.encode())
    yield endpoint, work
    proc.terminate()
    proc.wait(timeout=10)


def _run(emulator, tmp_path, max_retries: int):
    endpoint, _ = emulator
    name = f"probe-{max_retries}"
    attempts = tmp_path / "attempts.txt"
    server.client("glue", endpoint).create_job(
        Name=name,
        Role="arn:aws:iam::123456789012:role/probe",
        Command={"Name": "glueetl", "ScriptLocation": "s3://artifacts/scripts/probe.py"},
        DefaultArguments={"--attempts_file": str(attempts)},
        MaxRetries=max_retries,
    )
    step = GlueRunner(endpoint, "wf", tmp_path, echo=lambda *_: None).run_job(
        name, {}, "start", "wr_1", time.monotonic()
    )
    return step, attempts.read_text().split()


def test_a_killed_attempt_is_retried_as_the_next_attempt_of_the_same_run(emulator, tmp_path):
    step, run_ids = _run(emulator, tmp_path, max_retries=1)
    assert (step.state, step.attempts) == ("SUCCEEDED", 2), step.detail
    assert run_ids == [run_ids[0], f"{run_ids[0]}_attempt_1"]
    assert "attempt 0: driver killed by signal 9" in step.detail


def test_without_retries_the_killed_attempt_is_the_runs_end(emulator, tmp_path):
    step, run_ids = _run(emulator, tmp_path, max_retries=0)
    assert (step.state, step.attempts, len(run_ids)) == ("FAILED", 1, 1)
    assert "driver killed by signal 9" in step.detail


def _sleeper(endpoint: str, name: str, max_concurrent_runs: int) -> None:
    server.client("glue", endpoint).create_job(
        Name=name,
        Role="arn:aws:iam::123456789012:role/probe",
        Command={"Name": "glueetl", "ScriptLocation": "s3://artifacts/scripts/sleeper.py"},
        ExecutionProperty={"MaxConcurrentRuns": max_concurrent_runs},
    )


def _together(first, second) -> tuple:
    """Start ``first`` in a thread, ``second`` once the first is under way; both results."""
    out = {}
    thread = threading.Thread(target=lambda: out.setdefault("first", first()))
    thread.start()
    time.sleep(1.5)  # the sleeper holds its run for 4 s
    out["second"] = second()
    thread.join()
    return out["first"], out["second"]


def test_a_job_started_beyond_its_max_concurrent_runs_is_refused(emulator, tmp_path):
    endpoint, _ = emulator
    _sleeper(endpoint, "sleeper-job", 1)
    runner = GlueRunner(endpoint, "wf", tmp_path, echo=lambda *_: None)
    start = lambda: runner.run_job("sleeper-job", {}, "start", "wr_1", time.monotonic())  # noqa: E731
    first, second = _together(start, start)
    assert first.state == "SUCCEEDED", first.detail
    assert second.state == "FAILED" and second.detail.startswith("ConcurrentRunsExceededException"), second.detail
    assert runner.run_job("sleeper-job", {}, "start", "wr_2", time.monotonic()).state == "SUCCEEDED", "free again"


def test_a_second_start_of_a_running_workflow_is_refused(emulator, tmp_path):
    endpoint, _ = emulator
    glue = server.client("glue", endpoint)
    _sleeper(endpoint, "sleeper-wf-job", 2)  # the job would allow two: the workflow's limit refuses
    glue.create_workflow(Name="twice", MaxConcurrentRuns=1)
    glue.create_trigger(
        Name="twice-start", WorkflowName="twice", Type="ON_DEMAND", Actions=[{"JobName": "sleeper-wf-job"}]
    )
    runner = GlueRunner(endpoint, "twice", tmp_path, echo=lambda *_: None)
    first, second = _together(runner.run, runner.run)
    assert first.succeeded(), first.timeline()
    assert second.refused.startswith("ConcurrentRunsExceededException") and second.steps == [], second.timeline()
    assert not second.succeeded()
