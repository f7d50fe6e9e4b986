"""Run the whole lake on this machine: sample data → bronze → silver → gold, batch by batch.

    python -m lakehouse_local.local_run --lake lake --rows 2000 --batches 3

Each batch's drop is delivered into landing/ and then the real Glue scripts in glue_jobs/
run, in the order the Glue trigger chain runs them, with the arguments Terraform gives them.
Running it again ingests nothing twice: delivered drops are skipped by the ingest ledger.
It ends with the run summary and the lake report, <lake>/report/index.html (lakehouse.report).
"""

import argparse
import json
import os
import runpy
import shutil
import sys
import time
import uuid
from pathlib import Path

os.environ.setdefault("LAKEHOUSE_RUNTIME", "local")

from lakehouse.runtime import CODEGEN_ENV, REPO_ROOT  # noqa: E402

from lakehouse_local import sample_data  # noqa: E402  (after the runtime switch)

JOBS_DIR = REPO_ROOT / "glue_jobs"
# The trigger chain: each job starts when the previous one SUCCEEDED. Terraform's workflow is the
# source; tests/emulator/test_emulator_chain.py checks this list (scripts, order, argument values)
# against the jobs and triggers deployed in the emulated account.
CHAIN = [
    ("bronze_ingest", {"--sources": "all"}),
    ("silver_clean", {"--sources": "all"}),
    ("gold_aggregates", {"--pii_salt_parameter": "local"}),
]


WORKFLOW_NAME = "local-medallion"  # what the chain's jobs get as --WORKFLOW_NAME


def run_script(name: str, lake_root: str, extra: dict) -> None:
    """Execute glue_jobs/<name>.py as Glue would: as __main__, with --key value arguments."""
    argv = [str(JOBS_DIR / f"{name}.py"), "--JOB_NAME", name, "--lake_root", lake_root]
    for key, value in extra.items():
        argv += [key, value]
    saved = sys.argv
    sys.argv = argv
    try:
        runpy.run_path(argv[0], run_name="__main__")
    finally:
        sys.argv = saved


def chain_jobs(gold_max_share: float | None = None) -> list[tuple[str, dict]]:
    """The chain's jobs whose scripts exist (gold joins the chain once its script is there); with
    `gold_max_share`, gold gets --incremental_max_share (lakehouse.gold.incremental.plan)."""
    extra = {"gold_aggregates": {"--incremental_max_share": str(gold_max_share)}} if gold_max_share is not None else {}
    return [(name, args | extra.get(name, {})) for name, args in CHAIN if (JOBS_DIR / f"{name}.py").exists()]


def ensure_sample(sample: Path, rows: int, batches: int, seed: int) -> dict:
    ledger_path = sample / "ledger.json"
    if ledger_path.exists():
        ledger = json.loads(ledger_path.read_text())
        if (ledger["rows"], ledger["batches"], ledger["seed"]) == (rows, batches, seed):
            print(f"sample data: reusing {sample} ({rows} rows, {batches} batches, seed {seed})")
            return ledger
        raise SystemExit(
            f"{sample} was generated with other settings "
            f"(rows={ledger['rows']}, batches={ledger['batches']}, seed={ledger['seed']}); "
            "start over with `make lake FRESH=1` (or --fresh)"
        )
    return sample_data.generate(sample, rows, batches, seed, progress=lambda m: print(f"sample data: {m}"))


def deliver(sample: Path, lake: Path, batch: int) -> int:
    """Copy one batch's drop into landing/<source>/<batch>/ (already there = nothing to do)."""
    copied = 0
    for src in sorted((sample / "drops" / f"{batch:03d}").glob("*/*")):
        dest = lake / "landing" / src.parent.name / f"{batch:03d}" / src.name
        if not dest.exists():
            dest.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(src, dest)
            copied += 1
    return copied


def use_sample_lake_defaults() -> None:
    """Environment defaults of a local run on the sample lake; a variable already set wins."""
    from lakehouse.gold.pii import DEV_SALT, SALT_ENV

    os.environ.setdefault(SALT_ENV, DEV_SALT)
    # The sample lake is small: one shuffle partition per local core rather than the runtime's 4, which is
    # sized for the bench's millions of rows (a 1-batch run x0.96, median of 3 pairs with farm-bench).
    os.environ.setdefault("LAKEHOUSE_SHUFFLE_PARTITIONS", "2")
    # ... and interpreted expressions (lakehouse.runtime.CODEGEN_ENV): its few thousand rows do not repay
    # generating and compiling Java per query (3-batch chain, medians of 5 and 3 runs: 118.2 -> 99.0 s).
    os.environ.setdefault(CODEGEN_ENV, "off")


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--lake", default=str(REPO_ROOT / "lake"), help="lake root folder (default: ./lake)")
    ap.add_argument("--rows", type=int, default=2000)
    ap.add_argument("--batches", type=int, default=3)
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--fresh", action="store_true", help="delete the lake first")
    ap.add_argument(
        "--gold-incremental-max-share",
        type=float,
        help="gold's --incremental_max_share: take the incremental path up to this share of silver.sales "
        "written since the last build (default 0.25; 1 = always when the change feed allows)",
    )
    ap.add_argument("--verbose", action="store_true", help="show every Spark/JVM log line (LAKEHOUSE_VERBOSE=1)")
    args = ap.parse_args(argv)
    if args.verbose:
        os.environ["LAKEHOUSE_VERBOSE"] = "1"  # read by lakehouse.runtime when it starts the JVM
    sys.stdout.reconfigure(line_buffering=True)  # each line as it happens, also when piped to a file
    use_sample_lake_defaults()

    lake = Path(args.lake).resolve()
    if args.fresh and lake.exists():
        shutil.rmtree(lake)
    lake.mkdir(parents=True, exist_ok=True)
    timings: list[tuple[str, float]] = []
    t0 = time.monotonic()
    ledger = ensure_sample(lake / "sample", args.rows, args.batches, args.seed)
    timings.append(("generate", time.monotonic() - t0))

    from lakehouse_local.summary import print_summary  # starts no Spark until needed

    for batch in range(1, args.batches + 1):
        copied = deliver(lake / "sample", lake, batch)
        print(f"\n=== batch {batch}/{args.batches}: delivered {copied} new landing files ===", flush=True)
        # Glue gives a workflow's jobs its name and run id; each batch here is one run of the chain
        # (the parent run of the jobs' OpenLineage events, lakehouse.lineage).
        workflow = {"--WORKFLOW_NAME": WORKFLOW_NAME, "--WORKFLOW_RUN_ID": f"wr_{uuid.uuid4().hex}"}
        for name, extra in chain_jobs(args.gold_incremental_max_share):
            t = time.monotonic()
            print(f"--- {name} ---", flush=True)
            run_script(name, str(lake), {**extra, **workflow})
            timings.append((f"batch {batch} {name}", time.monotonic() - t))
    counts = print_summary(str(lake), ledger, timings, time.monotonic() - t0)
    from lakehouse.report import write_report
    from lakehouse.runtime import get_spark

    report = write_report(get_spark("summary"), str(lake), counts=counts, ledger=ledger)
    print(f"Lake report (open it in a browser): {report}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
