"""Crawler stand-in: what a Glue crawler run over Delta targets leaves in the catalog.

For each Delta table path of a deployed crawler (read back with GetCrawler, never from a list of our
own), the table's columns and partition keys are read from its Delta log and the catalog table is
created or updated in the crawler's database, named after the last path segment:

- CreateNativeDeltaTable = true: a native Delta table (``table_type=DELTA``, ``spark.sql.sources.provider
  =delta``, serde ``path`` = the table location) — what Athena engine v3 and Trino read through the log;
- false: a symlink table over ``<path>/_symlink_format_manifest/`` (SymlinkTextInputFormat + Parquet
  serde) — what Redshift Spectrum reads.

AWS: "Create Native tables: allow integration with query engines that support querying of the Delta
transaction log directly. Create Symlink tables: create a symlink manifest folder with manifest files"
(docs.aws.amazon.com/glue/latest/dg/crawler-delta-lake.html).
"""

from lakehouse_local.emulator.delta_log import table_metadata

PARQUET_SERDE = "org.apache.hadoop.hive.ql.io.parquet.serde.ParquetHiveSerDe"
SYMLINK_INPUT = "org.apache.hadoop.hive.ql.io.SymlinkTextInputFormat"
TEXT_OUTPUT = "org.apache.hadoop.hive.ql.io.HiveIgnoreKeyTextOutputFormat"
PARQUET_INPUT = "org.apache.hadoop.hive.ql.io.parquet.MapredParquetInputFormat"
PARQUET_OUTPUT = "org.apache.hadoop.hive.ql.io.parquet.MapredParquetOutputFormat"
SIMPLE = {"long": "bigint", "integer": "int", "short": "smallint", "byte": "tinyint", "timestamp_ntz": "timestamp"}


def hive_type(spark_type) -> str:
    """A Delta (Spark JSON schema) type as the Hive type string the catalog stores."""
    if isinstance(spark_type, str):
        return SIMPLE.get(spark_type, spark_type)  # string, double, decimal(p,s), date, timestamp, boolean...
    kind = spark_type["type"]
    if kind == "struct":
        return "struct<" + ",".join(f"{f['name']}:{hive_type(f['type'])}" for f in spark_type["fields"]) + ">"
    if kind == "array":
        return f"array<{hive_type(spark_type['elementType'])}>"
    if kind == "map":
        return f"map<{hive_type(spark_type['keyType'])},{hive_type(spark_type['valueType'])}>"
    raise ValueError(f"unknown Delta type {spark_type!r}")


def table_input(name: str, location: str, meta: dict, native: bool) -> dict:
    partitions = meta["partition_columns"]
    columns = [{"Name": f["name"], "Type": hive_type(f["type"])} for f in meta["schema"]["fields"]]
    storage = {
        "Columns": [c for c in columns if c["Name"] not in partitions],
        "SerdeInfo": {"SerializationLibrary": PARQUET_SERDE, "Parameters": {"serialization.format": "1"}},
    }
    if native:
        storage.update(Location=location, InputFormat=PARQUET_INPUT, OutputFormat=PARQUET_OUTPUT)
        storage["SerdeInfo"]["Parameters"]["path"] = location
        params = {"classification": "delta", "table_type": "DELTA", "spark.sql.sources.provider": "delta"}
    else:
        manifest = f"{location}_symlink_format_manifest/"
        storage.update(Location=manifest, InputFormat=SYMLINK_INPUT, OutputFormat=TEXT_OUTPUT)
        params = {"classification": "parquet"}
    return {
        "Name": name,
        "TableType": "EXTERNAL_TABLE",
        "Parameters": {"EXTERNAL": "TRUE", **params},
        "StorageDescriptor": storage,
        "PartitionKeys": [c for c in columns if c["Name"] in partitions],
    }


def crawl(glue, s3, crawler_name: str) -> dict:
    """Register or update the catalog table of every Delta target of the crawler.

    Returns {"tables": [registered names], "missing": [paths without a Delta log yet]} — like a real
    crawl, a path with no table yet is skipped, not an error.
    """
    crawler = glue.get_crawler(Name=crawler_name)["Crawler"]
    database = crawler["DatabaseName"]
    pages = glue.get_paginator("get_tables").paginate(DatabaseName=database)
    existing = {t["Name"] for p in pages for t in p["TableList"]}
    registered, missing = [], []
    for target in crawler["Targets"].get("DeltaTargets", []):
        native = bool(target.get("CreateNativeDeltaTable"))
        for path in target.get("DeltaTables", []):
            location = path.rstrip("/") + "/"
            meta = table_metadata(s3, location)
            if meta is None:
                missing.append(location)
                continue
            name = location.rstrip("/").rsplit("/", 1)[-1].lower()
            spec = table_input(name, location, meta, native)
            if name in existing:
                glue.update_table(DatabaseName=database, TableInput=spec)
            else:
                glue.create_table(DatabaseName=database, TableInput=spec)
            registered.append(f"{database}.{name}")
    return {"tables": registered, "missing": missing}
