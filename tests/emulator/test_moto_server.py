"""The emulator's moto servers: each on a port of its own, and a failed deployment's evidence."""

import subprocess
import threading
import urllib.request

import pytest

from lakehouse_local.emulator import server
from lakehouse_local.emulator.deploy import failure_evidence
from tests.moto_deploy import fresh_moto_deployment

pytestmark = pytest.mark.slow

# The provider's debug-log lines for a retried call, as terraform-provider-aws 5.100 writes them (trimmed).
PROVIDER_LOG = """\
2026-11-27T08:18:56.977Z [DEBUG] provider.terraform-provider-aws_v5.100.0_x5: HTTP Request Sent: \
rpc.method=CreateDatabase
2026-11-27T08:18:57.101Z [DEBUG] provider.terraform-provider-aws_v5.100.0_x5: retrying request Glue/CreateDatabase, \
attempt 2: @module=aws.aws-base rpc.method=CreateDatabase rpc.service=Glue
  http.request.header.amz_sdk_request="attempt=2; max=25"
2026-11-27T08:18:57.150Z [DEBUG] provider.terraform-provider-aws_v5.100.0_x5: request failed with unretryable error \
https response error StatusCode: 400, AlreadyExistsException: Database already exists.
"""
MOTO_LOG = """\
 * Running on http://127.0.0.1:40001
127.0.0.1 - - [27/Nov/2026 08:18:56] "POST / HTTP/1.1" 200 -
127.0.0.1 - - [27/Nov/2026 08:18:56] "POST / HTTP/1.1" 500 -
Error on request:
Traceback (most recent call last):
RuntimeError: dictionary changed size during iteration
127.0.0.1 - - [27/Nov/2026 08:18:57] "POST / HTTP/1.1" 400 -
"""


def buckets(endpoint: str) -> list[str]:
    return [b["Name"] for b in server.client("s3", endpoint).list_buckets()["Buckets"]]


def test_failure_evidence_names_the_retried_call_and_what_moto_answered(tmp_path):
    (tmp_path / "provider.log").write_text(PROVIDER_LOG)
    (tmp_path / "moto.log").write_text(MOTO_LOG)
    evidence = failure_evidence(tmp_path / "provider.log", tmp_path / "moto.log").splitlines()
    assert evidence[1:2] == ["  2026-11-27T08:18:57.101Z Glue/CreateDatabase attempt 2"]
    moto = evidence[evidence.index("moto's errors:") + 1 :]
    assert moto == MOTO_LOG.splitlines()[2:6], "the 500 and its traceback, not the 200 or the 400"


def test_failure_evidence_says_when_there_is_none(tmp_path):
    (tmp_path / "moto.log").write_text(MOTO_LOG.splitlines()[1] + "\n")
    evidence = failure_evidence(tmp_path / "no-such.log", tmp_path / "moto.log")
    assert "retried" in evidence and "  none" in evidence.splitlines()
    assert "moto logged no 5xx answer and no server error" in evidence


def test_servers_started_at_once_each_answer_for_themselves(tmp_path):
    started = {}

    def start(name):
        started[name] = server.start_moto(tmp_path / f"{name}.log")

    threads = [threading.Thread(target=start, args=(name,)) for name in ("a", "b")]
    [t.start() for t in threads]
    [t.join() for t in threads]
    try:
        assert started["a"][1] != started["b"][1]
        server.client("s3", started["a"][1]).create_bucket(Bucket="only-in-a")
        assert buckets(started["a"][1]) == ["only-in-a"] and buckets(started["b"][1]) == []
    finally:
        for proc, _ in started.values():
            server.stop(proc)


def test_a_failed_deployment_is_done_once_more_on_a_fresh_server(tmp_path_factory):
    attempts = []

    def deploy(work, endpoint):
        attempts.append(work)
        server.client("s3", endpoint).create_bucket(Bucket=f"attempt-{len(attempts)}")
        if len(attempts) == 1:
            raise server.EmulatorError("creating Glue Catalog Database: AlreadyExistsException")
        return "deployed"

    with pytest.warns(UserWarning, match="(?s)failed once.*AlreadyExistsException"):
        with fresh_moto_deployment(tmp_path_factory, deploy) as (work, endpoint, result):
            assert result == "deployed" and attempts[1] == work != attempts[0]
            assert buckets(endpoint) == ["attempt-2"], "the first attempt's server and resources are gone"
    assert "Running on" in (work / "moto.log").read_text()


def test_a_deployment_that_fails_twice_fails(tmp_path_factory):
    def deploy(work, endpoint):
        raise server.EmulatorError("apply against moto failed")

    with pytest.warns(UserWarning), pytest.raises(server.EmulatorError, match="apply against moto failed"):
        with fresh_moto_deployment(tmp_path_factory, deploy):
            pytest.fail("nothing to yield when both deployments fail")


def test_a_deployment_that_breaks_otherwise_still_stops_its_server(tmp_path_factory):
    endpoints = []

    def deploy(work, endpoint):
        endpoints.append(endpoint)
        raise subprocess.TimeoutExpired("terraform apply", 900)

    with pytest.raises(subprocess.TimeoutExpired):
        with fresh_moto_deployment(tmp_path_factory, deploy):
            pytest.fail("nothing to yield when the deployment breaks")
    assert len(endpoints) == 1, "only an EmulatorError gets a second deployment"
    with pytest.raises(OSError):
        urllib.request.urlopen(f"{endpoints[0]}/moto-api/data.json", timeout=2)
