"""Delta Lake reads and writes: the only module that knows table mechanics."""

import json
import re
import time
from dataclasses import dataclass

from delta.exceptions import (
    ConcurrentAppendException,
    ConcurrentDeleteDeleteException,
    ConcurrentDeleteReadException,
    ConcurrentTransactionException,
    ConcurrentWriteException,
    DeltaConcurrentModificationException,
    MetadataChangedException,
)
from delta.tables import DeltaTable

from lakehouse import lineage
from lakehouse.errors import LakehouseError


def _hadoop(spark, path: str):
    """(jvm, Hadoop Path, its FileSystem) for a local, s3a or s3 path."""
    jvm = spark.sparkContext._jvm
    hpath = jvm.org.apache.hadoop.fs.Path(path)
    return jvm, hpath, hpath.getFileSystem(spark.sparkContext._jsc.hadoopConfiguration())


def list_files(spark, root: str) -> list[str]:
    """Every file under `root`, recursively, through Hadoop's FileSystem (local, s3a, s3)."""
    _, path, fs = _hadoop(spark, root)
    if not fs.exists(path):
        return []
    found, it = [], fs.listFiles(path, True)
    while it.hasNext():
        found.append(it.next().getPath().toString())
    return sorted(found)


@dataclass(frozen=True)
class LandingFile:
    """A file under a root, identified by content: its path relative to the root, size and checksum."""

    path: str  # as Hadoop lists it: what Spark reads
    relative: str  # under the root, e.g. "pos_sales/001/sales.csv": the same wherever the lake lives
    size: int
    checksum: str  # "sha256:<hex>" of the content ("etag:<hex>" in ledgers written before listing tags)
    spellings: tuple[str, ...]  # how Spark may spell the path in input_file_name() (see file_key)
    tag: str = ""  # what the listing says of this version of the file (listing_tag), no extra request
    hashed: bool = False  # its content was read for the checksum in this listing (not known by its tag)


def file_key(path: str) -> str:
    """file:/x and file:///x are the same file (the listing and input_file_name() spell it differently)."""
    return re.sub(r"^file:/+", "file:/", path)


def listing_tag(status, etag_source) -> str:
    """What the listing itself says of this version of a file: S3A's ETag, else its modification time.

    S3 (API reference, Object.ETag): "The ETag reflects changes only to the contents of an object, not its
    metadata": the same key with the same ETag holds the same bytes, so a known (key, size, tag) needs no
    read. The ETag comes with ListObjectsV2 (S3A's listing status implements Hadoop's EtagSource), so this
    costs no request. It is not a content identity: an SSE-KMS, SSE-C or multipart object's ETag is not an
    MD5 of its data (same page), so the same bytes uploaded again can carry another ETag; file_checksum
    then reads them and finds the content known. "etag:<hex of the ETag>" is what S3A's getFileChecksum
    returned with fs.s3a.etag.checksum.enabled, the checksum of ledgers written before listing tags: those
    rows still match. Elsewhere (the local file system, a store without ETags) the modification time.
    `etag_source`: the JVM class org.apache.hadoop.fs.EtagSource.
    """
    etag = status.getEtag() if etag_source.isInstance(status) else None
    if etag:
        return "etag:" + etag.encode().hex()
    return f"mtime:{int(status.getModificationTime())}"


def file_checksum(spark, fs, hpath) -> str:
    """SHA-256 of the file's bytes, streamed inside the JVM (never the whole file in driver memory).

    The one content identity on every store: S3's own checksums are no substitute. S3A (hadoop-aws 3.3.4)
    offers only the ETag (not an MD5 of the content for SSE-KMS or multipart objects, see listing_tag), and
    the CRC64NVME S3 adds to uploads without a checksum ("Checking object integrity") is missing on objects
    uploaded before it was introduced and, as a 64-bit CRC, is no identity to drop a "duplicate" delivery
    on. Called only for files the ledger does not know by (path, size, listing tag): new or changed ones,
    whose bytes bronze reads anyway, so its cost follows the day's data, not the landing history.
    """
    jvm = spark.sparkContext._jvm
    stream = fs.open(hpath)
    try:
        return "sha256:" + jvm.org.apache.commons.codec.digest.DigestUtils.sha256Hex(stream)
    finally:
        stream.close()


