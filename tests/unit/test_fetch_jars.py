"""scripts/fetch_jars.sh verifies the jars against jars.sha256 once, then trusts its stamp until a jar or the lock
changes. Run on a copy of the script in a scratch root whose one "jar" is already there (no Maven download)."""

import hashlib
import os
import shutil
import subprocess
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def scratch(tmp_path: Path) -> Path:
    (tmp_path / "scripts").mkdir()
    shutil.copy(ROOT / "scripts" / "fetch_jars.sh", tmp_path / "scripts" / "fetch_jars.sh")
    jars = tmp_path / ".cache" / "jars"
    jars.mkdir(parents=True)
    (jars / "thing-1.0.jar").write_bytes(b"the jar's bytes")
    (tmp_path / "jars.txt").write_text("org.example:thing:1.0\n")
    digest = hashlib.sha256(b"the jar's bytes").hexdigest()
    (tmp_path / "jars.sha256").write_text(f"{digest}  thing-1.0.jar\n")
    return tmp_path


def fetch(root: Path) -> subprocess.CompletedProcess:
    if not shutil.which("mvn"):  # the script checks for Maven before anything else
        pytest.skip("mvn not on PATH")
    return subprocess.run(["bash", str(root / "scripts" / "fetch_jars.sh")], capture_output=True, text=True)


def test_verifies_once_then_trusts_the_stamp(scratch: Path):
    first, second = fetch(scratch), fetch(scratch)
    assert (first.returncode, second.returncode) == (0, 0), first.stderr + second.stderr
    assert "unchanged since" not in first.stdout  # hashed
    assert "unchanged since" in second.stdout  # stamp trusted, nothing hashed


def test_a_jar_written_after_the_stamp_is_hashed_again_and_a_bad_one_fails(scratch: Path):
    assert fetch(scratch).returncode == 0
    jar = scratch / ".cache" / "jars" / "thing-1.0.jar"
    jar.write_bytes(b"other bytes")
    later = time.time() + 5  # newer than the stamp whatever the file system's time resolution
    os.utime(jar, (later, later))
    again = fetch(scratch)
    assert again.returncode == 1
    assert "checksum mismatch" in again.stderr


def test_a_new_lock_is_verified_again(scratch: Path):
    assert fetch(scratch).returncode == 0
    lock = scratch / "jars.sha256"
    lock.write_text("0" * 64 + "  thing-1.0.jar\n")  # the lock changed: the stamp no longer matches it
    again = fetch(scratch)
    assert again.returncode == 1
    assert "checksum mismatch" in again.stderr
