"""delta_io reads the Delta log itself where a Spark job would be overhead; it must agree with Delta's API."""

from delta.tables import DeltaTable
from lakehouse import delta_io


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


def test_files_added_after_a_version_are_those_of_later_commits_with_new_data(spark, tmp_path):
    path = str(tmp_path / "t")
    rows = spark.createDataFrame([(1, "a")], "id int, v string")
    delta_io.append(rows, path)  # version 0
    delta_io.append(rows, path)  # version 1
    spark.sql(f"OPTIMIZE delta.`{path}`")  # version 2: rewrites the rows of 0 and 1 (dataChange false)

    def live(version):  # Delta's own snapshot of that version: the files a reader of it reads
        snapshot = spark.read.format("delta").option("versionAsOf", version).load(path)
        return {f.rsplit("/", 1)[1] for f in snapshot.inputFiles()}

    def names(after):
        found = delta_io.files_added_after(spark, path, after)
        return None if found is None else ({f.rsplit("/", 1)[1] for f in found[0]}, found[1])

    v0, v1 = live(0), live(1) - live(0)
    assert len(live(2)) == 1 and not live(2) & (v0 | v1)  # OPTIMIZE really compacted them into a new file
    assert names(0) == (v1, 2)  # the compacted file holds nothing new: not read
    assert names(None) == (v0 | v1, 2)
    assert names(2) == (set(), 2)
    assert delta_io.latest_version(spark, path) == 2
    (tmp_path / "t" / "_delta_log" / f"{1:020d}.json").unlink()  # log cleanup removed commit 1
    assert names(0) is None  # the caller must read the table itself