def list_landing(spark, root: str, known: dict | None = None, under: str = "", identify=None) -> list[LandingFile]:
    """Every file under `root` with its path relative to it (prefixed with `under`), size and checksum.

    One listing, sorted. `known`: {(relative, size, listing tag): checksum} of files already delivered;
    a listed file found there takes that checksum unread, any other is read once (file_checksum).
    `identify(relative)`: false for files that will not be ingested (their checksum stays "", unread).
    """
    known, identify = known or {}, identify or (lambda _: True)
    _, path, fs = _hadoop(spark, root)
    if not fs.exists(path):
        return []
    prefix = fs.makeQualified(path).toString().rstrip("/") + "/"
    etag_source = spark.sparkContext._jvm.java.lang.Class.forName("org.apache.hadoop.fs.EtagSource")
    found, it = [], fs.listFiles(path, True)
    while it.hasNext():
        status = it.next()
        hpath = status.getPath()
        listed = hpath.toString()
        if not listed.startswith(prefix):
            raise ValueError(f"{listed} is not under {prefix}")
        relative, size, tag = under + listed[len(prefix) :], int(status.getLen()), listing_tag(status, etag_source)
        checksum = known.get((relative, size, tag), "" if not identify(relative) else None)
        hashed = checksum is None
        if hashed:
            checksum = file_checksum(spark, fs, hpath)
        spellings = tuple(dict.fromkeys(file_key(p) for p in (listed, hpath.toUri().toString())))
        found.append(LandingFile(listed, relative, size, checksum, spellings, tag, hashed))
    return sorted(found, key=lambda f: f.relative)


def first_line(spark, path: str, encoding: str = "utf-8") -> str:
    """The file's first line ("" when empty), read through Hadoop's FileSystem: no Spark job.

    Java reads it as ISO-8859-1 (one char per byte, so the bytes survive) and Python decodes them
    with the file's encoding; bytes that do not decode show as \\xNN, as bronze shows them in `_raw`
    (a header names columns: a replaced byte would name a column nobody can tell from the file).
    """
    jvm, hpath, fs = _hadoop(spark, path)
    reader = jvm.java.io.BufferedReader(jvm.java.io.InputStreamReader(fs.open(hpath), "ISO-8859-1"))
    try:
        return (reader.readLine() or "").encode("latin-1").decode(encoding, "backslashreplace")
    finally:
        reader.close()


def tables_under(spark, root: str) -> list[str]:
    """Names of the Delta tables directly under `root` (e.g. every gold table)."""
    name = root.rstrip("/").rsplit("/", 1)[-1]
    return sorted({f.split(f"/{name}/", 1)[1].split("/")[0] for f in list_files(spark, root) if "/_delta_log/" in f})


def exists(spark, path: str) -> bool:
    return DeltaTable.isDeltaTable(spark, path)


def read(spark, path: str):
    df = spark.read.format("delta").load(path)
    lineage.read(path, df)
    return df


def read_if_exists(spark, path: str):
    """The table, or None when there is no Delta table at `path`."""
    return read(spark, path) if exists(spark, path) else None


def last_operation(spark, path: str) -> tuple[str | None, dict]:
    """(operation, operation metrics) of the table's latest commit: what DeltaTable.history(1) shows,
    read from that commit's JSON (no Spark job)."""
    info = _commit_info(_latest_commit(spark, path))
    return info.get("operation"), dict(info.get("operationMetrics") or {})


def overwrite(df, path: str, partition_by=()) -> None:
    lineage.wrote(path, df)
    writer = df.write.format("delta").mode("overwrite").option("overwriteSchema", "true")
    if partition_by:
        writer = writer.partitionBy(*partition_by)
    writer.save(path)


def append(df, path: str, partition_by=()) -> None:
    lineage.wrote(path, df)
    writer = df.write.format("delta").mode("append").option("mergeSchema", "true")
    if partition_by:
        writer = writer.partitionBy(*partition_by)
    writer.save(path)


def replace_batches(spark, df, path: str, batch_ids, partition_by=()) -> None:
    """Write the rows of these batches in one atomic commit that first removes what the table holds of them.

    A re-run of the same batches (after a job was killed between two commits) leaves the table as one
    run would: Delta's replaceWhere on a data column deletes the matching rows and adds `df` together.
    """
    if not exists(spark, path):
        append(df, path, partition_by)
        return
    lineage.wrote(path, df)
    ids = ", ".join("'" + b.replace("'", "''") + "'" for b in sorted(batch_ids))
    writer = df.write.format("delta").mode("overwrite").option("replaceWhere", f"_batch_id IN ({ids})")
    retry_conflicts("replaceWhere", path, lambda: writer.option("mergeSchema", "true").save(path))


