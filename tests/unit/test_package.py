"""The Glue zip carries only what runs in Glue: the lakehouse package and its bundled contracts."""

import importlib.util
import zipfile
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]


def _build(tmp_path) -> list[str]:
    spec = importlib.util.spec_from_file_location("build_package", REPO / "scripts" / "build_package.py")
    builder = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(builder)
    with zipfile.ZipFile(builder.build(tmp_path / "lakehouse.zip")) as zf:
        return zf.namelist()


def test_zip_ships_the_glue_package_and_nothing_local(tmp_path):
    names = _build(tmp_path)
    shipped_modules = {n for n in names if n.endswith(".py")}
    expected = {p.relative_to(REPO / "glue_jobs").as_posix() for p in (REPO / "glue_jobs" / "lakehouse").rglob("*.py")}
    assert shipped_modules == expected
    local_only = [n for n in names if n.startswith("lakehouse_local") or "/engines/" in n]
    assert not local_only, f"local-only modules in the Glue zip: {local_only}"
    contracts = sorted(p.relative_to(REPO / "contracts").as_posix() for p in (REPO / "contracts").rglob("*.yaml"))
    bundled = sorted(n.removeprefix("lakehouse/bundled_contracts/") for n in names if "/bundled_contracts/" in n)
    assert bundled == contracts and "silver/metadata.yaml" in bundled


def test_glue_code_never_imports_the_local_package():
    offenders = [
        str(p.relative_to(REPO)) for p in (REPO / "glue_jobs").rglob("*.py") if "lakehouse_local" in p.read_text()
    ]
    assert not offenders, f"Glue code depends on local-only code: {offenders}"
