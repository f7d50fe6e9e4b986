"""Contract format options and no silent value changes (issue 13, items 1-2).

Each test writes a small landing file with explicit bytes, reads it as bronze does, checks it as
silver does, and says where every record ended: bronze lines, silver rows, quarantine rows with
their reasons, and per file bronze = silver + quarantine + duplicates.
"""

import datetime as dt
from decimal import Decimal
from pathlib import Path

import pytest
import yaml
from lakehouse import bronze, dq, silver
from lakehouse.contracts import parse_contract
from pyspark.sql import functions as F

REPO = Path(__file__).resolve().parents[2]
EXAMPLE = REPO / "docs" / "examples" / "crm_contacts.yaml"


def _contract(fmt="csv", options=None, columns=None):
    raw = {
        "source": "t",
        "entity": "t",
        "format": fmt,
        "business_key": ["id"],
        "columns": columns
        or [
            {"name": "id", "type": "string"},
            {"name": "name", "type": "string"},
            {"name": "qty", "type": "int"},
        ],
        "dq": [
            {"name": "id_complete", "rule": 'IsComplete "id"', "severity": "error", "scope": "row"},
            {"name": "qty_complete", "rule": 'IsComplete "qty"', "severity": "error", "scope": "row"},
        ],
    }
    if options is not None:
        raw[fmt] = options
    return parse_contract(raw, "t.yaml")


def _write(tmp_path, name: str, data: bytes) -> str:
    path = tmp_path / name
    path.write_bytes(data)
    return str(path)


def _bronze(spark, contract, files):
    df, _ = bronze.PARSERS[contract.format](spark, files, contract)
    return df, sorted(df.collect(), key=lambda r: (r["_source_file"], r["_source_line"]))


def _silver(spark, contract, bronze_df):
    """(valid rows, {line: failed checks} of quarantine rows) as silver's check step splits the batch."""
    spark.conf.set("spark.sql.legacy.timeParserPolicy", "CORRECTED")  # as silver.run sets it
    pending = bronze_df.select("*", F.lit("b1").alias("_batch_id"), F.current_timestamp().alias("_ingested_at"))
    checked = silver.check_batch(spark, None, contract, pending)
    valid, quarantine = dq.split(checked.rows)
    valid = sorted(valid.collect(), key=lambda r: r["_source_line"])
    held = {r["_source_line"]: list(r[dq.FAILED]) for r in quarantine.collect()}
    # conservation, per file (one file per call): bronze = silver + quarantine + duplicates
    assert (
        checked.rows_in == bronze_df.count() == len(valid) + len(held) + checked.exact_duplicates + checked.superseded
    )
    for df in checked.cached:
        df.unpersist()
    return valid, held, checked


# Each encoding case below reaches one path: bronze sends a UTF-8 file to the exact reader only when
# a line (header included) is not valid UTF-8; a real U+FFFD is valid UTF-8 and stays on the fast path.
ZOE_LATIN1 = b"Zo\xeb M\xfcller"  # `Zoë Müller` in Latin-1: 5a 6f eb 20 4d fc 6c 6c 65 72


def test_an_invalid_utf8_byte_alone_sends_its_file_to_the_exact_reader_and_its_row_to_quarantine(spark, tmp_path):
    f = _write(tmp_path, "latin1.csv", b"id,name,qty\nA1," + ZOE_LATIN1 + b",1\nA2,tea,2\n")
    contract = _contract()
    assert bronze._undecodable_files(spark, [f]) == [f"file:{f}"]
    df, rows = _bronze(spark, contract, [f])
    assert [(r["_source_line"], r["_invalid_encoding"], r["_raw"]) for r in rows] == [
        (2, True, "A1,Zo\\xeb M\\xfcller,1"),  # the raw text shows the bytes, no U+FFFD
        (3, False, "A2,tea,2"),
    ]
    valid, held, _ = _silver(spark, contract, df)
    assert [(r["id"], r["name"]) for r in valid] == [("A2", "tea")]
    assert held == {2: ["invalid_encoding"]}


