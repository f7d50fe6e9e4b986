"""Quarantine replay (lakehouse.replay) on small landing files written here, through the real bronze and silver.

Batch b1: products P1; sales T1 (P1, valid), T2 (P2 unknown yet), T3 (P2 unknown and quantity -1),
T4 (P3 unknown yet), T5 (P9, never delivered). Batch b2: products P2, P3; a newer T4 (P1, valid).
Quarantine after b2, by hand: T2, T3, T4 (old), T5 — unknown_product_id 4 rows, quantity_positive 1.
"""

import json
import shutil
from datetime import datetime
from decimal import Decimal
from pathlib import Path

import pytest
from lakehouse import bronze, delta_io, ops, replay, silver
from lakehouse.config import JobConfig
from lakehouse.report import lake_counts
from pyspark.sql import functions as F

from lakehouse_local import replay as local_replay

REPO = Path(__file__).resolve().parents[2]
SALES_HEADER = (
    "transaction_id,date,store_id,store_name,city,product_id,product_name,category,customer_id,customer_name,"
    "quantity_sold,unit_price,total_amount,payment_method,currency"
)
PRODUCTS_HEADER = "product_id,product_name,category,brand,unit_cost,list_price"

# Replays of a generated lake, each a silver and gold run: `make test-long`, which CI runs after `make test`.
pytestmark = pytest.mark.long


def sale(tid, product, qty, price, total, date="2024-03-01"):
    return f"{tid},{date},S1,Store One,paris,{product},Thing,toys,C1,Ann Lee,{qty},{price},{total},card,EUR"


def deliver(lake: Path, batch: str, files: dict[str, list[str]]) -> None:
    for source, lines in files.items():
        header = SALES_HEADER if source == "pos_sales" else PRODUCTS_HEADER
        path = lake / "landing" / source / batch / f"{source}.csv"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text("\n".join([header, *lines]) + "\n")


def run_batch(spark, lake: Path, batch: str, sources) -> None:
    config = JobConfig(str(lake), tuple(sources), batch)
    bronze.run(spark, config)
    silver.run(spark, config)


@pytest.fixture(scope="module")
def late_product_lake(spark, tmp_path_factory):
    """The lake after b1 and b2 (built once; each test replays on its own copy)."""
    lake = tmp_path_factory.mktemp("replay") / "lake"
    deliver(
        lake,
        "b1",
        {
            "products": ["P1,Ball,toys,Acme,1.00,2.00"],
            "pos_sales": [
                sale("T1", "P1", 2, "10.00", "20.00"),
                sale("T2", "P2", 1, "5.50", "5.50"),
                sale("T3", "P2", -1, "5.00", "-5.00"),
                sale("T4", "P3", 3, "1.00", "3.00"),
                sale("T5", "P9", 1, "2.00", "2.00"),
            ],
        },
    )
    run_batch(spark, lake, "b1", ["products", "pos_sales"])
    deliver(
        lake,
        "b2",
        {
            "products": ["P2,Kite,toys,Acme,2.00,5.50", "P3,Yo-yo,toys,Acme,0.50,1.00"],
            "pos_sales": [sale("T4", "P1", 4, "1.00", "4.00", date="2024-03-02")],
        },
    )
    run_batch(spark, lake, "b2", ["products", "pos_sales"])
    return lake


@pytest.fixture
def lake(late_product_lake, tmp_path):
    copy = tmp_path / "lake"
    shutil.copytree(late_product_lake, copy)
    return copy


def quarantine(spark, lake) -> dict:
    """transaction_id → (failed rules, released by run) of every quarantine row (all rows, released or not)."""
    q = delta_io.read(spark, JobConfig(str(lake)).paths.quarantine("sales"))
    released = "_released_by_run" if "_released_by_run" in q.columns else F.lit(None)
    return {r[0]: (r[1], r[2]) for r in q.select("transaction_id", "_dq_failed_rules", released).collect()}


def silver_sales(spark, lake) -> dict:
    s = delta_io.read(spark, JobConfig(str(lake)).paths.silver("sales"))
    return {r[0]: tuple(r[1:]) for r in s.select("transaction_id", "product_id", "quantity", "total_amount").collect()}


