"""lakehouse.gold.incremental: which path a gold run takes, the touched-day predicate, the changed rows."""

from datetime import date

import pytest
from lakehouse.gold import incremental

NEEDS = ("sales",)


def fp(sales: int, code="c1") -> str:
    return f"silver:quarantine_sales@9,sales@{sales};contracts:k1;code:{code};salt:s1"


@pytest.fixture(scope="module")
def silver(spark, tmp_path_factory):
    """silver/sales with commits 0 (create), 1 (append), 2 (full overwrite)."""
    root = tmp_path_factory.mktemp("incremental") / "silver"
    path = str(root / "sales")
    df = spark.createDataFrame([("T1", date(2024, 1, 5))], "transaction_id string, sale_date date")
    df.write.format("delta").save(path)
    df.write.format("delta").mode("append").save(path)
    df.write.format("delta").mode("overwrite").save(path)
    return str(root)


def plan(spark, silver, last, now, rebuild=False, gold="g@1", max_share=1.0):
    return incremental.plan(spark, silver, last, now, gold, NEEDS, rebuild, max_share)


def test_incremental_only_when_everything_since_the_last_build_is_known(spark, silver):
    ok = plan(spark, silver, f"{fp(0)}|g@1", fp(1))
    assert (ok.path, ok.since, ok.now) == ("incremental", {"sales": 0}, {"sales": 1})
    reasons = {
        "rebuild requested": plan(spark, silver, f"{fp(0)}|g@1", fp(1), rebuild=True),
        "no earlier gold build recorded": plan(spark, silver, None, fp(1)),
        "code changed since the last build": plan(spark, silver, f"{fp(0)}|g@1", fp(1, code="c2")),
        "gold tables changed since the last build": plan(spark, silver, f"{fp(0)}|g@1", fp(1), gold="g@2"),
        "silver.sales was overwritten since the last build": plan(spark, silver, f"{fp(0)}|g@1", fp(2)),
        "silver.sales commits since the last build are no longer in its log": plan(
            spark, silver, f"{fp(0)}|g@1", fp(7)
        ),
        "silver.sales is older than the last build read": plan(spark, silver, f"{fp(2)}|g@1", fp(1)),
    }
    assert {reason: (p.path, p.reason) for reason, p in reasons.items()} == {r: ("full", r) for r in reasons}


def test_a_change_larger_than_the_share_rebuilds_in_full(spark, tmp_path):
    """The share is what the commits since the last build wrote over the table's size, both measured here
    as the Parquet files on disk (one file per commit), not from the log the code reads."""
    path = tmp_path / "silver" / "sales"
    schema = "transaction_id string, sale_date date"
    big = [(f"T{i}", date(2024, 1, 1 + i % 28)) for i in range(3000)]
    spark.createDataFrame(big, schema).coalesce(1).write.format("delta").save(str(path))  # commit 0
    for i in (1, 2):  # commits 1 and 2: a small day each
        spark.createDataFrame([(f"N{i}", date(2024, 2, i))], schema).coalesce(1).write.format("delta").mode(
            "append"
        ).save(str(path))
    files = sorted(path.glob("*.parquet"), key=lambda f: f.stat().st_mtime_ns)
    assert len(files) == 3
    sizes = [f.stat().st_size for f in files]
    share = (sizes[1] + sizes[2]) / sum(sizes)
    silver = str(tmp_path / "silver")
    below = plan(spark, silver, f"{fp(0)}|g@1", fp(2), max_share=share * 0.99)
    assert below.path == "full" and f"wrote {share:.0%} of its size" in below.reason, below.reason
    above = plan(spark, silver, f"{fp(0)}|g@1", fp(2), max_share=share * 1.01)
    assert above.path == "incremental", above.reason
    assert plan(spark, silver, f"{fp(1)}|g@1", fp(2), max_share=share * 0.99).path == "incremental"  # one day


