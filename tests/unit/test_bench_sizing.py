"""The bench's local Spark sizing per scale (bench/lake_bench.py): enough shuffle partitions that a 20 M
run's silver fits the 3 GB driver, and the runtime's 4 at the default 5 M scale it was measured with."""

import pytest


@pytest.mark.parametrize(
    "sales_lines, partitions",
    # by hand: at most 1.5 M lines per partition, never fewer than 4
    [(505_000, "4"), (5_009_600, "4"), (6_000_000, "4"), (6_000_001, "5"), (20_018_200, "14")],
)
def test_partitions_grow_with_the_sales_lines(lake_bench, monkeypatch, sales_lines, partitions):
    monkeypatch.delenv("LAKEHOUSE_SHUFFLE_PARTITIONS", raising=False)
    assert lake_bench.shuffle_partitions(sales_lines) == partitions


def test_a_set_value_wins(lake_bench, monkeypatch):
    monkeypatch.setenv("LAKEHOUSE_SHUFFLE_PARTITIONS", "8")
    assert lake_bench.shuffle_partitions(20_018_200) == "8"


@pytest.mark.parametrize("bad", ["", "0", "many", "-2"])
def test_a_set_value_that_is_no_partition_count_stops_the_bench_naming_it(lake_bench, monkeypatch, bad):
    monkeypatch.setenv("LAKEHOUSE_SHUFFLE_PARTITIONS", bad)
    with pytest.raises(SystemExit, match=f"LAKEHOUSE_SHUFFLE_PARTITIONS='{bad}': expected a whole number"):
        lake_bench.shuffle_partitions(20_018_200)
