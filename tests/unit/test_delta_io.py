"""delta_io reads the Delta log itself where a Spark job would be overhead; it must agree with Delta's API."""

import time

from delta.tables import DeltaTable
from lakehouse import delta_io
from pyspark.sql import functions as F


def test_last_operation_is_what_delta_history_shows_after_each_kind_of_commit(spark, tmp_path):
    path = str(tmp_path / "t")
    assert delta_io.last_operation(spark, path) == (None, {})  # no table yet
    rows = spark.createDataFrame([(1, "a"), (2, "b")], "id int, v string")
    changes = spark.createDataFrame([(2, "B"), (3, "c")], "id int, v string")
    steps = [
        lambda: delta_io.overwrite(rows, path),
        lambda: delta_io.merge_upsert(spark, changes, path, ["id"]),
        lambda: delta_io.append(rows, path),
        lambda: delta_io.overwrite(changes, path),
    ]
    seen = []
    for step in steps:
        step()
        latest = DeltaTable.forPath(spark, path).history(1).first()
        seen.append(delta_io.last_operation(spark, path))
        assert seen[-1] == (latest["operation"], dict(latest["operationMetrics"]))
    assert [op for op, _ in seen] == ["WRITE", "MERGE", "WRITE", "WRITE"]
    merge = seen[1][1]  # by hand: id 2 matched and updated, id 3 inserted
    assert (merge["numTargetRowsUpdated"], merge["numTargetRowsInserted"]) == ("1", "1")
    assert seen[3][1]["numOutputRows"] == "2"


def test_appended_files_are_those_of_later_commits_with_new_data(spark, tmp_path):
    path = str(tmp_path / "t")
    rows = spark.createDataFrame([(1, "a")], "id int, v string")
    delta_io.append(rows, path)  # version 0
    delta_io.append(rows, path)  # version 1
    delta_io.append(rows, path)  # version 2
    spark.sql(f"OPTIMIZE delta.`{path}` WHERE true")  # version 3: rewrites the rows of 0, 1 and 2 (dataChange false)

    def live(version):  # Delta's own snapshot of that version: the files a reader of it reads
        snapshot = spark.read.format("delta").option("versionAsOf", version).load(path)
        return {f.rsplit("/", 1)[1] for f in snapshot.inputFiles()}

    def names(after, upto):
        found = delta_io.appended_files(spark, path, after, upto)
        return None if found is None else {f.rsplit("/", 1)[1] for f in found}

    v0, v1, v2 = live(0), live(1) - live(0), live(2) - live(1)
    assert len(live(3)) == 1 and not live(3) & (v0 | v1 | v2)  # OPTIMIZE really compacted them into a new file
    assert names(0, 2) == v1 | v2
    assert names(-1, 2) == v0 | v1 | v2
    assert names(2, 3) == set()  # the compacted file holds nothing new: not read
    assert names(1, 3) is None  # a file appended after 1 was compacted: the caller reads the table itself
    assert delta_io.latest_version(spark, path) == 3
    (tmp_path / "t" / "_delta_log" / f"{1:020d}.json").unlink()  # log cleanup removed commit 1
    assert names(0, 2) is None  # the caller must read the table itself


def _day(spark, day: int, n: int, moved=()):
    """n sales of day `day` (keys S<day>-<i>, sorted by day as the generator's are), one file; `moved`:
    keys of earlier days delivered again with this day's date (a corrected sale_date)."""
    rows = [(f"S{day}-{i:03d}", f"2024-01-0{day}", 10 * day + i) for i in range(n)]
    rows += [(k, f"2024-01-0{day}", -1) for k in moved]
    schema = "id string, sale_date string, amount int"
    return spark.createDataFrame(rows, schema).coalesce(1)


def _latest_merge_scan(spark) -> dict:
    """Target files Delta's latest MERGE considered before and after data skipping: MergeIntoCommand's own
    SQL metrics (posted to its SQL execution; the commit's operationMetrics do not carry them)."""
    store = spark._jsparkSession.sharedState().statusStore()
    names = {"number of target files before skipping": "before", "number of target files after skipping": "after"}
    for _ in range(100):  # the listener bus delivers the metrics asynchronously
        executions = store.executionsList()
        for i in reversed(range(executions.size())):
            execution = executions.apply(i)
            metrics = execution.metrics()
            ids = {
                names[m.name()]: m.accumulatorId()
                for m in (metrics.apply(j) for j in range(metrics.size()))
                if m.name() in names
            }
            if len(ids) == 2:
                values = store.executionMetrics(execution.executionId())
                found = {k: values.get(a) for k, a in ids.items()}
                if all(v.isDefined() for v in found.values()):
                    return {k: int(v.get().replace(",", "")) for k, v in found.items()}
                break
        time.sleep(0.1)
    raise AssertionError("no MERGE execution with target-file metrics in Spark's SQL status store")


