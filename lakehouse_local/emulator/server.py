"""Start and stop the moto server that stands in for AWS, on a free loopback port.

moto and waitress are pinned in requirements-dev.txt; tests and ``python -m lakehouse_local.emulator``
use this one copy. ``python -m lakehouse_local.emulator.server`` is the server itself: moto's WSGI
application on waitress (docs/emulator.md, "Transport", says why not moto_server's werkzeug).
"""

import contextlib
import os
import random
import re
import subprocess
import sys
import threading
import time
import traceback
import urllib.request
from pathlib import Path

FAKE_CREDS = {
    "AWS_ACCESS_KEY_ID": "testing",
    "AWS_SECRET_ACCESS_KEY": "testing",
    "AWS_SESSION_TOKEN": "testing",
}
REGION = "us-east-1"


class EmulatorError(RuntimeError):
    pass


# The server's startup line; with port 0 it names the port the OS gave the server.
RUNNING_ON = re.compile(r"Running on (http://127\.0\.0\.1:\d+)")

# Keep-alive connections stay open longer than any client keeps an idle one (the Go SDK in the
# terraform provider: 90 s; boto3 and Spark's S3A close theirs on their own), so the server never
# closes a connection a client may be writing its next request into.
IDLE_CONNECTION_SECONDS = 3600
ONE_WRITE_BYTES = 64 * 1024


def serve(host: str = "127.0.0.1", port: int = 0) -> None:
    """Serve moto's WSGI application (what moto_server runs) on waitress, an HTTP/1.1 server with
    keep-alive, and print the startup line start_moto reads."""
    import logging
    import warnings

    import waitress

    warnings.filterwarnings("ignore", "send_bytes", DeprecationWarning)  # still honoured by waitress 3.0
    from moto.moto_server.werkzeug_app import DomainDispatcherApplication, create_backend_app

    faults = S3Faults(float(os.environ.get(FAULT_RATE_ENV) or 0), int(os.environ.get(FAULT_SEED_ENV) or 0))
    app = AccessLog(DomainDispatcherApplication(create_backend_app), faults)
    # With IAM enforced (enforce_iam) moto identifies a caller by its access key and checks its IAM
    # policies, and it also recomputes each request's SigV4 signature: that check rejects the S3
    # requests of the AWS SDK for Java in Hadoop's S3A (SignatureDoesNotMatch on every call, boto3's
    # pass), so the jobs could not run as their roles. Signatures are not what the emulator tests.
    from moto.iam.access_control import IAMRequestBase

    IAMRequestBase.check_signature = lambda self: None
    # Room for every client's pool of kept-alive connections (boto3, the provider, Spark's S3A);
    # poll() because select() stops at 1,024 file descriptors.
    httpd = waitress.create_server(
        app,
        host=host,
        port=port,
        threads=16,
        connection_limit=1000,
        asyncore_use_poll=True,
        channel_timeout=IDLE_CONNECTION_SECONDS,
        # An answer leaves in one write, its headers with its body, as the request's task ends
        # (waitress holds output below send_bytes while the task runs); docs/emulator.md, Transport.
        send_bytes=ONE_WRITE_BYTES,
    )
    # "Task queue depth is N" whenever more requests are in flight than threads: queued, not lost
    logging.getLogger("waitress.queue").setLevel(logging.ERROR)
    os.environ["MOTO_PORT"] = str(httpd.effective_port)  # moto builds some URLs from it, as moto_server sets it
    print(f" * Running on http://{host}:{httpd.effective_port}", flush=True)
    httpd.run()


# An AWS SDK sends every attempt of one call with the same invocation id; the attempt number is
# in amz-sdk-request (botocore and the Go SDK v2: "attempt=2; max=25").
ATTEMPT = re.compile(r"attempt=(\d+)")
KEPT_ANSWERS = 2000  # the newest calls' answers; an SDK retries within seconds of its first attempt
KEPT_ANSWER_BYTES = 256 * 1024  # a larger answer is a read: running it again answers the same


