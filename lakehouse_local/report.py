"""Rewrite the lake report of a local lake (the report itself: glue_jobs/lakehouse/report.py).

python -m lakehouse_local.report --lake lake     # -> lake/report/index.html
"""

import argparse
import json
import sys
from pathlib import Path


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--lake", default="lake", help="lake root folder (default: ./lake)")
    args = ap.parse_args(argv)
    from lakehouse.report import write_report
    from lakehouse.runtime import get_spark

    lake = Path(args.lake).resolve()
    ledger_file = lake / "sample" / "ledger.json"
    ledger = json.loads(ledger_file.read_text()) if ledger_file.exists() else None
    print(f"lake report: {write_report(get_spark('report'), str(lake), ledger=ledger)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
