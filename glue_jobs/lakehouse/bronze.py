"""bronze_ingest: new landing files → bronze.<source> (append-only Delta), every record kept.

A record that cannot be parsed is kept with `_corrupt = true` and its raw text; one with bytes
its declared encoding cannot decode is kept with `_invalid_encoding = true` and those bytes shown
as \\xNN in `_raw`; columns the contract does not know land in `_extra` and are recorded in
ops.schema_drift. How a file is split into records follows the contract's format options
(contracts.FileOptions): Spark's parallel line reader for plain UTF-8 line files, the exact
reader (lakehouse.records) for the rest.

A landing file is identified by its path under the landing root, its size and a checksum
(delta_io.list_landing): bronze rows carry all three, so what bronze holds decides what is new (a
re-run, a moved lake or a killed job ingests nothing twice), and ops.ingest_ledger reports every
delivery, re-deliveries of changed content and duplicate deliveries under another name included.

A run's cost follows what arrived, not the lake's history: a listed file the ledger knows by path,
size and listing tag (ETag / modification time) is not read, and bronze is read only in the commits
after the last one the ledger covers (`bronze_version`), the ones a killed job may have left unreported.
"""

import csv
import dataclasses
import time
from collections import defaultdict
from dataclasses import dataclass

from pyspark import cloudpickle
from pyspark.sql import DataFrame, Window
from pyspark.sql import functions as F

from lakehouse import contracts as contracts_mod
from lakehouse import delta_io, lease, lineage, ops, parallel, records
from lakehouse.contracts import Contract, FileOptions
from lakehouse.progress import stage

LANDING_SUFFIXES = {"csv": (".csv",), "json": (".json", ".jsonl", ".ndjson"), "parquet": (".parquet",)}


@dataclass(frozen=True)
class Delivery:
    """One delivery of a landing file the lake already holds (in bronze, or in the ledger with no records)."""

    file: str  # path under the landing root
    checksum: str
    size: int | None
    batch_id: str
    records: int
    ingested_at: object  # datetime
    in_ledger: bool
    listing_tag: str | None = None  # the ledger's: the file is known unread while the listing shows it
    bronze_version: int | None = None  # the ledger's: bronze commits up to it are reported in the ledger


LEDGER_COLUMNS = ("file", "checksum", "size", "batch_id", "records", "ingested_at", "listing_tag", "bronze_version")


def ledger_deliveries(spark, config, sources: list[str]) -> dict[str, list[Delivery]]:
    """These sources' deliveries in ops.ingest_ledger, read once per job (one Spark job, not one per source).

    The job's own ledger rows are written at its end (ops.deferred), so reading first misses nothing.
    A ledger written before listing_tag / bronze_version existed reads NULL there (see `delivered`).
    """
    ledger = ops.read(spark, config, "ingest_ledger")
    columns = [F.col(c) if c in ledger.columns else F.lit(None).alias(c) for c in LEDGER_COLUMNS]
    rows = ledger.where(F.col("source").isin(sources) & F.col("checksum").isNotNull()).select("source", *columns)
    by_source = defaultdict(list)
    for r in rows.collect():
        by_source[r.source].append(Delivery(*r[1:7], in_ledger=True, listing_tag=r[7], bronze_version=r[8]))
    return by_source


@dataclass
class Known:
    """What one source already holds, and the bronze version the ledger covers once this run's rows are in."""

    deliveries: list[Delivery]  # oldest first
    bronze_version: int | None


def delivered(spark, config, contract: Contract, in_ledger: list[Delivery]) -> Known:
    """What this source already holds: its ledger rows (`in_ledger`) ∪ the (file, checksum) groups of the
    bronze commits after the last one the ledger covers.

    Bronze decides what is ingested (its rows carry the file's relative path and checksum, written in the
    same commit as the data); its ledger rows are written after it, each with the bronze version it covers
    up to. A job killed between the two leaves bronze commits after the ledger's highest `bronze_version`:
    reading those commits' data files (delta_io.appended_files), not the whole table, finds what it
    ingested, so it is never ingested twice and its ledger rows are written again (Plan.repairs). The whole
    table is read only where the ledger covers no version yet (a ledger from before bronze_version) or the
    log cannot say exactly what those commits appended (see appended_files).
    """
    found = {(d.file, d.checksum): d for d in in_ledger}
    path = config.paths.bronze(contract.source)
    covered = max((d.bronze_version for d in in_ledger if d.bronze_version is not None), default=None)
    latest = delta_io.latest_version(spark, path)
    added = delta_io.appended_files(spark, path, covered, latest) if None not in (covered, latest) else None
    if added is None:
        table = delta_io.read_if_exists(spark, path)
    else:
        table = delta_io.read_files(spark, path, added, delta_io.table_state(spark, path).schema) if added else None
    if table is not None and "_source_checksum" in table.columns:
        groups = (
            table.where(F.col("_source_checksum").isNotNull())
            .groupBy("_source_file", "_source_checksum")
            .agg(F.max("_source_size"), F.min("_batch_id"), F.count(F.lit(1)), F.min("_ingested_at"))
            .collect()
        )
        for g in groups:
            found.setdefault((g[0], g[1]), Delivery(*g, in_ledger=False))
    return Known(sorted(found.values(), key=lambda d: (d.ingested_at, d.file)), latest)