# Injected S3 faults (issue 33; docs/emulator.md, "Injected S3 faults"): what S3 answers under load.
# S3 "Error responses": 503 SlowDown ("Please reduce your request rate") and 500 InternalError
# ("We encountered an internal error. Please try again.") are the two a client must retry.
S3_ERRORS = {
    "503": ("503 Slow Down", "SlowDown", "Please reduce your request rate."),
    "500": ("500 Internal Server Error", "InternalError", "We encountered an internal error. Please try again."),
}
FAULT_KINDS = ("503", "500", "cut", "slow")  # cut: done, then the answer is cut off and the connection closed
SLOW_SECONDS = 1.0
FAULT_RATE_ENV, FAULT_SEED_ENV = "LAKEHOUSE_EMULATOR_S3_FAULT_RATE", "LAKEHOUSE_EMULATOR_S3_FAULT_SEED"


class S3Faults:
    """Picks, at ``rate``, a fault for an S3 request of the jobs' S3 client (the AWS SDK for Java in
    Hadoop's S3A, as Glue jobs reach S3); terraform's and boto3's calls are never faulted, so a
    deployment or a test's own reads are not what is being tested."""

    def __init__(self, rate: float = 0.0, seed: int = 0):
        self.rate, self.random, self.lock = rate, random.Random(seed), threading.Lock()

    def pick(self, environ) -> str | None:
        if not self.rate or "/s3/aws4_request" not in environ.get("HTTP_AUTHORIZATION", ""):
            return None
        if "aws-sdk-java" not in environ.get("HTTP_USER_AGENT", ""):
            return None
        # a HEAD answer has no body to cut off
        kinds = FAULT_KINDS if environ["REQUEST_METHOD"] != "HEAD" else ("503", "500", "slow")
        with self.lock:
            return self.random.choice(kinds) if self.random.random() < self.rate else None


def s3_error(kind: str, method: str) -> tuple[str, list, bytes]:
    """S3's error answer; to a HEAD, its headers only (the server sends what the application gives,
    and a body after a HEAD answer would be read as the start of the next answer)."""
    status, code, message = S3_ERRORS[kind]
    body = f'<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>{code}</Code><Message>{message}</Message></Error>'
    headers = [("Content-Type", "application/xml"), ("Content-Length", str(len(body)))]
    return status, headers, b"" if method == "HEAD" else body.encode()


