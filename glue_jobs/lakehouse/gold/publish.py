"""Gold I/O: Delta write, symlink-format manifest (Redshift Spectrum) and Parquet export (COPY).

The export is the *current snapshot only*: exports/<table>/ is emptied, then holds exactly the live
files of the latest version (see refresh_consumers).
"""

from pyspark.sql import DataFrame, SparkSession

from lakehouse import delta_io


def write_manifest(spark: SparkSession, path: str) -> None:
    from delta.tables import DeltaTable

    DeltaTable.forPath(spark, path).generate("symlink_format_manifest")


def export_snapshot(spark: SparkSession, path: str, export_path: str) -> None:
    delta_io.read(spark, path).write.mode("overwrite").parquet(export_path)


def overwrite_table(spark: SparkSession, df: DataFrame, path: str) -> None:
    delta_io.overwrite(df, path)


def row_count(spark: SparkSession, path: str) -> int:
    """Rows of the current snapshot: from the last overwrite's metrics when it was one, else counted."""
    operation, metrics = delta_io.last_operation(spark, path)
    if operation in ("WRITE", "CREATE TABLE AS SELECT") and "numOutputRows" in metrics:
        return int(metrics["numOutputRows"])
    return delta_io.read(spark, path).count()


def refresh_consumers(spark: SparkSession, path: str, export_path: str) -> int:
    """Manifest + export for the table's current snapshot; returns its row count.

    After a full overwrite (every table but dim_customer) the live files are the ones that commit
    added: the manifest lists them and the export is a copy of them, file operations without a Spark
    job. Otherwise (dim_customer's MERGE) Delta lists the live files and the export is re-written.
    """
    overwritten = delta_io.overwrite_files(spark, path)
    if overwritten is None:
        write_manifest(spark, path)
        export_snapshot(spark, path, export_path)
        return row_count(spark, path)
    files, rows = overwritten
    delta_io.write_lines(spark, f"{path.rstrip('/')}/_symlink_format_manifest/manifest", files)
    delta_io.replace_folder_with_copies(spark, files, export_path)
    return rows
