"""A run prints only its own lines: the JVM's start-up noise and the DQDL parser's ANTLR version
lines are gone by default and come back with LAKEHOUSE_VERBOSE=1 (so this test can fail)."""

import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

pytestmark = [pytest.mark.slow, pytest.mark.long]  # two job processes with a JVM each: make test-long

REPO = Path(__file__).resolve().parents[2]
NOISE = (
    "NativeCodeLoader",
    "Setting default log level",
    "To adjust logging level",
    "ANTLR Tool version",
    "ANTLR Runtime version",
)
PROBE = textwrap.dedent(
    """
    from lakehouse import runtime
    from pydeequ.dqdl import EvaluateDataQuality
    spark = runtime.get_spark("quiet-probe")
    df = spark.createDataFrame([(1, "a"), (2, None)], "id int, name string")
    out = EvaluateDataQuality.processRows(spark, df, 'Rules = [ IsComplete "name", RowCount > 0 ]')
    print("OUTCOMES", sorted((r["Rule"], r["Outcome"]) for r in out["ruleOutcomes"].collect()), flush=True)
    runtime.shutdown_pydeequ(spark)
    spark.stop()
    """
)


def run_probe(**env) -> str:
    full_env = {
        **{k: v for k, v in os.environ.items() if k != "LAKEHOUSE_VERBOSE"},
        "LAKEHOUSE_RUNTIME": "local",
        "PYTHONPATH": f"{REPO / 'glue_jobs'}{os.pathsep}{REPO}",
        "LAKEHOUSE_JIT": "quick",  # a JVM for one tiny query (lakehouse.runtime)
        **env,
    }
    done = subprocess.run(
        [sys.executable, "-c", PROBE], env=full_env, capture_output=True, text=True, timeout=600, cwd=REPO
    )
    assert done.returncode == 0, done.stderr[-3000:]
    return done.stdout + done.stderr


def test_default_run_has_no_jvm_noise_and_verbose_brings_it_back():
    quiet = run_probe()
    assert "OUTCOMES [('IsComplete \"name\"', 'Failed'), ('RowCount > 0', 'Passed')]" in quiet
    assert [n for n in NOISE if n in quiet] == [], quiet
    loud = run_probe(LAKEHOUSE_VERBOSE="1")
    assert "ANTLR Tool version 4.7" in loud and "NativeCodeLoader" in loud
    assert " INFO " in loud  # verbose shows everything, Spark's INFO lines included
