"""`make lint` as a test: ruff's rules and ruff's format hold for every Python file of the project."""

import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
PATHS = ["glue_jobs", "lakehouse_local", "tests", "scripts", "bench"]
RUFF = Path(sys.executable).with_name("ruff")


@pytest.mark.parametrize("command", [["check"], ["format", "--check"]], ids=["check", "format"])
def test_ruff(command):
    result = subprocess.run([str(RUFF), *command, *PATHS], cwd=REPO, capture_output=True, text=True)
    assert result.returncode == 0, f"ruff {' '.join(command)} (fix: make lint / ruff format):\n{result.stdout}"
