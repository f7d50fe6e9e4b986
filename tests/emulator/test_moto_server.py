"""The emulator's moto servers: each on a port of its own, answering concurrent create calls over
kept-alive connections, and a failed deployment's evidence."""

import http.client
import json
import socket
import subprocess
import threading
import urllib.request
import uuid
from urllib.parse import urlsplit

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
127.0.0.1 - - [27/Nov/2026 08:18:58] "POST / HTTP/1.1" 200 - call=4f2c attempt=2 replayed (answered 0.10 s before)
"""


class CountedConnection(http.client.HTTPConnection):
    """One client connection, reopened only when the server closed it, as Go's http.Transport
    (the terraform provider's) and urllib3's pools (boto3's) do; counts the TCP connections it opened."""

    opened = 0

    def connect(self):
        super().connect()
        self.opened += 1


def create_tables_concurrently(
    endpoint: str, database: str, clients: int, calls: int, resent: int = 0
) -> tuple[dict, int]:
    """``clients`` threads, each with its own connection, each sending ``calls`` Glue CreateTable
    requests back to back; returns ({table: [answer, ...]}, TCP connections opened).

    Each call carries an SDK invocation id. Every ``resent``-th call is sent a second time, as the
    AWS SDK retries a call whose answer it did not receive: the same invocation id, attempt 2, after
    attempt 1 was answered (the server cannot tell this from an answer lost on the way) or, on the
    odd ones, while attempt 1 is still running (sent on a second connection without waiting)."""
    url = urlsplit(endpoint)
    headers = {
        "Content-Type": "application/x-amz-json-1.1",
        "X-Amz-Target": "AWSGlue.CreateTable",
        # moto routes a request by its signature's credential scope (service, region)
        "Authorization": f"AWS4-HMAC-SHA256 Credential=testing/20260101/{server.REGION}/glue/aws4_request, "
        "SignedHeaders=host, Signature=0",
    }
    answers, opened, lock = {}, [], threading.Lock()

    def answer(conn) -> object:
        try:
            response = conn.getresponse()
            said = response.read()
            return 200 if response.status == 200 else f"{response.status} {said[:200]!r}"
        except (OSError, http.client.HTTPException) as lost:  # a reset, or a connection closed unanswered
            conn.close()
            return f"no answer: {lost!r}"

    def client(n: int) -> None:
        conn = CountedConnection(url.hostname, url.port, timeout=60)
        second = CountedConnection(url.hostname, url.port, timeout=60)
        for i in range(calls):
            name, call_id = f"t_{n}_{i}", str(uuid.uuid4())
            body = json.dumps({"DatabaseName": database, "TableInput": {"Name": name}})

            def send(connection, attempt, body=body, call_id=call_id):
                try:
                    connection.request(
                        "POST", "/", body, {**headers, "amz-sdk-invocation-id": call_id, "amz-sdk-request": attempt}
                    )
                except OSError:
                    connection.close()

            send(conn, "attempt=1; max=3")
            got = []
            if resent and i % resent == 0 and i % 2:  # the retry while attempt 1 still runs
                send(second, "attempt=2; max=3")
                got = [answer(conn), answer(second)]
            else:
                got = [answer(conn)]
                if resent and i % resent == 0:  # the retry after attempt 1's answer
                    send(conn, "attempt=2; max=3")
                    got.append(answer(conn))
            with lock:
                answers.setdefault(name, []).extend(got)
        conn.close()
        second.close()
        with lock:
            opened.append(conn.opened + second.opened)

    threads = [threading.Thread(target=client, args=(n,)) for n in range(clients)]
    [t.start() for t in threads]
    [t.join() for t in threads]
    return answers, sum(opened)


def tables(endpoint: str, database: str) -> list[str]:
    pages = server.client("glue", endpoint).get_paginator("get_tables").paginate(DatabaseName=database)
    return sorted(t["Name"] for page in pages for t in page["TableList"])


def test_concurrent_creates_over_kept_connections_are_each_answered_once(tmp_path):
    """terraform apply sends up to 10 create calls at once (its default parallelism) and its AWS SDK
    reuses each connection for the next call. Every call must get exactly one answer, each table must
    exist once, and the server must keep the connections open. moto_server's werkzeug closed every one
    after its answer (one TCP connection per call); on it, a create's answer was lost on a loaded
    machine and the SDK's retry came back AlreadyExists (issue 36; docs/emulator.md, Transport)."""
    clients, calls = 8, 40
    proc, endpoint = server.start_moto(tmp_path / "moto.log")
    try:
        server.client("glue", endpoint).create_database(DatabaseInput={"Name": "stress"})
        answers, opened = create_tables_concurrently(endpoint, "stress", clients, calls)
        created = tables(endpoint, "stress")
    finally:
        server.stop(proc)
    expected = {f"t_{n}_{i}" for n in range(clients) for i in range(calls)}
    wrong = {name: got for name, got in answers.items() if got != [200]}
    assert set(answers) == expected and not wrong, (
        f"{len(wrong)} calls not answered once with 200, e.g. {list(wrong.items())[:2]}"
    )
    assert created == sorted(expected), "each table created once, none lost"
    assert opened == clients, f"{opened} connections for {clients * calls} calls: the server closed kept-alive ones"


def test_a_create_sent_again_by_the_sdk_gets_its_answer_and_is_done_once(tmp_path):
    """The AWS SDK retries a create whose answer it did not receive, with the same invocation id;
    moto had done attempt 1, so attempt 2 came back AlreadyExists and failed the apply (issue 36:
    CreateTable, CreateDatabase, then on waitress CreateRole). Each resent call, after its first
    answer or while it still runs, must get 200 both times, its table made once, and the server's
    log must say which answers it replayed."""
    clients, calls, resent = 8, 40, 4
    proc, endpoint = server.start_moto(tmp_path / "moto.log")
    try:
        server.client("glue", endpoint).create_database(DatabaseInput={"Name": "stress"})
        answers, _ = create_tables_concurrently(endpoint, "stress", clients, calls, resent=resent)
        created = tables(endpoint, "stress")
    finally:
        server.stop(proc)
    sent_twice = {f"t_{n}_{i}" for n in range(clients) for i in range(0, calls, resent)}
    wrong = {name: got for name, got in answers.items() if got != [200] * (2 if name in sent_twice else 1)}
    assert len(answers) == clients * calls and not wrong, (
        f"{len(wrong)} calls not answered 200 each time, e.g. {list(wrong.items())[:2]}"
    )
    assert created == sorted(answers), "each table created once, none lost"
    assert len(server.replayed_answers(tmp_path / "moto.log")) == len(sent_twice)


def buckets(endpoint: str) -> list[str]:
    return [b["Name"] for b in server.client("s3", endpoint).list_buckets()["Buckets"]]


def test_failure_evidence_names_the_retried_call_and_what_moto_answered(tmp_path):
    (tmp_path / "provider.log").write_text(PROVIDER_LOG)
    (tmp_path / "moto.log").write_text(MOTO_LOG)
    evidence = failure_evidence(tmp_path / "provider.log", tmp_path / "moto.log").splitlines()
    assert evidence[1:2] == ["  2026-11-27T08:18:57.101Z Glue/CreateDatabase attempt 2"]
    replayed = evidence.index("answers moto gave again to a retry:")
    moto = evidence[evidence.index("moto's errors:") + 1 : replayed]
    assert moto == MOTO_LOG.splitlines()[2:6], "the 500 and its traceback, not the 200 or the 400"
    assert evidence[replayed + 1 :] == ["  " + MOTO_LOG.splitlines()[-1]]


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


@pytest.mark.parametrize(
    "failure",
    [server.EmulatorError("apply against moto failed"), subprocess.TimeoutExpired("terraform apply", 900)],
    ids=["failed", "timed-out"],
)
def test_a_failed_deployment_fails_once_and_stops_its_server(tmp_path_factory, failure):
    endpoints = []

    def deploy(work, endpoint):
        endpoints.append(endpoint)
        raise failure

    with pytest.raises(type(failure)):
        with fresh_moto_deployment(tmp_path_factory, deploy):
            pytest.fail("nothing to yield when the deployment fails")
    assert len(endpoints) == 1, "no second deployment on a fresh server"
    with pytest.raises(OSError):
        urllib.request.urlopen(f"{endpoints[0]}/moto-api/data.json", timeout=2)


JAVA_S3 = {
    "User-Agent": "Hadoop 3.3.4, aws-sdk-java/1.12.262 Linux/6.1",
    "Authorization": f"AWS4-HMAC-SHA256 Credential=testing/20260101/{server.REGION}/s3/aws4_request, "
    "SignedHeaders=host, Signature=0",
}


def test_faults_go_only_to_the_jobs_s3_requests_and_a_head_is_never_cut():
    faults = server.S3Faults(rate=1.0, seed=1)
    environ = {
        "REQUEST_METHOD": "GET",
        "HTTP_USER_AGENT": JAVA_S3["User-Agent"],
        "HTTP_AUTHORIZATION": JAVA_S3["Authorization"],
    }
    assert faults.pick(environ) in server.FAULT_KINDS
    assert faults.pick({**environ, "HTTP_USER_AGENT": "Boto3/1.35 aws-sdk-go-v2/1.36.3"}) is None, "not the jobs'"
    glue = JAVA_S3["Authorization"].replace("/s3/", "/glue/")
    assert faults.pick({**environ, "HTTP_AUTHORIZATION": glue}) is None, "not S3"
    assert "cut" not in {faults.pick({**environ, "REQUEST_METHOD": "HEAD"}) for _ in range(200)}
    assert server.S3Faults(rate=0.0).pick(environ) is None


def head_answers(endpoint: str, n: int) -> list[tuple[int, bytes]]:
    """n HEADs on one raw connection: each answer's status and whatever bytes follow its headers
    within half a second (an answer to a HEAD has none)."""
    url = urlsplit(endpoint)
    lines = "".join(f"{k}: {v}\r\n" for k, v in JAVA_S3.items())
    out = []
    with socket.create_connection((url.hostname, url.port), timeout=10) as sock:
        for i in range(n):
            sock.sendall(f"HEAD /bucket/key{i} HTTP/1.1\r\nHost: {url.netloc}\r\n{lines}\r\n".encode())
            data = b""
            while b"\r\n\r\n" not in data:
                data += sock.recv(65536)
            head, _, extra = data.partition(b"\r\n\r\n")
            sock.settimeout(0.5)
            try:
                extra += sock.recv(65536)
            except TimeoutError:
                pass
            sock.settimeout(10)
            out.append((int(head.split()[1]), extra))
    return out


def test_an_injected_error_answer_to_a_head_has_no_body(tmp_path):
    """A body after a HEAD answer is read by the client as the start of its next answer: S3A hung on it
    (docs/emulator.md, Injected S3 faults)."""
    proc, endpoint = server.start_moto(tmp_path / "moto.log", s3_fault_rate=0.999, fault_seed=3)
    try:
        answers = head_answers(endpoint, 8)
    finally:
        server.stop(proc)
    assert {status for status, _ in answers} & {500, 503}, answers
    assert [extra for _, extra in answers if extra] == [], answers


def test_faulted_answers_keep_a_kept_alive_connection_usable(tmp_path):
    """An S3 error answer to a HEAD carries no body (a body would be read as the next answer's start, and
    S3A hung on it); a cut answer closes its connection. Each next request gets its own answer."""
    proc, endpoint = server.start_moto(tmp_path / "moto.log", s3_fault_rate=0.999, fault_seed=3)
    url = urlsplit(endpoint)
    got = []
    try:
        conn = http.client.HTTPConnection(url.hostname, url.port, timeout=10)
        for i in range(12):
            method = "HEAD" if i % 2 else "GET"
            try:
                conn.request(method, f"/bucket/key{i}", headers=JAVA_S3)
                response = conn.getresponse()
                body = response.read()
                got.append((method, response.status, len(body)))
            except (OSError, http.client.HTTPException):  # a cut answer: the client reconnects
                conn.close()
                got.append((method, "cut", 0))
    finally:
        server.stop(proc)
    faults = server.injected_faults(tmp_path / "moto.log")
    assert len(got) == 12 and sum(faults[k] for k in server.FAULT_KINDS) == 12, (got, faults)
    assert all(n == 0 for method, _, n in got if method == "HEAD"), got
    assert sum(status == "cut" for _, status, _ in got) == faults["cut"], f"only a cut answer is lost: {got}"
    assert {status for _, status, _ in got} & {500, 503}, got
