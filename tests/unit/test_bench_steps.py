"""lake_bench --steps: Spark's event log read back per silver step (bench/lake_bench.py step_profile), on a
hand-written log whose figures are worked out by hand below."""

import json

import pytest

STEP = "lakehouse.step"


def job_start(job, at, stages, step=None, description=None):
    props = {k: v for k, v in ((STEP, step), ("spark.job.description", description)) if v}
    return {
        "Event": "SparkListenerJobStart",
        "Job ID": job,
        "Submission Time": at,
        "Stage IDs": stages,
        "Properties": props,
    }


def stage_done(stage, start, end, run_ms, cpu_ns, rows, shuffle_bytes, ops=("Exchange",), cached=()):
    metrics = {"executorRunTime": run_ms, "executorCpuTime": cpu_ns, "input.recordsRead": rows}
    metrics["shuffle.write.bytesWritten"] = shuffle_bytes
    return {
        "Event": "SparkListenerStageCompleted",
        "Stage Info": {
            "Stage ID": stage,
            "Number of Tasks": 2,
            "Submission Time": start,
            "Completion Time": end,
            "RDD Info": [{"RDD ID": 1, "Scope": json.dumps({"id": "1", "name": op})} for op in ops]
            + [{"RDD ID": rdd, "Storage Level": {"Use Disk": True, "Use Memory": True}} for rdd in cached],
            "Accumulables": [{"Name": f"internal.metrics.{k}", "Value": v} for k, v in metrics.items()],
        },
    }


def block(block_id, memory, disk=0):
    info = {"Block ID": block_id, "Memory Size": memory, "Disk Size": disk}
    return {"Event": "SparkListenerBlockUpdated", "Block Updated Info": info}


def test_jobs_stages_and_cached_blocks_go_to_the_step_that_started_them(lake_bench, tmp_path):
    events = [
        job_start(0, 0, [0], "bronze: before the range"),  # outside [1, 5): not silver's
        stage_done(0, 0, 900, 900, 0, 99, 0),
        {"Event": "SparkListenerJobEnd", "Job ID": 0, "Completion Time": 1_000},
        job_start(1, 10_000, [1, 2], "silver sales: cast"),
        stage_done(1, 10_000, 12_000, 3_000, 2_000_000_000, 500, 0, cached=[7]),  # fills RDD 7
        block("rdd_7_0", 100),
        block("rdd_7_1", 50, 25),
        # a broadcast Spark starts for the same step, overlapping the job above by 1 s
        job_start(2, 13_000, [3], "silver sales: cast", "broadcast exchange (runId 1)"),
        {"Event": "SparkListenerJobEnd", "Job ID": 1, "Completion Time": 14_000},
        stage_done(3, 13_000, 14_500, 1_500, 1_000_000_000, 7, 0),
        {"Event": "SparkListenerJobEnd", "Job ID": 2, "Completion Time": 15_000},
        job_start(3, 20_000, [4], "silver sales: write"),
        stage_done(4, 20_000, 21_000, 800, 0, 0, 0, cached=[7]),  # reads RDD 7
        block("rdd_7_0", 0),  # a block removed (unpersist): its size stays the cast's
        {"Event": "SparkListenerJobEnd", "Job ID": 3, "Completion Time": 21_000},
        job_start(4, 22_000, [5]),  # no step label
        {"Event": "SparkListenerJobEnd", "Job ID": 4, "Completion Time": 22_500},
    ]
    log = tmp_path / "app-1"
    log.write_text("\n".join(json.dumps(e) for e in events) + "\n")

    steps = lake_bench.step_profile(log, 1, 5, {"silver sales: cast": 6.5})

    assert set(steps) == {"silver sales: cast", "silver sales: write", "(no step: unlabelled jobs)"}
    cast = steps["silver sales: cast"]
    assert cast["jobs"] == 2
    assert cast["job_seconds"] == pytest.approx(5.0)  # 10-14 s and 13-15 s: 5 s covered, not 6
    assert cast["wall_seconds"] == 6.5
    assert [s["id"] for s in cast["stages"]] == [1, 3]  # stage 2 skipped (its shuffle reused): never completes
    assert [s["broadcast"] for s in cast["stages"]] == [False, True]
    assert cast["task_s"] == pytest.approx(4.5) and cast["cpu_s"] == pytest.approx(3.0) and cast["gc_s"] == 0
    assert cast["rows_read"] == 507
    assert cast["cached_bytes"] == 175  # rdd_7_0 100 + rdd_7_1 50 in memory + 25 on disk
    write = steps["silver sales: write"]
    assert (write["jobs"], write["job_seconds"], write["cached_bytes"], write["wall_seconds"]) == (1, 1.0, 0, None)
    assert steps["(no step: unlabelled jobs)"]["job_seconds"] == pytest.approx(0.5)