def _same_keys(keys) -> str:
    """MERGE condition: target t and source s agree on every key (NULL-safe)."""
    return " AND ".join(f"t.`{k}` <=> s.`{k}`" for k in keys)


def _commit_version(path: str) -> int | None:
    """N for a Delta commit file .../_delta_log/<N>.json, else None (checkpoints, CRCs, other files)."""
    name = path.rsplit("/", 1)[-1]
    stem = name.removesuffix(".json")
    return int(stem) if name.endswith(".json") and stem.isdigit() else None


def _sorts_after(cols) -> str:
    """SQL condition: the source row sorts after the target row on `cols`, compared in order (ties fall through)."""
    first, *rest = cols
    newer = f"s.`{first}` > t.`{first}`"
    return f"({newer} OR (s.`{first}` <=> t.`{first}` AND {_sorts_after(rest)}))" if rest else newer


def _sql_literal(text: str, type_name: str) -> str:
    """A value Spark cast to string, back as a SQL literal of its type (both casts in the session's time zone)."""
    quoted = "'" + text.replace("\\", "\\\\").replace("'", "\\'") + "'"
    return quoted if type_name == "string" else f"CAST({quoted} AS {type_name})"


def key_ranges(df, keys) -> str | None:
    """SQL condition on the target t: every key column within the [min, max] the incoming rows span
    (NULL too where an incoming key is NULL, as <=> matches them). One aggregate over the incoming rows.

    A necessary condition of any match, so adding it to a MERGE's ON loses none, whichever partition
    the matching row sits in; Delta prunes the target's files with it by their min/max statistics
    (data skipping), so a MERGE reads the files whose key range meets the batch's, not the table.
    None when there are no incoming rows.
    """
    from pyspark.sql import functions as F

    aggs = []
    for k in keys:
        aggs += [
            F.min(k).cast("string").alias(f"lo_{k}"),
            F.max(k).cast("string").alias(f"hi_{k}"),
            F.count(F.when(F.col(k).isNull(), 1)).alias(f"n_{k}"),
        ]
    row = df.agg(*aggs).first()
    terms = []
    for k in keys:
        lo, hi, nulls, type_name = row[f"lo_{k}"], row[f"hi_{k}"], row[f"n_{k}"], df.schema[k].dataType.simpleString()
        within = (
            f"t.`{k}` BETWEEN {_sql_literal(lo, type_name)} AND {_sql_literal(hi, type_name)}"
            if lo is not None
            else None
        )
        null = f"t.`{k}` IS NULL" if nulls else None
        if within is None and null is None:
            return None
        terms.append(f"({within} OR {null})" if within and null else within or null)
    return " AND ".join(terms)


# Delta's optimistic concurrency: a commit that finds another commit in its way since its read raises one of
# these ("Concurrency control", Delta docs; delta-spark 3.3's delta.exceptions, which are not subclasses of
# each other). The losing transaction committed nothing: its data files are in no commit of the log.
WRITE_CONFLICTS = (
    ConcurrentAppendException,
    ConcurrentDeleteReadException,
    ConcurrentDeleteDeleteException,
    ConcurrentTransactionException,
    ConcurrentWriteException,
    MetadataChangedException,
    DeltaConcurrentModificationException,
)
WRITE_ATTEMPTS = 3  # a write that loses this many times in a row fails (WriteConflict)
RETRY_PAUSE_SECONDS = 1.0


class WriteConflict(LakehouseError):
    """A write kept losing to concurrent commits into its table; nothing of it was committed."""