def test_touched_days_predicate(spark):
    d = date.fromisoformat
    scope = incremental.Scope(days={d("2024-01-30"), d("2024-01-31"), d("2024-02-01"), d("2024-03-05")})
    days = ["2024-01-29", "2024-01-30", "2024-02-01", "2024-02-02", "2024-03-04", "2024-03-05", "2024-03-09"]
    frame = spark.createDataFrame([(d(x), d(x).replace(day=1)) for x in days], "sale_date date, month date")
    picked = sorted(str(r.sale_date) for r in frame.where(scope.predicate("sale_date")).collect())
    assert picked == ["2024-01-30", "2024-02-01", "2024-03-05"]
    # months holding a touched day: January to February (one run of days), March
    assert frame.where(scope.predicate("month", month=True)).count() == 7
    assert "2024-01-30' AND `sale_date` <= DATE'2024-02-01'" in scope.predicate("sale_date")  # one run, one range
    scope = incremental.Scope(ranges=[(d("2024-02-02"), d("2024-03-05")), (d("2024-03-09"), None)])
    picked = sorted(str(r.sale_date) for r in frame.where(scope.predicate("sale_date")).collect())
    assert picked == ["2024-02-02", "2024-03-04", "2024-03-09"]  # [from, until) and open-ended
    scope = incremental.Scope(ranges=[(d("2024-01-29"), d("2024-02-01"))])  # until 01-31: January only
    assert frame.where(scope.predicate("month", month=True)).count() == 2
    assert frame.where(incremental.Scope().predicate("sale_date")).count() == 0


def test_an_fx_change_touches_its_currency_until_the_next_usable_rate(spark):
    d = date.fromisoformat
    rates = spark.createDataFrame(
        [
            ("2024-01-01", "EUR", 1.10),
            ("2024-01-03", "EUR", 1.20),
            ("2024-01-05", "EUR", 0.0),  # not usable: the 3rd's rate carries on past it
            ("2024-01-08", "eur", 1.30),  # currency codes compare trimmed and upper-cased
            ("2024-01-02", "GBP", 1.25),
            ("2024-01-09", "USD", 1.0),
        ],
        "rate_date string, currency string, rate_to_usd double",
    )
    changed = spark.createDataFrame(
        [("2024-01-03", " eur"), ("2024-01-02", "GBP")], "rate_date string, currency string"
    )
    assert incremental.fx_ranges(changed, rates) == [(d("2024-01-02"), None), (d("2024-01-03"), d("2024-01-08"))]


def test_changed_rows_leave_out_updates_that_change_nothing_gold_reads(spark, tmp_path):
    from delta.tables import DeltaTable
    from lakehouse import delta_io

    path = str(tmp_path / "silver" / "products")
    schema = "product_id string, product_name string, category string, _ingested string"
    spark.createDataFrame([("P1", "Pen", "office", "d1"), ("P2", "Cup", "home", "d1")], schema).write.format(
        "delta"
    ).save(path)
    delta_io.enable_change_feed(spark, path)  # commit 1
    delta_io.enable_change_feed(spark, path)  # already on: no commit
    update = spark.createDataFrame(
        [("P1", "Pen", "office", "d2"), ("P2", "Cup", "kitchen", "d2"), ("P3", "Ink", "office", "d2")], schema
    )
    target = DeltaTable.forPath(spark, path).alias("t")
    target.merge(
        update.alias("s"), "t.product_id = s.product_id"
    ).whenMatchedUpdateAll().whenNotMatchedInsertAll().execute()
    assert delta_io.versions_under(spark, str(tmp_path / "silver")) == {"products": 2}
    p = incremental.Plan("incremental", "", since={"products": 1}, now={"products": 2})
    changed = incremental.changed_rows(spark, str(tmp_path / "silver"), p, "products", ("product_id", "category"))
    # P1's update changed only _ingested; P2's category changed (both of its images), P3 is new
    assert sorted(map(tuple, changed.collect())) == [("P2", "home"), ("P2", "kitchen"), ("P3", "office")]