def test_a_real_replacement_character_is_data_and_keeps_its_file_on_the_fast_path(spark, tmp_path):
    f = _write(tmp_path, "fffd.csv", b"id,name,qty\nA1,\xef\xbf\xbd kept,1\nA2,tea,2\n")  # U+FFFD in UTF-8
    contract = _contract()
    assert bronze._undecodable_files(spark, [f]) == []
    df, rows = _bronze(spark, contract, [f])
    assert [(r["_source_line"], r["_invalid_encoding"], r["_raw"]) for r in rows] == [
        (2, False, "A1,\ufffd kept,1"),
        (3, False, "A2,tea,2"),
    ]
    valid, held, _ = _silver(spark, contract, df)
    assert [(r["id"], r["name"]) for r in valid] == [("A1", "\ufffd kept"), ("A2", "tea")] and held == {}


def test_an_invalid_byte_and_a_real_replacement_character_in_one_file_are_told_apart(spark, tmp_path):
    data = b"id,name,qty\nA1,caf\xe9,1\nA2,tea,2\nA3,\xef\xbf\xbd kept,3\n"  # line 4: a real U+FFFD in UTF-8
    f = _write(tmp_path, "both.csv", data)
    contract = _contract()
    df, rows = _bronze(spark, contract, [f])
    assert [(r["_source_line"], r["_invalid_encoding"], r["_raw"]) for r in rows] == [
        (2, True, "A1,caf\\xe9,1"),
        (3, False, "A2,tea,2"),
        (4, False, "A3,\ufffd kept,3"),
    ]
    valid, held, _ = _silver(spark, contract, df)
    assert [(r["id"], r["name"]) for r in valid] == [("A2", "tea"), ("A3", "\ufffd kept")]
    assert held == {2: ["invalid_encoding"]}


def test_an_invalid_utf8_byte_in_a_json_line_quarantines_that_line(spark, tmp_path):
    data = b'{"id": "A1", "name": "' + ZOE_LATIN1 + b'", "qty": "1"}\n{"id": "A2", "name": "tea", "qty": "2"}\n'
    f = _write(tmp_path, "latin1.jsonl", data)
    contract = _contract("json")
    df, rows = _bronze(spark, contract, [f])
    assert [(r["_source_line"], r["_invalid_encoding"], r["name"]) for r in rows] == [
        (1, True, "Zo\\xeb M\\xfcller"),
        (2, False, "tea"),
    ]
    valid, held, _ = _silver(spark, contract, df)
    assert [r["id"] for r in valid] == ["A2"] and held == {1: ["invalid_encoding"]}


def test_an_invalid_utf8_byte_in_the_csv_header_is_found_and_shown_in_the_drift(spark, tmp_path):
    f = _write(tmp_path, "header.csv", b"id,n\xe4me,qty\nA1,tea,1\n")  # data rows are valid UTF-8
    assert bronze._undecodable_files(spark, [f]) == [f"file:{f}"]
    df, drift = bronze.parse_csv(spark, [f], _contract())
    # the header is a name, not a record: its bytes show in the drift, the data row is read as usual
    assert drift == [(f, ["n\\xe4me"], ["name"])]
    assert [(r["_source_line"], r["_invalid_encoding"], r["_extra"]) for r in df.collect()] == [
        (2, False, {"n\\xe4me": "tea"})
    ]


def test_latin1_bytes_under_a_latin1_contract_decode_to_the_right_letters(spark, tmp_path):
    f = _write(tmp_path, "latin1.csv", b"id,name,qty\nA1,caf\xe9,1\nA2,na\xefve,2\n")
    contract = _contract(options={"encoding": "latin-1"})
    df, rows = _bronze(spark, contract, [f])
    assert [(r["_source_line"], r["_invalid_encoding"]) for r in rows] == [(2, False), (3, False)]
    valid, held, _ = _silver(spark, contract, df)
    assert [(r["_source_line"], r["name"]) for r in valid] == [(2, "café"), (3, "naïve")] and held == {}