@dataclass
class Plan:
    """What to do with the listed files of one source."""

    ingest: list[tuple[delta_io.LandingFile, str | None]]  # (file, checksum of the delivery it replaces)
    duplicates: list[tuple[delta_io.LandingFile, str]]  # (file, the file whose content it repeats)
    repairs: list[tuple[Delivery, str | None]]  # bronze deliveries whose ledger row is missing


def plan_deliveries(listed: list[delta_io.LandingFile], known: list[Delivery]) -> Plan:
    """Same name + same content: skipped. Same name + new content: a re-delivery, ingested. Another name +
    the content of a file already held: a duplicate delivery, not ingested (nothing is lost: same bytes)."""
    done, content, latest, repairs = set(), {}, {}, []
    for d in known:  # oldest first
        if not d.in_ledger:  # in bronze, ledger row lost (a job killed between the two commits): write it again
            repairs.append((d, latest.get(d.file)))
        done.add((d.file, d.checksum))
        content.setdefault((d.size, d.checksum), d.file)
        latest[d.file] = d.checksum
    plan = Plan([], [], repairs)
    for f in listed:
        if (f.relative, f.checksum) in done:
            continue
        same = content.get((f.size, f.checksum))
        if same is not None:
            plan.duplicates.append((f, same))
            continue
        plan.ingest.append((f, latest.get(f.relative)))
        done.add((f.relative, f.checksum))
        content[(f.size, f.checksum)] = f.relative
        latest[f.relative] = f.checksum
    return plan


def known_by_tag(known: list[Delivery]) -> dict[tuple, str]:
    """{(file, size, listing tag): checksum} of the ledger's deliveries: files the listing needs not read.

    A row from before listing tags has none, but its "etag:" checksum was the ETag, which is the listing
    tag S3A gives today (delta_io.listing_tag): it still matches. An old "sha256:" row matches no tag; the
    file is read once and its tag recorded (retag_ledger)."""
    return {(d.file, d.size, d.listing_tag or d.checksum): d.checksum for d in known if d.in_ledger}


def new_files(spark, config, contract: Contract, known: list[Delivery]) -> tuple[Plan, list[str], list]:
    """(what to ingest, repair and report as duplicates; files skipped because their suffix does not fit;
    every listed file)."""
    suffixes = LANDING_SUFFIXES[contract.format]
    root = contract.source + "/"  # relative to the landing root, not to the source's folder
    listed = delta_io.list_landing(
        spark, config.paths.landing(contract.source), known_by_tag(known), root, lambda f: f.endswith(suffixes)
    )
    hidden = [f for f in listed if f.relative.rsplit("/", 1)[-1].startswith((".", "_"))]
    wrong = [f.path for f in listed if not f.relative.endswith(suffixes) and f not in hidden]
    fit = [f for f in listed if f.relative.endswith(suffixes)]
    return plan_deliveries(fit, known), wrong, listed


def unclaimed_landing(spark, config, contracts) -> list[str]:
    """Landing folders no contract reads: reported, left in place, never silently ingested."""
    root = config.paths.landing("")
    known = {c.source for c in contracts}
    found = {f.split("/landing/", 1)[1].split("/")[0] for f in delta_io.list_files(spark, root)}
    return sorted(found - known)


def source_file_column(path=None):
    """input_file_name() (or a path column) spelled like delta_io.file_key (file:/x, not file:///x);
    ingest_source turns it into the path under the landing root."""
    return F.regexp_replace(F.input_file_name() if path is None else path, "^file:/+", "file:/")


