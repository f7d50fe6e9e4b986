"""A throwaway PostgreSQL 15 cluster on loopback (``initdb`` in a temp dir, ``pg_ctl`` start/stop).

Used to run the Redshift SQL where the two dialects meet (see :mod:`lakehouse_local.engines.redshift`).
Binaries: ``PG_BINDIR``, else ``/usr/lib/postgresql/15/bin``, else ``initdb``/``pg_ctl`` on PATH.

``initdb`` refuses to run as root. When the harness runs as root (CI and this machine do), the
cluster is created and run by the unprivileged ``postgres`` system user (created with ``useradd
--system`` if missing) and its data dir is owned by that user; otherwise it runs as the caller.
Connections are TCP to 127.0.0.1 with ``trust`` auth, so nothing listens beyond loopback.
"""

from __future__ import annotations

import os
import pwd
import shutil
import subprocess
import tempfile
import time
from pathlib import Path

from lakehouse_local.engines import EngineError, free_port

PG_BINDIR_CANDIDATES = ("/usr/lib/postgresql/15/bin",)
SERVICE_USER = "postgres"


def find_bindir() -> Path:
    cands = [os.environ.get("PG_BINDIR"), *PG_BINDIR_CANDIDATES]
    on_path = shutil.which("pg_ctl")
    if on_path:
        cands.append(str(Path(os.path.realpath(on_path)).parent))
    for c in cands:
        if c and (Path(c) / "initdb").exists() and (Path(c) / "pg_ctl").exists():
            return Path(c)
    raise EngineError("PostgreSQL 15 binaries (initdb, pg_ctl) not found; install postgresql-15 or set PG_BINDIR")


def _ensure_service_user() -> pwd.struct_passwd:
    try:
        return pwd.getpwnam(SERVICE_USER)
    except KeyError:
        r = subprocess.run(["useradd", "--system", "--no-create-home", SERVICE_USER], capture_output=True, text=True)
        if r.returncode != 0:
            raise EngineError(f"running as root and could not create user {SERVICE_USER!r}: {r.stderr}") from None
        return pwd.getpwnam(SERVICE_USER)


class PostgresServer:
    """initdb + pg_ctl start on a free loopback port; :meth:`connect` gives a psycopg connection."""

    def __init__(self, workdir: str | Path | None = None, *, port: int | None = None, start_timeout: int = 60):
        self._own_workdir = workdir is None
        self.workdir = Path(workdir or tempfile.mkdtemp(prefix="pg-"))
        self.port = port
        self.start_timeout = start_timeout
        self.bindir: Path | None = None
        self.running = False
        self.started_in: float | None = None
        self._as_user: list[str] = []

    @property
    def datadir(self) -> Path:
        return self.workdir / "data"

    @property
    def log_path(self) -> Path:
        return self.workdir / "postgres.log"

    @property
    def dsn(self) -> str:
        return f"host=127.0.0.1 port={self.port} user=postgres dbname=postgres"

    def _run(self, *args: str) -> subprocess.CompletedProcess:
        return subprocess.run([*self._as_user, *args], capture_output=True, text=True)

    def start(self) -> PostgresServer:
        if self.running:
            return self
        t0 = time.monotonic()
        self.bindir = find_bindir()
        self.port = self.port or free_port()
        self.workdir.mkdir(parents=True, exist_ok=True)
        if os.geteuid() == 0:  # initdb refuses root: run the cluster as the postgres system user
            user = _ensure_service_user()
            os.chown(self.workdir, user.pw_uid, user.pw_gid)
            os.chmod(self.workdir, 0o700)
            self._as_user = ["runuser", "-u", SERVICE_USER, "--"]
        r = self._run(
            str(self.bindir / "initdb"),
            "-D",
            str(self.datadir),
            "-U",
            "postgres",
            "-A",
            "trust",
            "-E",
            "UTF8",
            "--locale=C",
            "--no-sync",
        )
        if r.returncode != 0:
            raise EngineError(f"PostgreSQL initdb failed in {self.datadir}:\n{r.stdout}\n{r.stderr}")
        opts = (
            f"-c listen_addresses=127.0.0.1 -p {self.port} -c unix_socket_directories={self.workdir} "
            "-c fsync=off -c synchronous_commit=off -c full_page_writes=off -c timezone=UTC "
            "-c shared_buffers=64MB -c max_connections=20"
        )
        r = self._run(
            str(self.bindir / "pg_ctl"),
            "-D",
            str(self.datadir),
            "-o",
            opts,
            "-l",
            str(self.log_path),
            "-w",
            "-t",
            str(self.start_timeout),
            "start",
        )
        if r.returncode != 0:
            log = self.log_path.read_text(errors="replace") if self.log_path.exists() else ""
            raise EngineError(f"PostgreSQL did not start on 127.0.0.1:{self.port}:\n{r.stdout}\n{r.stderr}\n{log}")
        self.running = True
        self.started_in = time.monotonic() - t0
        return self

    def connect(self, autocommit: bool = True):
        import psycopg

        return psycopg.connect(self.dsn, autocommit=autocommit)

    def stop(self) -> None:
        if self.running:
            self._run(str(self.bindir / "pg_ctl"), "-D", str(self.datadir), "-m", "fast", "-w", "stop")
            self.running = False
        if self._own_workdir:
            shutil.rmtree(self.workdir, ignore_errors=True)

    def __enter__(self) -> PostgresServer:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()
