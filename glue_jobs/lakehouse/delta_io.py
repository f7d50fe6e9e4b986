"""Delta Lake reads and writes: the only module that knows table mechanics."""

from delta.tables import DeltaTable


def list_files(spark, root: str) -> list[str]:
    """Every file under `root`, recursively, through Hadoop's FileSystem (local, s3a, s3)."""
    jvm = spark.sparkContext._jvm
    path = jvm.org.apache.hadoop.fs.Path(root)
    fs = path.getFileSystem(spark.sparkContext._jsc.hadoopConfiguration())
    if not fs.exists(path):
        return []
    found, it = [], fs.listFiles(path, True)
    while it.hasNext():
        found.append(it.next().getPath().toString())
    return sorted(found)


def first_line(spark, path: str) -> str:
    """The file's first line ("" when empty), read through Hadoop's FileSystem: no Spark job."""
    jvm = spark.sparkContext._jvm
    hpath = jvm.org.apache.hadoop.fs.Path(path)
    stream = hpath.getFileSystem(spark.sparkContext._jsc.hadoopConfiguration()).open(hpath)
    reader = jvm.java.io.BufferedReader(jvm.java.io.InputStreamReader(stream, "UTF-8"))
    try:
        return reader.readLine() or ""
    finally:
        reader.close()


def tables_under(spark, root: str) -> list[str]:
    """Names of the Delta tables directly under `root` (e.g. every gold table)."""
    name = root.rstrip("/").rsplit("/", 1)[-1]
    return sorted({f.split(f"/{name}/", 1)[1].split("/")[0] for f in list_files(spark, root) if "/_delta_log/" in f})


def exists(spark, path: str) -> bool:
    return DeltaTable.isDeltaTable(spark, path)


def read(spark, path: str):
    return spark.read.format("delta").load(path)


def read_if_exists(spark, path: str):
    """The table, or None when there is no Delta table at `path`."""
    return read(spark, path) if exists(spark, path) else None


def last_operation(spark, path: str) -> tuple[str | None, dict]:
    """(operation, operation metrics) of the table's latest commit, from its Delta history."""
    row = DeltaTable.forPath(spark, path).history(1).select("operation", "operationMetrics").first()
    return (row["operation"], dict(row["operationMetrics"] or {})) if row else (None, {})


def overwrite(df, path: str, partition_by=()) -> None:
    writer = df.write.format("delta").mode("overwrite").option("overwriteSchema", "true")
    if partition_by:
        writer = writer.partitionBy(*partition_by)
    writer.save(path)


def append(df, path: str, partition_by=()) -> None:
    writer = df.write.format("delta").mode("append").option("mergeSchema", "true")
    if partition_by:
        writer = writer.partitionBy(*partition_by)
    writer.save(path)


def merge_upsert(spark, df, path: str, keys, newer_than: str | None = None, partition_by=()) -> dict:
    """Insert new keys, update matched ones; with `newer_than`, only when the incoming value is newer.

    Returns Delta's operation metrics (rows inserted / updated) for the run summary.
    """
    if not exists(spark, path):
        overwrite(df, path, partition_by)  # rows written from the commit's metrics: no second pass over df
        return {"inserted": int(last_operation(spark, path)[1].get("numOutputRows", 0)), "updated": 0}
    on = " AND ".join(f"t.`{k}` <=> s.`{k}`" for k in keys)
    update_when = f"s.`{newer_than}` > t.`{newer_than}`" if newer_than else None
    spark.conf.set("spark.databricks.delta.schema.autoMerge.enabled", "true")
    table = DeltaTable.forPath(spark, path)
    (
        table.alias("t")
        .merge(df.alias("s"), on)
        .whenMatchedUpdateAll(condition=update_when)
        .whenNotMatchedInsertAll()
        .execute()
    )
    _, metrics = last_operation(spark, path)
    return {
        "inserted": int(metrics.get("numTargetRowsInserted", 0)),
        "updated": int(metrics.get("numTargetRowsUpdated", 0)),
    }


def versions_under(spark, root: str) -> dict[str, int]:
    """{table: latest committed version} of every Delta table directly under `root`, from one listing.

    A commit N always leaves _delta_log/<N, 20 digits>.json (log cleanup only removes older ones),
    so the highest such name is the table's version: no Spark job, no log replay.
    """
    versions: dict[str, int] = {}
    for f in list_files(spark, root):
        table_path, marker, entry = f.rpartition("/_delta_log/")
        if marker and entry.endswith(".json") and entry.removesuffix(".json").isdigit():
            table = table_path.rsplit("/", 1)[-1]
            versions[table] = max(versions.get(table, -1), int(entry.removesuffix(".json")))
    return versions
