"""maintain_tables: compaction (OPTIMIZE, Z-order where it serves the reads) and VACUUM of every lake table.

Each daily batch appends small files to every table; this job, on its own schedule outside the daily
chain, rewrites them into few large ones and then deletes the files no version within the retention
still references. Tables come from the declarations (contracts, contracts/gold, ops.SCHEMAS), not from
a listing of the lake:
- bronze.<source>: compaction. Silver reads only the files bronze appended since its last run
  (silver.pending_bronze); a compaction of files silver has not read yet sends it once to its full read.
- silver.<entity>: Z-order by the business key, so a MERGE's key predicates skip files by their min/max
  (delta_io.merge_upsert), and only in the partitions holding more than one file: Delta's Z-order
  rewrites every file of the partitions it is given, so a partition already compacted is left alone.
- silver quarantine / versions log, gold, ops: compaction. Gold's symlink manifest (Redshift Spectrum)
  is regenerated after its files changed.

VACUUM keeps what a version within `retain_hours` (at least Delta's default 7 days, and Delta's own
retention check stays on) still references: time travel, a reader started before the compaction and
the change feed of those versions (gold reads silver's change feed from the last version it built and
rebuilds in full when that version is older than the retention). It runs in LITE mode (Delta 3.3:
the files to delete come from the transaction log, not from listing the table's folder), and in FULL
mode when the log no longer covers them (Delta refuses LITE then).

One ops.pipeline_runs row per table (job `maintain_tables`, dataset `<layer>.<table>`), where the
counts are files, not rows: rows_in = files compacted, rows_out = files written, duplicates_dropped =
files vacuumed.
"""

import time
from dataclasses import dataclass
from urllib.parse import unquote

from delta.tables import DeltaTable

from lakehouse import contracts as contracts_mod
from lakehouse import delta_io, lease, lineage, ops, tables
from lakehouse.gold.job import CUSTOMER_ORDERS
from lakehouse.progress import stage

JOB = "maintain_tables"
# Delta's default delta.deletedFileRetentionDuration: fewer hours would delete files that time travel,
# a running reader or the change feed of the last week may still read.
MIN_RETAIN_HOURS = 168


@dataclass(frozen=True)
class Target:
    name: str  # <layer>.<table>
    path: str
    zorder: tuple[str, ...] = ()  # columns to Z-order by; () = compaction only
    manifest: bool = False  # regenerate the symlink manifest after the files changed


def targets(config) -> list[Target]:
    """Every table the pipeline writes, from the declarations."""
    paths = config.paths
    found = []
    for c in contracts_mod.load_contracts(config.contracts_dir).values():
        found.append(Target(f"bronze.{c.source}", paths.bronze(c.source)))
        found.append(Target(f"silver.{c.entity}", paths.silver(c.entity), tuple(c.business_key)))
        found.append(Target(f"silver.quarantine_{c.entity}", paths.quarantine(c.entity)))
        if c.scd2:
            found.append(Target(f"silver.{c.entity}_versions", paths.silver(f"{c.entity}_versions")))
    for name in tables.load_gold_tables(config.contracts_dir):
        found.append(Target(f"gold.{name}", paths.gold(name), manifest=True))
    found.append(Target(f"gold.{CUSTOMER_ORDERS}", paths.gold(CUSTOMER_ORDERS)))  # the gold job's own figures
    found += [Target(f"ops.{name}", paths.ops(name)) for name in ops.SCHEMAS]
    return found


def _partition_values(file: str, columns: list[str]) -> tuple:
    """The partition values a data file's path spells (col=value folders, URL-encoded; Hive's NULL marker)."""
    parts = dict(p.split("=", 1) for p in file.split("/") if "=" in p)
    values = [unquote(parts[c]) for c in columns]
    return tuple(None if v == "__HIVE_DEFAULT_PARTITION__" else v for v in values)


def _literal(value) -> str:
    return "'" + value.replace("'", "''") + "'"


