"""The run summary a person reads at a glance, computed from the lake's own tables (lakehouse.report.lake_counts)."""

from lakehouse import ops
from lakehouse.config import JobConfig
from lakehouse.glue_cost import cost_lines, glue_cost
from lakehouse.report import lake_counts
from lakehouse.runtime import get_spark
from pyspark.sql import functions as F


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
