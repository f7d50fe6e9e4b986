"""The run summary a person reads at a glance, computed from the lake's own tables."""

from lakehouse import delta_io, ops
from lakehouse.config import JobConfig
from lakehouse.contracts import load_contracts
from lakehouse.runtime import get_spark
from pyspark.sql import functions as F


def _count(spark, path: str) -> int | None:
    return delta_io.read(spark, path).count() if delta_io.exists(spark, path) else None


def _per_key(df, key: str, value=None) -> dict:
    """{key: row count} (or {key: sum(value)}) in one pass over an ops table."""
    agg = F.sum(value) if value else F.count("*")
    return {r[0]: int(r[1] or 0) for r in df.groupBy(key).agg(agg).collect()}


def lake_counts(spark, lake_root: str) -> dict:
    """Rows per layer and source, quarantine reasons, drift and DQ outcomes, read back from Delta."""
    config = JobConfig(lake_root)
    paths = config.paths
    files = _per_key(ops.read(spark, config, "ingest_ledger"), "source")
    drift = _per_key(ops.read(spark, config, "schema_drift"), "source")
    dups = _per_key(
        ops.read(spark, config, "pipeline_runs").where(F.col("job") == "silver_clean"), "dataset", "duplicates_dropped"
    )
    counts = {}
    for source, c in load_contracts().items():
        q_path = paths.quarantine(c.entity)
        reasons = {}
        if delta_io.exists(spark, q_path):
            reasons = _per_key(delta_io.read(spark, q_path).select(F.explode("_dq_failed_rules").alias("rule")), "rule")
        counts[source] = {
            "entity": c.entity,
            "landing_files": files.get(source, 0),
            "bronze": _count(spark, paths.bronze(source)) or 0,
            "silver": _count(spark, paths.silver(c.entity)) or 0,
            "quarantined": _count(spark, q_path) or 0,
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
    print("\nQuarantined rows by reason:")
    for source, c in counts["sources"].items():
        if c["reasons"]:
            print(f"  {source:<11} " + ", ".join(f"{k} {v}" for k, v in c["reasons"].items()))
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
    print(
        f"\nTables (Delta) under {lake_root}: bronze/<source>  silver/<entity>  silver/quarantine_<entity>  "
        "gold/<table>  ops/<table>  exports/<table> (Parquet)\n" + line
    )
    return counts
