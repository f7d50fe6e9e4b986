from pathlib import Path

from delta.tables import DeltaTable
from lakehouse import bronze, delta_io, ops
from lakehouse.config import JobConfig
from lakehouse.contracts import load_contracts
from pyspark.sql import functions as F

from tests.landing_reads import spy_landing_reads

REPO = Path(__file__).resolve().parents[2]
CONTRACTS = load_contracts(REPO / "contracts")


def _write(path: Path, text: str) -> str:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return str(path)


def test_csv_keeps_corrupt_lines_raw_and_records_drift(spark, tmp_path):
    contract = CONTRACTS["fx_rates"]
    f1 = _write(tmp_path / "a.csv", "rate_date,currency,rate_to_usd\n2024-01-02,EUR,1.1\n2024-01-02\n")
    f2 = _write(tmp_path / "b.csv", "rate_date,currency,rate_to_usd,source\n2024-01-03,GBP,1.27,ecb\n")
    df, drift = bronze.parse_csv(spark, [f1, f2], contract)
    rows = sorted(df.collect(), key=lambda r: (r["_source_file"], r["_source_line"]))
    assert [(r["_source_line"], r["currency"], r["_corrupt"]) for r in rows] == [
        (2, "EUR", False),
        (3, None, True),
        (2, "GBP", False),
    ]
    assert rows[1]["_raw"] == "2024-01-02"
    assert rows[2]["_extra"] == {"source": "ecb"} and rows[0]["_extra"] == {}
    assert [(Path(f).name, extra, missing) for f, extra, missing in drift] == [("b.csv", ["source"], [])]


def test_json_keeps_nested_objects_as_text_and_flags_bad_lines(spark, tmp_path):
    contract = CONTRACTS["customers"]
    f = _write(
        tmp_path / "c.jsonl",
        '{"customer_id":"C1","address":{"city":"Paris"},"vip":true}\n{"customer_id": "C2", "addr\n',
    )
    df, drift = bronze.parse_json(spark, [f], contract)
    good, bad = sorted(df.collect(), key=lambda r: r["_source_line"])
    assert good["customer_id"] == "C1" and good["address"] == '{"city":"Paris"}' and not good["_corrupt"]
    assert good["_extra"] == {"vip": "true"}
    assert bad["_corrupt"] and bad["_raw"] == '{"customer_id": "C2", "addr'
    assert drift[0][1] == ["vip"] and "email" in drift[0][2]


def test_ingest_is_idempotent_through_the_file_ledger(spark, job_config):
    lake = Path(job_config.lake_root)
    _write(lake / "landing" / "fx_rates" / "001" / "fx.csv", "rate_date,currency,rate_to_usd\n2024-01-02,EUR,1.1\n")
    config = job_config.__class__(job_config.lake_root, ("fx_rates",), "run-1")
    first = bronze.run(spark, config)
    again = bronze.run(spark, config.__class__(config.lake_root, ("fx_rates",), "run-2"))
    assert (first[0]["files"], first[0]["rows"]) == (1, 1)
    assert (again[0]["files"], again[0]["rows"]) == (0, 0)
    table = delta_io.read(spark, config.paths.bronze("fx_rates"))
    assert table.count() == 1 and table.select("_batch_id").first()[0] == "run-1"
    ledger = ops.read(spark, config, "ingest_ledger").where(F.col("source") == "fx_rates").collect()
    assert [(r["records"], r["batch_id"]) for r in ledger] == [(1, "run-1")]


def test_files_without_a_contract_or_with_the_wrong_suffix_are_reported_not_ingested(spark, job_config, capsys):
    lake = Path(job_config.lake_root)
    _write(lake / "landing" / "fx_rates" / "001" / "notes.txt", "hello\n")
    _write(lake / "landing" / "mystery" / "001" / "m.csv", "a,b\n1,2\n")
    config = job_config.__class__(job_config.lake_root, ("fx_rates",), "run-1")
    result = bronze.run(spark, config)
    out = capsys.readouterr().out
    assert "landing/mystery/ has no contract" in out
    assert [Path(f).name for f in result[0]["skipped_files"]] == ["notes.txt"] and result[0]["rows"] == 0


def test_line_numbers_stay_exact_when_a_file_is_read_as_several_blocks(spark, tmp_path):
    contract = CONTRACTS["fx_rates"]
    body = [f"2024-01-{d:02d},EUR,1.{d:02d}" for d in range(1, 29)]
    f = _write(tmp_path / "big.csv", "rate_date,currency,rate_to_usd\n" + "\n".join(body) + "\n")
    previous = spark.conf.get("spark.sql.files.maxPartitionBytes")
    spark.conf.set("spark.sql.files.maxPartitionBytes", "100")  # ~4 lines per block: 8 parallel blocks
    try:
        lines = bronze._numbered_lines(spark, [f])
        assert lines.rdd.getNumPartitions() > 1  # the file really is split
        df, _ = bronze.parse_csv(spark, [f], contract)
        rows = df.select("_source_line", "rate_to_usd").collect()
    finally:
        spark.conf.set("spark.sql.files.maxPartitionBytes", previous)
    # line n of the file (header = line 1) holds day n - 1: numbers come from the file, not the engine
    assert sorted((r["_source_line"], r["rate_to_usd"]) for r in rows) == [
        (n, f"1.{n - 1:02d}") for n in range(2, len(body) + 2)
    ]


def _landing(relative, size, checksum):
    return delta_io.LandingFile(f"file:/lake/landing/{relative}", relative, size, checksum, ())


