"""Two MERGEs into one silver table at once (delta_io.merge_upsert from two threads of one session):
the loser retries its commit against the new version, or, out of attempts, fails clearly with nothing of
it committed."""

import threading
import time

from lakehouse import delta_io
from pyspark.sql import functions as F


def _blocked_until(started: str, go: str):
    """A UDF that passes its value through once the file `go` exists, after creating `started`: the MERGE
    evaluating it has read its snapshot and is held there until the other MERGE has committed."""

    def wait(value):
        import os
        import time

        open(started, "a").close()
        deadline = time.time() + 30
        while not os.path.exists(go) and time.time() < deadline:
            time.sleep(0.05)
        return value

    return F.udf(wait, "int")


def _race(spark, tmp_path) -> tuple[str, dict]:
    """v0 {a:1, b:1}; a slow MERGE {a:2, c:2} is overtaken by a fast MERGE {b:3, d:3} (commit v1)."""
    path = str(tmp_path / "silver_sales")
    spark.createDataFrame([("a", 1), ("b", 1)], "id string, v int").write.format("delta").save(path)
    started, go = str(tmp_path / "slow_started"), str(tmp_path / "fast_committed")
    # One partition: the held task takes one of the session's two task slots, the fast MERGE runs in the other.
    slow = (
        spark.createDataFrame([("a", 2), ("c", 2)], "id string, v int")
        .coalesce(1)
        .withColumn("v", _blocked_until(started, go)("v"))
    )
    outcome = {}

    def slow_merge():
        try:
            outcome["metrics"] = delta_io.merge_upsert(spark, slow, path, ["id"])
        except Exception as e:  # noqa: BLE001 - the test inspects it
            outcome["error"] = e

    thread = threading.Thread(target=slow_merge)
    thread.start()
    deadline = time.monotonic() + 60
    while not (tmp_path / "slow_started").exists() and time.monotonic() < deadline:
        time.sleep(0.05)
    delta_io.merge_upsert(spark, spark.createDataFrame([("b", 3), ("d", 3)], "id string, v int"), path, ["id"])
    open(go, "a").close()
    thread.join(120)
    return path, outcome


def _rows(spark, path) -> dict:
    return {r["id"]: r["v"] for r in delta_io.read(spark, path).collect()}


def _operations(spark, path) -> list[str]:
    return [r["operation"] for r in spark.sql(f"DESCRIBE HISTORY delta.`{path}`").orderBy("version").collect()]


def test_the_losing_merge_retries_against_the_new_version_and_both_land(spark, tmp_path, monkeypatch, capsys):
    monkeypatch.setattr(delta_io, "RETRY_PAUSE_SECONDS", 0)
    path, outcome = _race(spark, tmp_path)
    assert "error" not in outcome, outcome.get("error")
    assert "on attempt 1; retrying" in capsys.readouterr().out, "the slow MERGE must really have conflicted"
    # by hand: v0 a=1 b=1; fast upserts b=3, d=3; slow (retried) upserts a=2, c=2
    assert _rows(spark, path) == {"a": 2, "b": 3, "c": 2, "d": 3}
    assert _operations(spark, path) == ["WRITE", "MERGE", "MERGE"], "one commit per MERGE, none lost or doubled"


def test_out_of_attempts_the_merge_fails_clearly_and_committed_nothing(spark, tmp_path, monkeypatch):
    monkeypatch.setattr(delta_io, "WRITE_ATTEMPTS", 1)
    path, outcome = _race(spark, tmp_path)
    error = outcome.get("error")
    assert isinstance(error, delta_io.WriteConflict), error
    assert "conflicted with a concurrent commit 1 times" in str(error) and "Re-run the job" in str(error)
    assert _rows(spark, path) == {"a": 1, "b": 3, "d": 3}, "only v0 and the winner's commit"
    assert _operations(spark, path) == ["WRITE", "MERGE"]
