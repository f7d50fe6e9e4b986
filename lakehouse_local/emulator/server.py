"""Start and stop the moto server that stands in for AWS, on a free loopback port.

moto is pinned in requirements-dev.txt; tests and ``python -m lakehouse_local.emulator`` use this one copy.
"""

import os
import socket
import subprocess
import sys
import time
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


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_moto(log_path: Path, timeout: float = 30) -> tuple[subprocess.Popen, str]:
    """Start moto_server on a free loopback port; returns (process, endpoint)."""
    binary = Path(sys.executable).with_name("moto_server")
    cmd = [str(binary)] if binary.exists() else [sys.executable, "-m", "moto.server"]
    port = free_port()
    log = open(log_path, "w")  # noqa: SIM115 - closed with the process
    proc = subprocess.Popen([*cmd, "-H", "127.0.0.1", "-p", str(port)], stdout=log, stderr=subprocess.STDOUT)
    log.close()
    endpoint = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + timeout
    while True:
        try:
            urllib.request.urlopen(f"{endpoint}/moto-api/data.json", timeout=1).read()
            return proc, endpoint
        except OSError:
            if proc.poll() is not None or time.monotonic() > deadline:
                proc.kill()
                raise EmulatorError(f"moto_server did not start on {endpoint}; see {log_path}") from None
            time.sleep(0.2)


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