def test_the_lake_before_replay_is_as_counted_by_hand(spark, late_product_lake):
    assert quarantine(spark, late_product_lake) == {
        "T2": (["unknown_product_id"], None),
        "T3": (["quantity_positive", "unknown_product_id"], None),
        "T4": (["unknown_product_id"], None),
        "T5": (["unknown_product_id"], None),
    }
    assert silver_sales(spark, late_product_lake) == {
        "T1": ("P1", 2, Decimal("20.00")),
        "T4": ("P1", 4, Decimal("4.00")),
    }


def test_a_late_product_releases_its_sale_and_a_second_replay_releases_nothing(spark, lake, capsys):
    config = JobConfig(str(lake), run_id="replay-1")
    result = replay.run(spark, config, "sales")

    # T2 and T4 now pass; T4's silver row is newer (b2) and stays; T3 and T5 still fail
    assert (result.selected, result.released, result.still_quarantined) == (4, 2, 2)
    assert (result.inserted, result.updated, result.refreshed, result.not_replayed) == (1, 0, 2, 0)
    assert result.by_rule == {
        "unknown_product_id": {"before": 4, "released": 2, "still": 2},
        "quantity_positive": {"before": 1, "released": 0, "still": 1},
    }
    assert result.now_failing == {"quantity_positive": 1, "unknown_product_id": 1}
    assert silver_sales(spark, lake) == {
        "T1": ("P1", 2, Decimal("20.00")),
        "T2": ("P2", 1, Decimal("5.50")),  # the released sale, with its own values
        "T4": ("P1", 4, Decimal("4.00")),  # the newer version, not the old released one
    }
    t2 = delta_io.read(spark, config.paths.silver("sales")).where("transaction_id = 'T2'").first()
    assert (t2["sale_date"].isoformat(), t2["_batch_id"], t2["customer_name"]) == ("2024-03-01", "b1", "Ann Lee")
    # still present, marked released with the run id; T3's reasons refreshed (its product now exists)
    assert quarantine(spark, lake) == {
        "T2": (["unknown_product_id"], "replay-1"),
        "T3": (["quantity_positive"], None),
        "T4": (["unknown_product_id"], "replay-1"),
        "T5": (["unknown_product_id"], None),
    }
    released_at = delta_io.read(spark, config.paths.quarantine("sales")).where("transaction_id = 'T2'").first()
    assert isinstance(released_at["_released_at"], datetime)
    run = ops.read(spark, config, "pipeline_runs").where("job = 'silver_replay' AND run_id = 'replay-1'").first()
    assert (run["dataset"], run["rows_in"], run["rows_out"], run["rows_quarantined"]) == ("sales", 4, 2, 2)

    counted = lake_counts(spark, str(lake))["sources"]["pos_sales"]  # the run summary counts held rows only
    assert (counted["quarantined"], counted["released"]) == (2, 2)
    assert counted["reasons"] == {"quantity_positive": 1, "unknown_product_id": 1}

    assert result.lines()[0].startswith(
        "silver_replay sales: quarantined before 4 = released 2 + still quarantined 2; silver inserted 1, "
        "updated 0, kept newer 1;"
    )

    # the documented command, through the silver Glue script's --replay_entity: nothing new to release
    capsys.readouterr()
    assert local_replay.main(["--entity", "sales", "--lake", str(lake)]) == 0
    assert "silver_replay sales: quarantined before 2 = released 0 + still quarantined 2;" in capsys.readouterr().out
    assert quarantine(spark, lake)["T2"] == (["unknown_product_id"], "replay-1")
    assert len(silver_sales(spark, lake)) == 3


def test_filters_touch_only_matching_rows(spark, lake):
    by_rule = replay.run(spark, JobConfig(str(lake), run_id="replay-rule"), "sales", rule="quantity_positive")
    assert (by_rule.selected, by_rule.released, by_rule.still_quarantined) == (1, 0, 1)
    assert quarantine(spark, lake) == {
        "T2": (["unknown_product_id"], None),  # not selected: untouched, though it would pass now
        "T3": (["quantity_positive"], None),
        "T4": (["unknown_product_id"], None),
        "T5": (["unknown_product_id"], None),
    }
    other_batch = replay.run(spark, JobConfig(str(lake), run_id="replay-b2"), "sales", batch_id="b2")
    assert (other_batch.selected, other_batch.released) == (0, 0)
    one = replay.run(spark, JobConfig(str(lake), run_id="replay-b1"), "sales", rule="unknown_product_id", batch_id="b1")
    assert (one.selected, one.released, one.still_quarantined) == (3, 2, 1)  # T2, T4, T5 (T3 lost that rule)
    assert "T2" in silver_sales(spark, lake)