def cut_off(headers: list, body: bytes) -> tuple[list, bytes]:
    """The answer's headers promise its whole body (at least one byte), half of it is sent: waitress
    then closes the connection, and the client reads a truncated answer."""
    length = max(len(body), 1)
    headers = [(k, v) for k, v in headers if k.lower() != "content-length"] + [("Content-Length", str(length))]
    return headers, body[: length // 2]


class Call:
    """One AWS call (one invocation id): its attempts run one at a time, and its first 2xx answer."""

    def __init__(self):
        self.lock, self.answer, self.answered_at = threading.Lock(), None, 0.0


class AccessLog:
    """One line per answer and a traceback per failed request, in werkzeug's format (what
    server_errors reads and what moto_server's log looked like), and one answer per AWS call.

    An AWS SDK retries a call whose answer it did not receive (a reset or closed connection, a
    timeout) with the same ``amz-sdk-invocation-id``. moto had done the first attempt, so the retry
    of a create failed with AlreadyExists and took the deployment down (issue 36). Here a later
    attempt of a call that was answered 2xx gets that answer again instead of running again, and the
    log line says ``replayed``; the attempts of one call run one at a time, so a retry sent while its
    first attempt is still running waits for it. Calls without an invocation id, GET and HEAD run
    every time.
    """

    def __init__(self, app, faults: S3Faults | None = None):
        self.app, self.lock, self.calls = app, threading.Lock(), {}
        self.faults = faults or S3Faults()

    def write(self, text: str) -> None:
        with self.lock:
            sys.stdout.write(text)
            sys.stdout.flush()

    def __call__(self, environ, start_response):
        request = f"{environ['REQUEST_METHOD']} {environ.get('PATH_INFO', '')} {environ['SERVER_PROTOCOL']}"
        call_id = environ.get("HTTP_AMZ_SDK_INVOCATION_ID", "")
        attempt = ATTEMPT.search(environ.get("HTTP_AMZ_SDK_REQUEST", ""))
        tag = f" call={call_id} attempt={attempt.group(1) if attempt else '?'}" if call_id else ""

        fault = self.faults.pick(environ)
        # a mutating SDK call, whose answer is kept for its retries; anything else streams from moto
        kept = bool(call_id) and environ["REQUEST_METHOD"] not in ("GET", "HEAD")

        def log(status: str, note: str = "") -> None:
            stamp, client = time.strftime("%d/%b/%Y %H:%M:%S"), environ.get("REMOTE_ADDR", "-")
            note += f" fault={fault}" if fault else ""
            self.write(f'{client} - - [{stamp}] "{request}" {status.split()[0]} -{tag}{note}\n')

        if fault in S3_ERRORS:  # answered instead of done
            status, headers, body = s3_error(fault, environ["REQUEST_METHOD"])
            log(status)
            start_response(status, headers)
            return [body]
        if fault == "slow":
            time.sleep(SLOW_SECONDS)
        elif fault == "cut" and not kept:
            status, headers, body = self.run(environ)
            log(status)
            headers, body = cut_off(headers, body)
            start_response(status, headers)
            return [body]
        if not kept:  # streamed, as moto answers it

            def logged(status, headers, exc_info=None):
                log(status)
                return start_response(status, headers, exc_info)

            with self.failures_logged():
                return self.app(environ, logged)
        call = self.call(call_id)
        with call.lock:
            if call.answer:
                status, headers, body = call.answer
                log(status, f" replayed (answered {time.monotonic() - call.answered_at:.2f} s before)")
            else:
                status, headers, body = self.run(environ)
                log(status)
                if status.startswith("2") and len(body) <= KEPT_ANSWER_BYTES:
                    call.answer, call.answered_at = (status, headers, body), time.monotonic()
        if fault == "cut":  # done and kept: the client's retry gets the answer it lost
            headers, body = cut_off(headers, body)
        start_response(status, headers)
        return [body]

    def call(self, call_id: str) -> Call:
        with self.lock:
            call = self.calls.pop(call_id, None) or Call()
            self.calls[call_id] = call  # newest last
            while len(self.calls) > KEPT_ANSWERS:
                del self.calls[next(iter(self.calls))]
            return call

    def run(self, environ) -> tuple[str, list, bytes]:
        """moto's answer to one request, read whole: (status, headers, body)."""
        said = {}

        def start_response(status, headers, exc_info=None):
            said["status"], said["headers"] = status, headers
            return chunks.append

        chunks = []
        with self.failures_logged():
            result = self.app(environ, start_response)
            try:
                chunks.extend(result)
            finally:
                getattr(result, "close", lambda: None)()
        return said["status"], said["headers"], b"".join(chunks)

    @contextlib.contextmanager
    def failures_logged(self):
        try:
            yield
        except Exception:
            self.write(f"Error on request:\n{traceback.format_exc()}")
            raise  # waitress answers 500


def replayed_answers(log_path: Path) -> list[str]:
    """The server's log lines of calls answered again to a retry (AccessLog): each one an answer
    the client did not receive the first time."""
    lines = log_path.read_text(errors="replace").splitlines() if log_path.exists() else []
    return [line for line in lines if " replayed (" in line]


def injected_faults(log_path: Path) -> dict[str, int]:
    """How many faults of each kind the server injected (AccessLog lines marked ``fault=<kind>``),
    and ``retried``: how many of the faulted calls were sent again (the same SDK invocation id) and
    then answered without a fault."""
    lines = log_path.read_text(errors="replace").splitlines() if log_path.exists() else []
    counts, faulted, retried = dict.fromkeys(FAULT_KINDS, 0), set(), set()
    for line in lines:
        fault = re.search(r" fault=(\w+)$", line)
        call = re.search(r" call=(\S+)", line)
        if fault:
            counts[fault.group(1)] += 1
            if call and fault.group(1) != "slow":  # a slow answer is still an answer
                faulted.add(call.group(1))
        elif call and call.group(1) in faulted and re.search(r'" [234]\d\d ', line):
            retried.add(call.group(1))
    return {**counts, "retried": len(retried)}


def start_moto(
    log_path: Path, timeout: float = 30, s3_fault_rate: float = 0.0, fault_seed: int = 0
) -> tuple[subprocess.Popen, str]:
    """Start the moto server (``serve``) on a loopback port of its own; returns (process, endpoint).
    ``s3_fault_rate``: the share of the jobs' S3 requests answered with an injected fault (S3Faults).

    The server binds port 0 and the endpoint is read from its own startup line. A port probed free
    beforehand could be taken by a second server started at the same moment (two pytest workers),
    and the readiness probe would then be answered by that other server: two deployments in one moto.
    """
    log = open(log_path, "w")  # noqa: SIM115 - closed with the process
    cmd = [sys.executable, "-u", "-m", "lakehouse_local.emulator.server"]
    env = {**os.environ, FAULT_RATE_ENV: str(s3_fault_rate), FAULT_SEED_ENV: str(fault_seed)}
    proc = subprocess.Popen(cmd, stdout=log, stderr=subprocess.STDOUT, env=env)
    log.close()
    deadline = time.monotonic() + timeout
    endpoint = None
    while True:
        if endpoint is None:
            started = RUNNING_ON.search(log_path.read_text(errors="replace"))
            endpoint = started.group(1) if started else None
        if endpoint:
            try:
                urllib.request.urlopen(f"{endpoint}/moto-api/data.json", timeout=1).read()
                return proc, endpoint
            except OSError:
                pass
        if proc.poll() is not None or time.monotonic() > deadline:
            exited = proc.poll()
            proc.kill()
            why = f"exited with code {exited}" if exited is not None else f"did not answer within {timeout:.0f}s"
            raise EmulatorError(f"the moto server {why}; see {log_path}")
        time.sleep(0.2)


def server_errors(log_path: Path, limit: int = 4000) -> str:
    """moto's own failures in its log (5xx answers, tracebacks), for a failure message.

    The provider retries a 5xx; a create that failed that way after moto had stored the resource
    comes back as "already exists", and the first cause is only in this log.
    """
    lines = log_path.read_text(errors="replace").splitlines() if log_path.exists() else []
    kept, in_traceback = [], False
    for line in lines:
        answered = line.startswith("127.0.0.1 - - [")
        if "Error on request" in line:
            in_traceback = True
        elif answered:
            in_traceback = False
        if in_traceback or (answered and re.search(r'" 5\d\d ', line)):
            kept.append(line)
    return "\n".join(kept)[-limit:] or f"moto logged no 5xx answer and no server error ({log_path})"


def stop(proc: subprocess.Popen) -> None:
    proc.terminate()
    try:
        proc.wait(timeout=10)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait(timeout=10)


def aws_env(endpoint: str, credentials: dict | None = None) -> dict:
    """Environment that points boto3, the AWS CLI and terraform at the emulator with fake credentials
    (or ``credentials``, as in ``session``)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "TF_VAR_"))}
    env.update(credentials or FAKE_CREDS)
    env.update({"AWS_DEFAULT_REGION": REGION, "AWS_EC2_METADATA_DISABLED": "true", "AWS_ENDPOINT_URL": endpoint})
    return env


def session(credentials: dict | None = None):
    """A boto3 session with ``credentials`` (AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY and optionally
    AWS_SESSION_TOKEN, as environment names), by default the emulator's fake ones."""
    import boto3

    creds = credentials or FAKE_CREDS
    return boto3.Session(
        aws_access_key_id=creds["AWS_ACCESS_KEY_ID"],
        aws_secret_access_key=creds["AWS_SECRET_ACCESS_KEY"],
        aws_session_token=creds.get("AWS_SESSION_TOKEN") if credentials else None,
        region_name=REGION,
    )


def client(name: str, endpoint: str, credentials: dict | None = None):
    return session(credentials).client(name, endpoint_url=endpoint)


def enforce_iam(endpoint: str) -> None:
    """From now on moto checks every request's signature and its identity's IAM policies (moto's
    "IAM-like Access Control": INITIAL_NO_AUTH_ACTION_COUNT, reset through /moto-api/reset-auth).
    moto evaluates resource-level statements for S3 only; other services are checked against
    resource "*", so a statement scoped to a resource ARN is denied there."""
    request = urllib.request.Request(
        f"{endpoint}/moto-api/reset-auth", data=b"0", method="POST", headers={"Content-Type": "text/plain"}
    )
    urllib.request.urlopen(request, timeout=10).read()


if __name__ == "__main__":
    import argparse

    ap = argparse.ArgumentParser(description="moto on waitress, on 127.0.0.1")
    ap.add_argument("--port", type=int, default=0, help="default: a free port, named in the startup line")
    serve(port=ap.parse_args().port)