def retry_conflicts(what: str, path: str, write):
    """Run `write` (one Delta transaction that reads the table first: a MERGE, a replaceWhere); if another
    commit conflicts with it, run it again against the new version, up to WRITE_ATTEMPTS times in all.

    Only for writes that are idempotent when repeated after the other commit: silver's and replay's
    MERGEs by key (a re-run upserts the same rows) and batch replacements (a re-run replaces the same
    batches). Blind appends (ops, bronze) read nothing and do not conflict in Delta. The lease
    (lakehouse.lease) keeps other jobs off the table, so a conflict comes from a writer the lease does
    not see: a second session in the same driver, a tool.
    """
    for attempt in range(1, WRITE_ATTEMPTS + 1):
        try:
            return write()
        except WRITE_CONFLICTS as e:
            name, first_line = type(e).__name__, str(e).splitlines()[0][:300]
            if attempt == WRITE_ATTEMPTS:
                raise WriteConflict(
                    f"{what} into {path} conflicted with a concurrent commit {attempt} times ({name}: {first_line}); "
                    "none of its attempts was committed, the table holds only the other writers' commits. "
                    "Re-run the job: the write is idempotent."
                ) from e
            print(f"{what} into {path}: {name} on attempt {attempt}; retrying against the new version", flush=True)
            time.sleep(RETRY_PAUSE_SECONDS * attempt)


def merge_upsert(spark, df, path: str, keys, newer_than: str | tuple[str, ...] | None = None, partition_by=()) -> dict:
    """Insert new keys, update matched ones; with `newer_than`, only when the incoming row is newer.

    `newer_than`: a column, or columns compared in order (the first that differs decides).
    The ON condition also bounds the target's keys by the incoming rows' key ranges (key_ranges), so
    Delta reads and rewrites only the files that can hold a match. Not the batch's partitions: a late
    version whose partition column changed (a corrected sale_date) must still find its key in the old
    partition and replace it there, not become a second row of the key.
    Returns Delta's operation metrics (rows inserted / updated) for the run summary.
    """
    if not exists(spark, path):
        overwrite(df, path, partition_by)  # rows written from the commit's metrics: no second pass over df
        return {"inserted": int(last_operation(spark, path)[1].get("numOutputRows", 0)), "updated": 0}
    lineage.wrote(path, df)
    bounds = key_ranges(df, keys)
    on = _same_keys(keys) + (f" AND {bounds}" if bounds else "")
    update_when = _sorts_after((newer_than,) if isinstance(newer_than, str) else newer_than) if newer_than else None
    spark.conf.set("spark.databricks.delta.schema.autoMerge.enabled", "true")

    def merge() -> None:
        target = DeltaTable.forPath(spark, path).alias("t")
        target.merge(df.alias("s"), on).whenMatchedUpdateAll(condition=update_when).whenNotMatchedInsertAll().execute()

    retry_conflicts("MERGE", path, merge)
    _, metrics = last_operation(spark, path)
    return {
        "inserted": int(metrics.get("numTargetRowsInserted", 0)),
        "updated": int(metrics.get("numTargetRowsUpdated", 0)),
    }


def insert_absent(spark, df, path: str, keys) -> None:
    """Append the rows of `df` whose `keys` the table does not hold yet: a re-run after a kill adds nothing twice."""
    if not exists(spark, path):
        append(df, path)
        return
    lineage.wrote(path, df)
    on = _same_keys(keys)

    def merge() -> None:
        DeltaTable.forPath(spark, path).alias("t").merge(df.alias("s"), on).whenNotMatchedInsertAll().execute()

    retry_conflicts("MERGE", path, merge)


def add_missing_columns(spark, path: str, columns: dict[str, str]) -> list[str]:
    """ALTER TABLE ADD COLUMNS for the declared `columns` ({name: type}) the table lacks; returns those added.

    Existing rows read NULL in the new columns (Delta schema evolution, one metadata-only commit).
    """
    present = set(read(spark, path).columns)
    missing = {n: t for n, t in columns.items() if n not in present}
    if missing:
        spec = ", ".join(f"`{n}` {t}" for n, t in missing.items())
        spark.sql(f"ALTER TABLE delta.`{path}` ADD COLUMNS ({spec})")
    return list(missing)


def update_matched(spark, updates, path: str, keys, clauses, target_where: str | None = None) -> int:
    """MERGE `updates` into the table by `keys`: matched rows get the first clause whose condition holds.

    `clauses`: [(condition on s./t. or None, {column: SQL expression})]; unmatched rows are left alone,
    nothing is inserted or deleted. Returns the rows updated.
    """
    lineage.wrote(path)  # no schema: `updates` holds only the keys and the changed columns
    on = _same_keys(keys) + (f" AND ({target_where})" if target_where else "")

    def merge() -> None:
        builder = DeltaTable.forPath(spark, path).alias("t").merge(updates.alias("s"), on)
        for condition, assignments in clauses:
            builder = builder.whenMatchedUpdate(condition=condition, set=assignments)
        builder.execute()

    retry_conflicts("MERGE", path, merge)
    return int(last_operation(spark, path)[1].get("numTargetRowsUpdated", 0))