def crowded_partitions(spark, path: str, columns: list[str]) -> str | None:
    """SQL predicate on the partitions holding more than one file ('' = the whole table has more than one;
    None = no partition, or the table, needs it). Reads the snapshot's file list, no data."""
    files = delta_io.read(spark, path).inputFiles()
    if not columns:
        return "" if len(files) > 1 else None
    counts: dict[tuple, int] = {}
    for f in files:
        key = _partition_values(f, columns)
        counts[key] = counts.get(key, 0) + 1
    crowded = [k for k, n in counts.items() if n > 1]
    if not crowded:
        return None
    terms = [
        "("
        + " AND ".join(
            f"`{c}` IS NULL" if v is None else f"`{c}` = {_literal(v)}" for c, v in zip(columns, k, strict=True)
        )
        + ")"
        for k in crowded
    ]
    return " OR ".join(terms)


def optimize(spark, target: Target) -> dict:
    """Compact (Z-order when the target says so); Delta's metrics: files removed / added."""
    table = DeltaTable.forPath(spark, target.path)
    builder = table.optimize()
    if target.zorder:
        partitions = table.detail().first()["partitionColumns"]
        where = crowded_partitions(spark, target.path, partitions)
        if where is None:
            return {"numFilesRemoved": 0, "numFilesAdded": 0}
        if where:
            builder = builder.where(where)
        result = builder.executeZOrderBy(*target.zorder)
    else:
        result = builder.executeCompaction()
    metrics = result.first()["metrics"]
    return {"numFilesRemoved": int(metrics["numFilesRemoved"]), "numFilesAdded": int(metrics["numFilesAdded"])}


def vacuum(spark, path: str, retain_hours: int) -> int:
    """Delete the files no version of the last `retain_hours` references; returns how many (Delta's metrics)."""
    spark.conf.set("spark.databricks.delta.vacuum.logging.enabled", "true")  # VACUUM END carries the counts
    table = f"delta.`{path}`"
    try:
        spark.sql(f"VACUUM {table} LITE RETAIN {retain_hours} HOURS")
    except Exception as exc:  # DELTA_CANNOT_VACUUM_LITE: some files are older than the log
        if "DELTA_CANNOT_VACUUM_LITE" not in str(exc):
            raise
        spark.sql(f"VACUUM {table} RETAIN {retain_hours} HOURS")
    operation, metrics = delta_io.last_operation(spark, path)
    return int(metrics.get("numDeletedFiles", 0)) if operation == "VACUUM END" else 0


def maintain(spark, config, target: Target, retain_hours: int) -> dict:
    started = ops.now()
    lineage.wrote(target.path)  # OPTIMIZE and VACUUM rewrite and delete its files (through Delta, not delta_io)
    optimized = optimize(spark, target)
    if target.manifest and optimized["numFilesRemoved"] and delta_io.exists(spark, target.path):
        DeltaTable.forPath(spark, target.path).generate("symlink_format_manifest")
    vacuumed = vacuum(spark, target.path, retain_hours)
    result = {
        "table": target.name,
        "files_compacted": optimized["numFilesRemoved"],
        "files_written": optimized["numFilesAdded"],
        "files_vacuumed": vacuumed,
    }
    ops.record_run(
        spark, config, JOB, target.name, result["files_compacted"], result["files_written"], 0, vacuumed, started
    )
    return result


def run(spark, config, retain_hours: int = MIN_RETAIN_HOURS) -> list[dict]:
    """Maintain every existing table; one summary per table."""
    if retain_hours < MIN_RETAIN_HOURS:
        raise ValueError(
            f"retain_hours {retain_hours} < {MIN_RETAIN_HOURS}: VACUUM would delete files that time travel, "
            "running readers and the change feed of the last 7 days still need"
        )
    results = []
    with ops.deferred(spark):
        for target in targets(config):
            if not delta_io.exists(spark, target.path):
                continue
            # Each table's lease only while it is rewritten: OPTIMIZE/VACUUM never commit beside its writer.
            with lease.hold([target.path]), stage(f"{JOB} {target.name}"):
                t0 = time.monotonic()
                results.append({**maintain(spark, config, target, retain_hours), "seconds": time.monotonic() - t0})
    return results