def test_deliveries_are_planned_by_path_under_the_landing_root_and_content():
    known = [  # oldest first: a.csv delivered twice (c1 then c2; the ledger row of c2 was lost), b.csv once
        bronze.Delivery("s/a.csv", "c1", 10, "run-1", 3, 1, in_ledger=True),
        bronze.Delivery("s/b.csv", "c3", 12, "run-2", 4, 2, in_ledger=True),
        bronze.Delivery("s/a.csv", "c2", 11, "run-3", 3, 3, in_ledger=False),
    ]
    listed = [
        _landing("s/a.csv", 11, "c2"),  # as held: skipped
        _landing("s/b.csv", 13, "c4"),  # new content under a known name: re-delivery of c3
        _landing("s/c.csv", 10, "c1"),  # content of a.csv's first delivery: duplicate
        _landing("s/d.csv", 20, "c5"),  # new
        _landing("s/e.csv", 20, "c5"),  # the same content as d.csv in the same run: duplicate of d
        _landing("s/f.csv", 99, "c1"),  # same checksum, another size: not the same content
    ]
    plan = bronze.plan_deliveries(listed, known)
    assert [(f.relative, earlier) for f, earlier in plan.ingest] == [
        ("s/b.csv", "c3"),
        ("s/d.csv", None),
        ("s/f.csv", None),
    ]
    assert [(f.relative, same) for f, same in plan.duplicates] == [("s/c.csv", "s/a.csv"), ("s/e.csv", "s/d.csv")]
    assert [(d.file, d.checksum, earlier) for d, earlier in plan.repairs] == [("s/a.csv", "c2", "c1")]


FX = "rate_date,currency,rate_to_usd\n"


def _fx_run(spark, lake: str, run_id: str) -> dict:
    return bronze.run(spark, JobConfig(lake, ("fx_rates",), run_id))[0]


def test_a_run_reads_only_the_landing_files_the_ledger_does_not_know(spark, tmp_path, monkeypatch):
    lake = tmp_path / "lake"
    for day in ("001", "002", "003"):
        _write(lake / "landing" / "fx_rates" / day / "fx.csv", FX + f"2024-01-{day[1:]},EUR,1.1\n")
    _write(lake / "landing" / "fx_rates" / "003" / "notes.txt", "not ingested: never read\n")
    read = spy_landing_reads(monkeypatch)
    first = _fx_run(spark, str(lake), "run-1")
    assert (first["files"], sorted(read)) == (3, [f"fx_rates/{d}/fx.csv" for d in ("001", "002", "003")])

    read.clear()
    new = _write(lake / "landing" / "fx_rates" / "004" / "fx.csv", FX + "2024-01-04,EUR,1.2\n")
    second = _fx_run(spark, str(lake), "run-2")
    # by hand: 3 files known by (path, size, listing tag) from run-1's ledger, 1 new one read
    assert read == ["fx_rates/004/fx.csv"]
    assert (second["files"], second["hashed_files"], second["hashed_bytes"]) == (1, 1, Path(new).stat().st_size)

    read.clear()
    third = _fx_run(spark, str(lake), "run-3")
    assert (read, third["files"], third["hashed_files"]) == ([], 0, 0)


def test_delivered_reads_only_the_bronze_commits_after_the_last_one_the_ledger_covers(spark, tmp_path, monkeypatch):
    lake = tmp_path / "lake"
    config = JobConfig(str(lake), ("fx_rates",), "x")
    table = lake / "bronze" / "fx_rates"
    _write(lake / "landing" / "fx_rates" / "001" / "fx.csv", FX + "2024-01-01,EUR,1.1\n")
    _fx_run(spark, str(lake), "run-1")  # bronze version 0
    _write(lake / "landing" / "fx_rates" / "002" / "fx.csv", FX + "2024-01-02,EUR,1.2\n")
    before = {p.name for p in table.glob("*.parquet")}
    _fx_run(spark, str(lake), "run-2")  # bronze version 1, then run-2's ledger row is lost: a job killed
    run2_files = {p.name for p in table.glob("*.parquet")} - before  # between its bronze and ledger commits
    DeltaTable.forPath(spark, config.paths.ops("ingest_ledger")).delete("batch_id = 'run-2'")

    read, whole = [], []
    original = delta_io.read_files
    monkeypatch.setattr(delta_io, "read_files", lambda s, p, f, schema: read.extend(f) or original(s, p, f, schema))
    monkeypatch.setattr(delta_io, "read_if_exists", lambda s, p: whole.append(p))
    ledger = bronze.ledger_deliveries(spark, config, ["fx_rates"])["fx_rates"]
    assert [(d.file, d.bronze_version) for d in ledger] == [("fx_rates/001/fx.csv", 0)]
    known = bronze.delivered(spark, config, CONTRACTS["fx_rates"], ledger)
    assert ({Path(f).name for f in read}, whole) == (run2_files, [])  # version 1's files only, no whole table
    assert [(d.file, d.batch_id, d.in_ledger) for d in known.deliveries] == [
        ("fx_rates/001/fx.csv", "run-1", True),
        ("fx_rates/002/fx.csv", "run-2", False),
    ]
    assert known.bronze_version == 1

    monkeypatch.undo()
    again = _fx_run(spark, str(lake), "run-3")
    assert (again["files"], again["repaired"]) == (0, 1)  # nothing ingested twice; the lost row written again
    rows = ops.read(spark, config, "ingest_ledger").select("file", "batch_id", "bronze_version").collect()
    assert sorted(tuple(r) for r in rows) == [("fx_rates/001/fx.csv", "run-1", 0), ("fx_rates/002/fx.csv", "run-2", 1)]
