"""TrinoServer counts a server as ready only when it is its own: a port probed free can be taken by
another worker's Trino started at the same moment (a stand-in Trino on loopback here)."""

import json
import subprocess
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from lakehouse_local.engines import EngineError
from lakehouse_local.engines.trino import TrinoServer


def stand_in_trino(environment: str) -> ThreadingHTTPServer:
    """Answers /v1/info as a started Trino of `environment` would, and any statement with one row."""

    class Handler(BaseHTTPRequestHandler):
        def answer(self, body: dict) -> None:
            data = json.dumps(body).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def do_GET(self):  # noqa: N802 - http.server's name
            self.answer({"environment": environment, "starting": False, "coordinator": True})

        def do_POST(self):  # noqa: N802
            self.rfile.read(int(self.headers["Content-Length"]))
            self.answer({"columns": [{"name": "_col0", "type": "integer"}], "data": [[1]]})

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


@pytest.fixture
def starting(tmp_path):
    """A TrinoServer whose own process is still starting (a sleeper), on the stand-in's port."""
    servers = []

    def make(answering_environment: str | None) -> TrinoServer:
        trino = TrinoServer(tmp_path, start_timeout=1.5)
        stand_in = stand_in_trino(answering_environment or trino.environment)
        servers.append(stand_in)
        trino.port = stand_in.server_address[1]
        trino.proc = subprocess.Popen(["sleep", "30"])
        return trino

    yield make
    for s in servers:
        s.shutdown()


def test_another_trino_on_the_port_is_not_taken_for_this_one(starting):
    trino = starting("local")
    try:
        with pytest.raises(EngineError, match=r"answered by another Trino \(environment 'local'\)"):
            trino._wait_ready(time.monotonic())
    finally:
        trino.proc.kill()


def test_its_own_answer_counts_as_ready(starting):
    trino = starting(None)
    try:
        trino._wait_ready(time.monotonic())
    finally:
        trino.proc.kill()
    assert trino.environment.startswith("local_") and trino.environment != TrinoServer(trino.workdir).environment
