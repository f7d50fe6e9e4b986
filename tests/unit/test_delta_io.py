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
