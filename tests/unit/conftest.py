"""Fixtures of the unit tests."""

import importlib.util
import sys
from pathlib import Path

import pytest

BENCH = Path(__file__).resolve().parents[2] / "bench" / "lake_bench.py"


@pytest.fixture(scope="module")
def lake_bench():
    """bench/lake_bench.py as a module (a script, not a package)."""
    saved = list(sys.path)  # the script puts bench/ and glue_jobs/ on sys.path when loaded
    spec = importlib.util.spec_from_file_location("lake_bench", BENCH)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    yield module
    sys.path[:] = saved
