import re
import time

import pytest
from lakehouse.progress import stage


def test_stage_prints_start_end_rows_and_rate(capsys):
    with stage("silver sales", heartbeat=60) as s:
        s.rows = 5000
    out = capsys.readouterr().out.splitlines()
    assert out[0] == "[silver sales] started"
    m = re.fullmatch(r"\[silver sales\] done in (\d+\.\d) s: 5,000 rows \(([\d,]+|-) rows/s\)", out[1])
    assert m, out[1]
    assert len(out) == 2


def test_heartbeat_names_the_stage_and_elapsed_time_while_it_runs(capsys, monkeypatch):
    monkeypatch.setattr("lakehouse.progress.MAX_HEARTBEAT_GAP", 0.1)
    with stage("gold fact_sales", heartbeat=0.05):
        time.sleep(0.5)  # beats at ~0.05, 0.15 (gap doubled), then every 0.1 (capped): 0.25, 0.35, 0.45
    out = capsys.readouterr().out.splitlines()
    beats = [line for line in out if "still running" in line]
    assert 3 <= len(beats) <= 6, out
    assert all(re.fullmatch(r"\[gold fact_sales\] still running \(\d+ s\)", b) for b in beats)
    assert out[-1].startswith("[gold fact_sales] done in ") and "rows" not in out[-1]


def test_a_failing_stage_says_so_and_stops_its_heartbeat(capsys):
    with pytest.raises(ValueError), stage("bronze pos_sales", heartbeat=0.05):
        raise ValueError("boom")
    time.sleep(0.15)  # a heartbeat left running would print here
    out = capsys.readouterr().out.splitlines()
    assert out[0] == "[bronze pos_sales] started"
    assert re.fullmatch(r"\[bronze pos_sales\] failed after \d+\.\d s", out[-1])
    assert not any("done" in line or "still running" in line for line in out)


def test_spark_step_labels_the_jobs_inside_and_restores_the_label_around_it(spark):
    from lakehouse.progress import STEP_PROPERTY, spark_step

    sc = spark.sparkContext
    assert sc.getLocalProperty(STEP_PROPERTY) is None
    with spark_step(spark, "outer"):
        with spark_step(spark, "inner"):
            assert sc.getLocalProperty(STEP_PROPERTY) == "inner"
            assert sc.getLocalProperty("spark.job.description") == "inner"  # what the Spark UI shows
        assert sc.getLocalProperty(STEP_PROPERTY) == "outer"
    assert sc.getLocalProperty(STEP_PROPERTY) is None
    assert sc.getLocalProperty("spark.job.description") is None
