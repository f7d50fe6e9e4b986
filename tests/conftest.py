"""Shared fixtures: one SparkSession for the whole run, temp lakes, and one generated chain run."""

import json
import os
from pathlib import Path

import pytest

os.environ["LAKEHOUSE_RUNTIME"] = "local"
os.environ.setdefault("LAKEHOUSE_SHUFFLE_PARTITIONS", "2")
os.environ.setdefault("LAKEHOUSE_PII_SALT", "test-salt")
os.environ.setdefault("LAKEHOUSE_CODEGEN", "off")  # tiny frames: interpreting beats compiling (runtime.py)

CHAIN_ROWS = 600  # one fault of each kind per batch
CHAIN_BATCHES = 3
# Gold goes the incremental path at every batch after the first (tests/integration/test_incremental_gold.py),
# though each batch is a third of this small lake: the default share would rebuild it in full.
CHAIN_ARGS = ["--rows", str(CHAIN_ROWS), "--batches", str(CHAIN_BATCHES), "--gold-incremental-max-share", "1"]


# `make test` runs the suite on two pytest-xdist workers (--dist loadgroup). A test file is one unit of
# work, so its module fixtures are built once; files that share a costly session fixture are one unit:
# the chain lake with the SQL engines, and the Terraform plan/apply fixtures of tests/infra.
XDIST_GROUPS = {
    "tests/integration/test_chain_silver.py": "chain_lake",
    "tests/integration/test_gold_chain.py": "chain_lake",
    "tests/integration/test_incremental_gold.py": "chain_lake",
    "tests/integration/test_lake_report.py": "chain_lake",
    "tests/integration/test_lineage_chain.py": "chain_lake",
    "tests/integration/test_lean_reference.py": "chain_lake",
    "tests/sql/": "chain_lake",
    "tests/infra/": "terraform",
}


@pytest.hookimpl(tryfirst=True)  # before xdist's own hook reads the marks
def pytest_collection_modifyitems(items):
    root = Path(__file__).parent.parent
    for item in items:
        path = Path(item.path).relative_to(root).as_posix()
        group = next((g for prefix, g in XDIST_GROUPS.items() if path.startswith(prefix)), path)
        item.add_marker(pytest.mark.xdist_group(group))


WORKER_FIGURES: dict[str, str] = {}  # the SQL engines' figures from an xdist worker (tests/sql/conftest.py)


@pytest.hookimpl(optionalhook=True)  # an xdist hook: a worker has finished
def pytest_testnodedown(node, error):
    WORKER_FIGURES.update(getattr(node, "workeroutput", {}).get("sql_engine_figures", {}))


def pytest_terminal_summary(terminalreporter):
    if WORKER_FIGURES:
        terminalreporter.write_sep("-", "SQL engines")
        for k, v in WORKER_FIGURES.items():
            terminalreporter.write_line(f"{k}: {v}")


@pytest.fixture(scope="session")
def spark():
    from lakehouse.runtime import get_spark, shutdown_pydeequ

    session = get_spark("lakehouse-tests")
    yield session
    shutdown_pydeequ(session)
    session.stop()


@pytest.fixture
def tmp_lake(tmp_path):
    """An empty lake root folder."""
    lake = tmp_path / "lake"
    lake.mkdir()
    return str(lake)


@pytest.fixture
def job_config(tmp_lake):
    from lakehouse.config import JobConfig

    return JobConfig(lake_root=tmp_lake, run_id="test-run")


@pytest.fixture(scope="session")
def chain_lake(spark, tmp_path_factory):
    """The whole local chain (the real Glue scripts) over 3 generated batches, run once per session.

    Returns (lake_root, ledger, snapshot) where snapshot holds silver contents right after the
    first run, so a test can re-run the chain and compare.
    """
    from lakehouse_local import local_run

    reuse = os.environ.get("LAKEHOUSE_TEST_CHAIN_LAKE")  # a lake an earlier session built: assertions only
    lake = Path(reuse) if reuse else tmp_path_factory.mktemp("chain") / "lake"
    if not reuse:
        local_run.main(["--lake", str(lake), *CHAIN_ARGS])
    ledger = json.loads((Path(lake) / "sample" / "ledger.json").read_text())
    return str(lake), ledger


def table_digests(spark, lake_root: str, layers=("silver", "gold")) -> dict:
    """Content digest of every Delta table under the given layers (order-independent)."""
    import hashlib

    from lakehouse import delta_io

    digests = {}
    for layer in layers:
        root = f"{lake_root}/{layer}"
        for table in delta_io.tables_under(spark, root):
            rows = sorted(repr(tuple(r)) for r in delta_io.read(spark, f"{root}/{table}").collect())
            digests[f"{layer}.{table}"] = (len(rows), hashlib.sha256("\n".join(rows).encode()).hexdigest())
    return digests


@pytest.fixture(scope="session")
def chain_rerun(spark, chain_lake):
    """Runs the same chain command a second time; returns digests before and after, and the lake."""
    from lakehouse_local import local_run

    lake, _ = chain_lake
    before = table_digests(spark, lake)
    local_run.main(["--lake", lake, *CHAIN_ARGS])
    return lake, before, table_digests(spark, lake)
