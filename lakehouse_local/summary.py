"""The run summary a person reads at a glance, computed from the lake's own tables."""

from lakehouse import delta_io, ops
from lakehouse.config import JobConfig
from lakehouse.contracts import load_contracts
from lakehouse.runtime import get_spark
from pyspark.sql import functions as F


def _count(spark, path: str) -> int | None:
    return delta_io.read(spark, path).count() if delta_io.exists(spark, path) else None


def _held(quarantine):
    """Rows still quarantined: a replay marks the rows it released (`_released_at`) and keeps them."""
    return quarantine.where(F.col("_released_at").isNull()) if "_released_at" in quarantine.columns else quarantine


def _per_key(df, key: str, value=None) -> dict:
    """{key: row count} (or {key: sum(value)}) in one pass over an ops table."""
    agg = F.sum(value) if value else F.count("*")
    return {r[0]: int(r[1] or 0) for r in df.groupBy(key).agg(agg).collect()}


def lake_counts(spark, lake_root: str) -> dict:
    """Rows per layer and source, quarantine reasons, drift and DQ outcomes, read back from Delta."""
    config = JobConfig(lake_root)
    paths = config.paths
    ledger = ops.read(spark, config, "ingest_ledger")
    files = _per_key(ledger, "source")
    redeliveries = _per_key(ledger.where(F.col("redelivery_of").isNotNull()), "source")
    duplicate_deliveries = _per_key(ledger.where(F.col("duplicate_of").isNotNull()), "source")
    drift = _per_key(ops.read(spark, config, "schema_drift"), "source")
    # runs that published their batches: a run killed before its batches were marked done left a report
    # row that its re-run repeats (lakehouse.ops.WRITTEN_LAST), so it is not counted twice
    published = ops.read(spark, config, "batches_processed").select("run_id").distinct()
    silver_runs = ops.read(spark, config, "pipeline_runs").where(F.col("job") == "silver_clean")
    dups = _per_key(silver_runs.join(published, "run_id", "left_semi"), "dataset", "duplicates_dropped")
    counts = {}
    for source, c in load_contracts().items():
        quarantine = delta_io.read_if_exists(spark, paths.quarantine(c.entity))
        held = _held(quarantine) if quarantine is not None else None
        reasons = _per_key(held.select(F.explode("_dq_failed_rules").alias("rule")), "rule") if held is not None else {}
        n_held = held.count() if held is not None else 0
        counts[source] = {
            "entity": c.entity,
            "landing_files": files.get(source, 0),
            "redeliveries": redeliveries.get(source, 0),
            "duplicate_deliveries": duplicate_deliveries.get(source, 0),
            "bronze": _count(spark, paths.bronze(source)) or 0,
            "silver": _count(spark, paths.silver(c.entity)) or 0,
            "quarantined": n_held,
            "released": quarantine.count() - n_held if quarantine is not None else 0,  # by a replay, into silver
            "duplicates": dups.get(c.entity, 0),
            "drift_files": drift.get(source, 0),
            "reasons": dict(sorted(reasons.items())),
        }
    dq = ops.read(spark, config, "dq_results")
    outcomes = _per_key(dq, "outcome")
    gold = {}
    for table in delta_io.tables_under(spark, paths.gold("")):
        gold[table] = _count(spark, paths.gold(table))
    return {"sources": counts, "dq_outcomes": outcomes, "gold": gold}


def delivery_lines(spark, lake_root: str) -> list[str]:
    """One line per landing file delivered again with new content, or under another name with known content."""
    ledger = ops.read(spark, JobConfig(lake_root), "ingest_ledger")
    rows = ledger.where(F.col("redelivery_of").isNotNull() | F.col("duplicate_of").isNotNull()).collect()
    lines = []
    for r in sorted(rows, key=lambda r: (r["source"], r["ingested_at"], r["file"])):
        if r["duplicate_of"]:
            what = f"not ingested in {r['batch_id']}: same content as {r['duplicate_of']}"
        else:
            what = f"re-delivered with new content in {r['batch_id']} (replaces {r['redelivery_of'][:19]}…)"
        lines.append(f"  {r['source']:<11} {r['file']} {what}")
    return lines


# AWS Glue pricing (us-east-1): Spark jobs $0.44 per DPU-hour; Flex $0.29 = the "up to 34 %" saving AWS
# announces for Flex (not read off the pricing page here: check your region). Glue 2.0+ bills per second
# with a 1-minute minimum per job run. Worker types page:
# G.1X = 1 DPU (4 vCPU, 16 GB). JobRun API: a Spark job is allocated 2 to 100 DPUs (2 G.1X workers minimum).
PRICE_PER_DPU_HOUR = {"G.1X standard": 0.44, "G.1X Flex": 0.29}
MIN_BILLED_SECONDS = 60


