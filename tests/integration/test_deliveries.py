"""Landing files identified by content under the landing root: moved lakes, corrected re-deliveries,
duplicate deliveries. Small files written here; every expected value is worked out by hand below."""

import hashlib
import shutil
from pathlib import Path

import pytest
from lakehouse import bronze, delta_io, ops, report, silver
from lakehouse.config import JobConfig
from pyspark.sql import functions as F

from lakehouse_local import summary

pytestmark = pytest.mark.slow

HEADER = "rate_date,currency,rate_to_usd\n"
FIRST = HEADER + "2024-01-02,EUR,1.10\n2024-01-02,GBP,1.27\n2024-01-02,JPY,-1\n"  # JPY fails rate_positive
CORRECTED = HEADER + "2024-01-02,EUR,1.12\n2024-01-02,GBP,1.27\n2024-01-02,JPY,0.0067\n"  # EUR and JPY fixed


def _deliver(lake: Path, relative: str, text: str) -> bytes:
    path = lake / "landing" / relative
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(text.encode())
    return text.encode()


def _sha256(data: bytes) -> str:
    return "sha256:" + hashlib.sha256(data).hexdigest()  # independent of the JVM digest bronze uses


def _run(spark, lake, run_id, layers=("bronze", "silver")):
    config = JobConfig(str(lake), ("fx_rates",), run_id)
    out = [bronze.run(spark, config)[0]]
    if "silver" in layers:
        out.append(silver.run(spark, config)[0])
    return out


def _ledger(spark, lake):
    rows = ops.read(spark, JobConfig(str(lake)), "ingest_ledger").collect()
    return sorted(
        (r["file"], r["batch_id"], r["records"], r["size"], r["checksum"], r["redelivery_of"], r["duplicate_of"])
        for r in rows
    )


def test_a_moved_lake_or_another_spelling_of_its_root_re_ingests_nothing(spark, tmp_path):
    lake = tmp_path / "a" / "lake"
    data = _deliver(lake, "fx_rates/001/fx.csv", FIRST)
    first = _run(spark, lake, "run-1", ("bronze",))[0]
    assert (first["files"], first["rows"]) == (1, 3)
    bronze_files = delta_io.read(spark, JobConfig(str(lake)).paths.bronze("fx_rates")).select(
        "_source_file", "_source_size", "_source_checksum"
    )
    assert {tuple(r) for r in bronze_files.collect()} == {("fx_rates/001/fx.csv", len(data), _sha256(data))}

    moved = tmp_path / "b" / "elsewhere"
    shutil.copytree(lake, moved)
    for root in (str(moved), f"file://{moved}"):  # a copied folder; the same folder as a file:// URI
        again = bronze.run(spark, JobConfig(root, ("fx_rates",), "run-2"))[0]
        assert (again["files"], again["rows"], again["duplicates"], again["repaired"]) == (0, 0, [], 0)
    assert delta_io.read(spark, JobConfig(str(moved)).paths.bronze("fx_rates")).count() == 3
    assert _ledger(spark, moved) == [("fx_rates/001/fx.csv", "run-1", 3, len(data), _sha256(data), None, None)]


def test_corrected_redelivery_wins_in_silver_and_a_duplicate_under_another_name_is_reported(spark, tmp_path):
    lake = tmp_path / "lake"
    config = JobConfig(str(lake))
    v1 = _deliver(lake, "fx_rates/001/fx.csv", FIRST)
    _run(spark, lake, "run-1")

    v2 = _deliver(lake, "fx_rates/001/fx.csv", CORRECTED)  # same name, new content
    b2, s2 = _run(spark, lake, "run-2")
    assert (b2["files"], b2["rows"], b2["redelivered"]) == (1, 3, [("fx_rates/001/fx.csv", _sha256(v1))])
    assert (s2["rows_in"], s2["valid"], s2["quarantined"]) == (3, 3, 0)
    fx = delta_io.read(spark, config.paths.silver("fx_rates")).collect()
    got = {r["currency"]: str(r["rate_to_usd"]) for r in fx}
    assert got == {"EUR": "1.12000000", "GBP": "1.27000000", "JPY": "0.00670000"}  # the corrected values won
    q = delta_io.read(spark, config.paths.quarantine("fx_rates")).collect()
    assert [(r["currency"], r["_batch_id"], r["_source_file"]) for r in q] == [("JPY", "run-1", "fx_rates/001/fx.csv")]

    _deliver(lake, "fx_rates/002/fx_copy.csv", FIRST)  # the first content again, under another name
    b3, s3 = _run(spark, lake, "run-3")
    assert (b3["files"], b3["rows"]) == (0, 0)
    assert b3["duplicates"] == [("fx_rates/002/fx_copy.csv", "fx_rates/001/fx.csv")]
    assert s3["rows_in"] == 0
    assert delta_io.read(spark, config.paths.bronze("fx_rates")).count() == 6  # 3 + 3, the copy not counted

    assert _ledger(spark, lake) == [
        ("fx_rates/001/fx.csv", "run-1", 3, len(v1), _sha256(v1), None, None),
        ("fx_rates/001/fx.csv", "run-2", 3, len(v2), _sha256(v2), _sha256(v1), None),
        ("fx_rates/002/fx_copy.csv", "run-3", 0, len(v1), _sha256(v1), None, "fx_rates/001/fx.csv"),
    ]
    # conservation per delivery: bronze rows = published + quarantined (+ dropped), from the run log
    runs = {
        r["run_id"]: (r["rows_in"], r["rows_out"], r["rows_quarantined"], r["duplicates_dropped"])
        for r in ops.read(spark, config, "pipeline_runs").where(F.col("job") == "silver_clean").collect()
    }
    assert runs == {"run-1": (3, 2, 1, 0), "run-2": (3, 3, 0, 0), "run-3": (0, 0, 0, 0)}
    per_batch = {
        r["_batch_id"]: r["count"]
        for r in delta_io.read(spark, config.paths.bronze("fx_rates")).groupBy("_batch_id").count().collect()
    }
    assert per_batch == {"run-1": 3, "run-2": 3}

    counts = report.lake_counts(spark, str(lake))["sources"]["fx_rates"]
    assert (counts["landing_files"], counts["redeliveries"], counts["duplicate_deliveries"]) == (3, 1, 1)
    lines = summary.delivery_lines(spark, str(lake))
    assert lines == [
        f"  fx_rates    fx_rates/001/fx.csv re-delivered with new content in run-2 (replaces {_sha256(v1)[:19]}…)",
        "  fx_rates    fx_rates/002/fx_copy.csv not ingested in run-3: same content as fx_rates/001/fx.csv",
    ]
