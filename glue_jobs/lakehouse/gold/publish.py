"""Gold I/O: Delta write, symlink-format manifest (Redshift Spectrum) and Parquet export (COPY).

The export is the *current snapshot only*: exports/<table>/ holds exactly the live files of the
latest version (see refresh_consumers).
"""

from pyspark.sql import DataFrame, SparkSession

from lakehouse import delta_io


def overwrite_table(spark: SparkSession, df: DataFrame, path: str) -> None:
    delta_io.overwrite(df, path)


def refresh_consumers(spark: SparkSession, path: str, export_path: str, rows: int | None = None) -> int:
    """Manifest + export for the table's current snapshot; returns its row count (`rows` when the caller
    has just counted the snapshot, e.g. the SCD2 MERGE's own counts: not counted twice).

    The manifest lists the snapshot's live data files and the export holds a copy of each, file
    operations without a Spark job. After a full overwrite the live files are the ones that commit
    added (read from its JSON); otherwise (a MERGE, a replaceWhere) they and the rows come from the
    version's checksum file (delta_io.checksum_files) or, when it does not list them, from Delta's
    state of the table (a Spark job); the export only deletes the files gone and copies the new ones,
    so an incremental run copies what it wrote, not the table.
    """
    overwritten = delta_io.overwrite_files(spark, path)
    listed = None if overwritten else delta_io.checksum_files(spark, path)
    if overwritten:
        files, rows = overwritten
    elif listed:
        files, rows = listed[0], listed[1] if rows is None else rows
    else:
        # counted by Delta from the log's per-file statistics (a metadata-only query): a replaceWhere's
        # numOutputRows is the rows it wrote, not the table's
        files = delta_io.live_files(spark, path)
        rows = delta_io.read(spark, path).count() if rows is None else rows
    delta_io.write_lines(spark, f"{path.rstrip('/')}/_symlink_format_manifest/manifest", files)
    delta_io.sync_folder_with_copies(spark, files, export_path)
    return rows
