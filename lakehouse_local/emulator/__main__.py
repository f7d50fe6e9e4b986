"""The deployed pipeline, end to end, in an emulated AWS account (``make emulator``):

    python -m lakehouse_local.emulator --rows 300 --batches 1 --athena

starts a moto server on 127.0.0.1, ``terraform apply``s the real root module with
envs/emulator.tfvars, runs the deployed workflow once on the empty landing/ (a new account's first
run: every job succeeds and gold names the tables it could not build yet), generates the sample
lake, and for each batch uploads its drop to the emulated landing/ and runs the deployed workflow
(glue_runner); then prints the catalog the
crawlers left, runs the Athena named queries on Trino over the emulated Glue catalog (``--athena``),
destroys the stack (``--keep`` skips that) and stops the server.
"""

import argparse
import sys
import tempfile
import time
from pathlib import Path

from lakehouse_local import sample_data
from lakehouse_local.emulator import server
from lakehouse_local.emulator.delta_log import split_s3
from lakehouse_local.emulator.deploy import Terraform
from lakehouse_local.emulator.glue_runner import GlueRunner


def upload_batch(s3, sample: Path, lake_root: str, batch: int) -> int:
    """Deliver one batch's drop to <lake_root>/landing/<source>/<batch>/ in the emulated S3."""
    bucket, prefix = split_s3(lake_root)
    files = sorted((sample / "drops" / f"{batch:03d}").glob("*/*"))
    for f in files:
        key = "/".join(p for p in (prefix.strip("/"), "landing", f.parent.name, f"{batch:03d}", f.name) if p)
        s3.upload_file(str(f), bucket, key)
    return len(files)


def catalog(glue, databases) -> dict[str, list[dict]]:
    """Every table of the given Glue databases: {database: [table, ...]}."""
    out = {}
    for db in sorted(databases):
        pages = glue.get_paginator("get_tables").paginate(DatabaseName=db)
        out[db] = sorted((t for p in pages for t in p["TableList"]), key=lambda t: t["Name"])
    return out


def format_catalog(tables: dict[str, list[dict]]) -> str:
    lines = ["Glue catalog:"]
    for db, items in tables.items():
        lines.append(f"  {db}: {len(items)} tables")
        for t in items:
            cols = t["StorageDescriptor"].get("Columns", []) + t.get("PartitionKeys", [])
            kind = t.get("Parameters", {}).get("table_type") or t.get("Parameters", {}).get("classification", "")
            where = t["StorageDescriptor"].get("Location", "")
            lines.append(f"    {t['Name']:<28} {kind:<8} {len(cols):>3} columns  {where}")
    return "\n".join(lines)


def not_built_lines(run) -> list[str]:
    """The gold job's 'not built' lines (lakehouse.gold.format_summary) from its driver log."""
    gold = [s for s in run.steps if s.kind == "job" and "gold" in s.name and s.log]
    if not gold or not Path(gold[0].log).exists():
        return []
    lines = Path(gold[0].log).read_text().splitlines()
    return [line.strip() for line in lines if line.strip().startswith("gold.") and " not built: " in line]


def empty_run(runner, workdir: Path):
    """The first run of a new deployment: nothing delivered to landing/ yet; it must succeed."""
    print("\n=== run 0: nothing delivered to landing/ yet (a new account's first run) ===", flush=True)
    run = runner.run()
    run.write(workdir / "run-000.json")
    print(run.timeline(), flush=True)
    skipped = not_built_lines(run)
    print(f"gold: {len(skipped)} tables not built yet:" if skipped else "gold: no 'not built' lines", flush=True)
    for line in skipped:
        print(f"  {line}", flush=True)
    return run


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--rows", type=int, default=300)
    ap.add_argument("--batches", type=int, default=1)
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--workdir", help="where state, sample data, job runs and the run log go (default: a temp dir)")
    ap.add_argument("--athena", action="store_true", help="run athena_sql/ on Trino over the emulated catalog")
    ap.add_argument("--keep", action="store_true", help="skip terraform destroy at the end")
    ap.add_argument(
        "--s3-faults",
        type=float,
        default=0.0,
        metavar="RATE",
        help="answer this share (0-1) of the jobs' S3 requests with an injected fault: 503 SlowDown, 500, an "
        "answer cut off, a slow answer (docs/emulator.md)",
    )
    args = ap.parse_args(argv)
    workdir = Path(args.workdir or tempfile.mkdtemp(prefix="lakehouse-emulator-")).resolve()
    workdir.mkdir(parents=True, exist_ok=True)
    t0 = time.monotonic()
    if not 0 <= args.s3_faults < 1:
        ap.error(f"--s3-faults must be a share from 0 to below 1, not {args.s3_faults}")
    proc, endpoint = server.start_moto(workdir / "moto.log", s3_fault_rate=args.s3_faults)
    print(f"emulator: moto on {endpoint} (log {workdir / 'moto.log'})", flush=True)
    ok = True
    try:
        tf = Terraform(endpoint, workdir / "terraform", workdir / "moto.log")
        print(f"emulator: terraform apply (envs/emulator.tfvars) ... {tf.apply():.0f}s", flush=True)
        out = tf.outputs()
        ledger = sample_data.generate(workdir / "sample", args.rows, args.batches, args.seed)
        s3, glue = server.client("s3", endpoint), server.client("glue", endpoint)
        runner = GlueRunner(endpoint, out["glue_workflow_name"], workdir)
        ok = empty_run(runner, workdir).succeeded()
        for batch in range(1, ledger["batches"] + 1 if ok else 1):
            n = upload_batch(s3, workdir / "sample", out["lake_root"], batch)
            print(f"\n=== batch {batch}/{ledger['batches']}: {n} files delivered to landing/ ===", flush=True)
            run = runner.run()
            log = workdir / f"run-{batch:03d}.json"
            run.write(log)
            print(run.timeline() + f"\nrun log: {log}", flush=True)
            if not run.succeeded():
                ok = False
                break
        print("\n" + format_catalog(catalog(glue, out["glue_database_names"].values())), flush=True)
        if args.athena and ok:
            from lakehouse_local.emulator.athena import run_named_queries

            print("\nAthena named queries (Trino over the emulated Glue catalog and S3):", flush=True)
            results = run_named_queries(endpoint, out["glue_database_names"], workdir)
            ok = all("rows" in r for r in results)
        if not args.keep:
            print(f"\nemulator: terraform destroy ... {tf.destroy():.0f}s", flush=True)
    finally:
        server.stop(proc)
    replayed = server.replayed_answers(workdir / "moto.log")
    if args.s3_faults:
        faults = server.injected_faults(workdir / "moto.log")
        print(f"emulator: {sum(faults.values())} S3 faults injected into the jobs' requests: {faults}")
    print(f"emulator: {len(replayed)} answers given again to an SDK retry of a call already done (moto.log)")
    print(f"emulator: done in {time.monotonic() - t0:.0f}s; work folder {workdir}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