def glue_cost(job_seconds: dict[str, float], workers: int = 2) -> dict:
    """DPU-seconds and USD for one run of each job: max(60 s, runtime) × workers × 1 DPU each."""
    dpu_seconds = sum(max(MIN_BILLED_SECONDS, s) for s in job_seconds.values()) * workers
    return {
        "assumptions": (
            f"{workers} G.1X workers (1 DPU each; 2 DPUs is the minimum); each job's Glue run time = its measured "
            "local wall time (2 local cores ~ 2 workers; Glue start-up not counted); per-second billing with a "
            f"{MIN_BILLED_SECONDS} s minimum per job run; one run of each job per day; us-east-1 list prices"
        ),
        "jobs": len(job_seconds),
        "dpu_seconds": round(dpu_seconds, 1),
        "usd_per_run": {k: round(dpu_seconds / 3600 * p, 4) for k, p in PRICE_PER_DPU_HOUR.items()},
        "usd_per_30_days": {k: round(dpu_seconds / 3600 * p * 30, 2) for k, p in PRICE_PER_DPU_HOUR.items()},
    }


def cost_lines(cost: dict) -> list[str]:
    lines = [f"Glue cost estimate per daily run ({cost['jobs']} job runs): {cost['dpu_seconds']:.0f} DPU-seconds"]
    for k in PRICE_PER_DPU_HOUR:
        lines.append(f"  {k:<14} ${cost['usd_per_run'][k]:.4f} per run, ${cost['usd_per_30_days'][k]:.2f} per 30 days")
    lines.append(f"  assumptions: {cost['assumptions']}")
    return lines


def print_summary(lake_root: str, ledger: dict | None, timings: list[tuple[str, float]], total: float) -> dict:
    spark = get_spark("summary")
    counts = lake_counts(spark, lake_root)
    line = "-" * 96
    print(f"\n{line}\nLAKE SUMMARY  {lake_root}   total {total:.1f} s\n{line}")
    print(
        f"{'source':<11} {'files':>5} {'landing':>8} {'bronze':>8} {'silver':>8} {'quarant.':>8} "
        f"{'dups':>6} {'drift':>5}  conservation"
    )
    for source, c in counts["sources"].items():
        landing = ledger["sources"][source]["landing_records"] if ledger and source in ledger["sources"] else None
        ok = "ok" if landing in (None, c["bronze"]) else f"MISMATCH: landing {landing} != bronze {c['bronze']}"
        print(
            f"{source:<11} {c['landing_files']:>5} {landing if landing is not None else '-':>8} {c['bronze']:>8} "
            f"{c['silver']:>8} {c['quarantined']:>8} {c['duplicates']:>6} {c['drift_files']:>5}  {ok}"
        )
    deliveries = delivery_lines(spark, lake_root)
    if deliveries:
        print("\nLanding files delivered again (ops.ingest_ledger: redelivery_of, duplicate_of):")
        print("\n".join(deliveries))
    print("\nQuarantined rows by reason:")
    for source, c in counts["sources"].items():
        if c["reasons"]:
            print(f"  {source:<11} " + ", ".join(f"{k} {v}" for k, v in c["reasons"].items()))
    released = {s: c["released"] for s, c in counts["sources"].items() if c["released"]}
    if released:
        print("Released from quarantine by replay (kept in quarantine_<entity>, not counted above):")
        print("  " + ", ".join(f"{s} {n}" for s, n in released.items()))
    o = counts["dq_outcomes"]
    print(
        f"\nDQ rule outcomes recorded in ops.dq_results: {o.get('Passed', 0)} passed, {o.get('Failed', 0)} failed "
        "(row-level failures are quarantined; see athena_sql/ for the trend)"
    )
    if counts["gold"]:
        print("\nGold marts: " + ", ".join(f"{t} {n}" for t, n in counts["gold"].items()))
    print("\nTimings:")
    for name, secs in timings:
        print(f"  {name:<32} {secs:8.1f} s")
    last_batch = [(n, s) for n, s in timings if n.startswith("batch ")]
    if last_batch:  # a daily run = one batch through the chain; the last batch stands for it
        prefix = last_batch[-1][0].rsplit(" ", 1)[0]
        print("\n" + "\n".join(cost_lines(glue_cost({n: s for n, s in last_batch if n.startswith(prefix + " ")}))))
    print(
        f"\nTables (Delta) under {lake_root}: bronze/<source>  silver/<entity>  silver/quarantine_<entity>  "
        "gold/<table>  ops/<table>  exports/<table> (Parquet)\n" + line
    )
    return counts