def _numbered_lines(spark, files: list[str]) -> DataFrame:
    """Text lines with their file and 1-based line number, without funnelling a file through one task.

    Spark reads a big file as several blocks in parallel tasks; inside a block lines keep their order
    (monotonically_increasing_id grows by one per line). A line's number is the count of lines in its
    file's earlier blocks plus its position in its block: one small aggregate per (file, block),
    broadcast back, instead of a window over the whole file (which ran a 766 MB CSV on one core).
    """
    lines = spark.read.text(files).select(
        "value",
        source_file_column().alias("_source_file"),
        F.input_file_block_start().alias("_block"),
        F.monotonically_increasing_id().alias("_id"),
    )
    blocks = lines.groupBy("_source_file", "_block").agg(F.count(F.lit(1)).alias("_n"), F.min("_id").alias("_first"))
    earlier = Window.partitionBy("_source_file").orderBy("_block").rowsBetween(Window.unboundedPreceding, -1)
    offsets = blocks.select(
        "_source_file", "_block", "_first", F.coalesce(F.sum("_n").over(earlier), F.lit(0)).alias("_before")
    )
    return lines.join(F.broadcast(offsets), ["_source_file", "_block"]).select(
        "value",
        "_source_file",
        (F.col("_before") + F.col("_id") - F.col("_first") + 1).cast("int").alias("_source_line"),
    )


cloudpickle.register_pickle_by_value(records)  # executors need Python, not this package on their path
RECORD_SCHEMA = "value string, _path string, _source_line int, _invalid_encoding boolean, _broken boolean"


def _exact_records(spark, files: list[str], fmt: str, options: FileOptions) -> DataFrame:
    """Records of whole files read as bytes (binaryFile) and split in Python: see split_records."""

    plain = dataclasses.asdict(options)  # executors get plain values, not the contracts module
    split_records = records.split_records

    def split(rows):
        for row in rows:
            for text, line, bad, broken in split_records(bytes(row.content), fmt, plain):
                yield text, row.path, line, bad, broken

    binary = spark.read.format("binaryFile").load(files).select("path", "content")
    df = spark.createDataFrame(binary.rdd.mapPartitions(split), RECORD_SCHEMA)
    return df.select("*", source_file_column(F.col("_path")).alias("_source_file")).drop("_path")


def _undecodable_files(spark, files: list[str]) -> list[str]:
    """Files with a line (header included) that is not valid UTF-8.

    Spark's text source keeps each line's bytes as they are: nothing is validated or replaced when
    read, so a stray 0xEB is no U+FFFD yet. Each line's bytes are compared with their round trip
    through Java's UTF-8 decoder and encoder, which turns every malformed sequence into U+FFFD: the
    bytes come back unchanged exactly when they are valid UTF-8, so a real U+FFFD in the data (valid
    UTF-8) keeps its file on the fast path.
    """
    text = spark.read.text(files)
    bytes_as_read = F.col("value").cast("binary")
    hit = text.where(F.encode("value", "UTF-8") != bytes_as_read).select(source_file_column().alias("f")).distinct()
    return [r["f"] for r in hit.collect()]


def _records(spark, files: list[str], fmt: str, options: FileOptions) -> DataFrame:
    """value, _source_file, _source_line, _invalid_encoding, _broken: one row per non-blank record.

    Plain UTF-8 line files take Spark's parallel line reader; files that need the exact reader
    (multi-line CSV, JSON arrays, another encoding, or bytes UTF-8 cannot decode) take that one.
    """
    if options.exact:
        return _exact_records(spark, files, fmt, options)
    fast = (
        _numbered_lines(spark, files)
        .where("trim(value) != ''")
        .select("*", F.lit(False).alias("_invalid_encoding"), F.lit(False).alias("_broken"))
    )
    suspect = _undecodable_files(spark, files)
    if not suspect:
        return fast
    return fast.where(~F.col("_source_file").isin(suspect)).unionByName(_exact_records(spark, suspect, fmt, options))


def _string_map(names: list[str], prefix: str = ""):
    """map<string,string> of the named columns (the drifted ones), empty when there are none."""
    if not names:
        return F.create_map().cast("map<string,string>")
    return F.create_map(*[x for n in names for x in (F.lit(n), F.col(f"{prefix}`{n}`").cast("string"))])


def _header(spark, path: str, options: FileOptions) -> list[str]:
    """A CSV file's column names, read with the contract's encoding, delimiter and quote."""
    line = delta_io.first_line(spark, path, options.encoding)
    if not line.strip():
        return []
    names = next(csv.reader([line], delimiter=options.delimiter, quotechar=options.quote))
    return [n.strip() for n in names]


