"""Build dist/lakehouse.zip for Glue's --extra-py-files: the lakehouse package plus contracts.

Only glue_jobs/lakehouse/ is shipped: the local harnesses live in lakehouse_local/ and are never zipped
(tests/unit/test_package.py checks it).

The zip is reproducible (fixed timestamps, sorted entries) so Terraform's content hash only
changes when the code or a contract does.
"""

import sys
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
FIXED_TIME = (2020, 1, 1, 0, 0, 0)


def build(out: Path = ROOT / "dist" / "lakehouse.zip") -> Path:
    out.parent.mkdir(parents=True, exist_ok=True)
    files = [p for p in sorted((ROOT / "glue_jobs" / "lakehouse").rglob("*.py"))]
    contracts = sorted((ROOT / "contracts").rglob("*.yaml"))  # sources, silver/ metadata, gold/ tables
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zf:
        for path in files:
            _add(zf, path, path.relative_to(ROOT / "glue_jobs").as_posix())
        for path in contracts:
            # Bundled inside the package so a Glue job reads exactly the contracts it was built with.
            _add(zf, path, f"lakehouse/bundled_contracts/{path.relative_to(ROOT / 'contracts').as_posix()}")
    return out


def _add(zf: zipfile.ZipFile, path: Path, arcname: str) -> None:
    info = zipfile.ZipInfo(arcname, FIXED_TIME)
    info.compress_type = zipfile.ZIP_DEFLATED
    info.external_attr = 0o644 << 16
    zf.writestr(info, path.read_bytes())


if __name__ == "__main__":
    target = build()
    with zipfile.ZipFile(target) as zf:
        names = zf.namelist()
    for name in names:
        print(f"  {name}", file=sys.stderr)
    print(f"built {target.relative_to(ROOT)}: {len(names)} files, {target.stat().st_size} bytes", file=sys.stderr)