def versions_under(spark, root: str) -> dict[str, int]:
    """{table: latest committed version} of every Delta table directly under `root`.

    One listing of `root`'s folders, then one of each table's _delta_log (see latest_version): never
    a listing of the tables' data files, which grow with every run for as long as they are kept.
    """
    _, path, fs = _hadoop(spark, root)
    if not fs.exists(path):
        return {}
    versions = {}
    for status in fs.listStatus(path):
        if status.isDirectory():
            version = latest_version(spark, status.getPath().toString())
            if version is not None:
                versions[status.getPath().getName()] = version
    return versions


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


def _commits(spark, path: str) -> dict[int, str]:
    """{version: commit file} of the table's log as it stands (log cleanup removes the oldest ones)."""
    _, log, fs = _hadoop(spark, f"{path.rstrip('/')}/_delta_log")
    if not fs.exists(log):
        return {}
    names = (s.getPath().toString() for s in fs.listStatus(log) if s.isFile())  # not _commits/, _staged_commits/
    return {v: f for f in names if (v := _commit_version(f)) is not None}


def _actions(spark, commit_file: str) -> list[dict]:
    return [json.loads(line) for line in _read_lines(spark, commit_file) if line.strip()]


def _latest_commit(spark, path: str) -> list[dict]:
    """The actions of the table's latest commit (_delta_log/<N>.json with the highest N), [] before the first."""
    commits = _commits(spark, path)
    return _actions(spark, commits[max(commits)]) if commits else []


def latest_version(spark, path: str) -> int | None:
    """The table's latest committed version, None before its first commit (one listing of its log)."""
    return max(_commits(spark, path), default=None)


def _data_file_paths(spark, path: str, adds: list[str]) -> list[str]:
    """Absolute paths of add actions' files: as Delta resolves them, URIs relative to the table root
    (GenerateSymlinkManifest does the same)."""
    jvm, root, fs = _hadoop(spark, path)
    root = fs.makeQualified(root)
    return [
        jvm.org.apache.hadoop.fs.Path(root, jvm.org.apache.hadoop.fs.Path(jvm.java.net.URI(p))).toString() for p in adds
    ]


def _commit_info(actions: list[dict]) -> dict:
    return next((a["commitInfo"] for a in actions if "commitInfo" in a), {})


def overwrite_files(spark, path: str) -> tuple[list[str], int] | None:
    """(absolute data files, rows) when the table's latest commit replaced the whole table, else None.

    After a full overwrite the snapshot's live files are exactly the files that commit added, and its
    numOutputRows is the row count: read from the commit's JSON through Hadoop's FileSystem, no
    Spark job. None for any other commit (MERGE, append, replaceWhere) or one that added no file.
    """
    actions = _latest_commit(spark, path)
    info = _commit_info(actions)
    params, metrics = info.get("operationParameters") or {}, info.get("operationMetrics") or {}
    adds = [a["add"]["path"] for a in actions if "add" in a]
    full = info.get("operation") in ("WRITE", "CREATE TABLE AS SELECT") and params.get("mode") == "Overwrite"
    if not full or "predicate" in params or not adds or "numOutputRows" not in metrics:
        return None
    return _data_file_paths(spark, path, adds), int(metrics["numOutputRows"])


def checksum_files(spark, path: str) -> tuple[list[str], int] | None:
    """(absolute data files, rows) of the table's latest version from its checksum file, no Spark job.

    The Delta protocol's version checksum (_delta_log/<N>.crc) may carry `allFiles`, the snapshot's add
    actions; Delta 3.3 writes them after each commit when the table has fewer than 50 files
    (spark.databricks.delta.allFilesInCrc.*), each with its stats (numRecords). None when the latest
    version has no checksum, or it has no allFiles, or a file lacks numRecords or has a deletion vector
    (its rows are not the file's records): the caller asks Delta instead (a state reconstruction)."""
    commits = _commits(spark, path)
    if not commits:
        return None
    checksum = re.sub(r"\.json$", ".crc", commits[max(commits)])
    _, hpath, fs = _hadoop(spark, checksum)
    if not fs.exists(hpath):
        return None
    files = json.loads("".join(_read_lines(spark, checksum))).get("allFiles")
    if files is None:
        return None
    records = [json.loads(f.get("stats") or "{}").get("numRecords") for f in files]
    if any(n is None for n in records) or any(f.get("deletionVector") for f in files):
        return None
    return _data_file_paths(spark, path, [f["path"] for f in files]), sum(records)


