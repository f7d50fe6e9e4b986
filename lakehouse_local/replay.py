"""Replay quarantined rows of one entity on the local lake (what the silver Glue job does with --replay_entity).

    python -m lakehouse_local.replay --entity sales [--rule unknown_product_id] [--batch <batch id>] [--lake lake]

Runs the real glue_jobs/silver_clean.py, as local_run does, with the replay arguments; see lakehouse.replay.
"""

import argparse
import os
import sys

os.environ.setdefault("LAKEHOUSE_RUNTIME", "local")

from lakehouse.runtime import REPO_ROOT  # noqa: E402

from lakehouse_local.local_run import run_script  # noqa: E402


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--entity", required=True, help="entity whose quarantine to replay (e.g. sales)")
    ap.add_argument("--rule", help="only rows quarantined for this check (e.g. unknown_product_id)")
    ap.add_argument("--batch", help="only rows of this bronze batch (_batch_id)")
    ap.add_argument("--lake", default=str(REPO_ROOT / "lake"), help="lake root folder (default: ./lake)")
    args = ap.parse_args(argv)
    extra = {"--sources": "all", "--replay_entity": args.entity}
    extra |= {"--replay_rule": args.rule} if args.rule else {}
    extra |= {"--replay_batch": args.batch} if args.batch else {}
    run_script("silver_clean", os.path.abspath(args.lake), extra)
    return 0


if __name__ == "__main__":
    sys.exit(main())