def parse_csv(spark, files: list[str], contract: Contract) -> tuple[DataFrame, list[tuple]]:
    """CSV files → contract fields as strings; drift per file.

    With a header (the default) fields are matched by name and line 1 is skipped; with
    `header: false` they are taken by position in the contract's declared source order.
    """
    options = contract.options
    frames, drift = [], []
    wanted = contract.source_fields
    by_header: dict[tuple, list[str]] = {}
    for f in files:
        by_header.setdefault(tuple(_header(spark, f, options)) if options.header else tuple(wanted), []).append(f)
    csv_options = {
        "mode": "PERMISSIVE",
        "columnNameOfCorruptRecord": "_corrupt_record",
        "sep": options.delimiter,
        "quote": options.quote,
        "escape": options.escape,
    }
    for header, group in by_header.items():
        names = list(header)
        extra = [n for n in names if n not in wanted]
        missing = [n for n in wanted if n not in names]
        if extra or missing:
            drift += [(f, extra, missing) for f in group]
        schema = ", ".join(f"`{n}` string" for n in names + ["_corrupt_record"])
        texts = _records(spark, group, "csv", options)
        if options.header:
            texts = texts.where("_source_line > 1")
        parsed = texts.select("*", F.from_csv("value", schema, csv_options).alias("r"))
        frames.append(
            parsed.select(
                *[(F.col(f"r.`{n}`") if n in names else F.lit(None).cast("string")).alias(n) for n in wanted],
                F.col("value").alias("_raw"),
                (F.col("r._corrupt_record").isNotNull() | F.col("_broken")).alias("_corrupt"),
                "_invalid_encoding",
                _string_map(extra, "r.").alias("_extra"),
                "_source_file",
                "_source_line",
            )
        )
    return _union(frames), drift


def parse_json(spark, files: list[str], contract: Contract) -> tuple[DataFrame, list[tuple]]:
    """JSON lines (or, with `array: true`, files holding one top-level array) → top-level fields as
    strings (nested objects kept as JSON text); drift per file."""
    wanted = contract.source_fields
    schema = ", ".join(f"`{n}` string" for n in wanted)
    lines = _records(spark, files, "json", contract.options)
    # undecodable bytes show as \xNN (records.py), which is no JSON escape: read as text, so such a
    # line parses and goes to quarantine for its encoding alone, as a CSV line does
    text = F.when(F.col("_invalid_encoding"), F.regexp_replace("value", r"\\x([0-9a-f]{2})", r"\\\\x$1"))
    text = text.otherwise(F.col("value"))
    keys = F.json_object_keys(text)
    everything = F.from_json(text, "map<string,string>")
    parsed = lines.select(
        "*",
        F.from_json(text, schema).alias("r"),
        keys.alias("_keys"),
        F.map_filter(everything, lambda k, _: ~k.isin(wanted)).alias("_extra"),
    )
    df = parsed.select(
        *[F.col(f"r.`{n}`").alias(n) for n in wanted],
        F.col("value").alias("_raw"),
        (F.col("_keys").isNull() | F.col("_broken")).alias("_corrupt"),
        "_invalid_encoding",
        F.coalesce("_extra", F.create_map().cast("map<string,string>")).alias("_extra"),
        "_source_file",
        "_source_line",
    )
    drift = []
    per_file = (
        parsed.where(F.col("_keys").isNotNull())
        .select("_source_file", F.explode("_keys").alias("k"))
        .distinct()
        .groupBy("_source_file")
        .agg(F.collect_set("k").alias("keys"))
        .collect()
    )
    for row in per_file:
        extra = sorted(k for k in row["keys"] if k not in wanted)
        missing = [n for n in wanted if n not in row["keys"]]
        if extra or missing:
            drift.append((row["_source_file"], extra, missing))
    return df, drift


