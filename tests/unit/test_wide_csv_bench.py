"""bench/wide_csv.py's generator: the expected counts from its formulas match a hand count of the CSV it writes."""

import csv
import importlib.util
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def wide_csv():
    spec = importlib.util.spec_from_file_location("wide_csv", ROOT / "bench" / "wide_csv.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.mark.parametrize(("rows", "file_rows"), [(5000, 1_000_000), (4_975, 1_234)])
def test_expected_counts_match_a_hand_count(wide_csv, tmp_path, rows, file_rows):
    files = wide_csv.make_csv(tmp_path / "landing", rows, file_rows)
    assert [f.relative_to(tmp_path) for f in files][0].parts[:3] == ("landing", "wide", "001")
    assert len(files) == -(-rows // file_rows)
    records, header = [], None
    for path in files:
        with path.open(newline="") as fh:
            reader = csv.reader(fh)
            head = next(reader)
            assert header in (None, head)
            header = head
            records += [tuple(r) for r in reader]
    assert len(header) == wide_csv.COLUMNS == 16
    assert len(records) == rows
    key = [header.index("store_id"), header.index("receipt_no")]
    distinct = list(dict.fromkeys(records))  # first of each identical record, in order
    keys = {tuple(r[i] for i in key) for r in distinct}
    expected = wide_csv.expected_counts(rows)
    assert expected["exact_duplicates"] == len(records) - len(distinct)
    assert expected["superseded"] == len(distinct) - len(keys)
    assert expected["kept"] == len(keys)
    assert expected["exact_duplicates"] in (rows // 100, rows // 100 + 1)  # about 1 % each
    # every field present except the optional loyalty_id: the data has no faults
    optional = header.index("loyalty_id")
    assert all(v.strip() for r in records for i, v in enumerate(r) if i != optional)


def test_versions_are_newer(wide_csv, tmp_path):
    """A key's second version carries a later updated_at (latest_by keeps it) and differs in a value."""
    (path,) = wide_csv.make_csv(tmp_path / "landing", 200, 1000)
    with path.open(newline="") as fh:
        rows = list(csv.DictReader(fh))
    for older, newer in ((rows[23], rows[73]), (rows[123], rows[173])):
        assert (older["store_id"], older["receipt_no"]) == (newer["store_id"], newer["receipt_no"])
        assert newer["updated_at"] > older["updated_at"]
        assert int(newer["quantity"]) == int(older["quantity"]) + 1
    assert rows[37] == rows[7] and rows[137] == rows[107]
