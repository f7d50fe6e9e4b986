import csv
import hashlib
import json

import pytest

from lakehouse_local.sample_data import FAULT_RULES, generate


def _digest(folder):
    h = hashlib.sha256()
    for p in sorted(folder.rglob("*")):
        if p.is_file():
            h.update(p.relative_to(folder).as_posix().encode())
            h.update(p.read_bytes())
    return h.hexdigest()


def test_same_seed_same_bytes_other_seed_other_data(tmp_path):
    generate(tmp_path / "a", rows=300, batches=2, seed=1)
    generate(tmp_path / "b", rows=300, batches=2, seed=1)
    generate(tmp_path / "c", rows=300, batches=2, seed=2)
    assert _digest(tmp_path / "a") == _digest(tmp_path / "b") != _digest(tmp_path / "c")


def test_ledger_counts_match_the_files_written(tmp_path):
    ledger = generate(tmp_path, rows=900, batches=3, seed=3)
    for source, s in ledger["sources"].items():
        lines = 0
        for batch in s["per_batch"].values():
            path = next(tmp_path.glob(f"drops/*/{source}/{batch['file']}"))
            n = len(path.read_text().splitlines()) - (1 if path.suffix == ".csv" else 0)
            assert n == batch["records"]
            lines += n
        assert lines == s["landing_records"]
        # every kind of fault the contracts must catch was injected at least once
        for kind in FAULT_RULES[source]:
            assert len(s["faults"].get(kind, [])) >= 1, (source, kind)
    sales = ledger["sources"]["pos_sales"]
    truth = list(csv.DictReader((tmp_path / "truth" / "sales.csv").open()))
    assert len(truth) == sales["silver_rows"] == len({r["transaction_id"] for r in truth})
    assert (
        sales["valid_rows"]
        == sales["landing_records"] - sales["quarantined_rows"] - sales["exact_duplicates"] - sales["superseded"]
    )
    assert sales["drift_files"] == ["pos_sales_002.csv", "pos_sales_003.csv"]
    assert json.loads((tmp_path / "ledger.json").read_text()) == json.loads(json.dumps(ledger, default=str))


def test_rejects_sizes_it_cannot_honour(tmp_path):
    with pytest.raises(ValueError, match="--rows"):
        generate(tmp_path, rows=10)
    with pytest.raises(ValueError, match="--batches"):
        generate(tmp_path, rows=100, batches=0)