def test_a_quoted_field_spanning_lines_is_one_record_with_its_first_line(spark, tmp_path):
    data = b'id,name,qty\nA1,"line one\nline two",1\nA2,plain,2\n'
    f = _write(tmp_path, "multi.csv", data)
    _, rows = _bronze(spark, _contract(options={"multiline": True}), [f])
    assert [(r["_source_line"], r["name"], r["_corrupt"]) for r in rows] == [
        (2, "line one\nline two", False),
        (4, "plain", False),
    ]
    assert rows[0]["_raw"] == 'A1,"line one\nline two",1'
    # without multiline (the default) the same file is read line by line: two broken halves, kept and flagged
    _, lines = _bronze(spark, _contract(), [f])
    assert [(r["_source_line"], r["_corrupt"]) for r in lines] == [(2, True), (3, True), (4, False)]


def test_delimiter_quote_escape_and_header_false(spark, tmp_path):
    options = {"delimiter": ";", "quote": "'", "escape": "\\", "header": False}
    f = _write(tmp_path, "semi.csv", b"A1;'O\\'Brien; Pat';1\nA2;plain, with comma;2\n")
    _, rows = _bronze(spark, _contract(options=options), [f])
    # no header: fields by position in the contract's order (id, name, qty); line 1 is data
    assert [(r["_source_line"], r["id"], r["name"], r["qty"], r["_corrupt"]) for r in rows] == [
        (1, "A1", "O'Brien; Pat", "1", False),
        (2, "A2", "plain, with comma", "2", False),
    ]


def test_null_tokens_and_unparsable_values_are_told_apart(spark, tmp_path):
    columns = [
        {"name": "id", "type": "string"},
        {"name": "name", "type": "string"},
        {"name": "qty", "type": "int"},
        {"name": "price", "type": "decimal(10,2)"},
        {"name": "day", "type": "date", "formats": ["yyyy-MM-dd"]},
    ]
    contract = _contract(options={"null_values": ["", "NA", "\\N"]}, columns=columns)
    data = (
        b"id,name,qty,price,day\n"
        b"A1,NA,\\N,1.50,2024-01-02\n"  # 2: NA/\N are missing in a string and an int column
        b"A2, NA ,3,NA,2024-01-02\n"  # 3: tokens compare after trim
        b"A3,Bob,3x,1.00,2024-01-02\n"  # 4: present, not an int
        b"A4,Bob,,1.00,2024-01-02\n"  # 5: empty: missing, judged by the completeness rule
        b"A5,Bob,2,1..5,2024-02-30\n"  # 6: bad decimal and a date no declared format parses
        b"A6,Bob,2,2.00,NA\n"  # 7: valid, day missing (no rule on it)
        b"A7,na,4,2.00,2024-01-03\n"  # 8: tokens are case-sensitive: na stays a name
    )
    df, _ = _bronze(spark, contract, [_write(tmp_path, "nulls.csv", data)])
    valid, held, _ = _silver(spark, contract, df)
    assert held == {
        2: ["qty_complete"],
        4: ["qty_unparsable"],
        5: ["qty_complete"],
        6: ["price_unparsable", "day_unparsable"],
    }
    assert [(r["_source_line"], r["name"], r["qty"], r["price"], r["day"]) for r in valid] == [
        (3, None, 3, None, dt.date(2024, 1, 2)),
        (7, "Bob", 2, Decimal("2.00"), None),
        (8, "na", 4, Decimal("2.00"), dt.date(2024, 1, 3)),
    ]
    # each typed column has its unparsable check, recorded in ops.dq_results with the other row checks
    assert [name for name, _ in silver.row_checks(contract)] == [
        "corrupt_record",
        "invalid_encoding",
        "qty_unparsable",
        "price_unparsable",
        "day_unparsable",
    ]


