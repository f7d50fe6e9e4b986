"""Start and stop the moto server that stands in for AWS, on a free loopback port.

moto and waitress are pinned in requirements-dev.txt; tests and ``python -m lakehouse_local.emulator``
use this one copy. ``python -m lakehouse_local.emulator.server`` is the server itself: moto's WSGI
application on waitress (docs/emulator.md, "Transport", says why not moto_server's werkzeug).
"""

import os
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


def serve(host: str = "127.0.0.1", port: int = 0) -> None:
    """Serve moto's WSGI application (what moto_server runs) on waitress, an HTTP/1.1 server with
    keep-alive, and print the startup line start_moto reads."""
    import logging

    import waitress
    from moto.moto_server.werkzeug_app import DomainDispatcherApplication, create_backend_app

    app = AccessLog(DomainDispatcherApplication(create_backend_app))
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
    )
    # "Task queue depth is N" whenever more requests are in flight than threads: queued, not lost
    logging.getLogger("waitress.queue").setLevel(logging.ERROR)
    os.environ["MOTO_PORT"] = str(httpd.effective_port)  # moto builds some URLs from it, as moto_server sets it
    print(f" * Running on http://{host}:{httpd.effective_port}", flush=True)
    httpd.run()


class AccessLog:
    """One line per answer and a traceback per failed request, in werkzeug's format (what
    server_errors reads and what moto_server's log looked like)."""

    def __init__(self, app):
        self.app, self.lock = app, threading.Lock()

    def write(self, text: str) -> None:
        with self.lock:
            sys.stdout.write(text)
            sys.stdout.flush()

    def __call__(self, environ, start_response):
        request = f"{environ['REQUEST_METHOD']} {environ.get('PATH_INFO', '')} {environ['SERVER_PROTOCOL']}"
        stamp = time.strftime("%d/%b/%Y %H:%M:%S")

        def logged(status, headers, exc_info=None):
            self.write(f'{environ.get("REMOTE_ADDR", "-")} - - [{stamp}] "{request}" {status.split()[0]} -\n')
            return start_response(status, headers, exc_info)

        try:
            return self.app(environ, logged)
        except Exception:
            self.write(f"Error on request:\n{traceback.format_exc()}")
            raise  # waitress answers 500


def start_moto(log_path: Path, timeout: float = 30) -> tuple[subprocess.Popen, str]:
    """Start the moto server (``serve``) on a loopback port of its own; returns (process, endpoint).

    The server binds port 0 and the endpoint is read from its own startup line. A port probed free
    beforehand could be taken by a second server started at the same moment (two pytest workers),
    and the readiness probe would then be answered by that other server: two deployments in one moto.
    """
    log = open(log_path, "w")  # noqa: SIM115 - closed with the process
    cmd = [sys.executable, "-u", "-m", "lakehouse_local.emulator.server"]
    proc = subprocess.Popen(cmd, stdout=log, stderr=subprocess.STDOUT)
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


def aws_env(endpoint: str) -> dict:
    """Environment that points boto3, the AWS CLI and terraform at the emulator with fake credentials."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "TF_VAR_"))}
    env.update(FAKE_CREDS)
    env.update({"AWS_DEFAULT_REGION": REGION, "AWS_EC2_METADATA_DISABLED": "true", "AWS_ENDPOINT_URL": endpoint})
    return env


def session():
    import boto3

    return boto3.Session(
        aws_access_key_id=FAKE_CREDS["AWS_ACCESS_KEY_ID"],
        aws_secret_access_key=FAKE_CREDS["AWS_SECRET_ACCESS_KEY"],
        region_name=REGION,
    )


def client(name: str, endpoint: str):
    return session().client(name, endpoint_url=endpoint)


if __name__ == "__main__":
    import argparse

    ap = argparse.ArgumentParser(description="moto on waitress, on 127.0.0.1")
    ap.add_argument("--port", type=int, default=0, help="default: a free port, named in the startup line")
    serve(port=ap.parse_args().port)
