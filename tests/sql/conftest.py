"""Fixtures of the SQL suite: a hand-made Delta lake, a local Trino over it, a throwaway PostgreSQL.

Servers are session-scoped, started and stopped here; if one cannot start the tests using it
FAIL with the reason (missing download, JDK, binaries...) — they are never skipped.
"""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from lakehouse_local.engines import EngineError
from lakehouse_local.engines.sqlfiles import ATHENA_VARS
from tests.sql import fixture_lake as fx

REPO = Path(__file__).resolve().parents[2]
ATHENA_DIR = REPO / "athena_sql"
REDSHIFT_DIR = REPO / "redshift_sql"
# Locally the Glue databases are the schemas of Trino's `delta` catalog: gold, silver, ops, bronze.
LOCAL_ATHENA_VARS = {v: v.removesuffix("_db") for v in ATHENA_VARS}
FIGURES: dict[str, str] = {}


@pytest.fixture(scope="session")
def fixture_lake(spark, tmp_path_factory) -> Path:
    t0 = time.monotonic()
    root = fx.write_lake(spark, tmp_path_factory.mktemp("sql_lake"))
    FIGURES["fixture lake written (Spark)"] = f"{time.monotonic() - t0:.1f}s"
    return root


def _fail_server(what: str, err: Exception):
    pytest.fail(f"{what} could not start: {err}", pytrace=False)


@pytest.fixture(scope="session")
def trino(fixture_lake):
    from lakehouse_local.engines.trino import TrinoServer

    server = TrinoServer()
    try:
        server.start()
    except EngineError as e:
        _fail_server("Trino", e)
    try:
        server.register_lake(fixture_lake)
        rss = server.rss_bytes()
        FIGURES["Trino start (to first query)"] = f"{server.started_in:.1f}s"
        if rss:
            FIGURES["Trino resident memory after registering the lake"] = f"{rss / 2**20:.0f} MiB"
        yield server
        rss = server.rss_bytes()
        if rss:
            FIGURES["Trino resident memory at the end"] = f"{rss / 2**20:.0f} MiB"
    finally:
        server.stop()


@pytest.fixture(scope="session")
def postgres():
    from lakehouse_local.engines.postgres import PostgresServer

    server = PostgresServer()
    try:
        server.start()
    except EngineError as e:
        _fail_server("PostgreSQL", e)
    FIGURES["PostgreSQL start"] = f"{server.started_in:.1f}s"
    try:
        yield server
    finally:
        server.stop()


def pytest_sessionfinish(session):
    if hasattr(session.config, "workeroutput"):  # an xdist worker: tests/conftest.py prints them
        session.config.workeroutput["sql_engine_figures"] = FIGURES


def pytest_terminal_summary(terminalreporter):
    if FIGURES:
        terminalreporter.write_sep("-", "SQL engines")
        for k, v in FIGURES.items():
            terminalreporter.write_line(f"{k}: {v}")