def parse_parquet(spark, files: list[str], contract: Contract) -> tuple[DataFrame, list[tuple]]:
    wanted = contract.source_fields
    raw = spark.read.parquet(*files).withColumn("_source_file", source_file_column())
    extra = [c for c in raw.columns if c not in wanted and c != "_source_file"]
    w = Window.partitionBy("_source_file").orderBy(F.monotonically_increasing_id())
    df = raw.select(
        *[
            (F.col(f"`{n}`").cast("string") if n in raw.columns else F.lit(None).cast("string")).alias(n)
            for n in wanted
        ],
        F.to_json(F.struct(*[F.col(f"`{c}`") for c in raw.columns if c != "_source_file"])).alias("_raw"),
        F.lit(False).alias("_corrupt"),
        F.lit(False).alias("_invalid_encoding"),
        _string_map(extra).alias("_extra"),
        "_source_file",
        F.row_number().over(w).cast("int").alias("_source_line"),
    )
    missing = [n for n in wanted if n not in raw.columns]
    drift = [(f, extra, missing) for f in files] if extra or missing else []
    return df, drift


PARSERS = {"csv": parse_csv, "json": parse_json, "parquet": parse_parquet}


def _union(frames: list[DataFrame]) -> DataFrame:
    out = frames[0]
    for f in frames[1:]:
        out = out.unionByName(f)
    return out


def _ledger_row(
    source, file, size, checksum, batch_id, records, ingested_at, tag, version, redelivery_of=None, duplicate_of=None
):
    return (
        source,
        file,
        batch_id,
        int(records),
        ingested_at,
        size,
        checksum,
        redelivery_of,
        duplicate_of,
        tag,
        version,
    )


def retag_ledger(spark, config, source: str, listed: list[delta_io.LandingFile], known: list[Delivery]) -> int:
    """Record the current listing tag on the ledger rows of files read although the ledger held their
    content (a row from before listing tags, a file touched or uploaded again unchanged), so the next run
    knows them unread. One UPDATE, only when there are such files; returns how many."""
    held = {(d.file, d.checksum): d.listing_tag for d in known if d.in_ledger}
    retag = {
        (f.relative, f.checksum): f.tag
        for f in listed
        if f.hashed and (f.relative, f.checksum) in held and held[(f.relative, f.checksum)] != f.tag
    }
    if retag:
        path = config.paths.ops("ingest_ledger")
        delta_io.add_missing_columns(spark, path, {"listing_tag": "string", "bronze_version": "bigint"})
        updates = spark.createDataFrame(
            [(source, file, checksum, tag) for (file, checksum), tag in retag.items()],
            "source string, file string, checksum string, listing_tag string",
        )
        delta_io.update_matched(
            spark, updates, path, ["source", "file", "checksum"], [(None, {"listing_tag": "s.listing_tag"})]
        )
    return len(retag)


def with_landing_identity(df: DataFrame, files: list[delta_io.LandingFile]) -> DataFrame:
    """_source_file (as Spark read it) → the path under the landing root, plus the file's size and checksum."""
    identity = [(s, f.relative, f.size, f.checksum) for f in files for s in f.spellings]
    known = df.sparkSession.createDataFrame(
        identity, "_read_as string, _relative string, _source_size bigint, _source_checksum string"
    )
    joined = df.join(F.broadcast(known), F.col("_source_file") == F.col("_read_as"), "left")
    columns = [F.coalesce("_relative", "_source_file").alias(c) if c == "_source_file" else c for c in df.columns]
    return joined.select(*columns, "_source_size", "_source_checksum")