@dataclass(frozen=True)
class TableState:
    """What a reader pins before it reads: the table's identity (a recreated table gets a new id) and version."""

    table_id: str
    version: int
    plain: bool  # no partitions, column mapping or deletion vectors: its data files read as plain Parquet
    schema: object  # pyspark StructType of the table at `version`


def snapshot(spark, path: str):
    """The table's latest snapshot (JVM Snapshot): the one every read of the table in this session uses.

    DeltaLog.update (Delta 3.3, the version Glue 5.1 ships) loads the log once and caches it; its metadata and
    version come from the latest checksum file when Delta wrote one, so asking costs no Spark job where
    DeltaTable.detail() and history(1) ran one each (silver asked per entity: 2 of its ~15 jobs an entity).
    """
    jvm = spark.sparkContext._jvm
    log = jvm.org.apache.spark.sql.delta.DeltaLog.forTable(spark._jsparkSession, path)
    none = jvm.scala.Option.empty()
    return log.update(False, none, none)


def _property(metadata, key: str, default: str) -> str:
    """A table property of a snapshot's metadata (its configuration is a Scala Map: get gives an Option)."""
    value = metadata.configuration().get(key)
    return value.get() if value.isDefined() else default


def table_state(spark, path: str) -> TableState:
    """The table's id, latest version, schema and whether its files read as plain Parquet (from the log)."""
    from pyspark.sql.types import StructType

    snap = snapshot(spark, path)
    meta = snap.metadata()
    plain = (
        meta.partitionColumns().isEmpty()
        and _property(meta, "delta.columnMapping.mode", "none") == "none"
        and _property(meta, "delta.enableDeletionVectors", "false") != "true"
    )
    schema = StructType.fromJson(json.loads(snap.schema().json()))
    return TableState(meta.id(), int(snap.version()), plain, schema)


def _commit(spark, path: str, version: int) -> list[dict] | None:
    """The actions of commit `version`, or None when its file is gone (log cleanup) or never existed."""
    name = f"{path.rstrip('/')}/_delta_log/{version:020d}.json"
    _, hpath, fs = _hadoop(spark, name)
    if not fs.exists(hpath):
        return None
    return _actions(spark, name)


def appended_files(spark, path: str, after: int, upto: int) -> list[str] | None:
    """The data files that commits after..upto (exclusive, inclusive) appended, as absolute paths.

    Read from those commits' JSON only (one small file per commit, however old the table), so a reader
    of an append-only table reads what arrived, not the history. None when the log cannot say it
    exactly and the caller must read the table itself:
    - a commit is gone (log cleanup after delta.logRetentionDuration);
    - a commit removed data (dataChange true: a DELETE, MERGE or overwrite rewrote history);
    - a compaction (OPTIMIZE: dataChange false) rewrote one of the appended files into a file that may
      also hold older rows. Compactions of older files change no data and are skipped.
    """
    added, compacted = [], set()
    for version in range(after + 1, upto + 1):
        actions = _commit(spark, path, version)
        if actions is None:
            return None
        for a in actions:
            if "remove" in a:
                if a["remove"].get("dataChange", True):
                    return None
                compacted.add(a["remove"]["path"])
            elif "add" in a and a["add"].get("dataChange", True):
                added.append(a["add"]["path"])
    if compacted & set(added):
        return None
    return _data_file_paths(spark, path, added)


def read_files(spark, path: str, files: list[str], schema):
    """Rows of these data files of the plain table at `path` (see TableState.plain) in its `schema`
    (TableState.schema): files written before a column was added read NULL there, as Delta reads them;
    no footer is read to merge schemas."""
    df = spark.read.schema(schema).parquet(*files)
    lineage.read(path, df)
    return df