def test_a_json_array_file_gives_one_record_per_element_at_its_first_line(spark, tmp_path):
    contract = _contract("json", {"array": True})
    array = b'[\n  {"id": "A1", "qty": "1"},\n  {"id": "A2",\n   "qty": 2},\n  {"id": "A3", "qty": "x"}\n]\n'
    f = _write(tmp_path, "a.json", array)
    df, rows = _bronze(spark, contract, [f])
    assert [(r["_source_line"], r["id"], r["_corrupt"]) for r in rows] == [
        (2, "A1", False),
        (3, "A2", False),
        (5, "A3", False),
    ]
    assert rows[1]["_raw"] == '{"id": "A2",\n   "qty": 2}'
    valid, held, _ = _silver(spark, contract, df)
    assert [r["id"] for r in valid] == ["A1", "A2"] and held == {5: ["qty_unparsable"]}
    # a broken array keeps what parsed and the rest as one corrupt record; JSON lines still read
    broken = _write(tmp_path, "b.json", b'[{"id": "B1", "qty": 1},\n {"id": "B2", "qty":\n')
    lines = _write(tmp_path, "c.jsonl", b'{"id": "C1", "qty": 1}\n{"id": "C2", "qty": 2}\n')
    _, rows = _bronze(spark, contract, [broken, lines])
    assert [(Path(r["_source_file"]).name, r["_source_line"], r["id"], r["_corrupt"]) for r in rows] == [
        ("b.json", 1, "B1", False),
        ("b.json", 2, None, True),
        ("c.jsonl", 1, "C1", False),
        ("c.jsonl", 2, "C2", False),
    ]


def test_the_readme_example_contract_reads_a_crm_export(spark, tmp_path):
    contract = parse_contract(yaml.safe_load(EXAMPLE.read_text()), EXAMPLE)
    data = (
        "Kundennr;Name;Ort;Angelegt;Besuche;Notiz\n"
        'K1;Zoë Müller;köln;01.02.2024;3;"rief an:\n""bitte zurückrufen"""\n'  # 2-3: multi-line, "" escaped
        "K2;José;NA;15.03.2024;NA;\n"  # 4: NA = missing
        "K3;Ann;Paris;31.02.2024;1;ok\n"  # 5: no such date
        "K4;Bo;Rome;NA;2;x\n"  # 6: date missing: the completeness rule
    ).encode("latin-1")
    df, rows = _bronze(spark, contract, [_write(tmp_path, "export.csv", data)])
    assert [r["_source_line"] for r in rows] == [2, 4, 5, 6]
    valid, held, _ = _silver(spark, contract, df)
    assert [(r["contact_id"], r["full_name"], r["city"], r["visits"], r["notes"]) for r in valid] == [
        ("K1", "Zoë Müller", "Köln", 3, 'rief an:\n"bitte zurückrufen"'),
        ("K2", "José", None, None, None),
    ]
    assert held == {5: ["signup_date_unparsable"], 6: ["signup_date_complete"]}


@pytest.mark.parametrize(
    "options, field, message",
    [
        ({"delimiter": ";;"}, "csv.delimiter", "exactly one character"),
        ({"sep": ";"}, "csv.sep", "unknown option"),
        ({"encoding": "klingon"}, "csv.encoding", "unknown encoding"),
        ({"encoding": "utf-16"}, "csv.encoding", "not ASCII-compatible"),
        ({"null_values": ["NA", 0]}, "csv.null_values", "must be a string"),
        ({"null_values": "NA"}, "csv.null_values", "list of strings"),
        ({"header": "yes"}, "csv.header", "must be a bool"),
        ({"delimiter": '"'}, "csv.quote", "differ from the delimiter"),
    ],
)
def test_invalid_format_options_name_the_file_and_the_option(options, field, message):
    from lakehouse.errors import ContractError

    with pytest.raises(ContractError, match=message) as err:
        _contract(options=options)
    assert err.value.field == field and str(err.value).startswith(f"t.yaml: field '{field}'")


def test_options_of_another_format_are_rejected():
    from lakehouse.errors import ContractError

    raw = yaml.safe_load(EXAMPLE.read_text())
    raw["json"] = {"array": True}
    with pytest.raises(ContractError, match="contract's format is csv") as err:
        parse_contract(raw, "crm.yaml")
    assert err.value.field == "json"