def test_a_days_merge_reads_the_files_of_its_key_range_not_the_history(spark, tmp_path):
    """Four days in a table partitioned by date (one file each); day 5 brings new keys and one update of
    day 4: Delta's MERGE metrics show one target file read and rewritten, whatever the history holds."""
    path = str(tmp_path / "sales")
    for day in range(1, 5):
        delta_io.merge_upsert(spark, _day(spark, day, 3), path, ["id"], partition_by=("sale_date",))
    day5 = _day(spark, 5, 3).union(
        spark.createDataFrame([("S4-001", "2024-01-04", 99)], "id string, sale_date string, amount int")
    )
    delta_io.merge_upsert(spark, day5, path, ["id"], partition_by=("sale_date",))
    scanned = _latest_merge_scan(spark)
    assert scanned == {"before": 4, "after": 1}  # of the 4 history files, day 4's alone holds keys in S4-001..S5-002
    _, metrics = delta_io.last_operation(spark, path)
    assert (metrics["numTargetFilesRemoved"], metrics["numTargetRowsUpdated"], metrics["numTargetRowsInserted"]) == (
        "1",
        "1",
        "3",
    )
    rows = {r.id: r.amount for r in delta_io.read(spark, path).collect()}
    assert len(rows) == 15 and rows["S4-001"] == 99 and rows["S1-000"] == 10


def test_a_late_version_whose_partition_changed_replaces_its_key_in_the_old_partition(spark, tmp_path):
    """S1-002 re-delivered on day 3 with day 3's date: one row of the key, in its new partition."""
    path = str(tmp_path / "sales")
    for day in (1, 2):
        delta_io.merge_upsert(spark, _day(spark, day, 3), path, ["id"], partition_by=("sale_date",))
    delta_io.merge_upsert(spark, _day(spark, 3, 2, moved=("S1-002",)), path, ["id"], partition_by=("sale_date",))
    rows = [(r.id, r.sale_date, r.amount) for r in delta_io.read(spark, path).where("id = 'S1-002'").collect()]
    assert rows == [("S1-002", "2024-01-03", -1)]
    assert delta_io.read(spark, path).count() == 3 + 3 + 2


def test_key_ranges_bound_every_key_column_and_keep_null_keys(spark):
    df = spark.createDataFrame(
        [("EUR", "2024-01-02", None), ("USD", "2024-01-01", None), (None, "2024-01-03", None)],
        "currency string, rate_date string, n int",
    ).withColumn("rate_date", F.to_date("rate_date"))
    assert delta_io.key_ranges(df, ["currency", "rate_date"]) == (
        "(t.`currency` BETWEEN 'EUR' AND 'USD' OR t.`currency` IS NULL) AND "
        "t.`rate_date` BETWEEN CAST('2024-01-01' AS date) AND CAST('2024-01-03' AS date)"
    )
    assert delta_io.key_ranges(df, ["n"]) == "t.`n` IS NULL"
    assert delta_io.key_ranges(df.limit(0), ["currency"]) is None


def test_checksum_files_are_the_live_files_and_rows_delta_reads(spark, tmp_path):
    path = str(tmp_path / "t")
    rows = spark.createDataFrame([(i, f"v{i}") for i in range(6)], "id int, v string").repartition(3)
    changes = spark.createDataFrame([(2, "B"), (9, "new")], "id int, v string")
    steps = [
        lambda: delta_io.overwrite(rows, path),
        lambda: delta_io.append(rows.where("id < 2"), path),
        lambda: delta_io.replace_where(changes.where("id = 2"), path, "id = 2"),  # rewrites the files holding 2
        lambda: delta_io.merge_upsert(spark, changes, path, ["id"]),
    ]
    for step in steps:
        step()
        table = spark.read.format("delta").load(path)
        files, count = delta_io.checksum_files(spark, path)
        assert (sorted(files), count) == (sorted(table.inputFiles()), table.count())


def test_checksum_files_defer_to_delta_when_the_checksum_cannot_say(spark, tmp_path):
    path = str(tmp_path / "t")
    rows = spark.createDataFrame([(i,) for i in range(4)], "id int")
    delta_io.overwrite(rows, path)
    assert delta_io.checksum_files(spark, path) is not None
    crc = tmp_path / "t" / "_delta_log" / f"{0:020d}.crc"
    crc.unlink()  # no checksum for the latest version
    assert delta_io.checksum_files(spark, path) is None
    # deleted rows kept as a deletion vector: the file's numRecords still counts them
    spark.sql(f"ALTER TABLE delta.`{path}` SET TBLPROPERTIES ('delta.enableDeletionVectors' = 'true')")
    spark.sql(f"DELETE FROM delta.`{path}` WHERE id = 1")
    assert spark.read.format("delta").load(path).count() == 3
    assert delta_io.checksum_files(spark, path) is None
