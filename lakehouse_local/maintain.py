"""Table maintenance on the local lake (what the maintain_tables Glue job does on its schedule).

    python -m lakehouse_local.maintain [--lake lake] [--retain-hours 168]

Runs the real glue_jobs/maintain_tables.py, as local_run does; see lakehouse.maintenance.
"""

import argparse
import os
import sys

os.environ.setdefault("LAKEHOUSE_RUNTIME", "local")

from lakehouse.maintenance import MIN_RETAIN_HOURS  # noqa: E402
from lakehouse.runtime import REPO_ROOT  # noqa: E402

from lakehouse_local.local_run import run_script  # noqa: E402


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--lake", default=str(REPO_ROOT / "lake"), help="lake root folder (default: ./lake)")
    ap.add_argument(
        "--retain-hours", type=int, default=MIN_RETAIN_HOURS, help=f"VACUUM retention (>= {MIN_RETAIN_HOURS})"
    )
    args = ap.parse_args(argv)
    run_script("maintain_tables", os.path.abspath(args.lake), {"--retain_hours": str(args.retain_hours)})
    return 0


if __name__ == "__main__":
    sys.exit(main())