def write_lines(spark, path: str, lines: list[str]) -> None:
    """Replace the file at `path` with these lines (Hadoop FileSystem: local, s3a, s3)."""
    write_text(spark, path, "".join(f"{line}\n" for line in lines), checksum=True)


def write_text(spark, path: str, text: str, checksum: bool = False) -> None:
    """Replace the file at `path` with `text`, UTF-8 (Hadoop FileSystem: local, s3a, s3; parent folders
    are created as needed). Without `checksum` a local file gets no hidden .<name>.crc beside it (Hadoop's
    local file system writes one; a file for people to open needs none)."""
    jvm, hpath, fs = _hadoop(spark, path)
    if not checksum and jvm.java.lang.Class.forName("org.apache.hadoop.fs.ChecksumFileSystem").isInstance(fs):
        fs = fs.getRawFileSystem()
    out = fs.create(hpath, True)
    try:
        out.write(bytearray(text.encode("utf-8")))
    finally:
        out.close()


CHANGE_FEED = "delta.enableChangeDataFeed"


def enable_change_feed(spark, path: str) -> None:
    """Turn on Delta's Change Data Feed (once: a table that has it is left alone), so readers can ask for the
    rows changed between two versions instead of re-reading the table. Recorded from the next commit on."""
    if _property(snapshot(spark, path).metadata(), CHANGE_FEED, "false").lower() != "true":
        spark.sql(f"ALTER TABLE delta.`{path}` SET TBLPROPERTIES ('{CHANGE_FEED}' = 'true')")


def change_feed(spark, path: str, start: int, end: int):
    """The rows changed by commits start..end (inclusive), with `_change_type` (insert, delete,
    update_preimage, update_postimage). Delta raises when the feed does not cover the range (not
    enabled then, or its files vacuumed): the caller falls back to reading the table."""
    df = (
        spark.read.format("delta")
        .option("readChangeFeed", "true")
        .option("startingVersion", start)
        .option("endingVersion", end)
        .load(path)
    )
    lineage.read(path, df)
    return df


def commit_infos(spark, path: str, start: int, end: int) -> list[dict]:
    """commitInfo of commits start..end (inclusive), read from their JSON; a missing commit raises."""
    log = f"{path.rstrip('/')}/_delta_log"
    return [_commit_info(_actions(spark, f"{log}/{v:020d}.json")) for v in range(start, end + 1)]


def commit_infos_since(spark, path: str, since_ms: int) -> list[dict]:
    """commitInfo of the commits made at or after `since_ms` (epoch ms), newest first: one listing of the
    log, then the commits from the latest back to the first older one (lakehouse.lineage's row counts)."""
    infos = []
    for _, commit_file in sorted(_commits(spark, path).items(), reverse=True):
        info = _commit_info(_actions(spark, commit_file))
        if int(info.get("timestamp", 0)) < since_ms:
            break
        infos.append(info)
    return infos


def replace_where(df, path: str, predicate: str) -> None:
    """One atomic commit: delete the table's rows matching `predicate`, add `df` (whose rows must match it)."""
    lineage.wrote(path, df)
    df.write.format("delta").mode("overwrite").option("replaceWhere", predicate).save(path)


def live_files(spark, path: str) -> list[str]:
    """The data files of the table's current snapshot (from the log: no data read)."""
    return sorted(read(spark, path).inputFiles())


def sync_folder_with_copies(spark, files: list[str], folder: str) -> None:
    """Make `folder` hold a copy of exactly these files: delete the others, copy only those it lacks
    (a file's name is unique in a Delta table and never rewritten, so a name present is that file)."""
    lineage.wrote(folder)
    jvm, dest, fs = _hadoop(spark, folder)
    wanted = {f.rsplit("/", 1)[-1]: f for f in files}
    present = set()
    if fs.exists(dest):
        for status in fs.listStatus(dest):
            name = status.getPath().getName()
            if name in wanted:
                present.add(name)
            else:
                fs.delete(status.getPath(), True)
    else:
        fs.mkdirs(dest)
    conf = spark.sparkContext._jsc.hadoopConfiguration()
    for name, f in wanted.items():
        if name not in present:
            _, src, src_fs = _hadoop(spark, f)
            jvm.org.apache.hadoop.fs.FileUtil.copy(
                src_fs, src, fs, jvm.org.apache.hadoop.fs.Path(dest, name), False, conf
            )