def test_the_exact_reader_splits_bytes_into_records_without_spark():
    from lakehouse.records import split_records

    csv_options = {"encoding": "utf-8", "multiline": True, "array": False, "delimiter": ",", "quote": '"'}
    csv_options["escape"] = '"'
    # CRLF endings, a quoted CRLF inside a field, a blank line (not a record), an undecodable byte
    data = b'a,b\r\n1,"x\r\ny"\r\n\r\n2,caf\xe9\r\n'
    assert split_records(data, "csv", csv_options) == [
        ("a,b", 1, False, False),
        ('1,"x\ny"', 2, False, False),
        ("2,caf\\xe9", 5, True, False),
    ]
    json_options = {**csv_options, "multiline": False, "array": True}
    assert split_records(b'[{"a": 1},\n{"a": 2}] trailing', "json", json_options) == [
        ('{"a": 1}', 1, False, False),
        ('{"a": 2}', 2, False, False),
        ("trailing", 2, False, True),  # text after the array: kept, marked broken (→ corrupt_record)
    ]


def test_a_folder_of_ones_own_contract_runs_bronze_and_silver_and_dq_results_show_values_and_scopes(
    spark, tmp_path, monkeypatch
):
    """LAKEHOUSE_CONTRACTS_DIR = a folder holding one contract, nothing else: silver's metadata columns
    come from the package; two of its rules declare no scope (written before `scope` existed)."""
    from lakehouse import ops
    from lakehouse.config import JobConfig

    contracts = tmp_path / "contracts"
    contracts.mkdir()
    raw = yaml.safe_load(EXAMPLE.read_text())
    for rule in raw["dq"]:
        if rule["name"] in ("signup_date_complete", "has_rows"):
            del rule["scope"]
    (contracts / "crm_contacts.yaml").write_text(yaml.safe_dump(raw))
    monkeypatch.setenv("LAKEHOUSE_CONTRACTS_DIR", str(contracts))
    landing = tmp_path / "lake" / "landing" / "crm_contacts" / "001"
    landing.mkdir(parents=True)
    (landing / "export.csv").write_bytes(
        "Kundennr;Name;Ort;Angelegt;Besuche;Notiz\n"
        "K1;Zoë;Köln;01.02.2024;3;ok\n"  # valid
        "K2;Ann;Rom;01.02.2024;drei;ok\n"  # visits present but not an int
        "K3;Bo;NA;NA;1;ok\n".encode("latin-1")  # signup date missing: the completeness rule
    )
    config = JobConfig(str(tmp_path / "lake"), ("crm_contacts",), "r1")
    bronze.run(spark, config)
    summary = silver.run(spark, config)[0]
    assert summary["quarantined_by_rule"] == {"visits_unparsable": 1, "signup_date_complete": 1}
    assert (summary["rows_in"], summary["valid"], summary["quarantined"]) == (3, 1, 2)
    results = {
        r["rule_name"]: (r["outcome"], r["flagged_rows"], r["scope"], r["scope_from"])
        for r in ops.read(spark, config, "dq_results").where(F.col("entity") == "crm_contacts").collect()
    }
    assert results["visits_unparsable"] == ("Failed", 1, "row", "silver")
    assert results["signup_date_unparsable"] == ("Passed", 0, "row", "silver")
    assert results["invalid_encoding"] == ("Passed", 0, "row", "silver")
    assert results["contact_id_complete"] == ("Passed", 0, "row", "contract")
    assert results["signup_date_complete"] == ("Failed", 1, "row", "rule type")  # defaulted row: quarantined
    assert results["has_rows"] == ("Passed", 0, "dataset", "rule type")
    run = ops.read(spark, config, "pipeline_runs").where(F.col("job") == "silver_clean").first()
    assert (run["rows_in"], run["rows_out"], run["rows_quarantined"], run["duplicates_dropped"]) == (3, 1, 2, 0)
    written = spark.read.format("delta").load(config.paths.silver("crm_contacts")).columns
    assert written[-4:] == ["_batch_id", "_source_file", "_ingested_at", "_processed_at"]  # contracts/silver/
