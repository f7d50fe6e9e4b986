"""A single-node Trino on loopback with a Delta Lake catalog over a local lake folder.

Athena engine v3 is built on Trino, so the ``athena_sql/`` files are run here, unchanged except
for the ``${..._db}`` templates. Trino 476 comes from Maven Central (``scripts/fetch_trino.sh``,
run by ``make setup``) into ``.cache/trino``; it needs a JDK 24+ (``TRINO_JAVA``, else Temurin 25,
else ``java`` on PATH if it is new enough).

Catalog ``delta`` (connector ``delta_lake``) keeps its metastore in a folder (``hive.metastore=file``)
and reads tables straight from the lake folder through ``local://`` locations. Tables are made
visible with ``CALL delta.system.register_table(...)``: :meth:`TrinoServer.register_lake` registers
every Delta table of a lake root as ``delta.<layer>.<table>`` (bronze, silver, gold, ops), the same
names as the Glue databases of ``docs/TABLES.md``.

With ``glue_endpoint`` (the emulated AWS account, ``lakehouse_local.emulator``) the same catalog uses
the emulated Glue Data Catalog as its metastore (``hive.metastore=glue`` with the emulator endpoint)
and reads the tables from the emulated S3 (native S3 filesystem, path-style): the schemas are the Glue
databases and the tables what Terraform declared and the crawlers registered — Athena's view of the lake.

Usage::

    with TrinoServer(workdir) as trino:
        trino.register_lake("lake")
        rows = trino.query("SELECT count(*) FROM gold.fact_sales").rows

``python -m lakehouse_local.engines.trino --lake lake`` starts it for a person and prints the CLI command
(``make trino-cli`` does both).
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
import uuid
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

from lakehouse import runtime

from lakehouse_local.engines import EngineError, free_port

TRINO_VERSION = os.environ.get("TRINO_VERSION", "476")
REPO_ROOT = Path(__file__).resolve().parents[2]
DEFAULT_HOME = REPO_ROOT / ".cache" / "trino" / f"trino-server-{TRINO_VERSION}"
DEFAULT_CLI = REPO_ROOT / ".cache" / "trino" / f"trino-cli-{TRINO_VERSION}-executable.jar"
JAVA_CANDIDATES = ("/usr/lib/jvm/temurin-25-jdk-amd64/bin/java",)
LAYERS = ("bronze", "silver", "gold", "ops")
CATALOG = "delta"

# JVM flags from Trino's recommended jvm.config, sized for a 2-core laptop/CI box.
JVM_FLAGS = (
    "-XX:+UseG1GC",
    "-XX:+ExplicitGCInvokesConcurrent",
    "-XX:+ExitOnOutOfMemoryError",
    "-XX:-OmitStackTraceInFastThrow",
    "-XX:ReservedCodeCacheSize=256M",
    "-XX:PerMethodRecompilationCutoff=10000",
    "-XX:PerBytecodeRecompilationCutoff=10000",
    "-XX:+EnableDynamicAgentLoading",
    "-Djdk.attach.allowAttachSelf=true",
    "-Djdk.nio.maxCachedBufferSize=2000000",
    "-Dfile.encoding=UTF-8",
    "-Duser.timezone=UTC",
    "--enable-native-access=ALL-UNNAMED",
)


NODE_WAIT_SECONDS = 60


def find_java(explicit: str | None = None) -> str:
    """A java binary of version 24+ (Trino 476's minimum)."""
    candidates = [explicit, os.environ.get("TRINO_JAVA"), *JAVA_CANDIDATES, shutil.which("java")]
    seen = []
    for cand in candidates:
        if not cand or not Path(cand).exists():
            continue
        seen.append(cand)
        out = subprocess.run([cand, "-version"], capture_output=True, text=True).stderr
        m = re.search(r'version "(\d+)', out)
        if m and int(m.group(1)) >= 24:
            return cand
    raise EngineError(
        "Trino needs a JDK 24+; none found (looked at: "
        + (", ".join(seen) or "nothing")
        + "). Install Temurin 25 or set TRINO_JAVA to its bin/java."
    )


def glue_catalog_properties(endpoint: str, region: str = "us-east-1") -> list[str]:
    """Catalog properties for the Glue metastore and S3 of an emulated account (fake credentials)."""
    key, secret = os.environ.get("AWS_ACCESS_KEY_ID", "testing"), os.environ.get("AWS_SECRET_ACCESS_KEY", "testing")
    return [
        "hive.metastore=glue",
        f"hive.metastore.glue.region={region}",
        f"hive.metastore.glue.endpoint-url={endpoint}",
        f"hive.metastore.glue.aws-access-key={key}",
        f"hive.metastore.glue.aws-secret-key={secret}",
        "fs.native-s3.enabled=true",
        f"s3.endpoint={endpoint}",
        f"s3.region={region}",
        "s3.path-style-access=true",
        f"s3.aws-access-key={key}",
        f"s3.aws-secret-key={secret}",
    ]


@dataclass
class Result:
    columns: list[str]
    types: list[str]
    rows: list[tuple]

    def dicts(self) -> list[dict]:
        return [dict(zip(self.columns, r, strict=True)) for r in self.rows]


def _convert(value, type_sig: str):
    """Trino JSON values → Python: decimal→Decimal, date→date, timestamp→datetime, arrays recurse."""
    if value is None:
        return None
    t = type_sig.lower()
    if t.startswith("array("):
        inner = t[len("array(") : -1]
        return [_convert(v, inner) for v in value]
    if t.startswith("decimal"):
        return Decimal(value)
    if t == "date":
        return dt.date.fromisoformat(value)
    if t.startswith("timestamp"):
        if "with time zone" in t:
            stamp, _, zone = value.rpartition(" ")
            parsed = dt.datetime.fromisoformat(stamp)
            if zone.upper() in ("UTC", "Z", "+00:00"):
                return parsed.replace(tzinfo=dt.UTC)
            return dt.datetime.fromisoformat(f"{stamp}{zone}") if zone[0] in "+-" else parsed
        return dt.datetime.fromisoformat(value)
    if t in ("double", "real") and isinstance(value, str):
        return float(value)
    return value


class TrinoServer:
    """Start/stop a local Trino; run statements over its HTTP protocol (no client library)."""

    def __init__(
        self,
        workdir: str | Path | None = None,
        *,
        home: str | Path | None = None,
        java: str | None = None,
        port: int | None = None,
        heap: str = "2G",
        start_timeout: float = 180.0,
        glue_endpoint: str | None = None,
    ):
        self.home = Path(home or os.environ.get("TRINO_HOME") or DEFAULT_HOME)
        self._own_workdir = workdir is None
        self.workdir = Path(workdir or tempfile.mkdtemp(prefix="trino-"))
        self.java_arg = java
        self.port = port
        self.heap = heap
        self.start_timeout = start_timeout
        self.proc: subprocess.Popen | None = None
        self.started_in: float | None = None
        self.log_path = self.workdir / "server.log"
        self.glue_endpoint = glue_endpoint
        # This server's own name in /v1/info: a port probed free can be taken by another worker's
        # Trino started at the same moment, whose answer must not count as this one being ready.
        self.environment = f"local_{uuid.uuid4().hex[:12]}"

    # ---------------------------------------------------------------- lifecycle
    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def _write_config(self) -> None:
        etc = self.workdir / "etc"
        (etc / "catalog").mkdir(parents=True, exist_ok=True)
        (self.workdir / "metastore").mkdir(parents=True, exist_ok=True)
        (self.workdir / "data").mkdir(parents=True, exist_ok=True)
        (etc / "config.properties").write_text(
            "\n".join(
                [
                    "coordinator=true",
                    "node-scheduler.include-coordinator=true",
                    f"http-server.http.port={self.port}",
                    f"discovery.uri=http://127.0.0.1:{self.port}",
                    "query.max-memory=1GB",
                    "query.max-memory-per-node=1GB",
                    "task.concurrency=2",
                    f"plugin.dir={self.home / 'plugin'}",
                    f"catalog.config-dir={etc / 'catalog'}",
                    "",
                ]
            )
        )
        (etc / "log.properties").write_text("io.trino=WARN\nio.airlift=WARN\n")
        if self.glue_endpoint:
            metastore = glue_catalog_properties(self.glue_endpoint)
        else:
            metastore = [
                "hive.metastore=file",
                f"hive.metastore.catalog.dir=local://{self.workdir / 'metastore'}",
                "fs.native-local.enabled=true",
                "local.location=/",
            ]
        (etc / "catalog" / f"{CATALOG}.properties").write_text(
            "\n".join(
                [
                    "connector.name=delta_lake",
                    *metastore,
                    "delta.register-table-procedure.enabled=true",
                    "delta.enable-non-concurrent-writes=true",
                    "",
                ]
            )
        )

    def start(self) -> TrinoServer:
        if self.proc is not None:
            return self
        if not (self.home / "lib").is_dir() or not (self.home / "plugin" / "delta-lake").is_dir():
            raise EngineError(
                f"Trino {TRINO_VERSION} is not installed in {self.home}: run `make setup` "
                "(scripts/fetch_trino.sh fetches it from Maven Central)"
            )
        java = find_java(self.java_arg)
        self.port = self.port or free_port()
        self.workdir.mkdir(parents=True, exist_ok=True)
        self._write_config()
        etc = self.workdir / "etc"
        cmd = [
            java,
            f"-Xmx{self.heap}",
            *JVM_FLAGS,
            # C1 only unless LAKEHOUSE_JIT=default: the server lives for a few queries on a small lake.
            # Start, registering a 1-batch sample lake and 12 queries: 17.1 -> 12.9 s, its CPU 26 -> 15 s.
            *runtime.jit_flags(default="quick"),
            "-cp",
            str(self.home / "lib" / "*"),
            f"-Dconfig={etc / 'config.properties'}",
            f"-Dlog.levels-file={etc / 'log.properties'}",
            f"-Dnode.environment={self.environment}",
            f"-Dnode.id={uuid.uuid4()}",
            f"-Dnode.data-dir={self.workdir / 'data'}",
            "-Dnode.bind-ip=127.0.0.1",
            "-Dnode.internal-address=127.0.0.1",
            "io.trino.server.TrinoServer",
        ]
        t0 = time.monotonic()
        log = open(self.log_path, "wb")  # noqa: SIM115 - lives as long as the server
        self.proc = subprocess.Popen(
            cmd, cwd=self.workdir, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
        )
        log.close()
        try:
            self._wait_ready(t0)
        except BaseException:
            self.stop()
            raise
        self.started_in = time.monotonic() - t0
        return self

    def _log_tail(self, lines: int = 30) -> str:
        try:
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return "(no log)"

    def _wait_ready(self, t0: float) -> None:
        """Wait until /v1/info says started and a query runs (the node must be active)."""
        deadline = t0 + self.start_timeout
        last = "no answer"
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise EngineError(
                    f"Trino exited with code {self.proc.returncode} while starting; "
                    f"log {self.log_path}:\n{self._log_tail()}"
                )
            try:
                with urllib.request.urlopen(f"{self.url}/v1/info", timeout=5) as r:
                    info = json.load(r)
                if info.get("environment") != self.environment:
                    last = f"answered by another Trino (environment {info.get('environment')!r})"
                elif not info.get("starting", True):
                    self.query("SELECT 1")
                    return
                else:
                    last = "starting"
            except (urllib.error.URLError, ConnectionError, OSError, EngineError) as e:
                last = str(e)
            time.sleep(0.5)
        raise EngineError(
            f"Trino did not become ready on {self.url} within {self.start_timeout:.0f}s "
            f"(last: {last}); log {self.log_path}:\n{self._log_tail()}"
        )

    def stop(self) -> None:
        proc, self.proc = self.proc, None
        if proc is None:
            return
        if proc.poll() is None:
            try:
                os.killpg(proc.pid, signal.SIGTERM)
            except ProcessLookupError:
                pass
            try:
                proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait(timeout=30)
        if self._own_workdir:
            shutil.rmtree(self.workdir, ignore_errors=True)

    def rss_bytes(self) -> int | None:
        """Resident memory of the server process (Linux /proc), for the closing figures."""
        if self.proc is None:
            return None
        try:
            for line in Path(f"/proc/{self.proc.pid}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    return int(line.split()[1]) * 1024
        except OSError:
            return None
        return None

    def __enter__(self) -> TrinoServer:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()

    # ---------------------------------------------------------------- queries
    def _request(self, url: str, data: bytes | None = None, headers: dict | None = None) -> dict:
        req = urllib.request.Request(url, data=data, headers=headers or {}, method="POST" if data else "GET")
        for attempt in range(20):
            try:
                with urllib.request.urlopen(req, timeout=120) as r:
                    return json.load(r)
            except urllib.error.HTTPError as e:
                if e.code in (502, 503) and attempt < 19:
                    time.sleep(0.2)
                    continue
                raise EngineError(f"Trino HTTP {e.code}: {e.read()[:500]!r}") from e
        raise AssertionError("unreachable")

    def query(self, sql: str, *, catalog: str = CATALOG, schema: str | None = None) -> Result:
        """Run one statement; return its columns and rows (values converted to Python types).

        Just after start-up the node can be up (SELECT 1 runs on the coordinator) before it is
        announced as a worker for table scans ("No nodes available to run query"): that one error
        is retried for up to NODE_WAIT_SECONDS, every other error is raised at once."""
        deadline = time.monotonic() + NODE_WAIT_SECONDS
        while True:
            try:
                return self._query_once(sql, catalog=catalog, schema=schema)
            except EngineError as e:
                if "No nodes available to run query" not in str(e) or time.monotonic() > deadline:
                    raise
                time.sleep(1)

    def _query_once(self, sql: str, *, catalog: str, schema: str | None) -> Result:
        headers = {
            "X-Trino-User": "lakehouse",
            "X-Trino-Catalog": catalog,
            "X-Trino-Time-Zone": "UTC",
            "Content-Type": "text/plain",
        }
        if schema:
            headers["X-Trino-Schema"] = schema
        payload = self._request(f"{self.url}/v1/statement", sql.encode(), headers)
        columns: list[dict] | None = None
        raw: list[list] = []
        while True:
            if "error" in payload:
                err = payload["error"]
                raise EngineError(f"Trino query failed: {err.get('message')}\n--- SQL ---\n{sql}")
            if payload.get("columns") and columns is None:
                columns = payload["columns"]
            raw.extend(payload.get("data") or [])
            nxt = payload.get("nextUri")
            if not nxt:
                break
            payload = self._request(nxt)
        columns = columns or []
        names = [c["name"] for c in columns]
        types = [c["type"] for c in columns]
        rows = [tuple(_convert(v, t) for v, t in zip(r, types, strict=True)) for r in raw]
        return Result(names, types, rows)

    # ---------------------------------------------------------------- the lake
    def register_table(self, schema: str, table: str, location: str | Path) -> None:
        loc = f"local://{Path(location).resolve()}"
        self.query(f"CREATE SCHEMA IF NOT EXISTS {CATALOG}.{schema}")
        self.query(
            f"CALL {CATALOG}.system.register_table(schema_name => '{schema}', "
            f"table_name => '{table}', table_location => '{loc}')"
        )

    def register_lake(
        self, lake_root: str | Path, layers: tuple[str, ...] = LAYERS, schema_prefix: str = ""
    ) -> list[str]:
        """Register each Delta table ``<lake_root>/<layer>/<table>/`` as ``<prefix><layer>.<table>``."""
        root = Path(lake_root).resolve()
        registered = []
        for layer in layers:
            base = root / layer
            if not base.is_dir():
                continue
            for tdir in sorted(p for p in base.iterdir() if (p / "_delta_log").is_dir()):
                self.register_table(f"{schema_prefix}{layer}", tdir.name, tdir)
                registered.append(f"{schema_prefix}{layer}.{tdir.name}")
        return registered

    def cli_command(self, cli_jar: str | Path = DEFAULT_CLI) -> list[str]:
        return [
            find_java(self.java_arg),
            "--enable-native-access=ALL-UNNAMED",
            "-jar",
            str(cli_jar),
            f"--server={self.url}",
            f"--catalog={CATALOG}",
            "--user=lakehouse",
        ]


def main(argv: list[str] | None = None) -> int:
    """Start Trino over a local lake, register its tables, then open the Trino CLI on it.

    Arguments after ``--`` go to the Trino CLI, e.g. ``-- --execute "SELECT ..."``.
    """
    p = argparse.ArgumentParser(description=main.__doc__.split("\n")[0])
    p.add_argument("--lake", default="lake", help="lake root folder (default: ./lake, made by `make lake`)")
    p.add_argument("--port", type=int, default=None)
    p.add_argument("--serve", action="store_true", help="keep serving (for other clients), no CLI")
    argv = list(sys.argv[1:] if argv is None else argv)
    cli_args = argv[argv.index("--") + 1 :] if "--" in argv else []
    args = p.parse_args(argv[: argv.index("--")] if "--" in argv else argv)
    if not Path(args.lake).is_dir():
        print(f"trino: no lake at {args.lake} (run `make lake` first)", file=sys.stderr)
        return 2
    if not DEFAULT_CLI.exists():
        print(f"trino: CLI not found at {DEFAULT_CLI} (run `make setup`)", file=sys.stderr)
        return 2
    print("trino: starting (about 20-60 s)...", file=sys.stderr, flush=True)
    try:
        with TrinoServer(port=args.port) as trino:
            tables = trino.register_lake(args.lake)
            print(
                f"trino: {trino.url} ready in {trino.started_in:.0f}s; catalog {CATALOG}, "
                f"schemas {', '.join(sorted({t.split('.')[0] for t in tables}))}: {len(tables)} tables",
                file=sys.stderr,
                flush=True,
            )
            if args.serve:
                cmd = " ".join(trino.cli_command())
                print(f"trino: serving; connect with: {cmd}; Ctrl-C stops", file=sys.stderr)
                try:
                    while True:
                        time.sleep(3600)
                except KeyboardInterrupt:
                    return 0
            return subprocess.call([*trino.cli_command(), *cli_args])
    except EngineError as e:
        print(f"trino: {e}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