def test_a_quarantine_table_without_the_release_columns_gains_them(spark, lake):
    q_path = JobConfig(str(lake)).paths.quarantine("sales")
    old = delta_io.read(spark, q_path).drop("_released_at", "_released_by_run")
    delta_io.overwrite(old.localCheckpoint(), q_path)  # as written before the columns existed
    assert "_released_at" not in delta_io.read(spark, q_path).columns
    result = replay.run(spark, JobConfig(str(lake), run_id="replay-old"), "sales")
    assert (result.selected, result.released) == (4, 2)
    assert quarantine(spark, lake)["T2"] == (["unknown_product_id"], "replay-old")


def test_a_fixed_contract_applies_and_scd2_versions_get_the_released_row(spark, tmp_path, monkeypatch):
    lake = tmp_path / "lake"
    path = lake / "landing" / "customers" / "b1" / "customers.jsonl"
    path.parent.mkdir(parents=True)
    customer = {
        "first_name": "ann",
        "last_name": "lee",
        "email": "ann@example.com",
        "phone": "0612345678",
        "address": {"street": "1 Main St", "city": "paris", "state": "IDF", "postcode": "75001", "country": "fr"},
        "loyalty_tier": "gold",
        "signup_date": "2024-01-01",
    }
    path.write_text(
        json.dumps({**customer, "customer_id": "C1", "updated_at": "2024-02-01T10:00:00Z"})
        + "\n"
        + json.dumps({**customer, "customer_id": "C2", "updated_at": "2024/02/03 09:30:00"})
        + "\n"
    )
    run_batch(spark, lake, "b1", ["customers"])
    config = JobConfig(str(lake))
    assert quarantine_ids(spark, config) == {"C2": ["updated_at_unparsable"]}  # a date format the contract lacks

    contracts = tmp_path / "contracts"
    shutil.copytree(REPO / "contracts", contracts)
    customers = contracts / "customers.yaml"
    text = customers.read_text()
    fixed = text.replace('"yyyy-MM-dd HH:mm:ss"]', '"yyyy-MM-dd HH:mm:ss", "yyyy/MM/dd HH:mm:ss"]')
    assert fixed != text
    customers.write_text(fixed)

    # A replay killed after its silver and versions commits, before it marks the quarantine: the state a
    # SIGKILL there leaves (the mark is its last commit). Running it again must not log C2's version twice.
    def killed(*args, **kwargs):
        raise KeyboardInterrupt("killed before the quarantine mark")

    monkeypatch.setattr(delta_io, "update_matched", killed)
    with pytest.raises(KeyboardInterrupt):
        replay.run(spark, JobConfig(str(lake), run_id="replay-killed", contracts_dir=str(contracts)), "customers")
    monkeypatch.undo()
    assert quarantine_ids(spark, config) == {"C2": ["updated_at_unparsable"]}  # not marked: selected again

    result = replay.run(spark, JobConfig(str(lake), run_id="replay-c", contracts_dir=str(contracts)), "customers")
    assert (result.selected, result.released, result.inserted) == (1, 1, 0)  # the killed run inserted it
    for table in ("customers", "customers_versions"):
        rows = delta_io.read(spark, config.paths.silver(table)).where("customer_id = 'C2'").collect()
        assert [r["updated_at"] for r in rows] == [datetime(2024, 2, 3, 9, 30)], table
    q = delta_io.read(spark, config.paths.quarantine("customers")).collect()
    assert [(r["customer_id"], r["_released_by_run"]) for r in q] == [("C2", "replay-c")]


def quarantine_ids(spark, config) -> dict:
    q = delta_io.read(spark, config.paths.quarantine("customers"))
    return {r["customer_id"]: r["_dq_failed_rules"] for r in q.collect()}
