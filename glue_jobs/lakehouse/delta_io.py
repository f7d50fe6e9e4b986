"""Delta Lake reads and writes: the only module that knows table mechanics."""

import json

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


def _hadoop(spark, path: str):
    """(jvm, Hadoop Path, its FileSystem) for a local, s3a or s3 path."""
    jvm = spark.sparkContext._jvm
    hpath = jvm.org.apache.hadoop.fs.Path(path)
    return jvm, hpath, hpath.getFileSystem(spark.sparkContext._jsc.hadoopConfiguration())


def _read_lines(spark, path: str) -> list[str]:
    jvm, hpath, fs = _hadoop(spark, path)
    reader = jvm.java.io.BufferedReader(jvm.java.io.InputStreamReader(fs.open(hpath), "UTF-8"))
    lines = []
    try:
        line = reader.readLine()
        while line is not None:
            lines.append(line)
            line = reader.readLine()
    finally:
        reader.close()
    return lines


def overwrite_files(spark, path: str) -> tuple[list[str], int] | None:
    """(absolute data files, rows) when the table's latest commit replaced the whole table, else None.

    After a full overwrite the snapshot's live files are exactly the files that commit added, and its
    numOutputRows is the row count: read from the commit's JSON through Hadoop's FileSystem, no
    Spark job. None for any other commit (MERGE, append, replaceWhere) or one that added no file.
    """
    log = list_files(spark, f"{path.rstrip('/')}/_delta_log")
    commits = [f for f in log if f.endswith(".json") and f.rsplit("/", 1)[-1].removesuffix(".json").isdigit()]
    if not commits:
        return None
    latest = max(commits, key=lambda f: int(f.rsplit("/", 1)[-1].removesuffix(".json")))
    actions = [json.loads(line) for line in _read_lines(spark, latest) if line.strip()]
    info = next((a["commitInfo"] for a in actions if "commitInfo" in a), {})
    params, metrics = info.get("operationParameters") or {}, info.get("operationMetrics") or {}
    adds = [a["add"]["path"] for a in actions if "add" in a]
    full = info.get("operation") in ("WRITE", "CREATE TABLE AS SELECT") and params.get("mode") == "Overwrite"
    if not full or "predicate" in params or not adds or "numOutputRows" not in metrics:
        return None
    jvm, root, fs = _hadoop(spark, path)
    root = fs.makeQualified(root)
    # as Delta resolves an add's path: a URI relative to the table root (GenerateSymlinkManifest does the same)
    files = [
        jvm.org.apache.hadoop.fs.Path(root, jvm.org.apache.hadoop.fs.Path(jvm.java.net.URI(p))).toString() for p in adds
    ]
    return files, int(metrics["numOutputRows"])


def write_lines(spark, path: str, lines: list[str]) -> None:
    """Replace the file at `path` with these lines (Hadoop FileSystem: local, s3a, s3)."""
    jvm, hpath, fs = _hadoop(spark, path)
    out = fs.create(hpath, True)
    try:
        out.write(bytearray("".join(f"{line}\n" for line in lines).encode()))
    finally:
        out.close()


def replace_folder_with_copies(spark, files: list[str], folder: str) -> None:
    """Delete `folder`, then copy each file into it under its own name (no Spark job)."""
    jvm, dest, fs = _hadoop(spark, folder)
    fs.delete(dest, True)
    fs.mkdirs(dest)
    conf = spark.sparkContext._jsc.hadoopConfiguration()
    for f in files:
        _, src, src_fs = _hadoop(spark, f)
        jvm.org.apache.hadoop.fs.FileUtil.copy(
            src_fs, src, fs, jvm.org.apache.hadoop.fs.Path(dest, src.getName()), False, conf
        )