def ingest_source(spark, config, contract: Contract, held: Known) -> dict:
    """Append the new deliveries of one source to bronze; returns the counts for the summary.

    `held`: what the source already holds (`delivered`). One Delta commit (the bronze append) decides;
    the ledger rows (held by ops.deferred until the job ends) report it, each with the bronze version
    the ledger then covers.
    """
    started = ops.now()
    t0 = time.monotonic()
    known, covered = held.deliveries, held.bronze_version
    plan, wrong, listed = new_files(spark, config, contract, known)
    tags = {(f.relative, f.checksum): f.tag for f in listed}
    for f in wrong:
        print(
            f"bronze {contract.source}: skipped {f}: not a {contract.format} file "
            f"(expected {', '.join(LANDING_SUFFIXES[contract.format])})"
        )
    src = contract.source
    ledger = [
        _ledger_row(
            src,
            d.file,
            d.size,
            d.checksum,
            d.batch_id,
            d.records,
            d.ingested_at,
            tags.get((d.file, d.checksum)),  # the file as listed now, when it still holds that content
            covered,
            redelivery_of=earlier,
        )
        for d, earlier in plan.repairs
    ]
    ledger += [
        _ledger_row(src, f.relative, f.size, f.checksum, config.run_id, 0, started, f.tag, covered, duplicate_of=same)
        for f, same in plan.duplicates
    ]
    result = {
        "source": src,
        "files": len(plan.ingest),
        "rows": 0,
        "corrupt": 0,
        "drift_files": 0,
        "drift": [],
        "skipped_files": wrong,
        "redelivered": [(f.relative, earlier) for f, earlier in plan.ingest if earlier],
        "duplicates": [(f.relative, same) for f, same in plan.duplicates],
        "repaired": len(plan.repairs),
        "hashed_files": sum(f.hashed for f in listed),  # landing files whose content was read to identify it
        "hashed_bytes": sum(f.size for f in listed if f.hashed),
        "retagged": retag_ledger(spark, config, src, listed, known),
    }
    if plan.ingest:
        files = [f for f, _ in plan.ingest]
        df, drift = PARSERS[contract.format](spark, [f.path for f in files], contract)
        lineage.read(config.paths.landing(src), df)
        df = with_landing_identity(df, files)
        df = df.select("*", F.lit(config.run_id).alias("_batch_id"), F.lit(started).alias("_ingested_at")).persist()
        per_file = {
            r["_source_file"]: (r["n"], r["bad"])
            for r in df.groupBy("_source_file")
            .agg(F.count("*").alias("n"), F.sum(F.col("_corrupt").cast("int")).alias("bad"))
            .collect()
        }
        strays = sorted(set(per_file) - {f.relative for f in files})
        if strays:  # a path spelling with_landing_identity did not know: fail before anything is written
            raise RuntimeError(f"bronze {src}: rows from files not in the landing listing: {strays}")
        delta_io.append(df, config.paths.bronze(src))  # the one commit that decides
        df.unpersist()
        # ≥ the version of that commit; only this job writes bronze.<src>, and OPTIMIZE adds no new rows
        covered = delta_io.latest_version(spark, config.paths.bronze(src))
        ledger += [
            _ledger_row(
                src,
                f.relative,
                f.size,
                f.checksum,
                config.run_id,
                per_file.get(f.relative, (0, 0))[0],
                started,
                f.tag,
                covered,
                redelivery_of=earlier,
            )
            for f, earlier in plan.ingest
        ]  # files with no records too, so they are not picked up again
        relative = {delta_io.file_key(s): f.relative for f in files for s in (*f.spellings, f.path)}
        drift = [(relative.get(delta_io.file_key(f), f), extra, missing) for f, extra, missing in drift]
        ops.append_rows(
            spark,
            config,
            "schema_drift",
            [(src, f, config.run_id, extra, missing, started) for f, extra, missing in drift],
        )
        result.update(
            rows=sum(n for n, _ in per_file.values()),
            corrupt=int(sum(b or 0 for _, b in per_file.values())),
            drift_files=len(drift),
            drift=drift,
        )
    ops.append_rows(spark, config, "ingest_ledger", ledger)
    ops.record_run(spark, config, "bronze_ingest", src, result["rows"], result["rows"], started_at=started)
    return {**result, "seconds": time.monotonic() - t0}


BRONZE_OPS_TABLES = ("ingest_ledger", "schema_drift")


def run(spark, config) -> list[dict]:
    """Ingest every selected source; returns one summary dict per source."""
    all_contracts = contracts_mod.load_contracts(config.contracts_dir)
    for folder in unclaimed_landing(spark, config, all_contracts.values()):
        print(f"bronze: landing/{folder}/ has no contract (add contracts/{folder}.yaml); its files were left alone")
    selected = contracts_mod.select(all_contracts, config.sources)
    # Before the first commit: one writer per table (lakehouse.lease). Bronze is the only job writing its two
    # ops tables (it also updates the ledger in place: retag_ledger), so it holds them for the run; the
    # shared ops tables take their lease per commit (ops._append).
    written = [config.paths.bronze(c.source) for c in selected] + [config.paths.ops(t) for t in BRONZE_OPS_TABLES]
    with lease.hold(written), ops.deferred(spark):
        ledger = ledger_deliveries(spark, config, [c.source for c in selected])

        def ingest(c: Contract) -> dict:
            with stage(f"bronze_ingest {c.source}") as s:
                result = ingest_source(spark, config, c, delivered(spark, config, c, ledger[c.source]))
                s.rows = result["rows"]
            return result

        results = parallel.run_concurrently(selected, lambda c: [], ingest)  # each source its own bronze table
    # After the flush (a table with rows is created by its own append): bronze's ops tables exist
    # from the first run on, drift or not, delivery or not, for the ops crawler.
    ops.create_missing(spark, config, BRONZE_OPS_TABLES)
    return results
