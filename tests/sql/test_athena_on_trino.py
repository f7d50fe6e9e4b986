"""Every athena_sql/ file runs on a real Trino 476 over the fixture lake; answers are asserted
against expectations computed here from the fixture's Python literals (tests/sql/fixture_lake.py).
"""

from __future__ import annotations

import datetime as dt
import re
from collections import Counter, defaultdict
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

import pytest

from lakehouse_local.engines.sqlfiles import render, sql_files
from tests.sql import fixture_lake as fx
from tests.sql.conftest import ATHENA_DIR, LOCAL_ATHENA_VARS

pytestmark = pytest.mark.slow


def athena(name: str) -> str:
    return render((ATHENA_DIR / f"{name}.sql").read_text(), LOCAL_ATHENA_VARS)


def run(trino, name: str) -> list[dict]:
    return trino.query(athena(name)).dicts()


def pct(num, den) -> float:
    """100 * num / den rounded half-up to 2 places (as Trino's round() does)."""
    return float((Decimal(num) * 100 / Decimal(den)).quantize(Decimal("0.01"), ROUND_HALF_UP))


def test_the_local_trino_runs_the_c1_compiler_only(trino):
    """A server for a few queries on a small lake (lakehouse.runtime.jit_flags, default 'quick')."""
    argv = Path(f"/proc/{trino.proc.pid}/cmdline").read_bytes().split(b"\0")
    assert b"-XX:TieredStopAtLevel=1" in argv


def test_every_athena_file_is_covered_here():
    tested = {
        "daily_revenue_wow",
        "top_products_per_category",
        "customer_segments_churn",
        "dq_trend",
        "quarantine_reasons",
        "data_freshness",
        "scd2_customer_as_of",
        "ddl_view_customer_current",
        "ddl_view_sales_enriched",
    }
    assert {p.stem for p in sql_files(ATHENA_DIR)} == tested


def test_daily_revenue_week_over_week(trino):
    rows = run(trino, "daily_revenue_wow")
    # independent: per day from the raw SALES literals (qty * price * fx, rounded per sale)
    day = defaultdict(lambda: {"orders": 0, "units": 0, "revenue": Decimal("0.00"), "unconverted": 0})
    for _tid, d, _store, _prod, _cust, qty, price, _cur, fx_rate, _pay in fx.SALES:
        a = day[dt.date.fromisoformat(d)]
        a["orders"] += 1
        a["units"] += qty
        if fx_rate is None:
            a["unconverted"] += 1
        else:
            a["revenue"] += fx.money(fx.money(price * qty) * fx_rate)
    assert [r["sale_date"] for r in rows] == sorted(day)
    for r in rows:
        a = day[r["sale_date"]]
        assert (r["orders"], r["units"], r["revenue_usd"], r["unconverted_sales"]) == (
            a["orders"],
            a["units"],
            a["revenue"],
            a["unconverted"],
        ), r
        prev = day.get(r["sale_date"] - dt.timedelta(days=7))
        if prev is None:
            assert r["revenue_usd_week_before"] is None and r["wow_change_pct"] is None
        else:
            assert r["revenue_usd_week_before"] == prev["revenue"]
            assert r["wow_change_usd"] == a["revenue"] - prev["revenue"]
            expected = pct(a["revenue"] - prev["revenue"], prev["revenue"]) if prev["revenue"] > 0 else None
            assert r["wow_change_pct"] == expected
    by_day = {r["sale_date"]: r for r in rows}
    # spot values by hand: 8 Mar = 1*12*1.10 + 2*7*1.10 = 28.60 vs 1 Mar 46.20 → -38.10 %
    assert by_day[dt.date(2024, 3, 8)]["revenue_usd"] == Decimal("28.60")
    assert by_day[dt.date(2024, 3, 8)]["wow_change_pct"] == -38.1
    # 10 Mar: the week before (3 Mar) had only an unconverted sale → revenue 0 → no percentage
    assert by_day[dt.date(2024, 3, 10)]["revenue_usd_week_before"] == Decimal("0.00")
    assert by_day[dt.date(2024, 3, 10)]["wow_change_pct"] is None


def test_top_products_per_category(trino):
    rows = run(trino, "top_products_per_category")
    totals: dict[str, dict] = defaultdict(lambda: {"rev": Decimal(0), "units": 0, "orders": 0})
    for _month, pid, orders, units, rev in fx.PRODUCT_MONTHS:
        t = totals[pid]
        t["rev"] += rev
        t["units"] += units
        t["orders"] += orders
    expected = []
    for cat in sorted({fx.CATEGORY[p] for p in totals}):
        pids = sorted((p for p in totals if fx.CATEGORY[p] == cat), key=lambda p: (-totals[p]["rev"], p))
        cat_total = sum(totals[p]["rev"] for p in pids)
        for rank, p in enumerate(pids[:3], 1):
            expected.append(
                (
                    cat,
                    rank,
                    p,
                    totals[p]["rev"],
                    totals[p]["units"],
                    totals[p]["orders"],
                    pct(totals[p]["rev"], cat_total),
                )
            )
    got = [
        (
            r["category"],
            r["rank_in_category"],
            r["product_id"],
            r["revenue_usd"],
            r["units"],
            r["orders"],
            r["pct_of_category_revenue"],
        )
        for r in rows
    ]
    assert got == expected
    # by hand: Coffee all-time leader is the Grinder (600), though Filter Coffee led February;
    # Decaf (100) is 4th and cut; Tea has a 300/300 tie broken by product_id (P03 before P04).
    assert [g[2] for g in got if g[0] == "Coffee"] == ["P07", "P01", "P02"]
    assert [g[2] for g in got if g[0] == "Tea"] == ["P03", "P04", "P05"]
    assert {r["product_name"] for r in rows if r["product_id"] == "P07"} == {"Grinder"}


def test_customer_segments_and_churn(trino):
    rows = run(trino, "customer_segments_churn")
    groups: dict[tuple, list] = defaultdict(list)
    for c in fx.CUSTOMER_360:
        groups[(c[12], c[13])].append(c)
    risk_order = {"high": 1, "medium": 2, "low": 3}
    assert [(r["segment"], r["churn_risk"]) for r in rows] == sorted(groups, key=lambda k: (k[0], risk_order[k[1]]))
    n = len(fx.CUSTOMER_360)
    for r in rows:
        members = groups[(r["segment"], r["churn_risk"])]
        ltv = sum(m[5] for m in members)
        assert r["customers"] == len(members)
        assert r["orders"] == sum(m[4] for m in members)
        assert r["lifetime_value_usd"] == ltv
        assert r["avg_lifetime_value_usd"] == fx.money(ltv / len(members))  # decimal avg, half-up
        assert r["avg_recency_days"] == float(
            (Decimal(sum(m[8] for m in members)) / len(members)).quantize(Decimal("0.1"), ROUND_HALF_UP)
        )
        assert r["pct_of_customers"] == pct(len(members), n)
    champions = next(r for r in rows if r["segment"] == "champions")
    # by hand: 180.40 + 186.25 = 366.65, average 183.325 → 183.33
    assert (champions["customers"], champions["lifetime_value_usd"], champions["avg_lifetime_value_usd"]) == (
        2,
        Decimal("366.65"),
        Decimal("183.33"),
    )


def test_dq_trend(trino):
    rows = run(trino, "dq_trend")
    acc: dict[tuple, list] = defaultdict(list)
    for row in fx.DQ_RESULTS:
        acc[(row[12].date(), row[3])].append(row)
    assert [(r["run_date"], r["entity"]) for r in rows] == sorted(acc)
    for r in rows:
        rs = acc[(r["run_date"], r["entity"])]
        failed = [x for x in rs if x[7] == "Failed"]
        assert r["rules_evaluated"] == len(rs)
        assert r["rules_failed"] == len(failed)
        assert r["error_rules_failed"] == sum(1 for x in failed if x[6] == "error")
        assert r["rules_passed_with_flagged_rows"] == sum(1 for x in rs if x[7] == "Passed" and (x[9] or 0) > 0)
        assert r["rule_row_flags"] == sum(x[9] or 0 for x in rs)
        assert r["distinct_rows_flagged"] == sum({x[0]: x[11] for x in rs}.values())  # once per run
        assert r["pass_rate_pct"] == pct(len(rs) - len(failed), len(rs))
    # by hand: 1 Mar sales (run r1): 4 rules, 2 failed (1 error + 1 warn), IsUnique passed with 2 flagged
    # rows; 2 + 1 + 2 = 5 rule flags but 4 distinct rows (one row fails two rules); 50 % passed.
    # The 23:59:59 customers results stay on 2 Mar (UTC day boundary).
    first = rows[1]
    assert (
        first["run_date"],
        first["entity"],
        first["rules_failed"],
        first["error_rules_failed"],
        first["rules_passed_with_flagged_rows"],
        first["rule_row_flags"],
        first["distinct_rows_flagged"],
        first["pass_rate_pct"],
    ) == (dt.date(2024, 3, 1), "sales", 2, 1, 1, 5, 4, 50.0)
    assert rows[2]["rules_evaluated"] == 2 and rows[2]["entity"] == "customers"
    assert rows[2]["distinct_rows_flagged"] == 3 and rows[2]["rule_row_flags"] == 4
    # 2 Mar sales: runs r2 (0 rows flagged) and r3 (2 rows): the day counts 2
    assert (rows[3]["entity"], rows[3]["distinct_rows_flagged"], rows[3]["rules_evaluated"]) == ("sales", 2, 3)


def test_quarantine_reasons_per_rule(trino):
    rows = run(trino, "quarantine_reasons")
    count, alone, seen = Counter(), Counter(), defaultdict(list)
    for entity, qrows in fx.QUARANTINE.items():
        for rules, when in qrows:
            for rule in rules:
                count[(entity, rule)] += 1
                alone[(entity, rule)] += len(rules) == 1
                seen[(entity, rule)].append(when)
    expected = sorted(count, key=lambda k: (k[0], -count[k], k[1]))
    assert [(r["entity"], r["rule_name"]) for r in rows] == expected
    for r in rows:
        k = (r["entity"], r["rule_name"])
        assert r["quarantined_rows"] == count[k]
        assert r["only_failed_rule"] == alone[k]
        assert r["first_quarantined_at"] == min(seen[k])
        assert r["last_quarantined_at"] == max(seen[k])
    top = rows[[r["entity"] for r in rows].index("sales")]
    assert (top["rule_name"], top["quarantined_rows"], top["only_failed_rule"]) == ("quantity_positive", 3, 2)


def test_data_freshness(trino):
    before = dt.datetime.now(dt.UTC)
    rows = {r["table_name"]: r for r in run(trino, "data_freshness")}
    after = dt.datetime.now(dt.UTC)
    event_col = {
        "sales": "sale_date",
        "customers": "updated_at",
        "fx_rates": "rate_date",
        "web_events": "event_date",
        "products": None,
    }
    expected_tables = {f"silver.{e}" for e in fx.SILVER} | {"gold.fact_sales", "gold.daily_sales"}
    assert set(rows) == expected_tables
    for entity, recs in fx.SILVER.items():
        r = rows[f"silver.{entity}"]
        col = event_col[entity]
        latest = max((x[col] for x in recs), default=None) if col else None
        if isinstance(latest, dt.datetime):
            latest = latest.date()
        last_load = max(x["_processed_at"] for x in recs)
        assert (r["latest_business_date"], r["last_loaded_at"], r["row_count"]) == (
            latest,
            last_load,
            len(recs),
        )
        low = int((before - last_load).total_seconds() // 3600)
        high = int((after - last_load).total_seconds() // 3600)
        assert low <= r["hours_since_last_load"] <= high
    for table, n in (("gold.fact_sales", len(fx.SALES)), ("gold.daily_sales", len(fx.daily_sales_rows()))):
        r = rows[table]
        assert (r["latest_business_date"], r["last_loaded_at"], r["row_count"]) == (
            dt.date(2024, 3, 15),
            None,
            n,
        )
        assert r["days_since_latest_business_date"] in {
            (before.date() - dt.date(2024, 3, 15)).days,
            (after.date() - dt.date(2024, 3, 15)).days,
        }


def _with_lookup(sql: str, customer_id: str, as_of: str) -> str:
    """Replace the two literals of the `lookup` CTE (fails if the file's shape changed)."""
    sql, n1 = re.subn(r"'[^']*' AS customer_id", f"'{customer_id}' AS customer_id", sql)
    sql, n2 = re.subn(r"TIMESTAMP '[^']*' AS as_of", f"TIMESTAMP '{as_of}' AS as_of", sql)
    assert (n1, n2) == (1, 1), "scd2_customer_as_of.sql no longer has its lookup literals"
    return sql


@pytest.mark.parametrize(
    ("customer_id", "as_of"),
    [
        ("C0001", "2024-01-01 00:00:00"),  # first instant of v1
        ("C0001", "2024-02-29 23:59:59"),  # last second of v1
        ("C0001", "2024-03-01 00:00:00"),  # boundary: v2 (valid_from inclusive, valid_to exclusive)
        ("C0001", "2024-03-10 11:59:59"),
        ("C0001", "2024-03-10 12:00:00"),  # current version
        ("C0001", "2030-01-01 00:00:00"),
        ("C0001", "2023-12-31 23:59:59"),  # before the customer existed: no row
        ("C0003", "2024-03-04 00:00:00"),
        ("C0003", "2024-03-05 00:00:00"),
        ("C0002", "2024-02-01 00:00:00"),
        ("C9999", "2024-03-01 00:00:00"),  # unknown customer: no row
    ],
)
def test_scd2_point_in_time_lookup(trino, customer_id, as_of):
    when = fx.ts(as_of)
    expected = [c for c in fx.CUSTOMERS if c[1] == customer_id and c[13] <= when < c[14]]
    rows = trino.query(_with_lookup(athena("scd2_customer_as_of"), customer_id, as_of)).dicts()
    assert [
        (r["customer_sk"], r["loyalty_tier"], r["city"], r["valid_from"], r["valid_to"], r["is_current"]) for r in rows
    ] == [(c[0], c[11], c[7], c[13], c[14], c[15]) for c in expected]


def test_view_customer_current(trino):
    trino.query(athena("ddl_view_customer_current"))
    trino.query(athena("ddl_view_customer_current"))  # CREATE OR REPLACE: re-runnable
    rows = trino.query("SELECT * FROM gold.v_customer_current ORDER BY customer_id").dicts()
    current = sorted((c for c in fx.CUSTOMERS if c[15]), key=lambda c: c[1])
    assert [(r["customer_id"], r["customer_sk"], r["loyalty_tier"], r["current_since"]) for r in rows] == [
        (c[1], c[0], c[11], c[13]) for c in current
    ]


def test_view_sales_enriched(trino):
    trino.query(athena("ddl_view_sales_enriched"))
    rows = {r["transaction_id"]: r for r in trino.query("SELECT * FROM gold.v_sales_enriched").dicts()}
    assert len(rows) == len(fx.SALES)  # left joins to dimensions never fan out
    stores = {s[0]: s for s in fx.STORES}
    products = {p[0]: p for p in fx.PRODUCTS}
    for tid, d, store, prod, _cust, qty, _price, _cur, fx_rate, _pay in fx.SALES:
        r = rows[tid]
        day = dt.date.fromisoformat(d)
        assert (r["store_name"], r["store_city"]) == stores[store][1:]
        assert (r["product_name"], r["category"], r["brand"]) == products[prod][1:4]
        assert (r["year"], r["month"], r["day_name"], r["is_weekend"]) == (
            day.year,
            day.month,
            day.strftime("%A"),
            day.isoweekday() >= 6,
        )
        assert r["quantity"] == qty and r["fx_missing"] == (fx_rate is None)


def test_trino_cli_command_reaches_the_lake(trino):
    """The documented exploration path (`make trino-cli`) uses this CLI command line."""
    import subprocess

    out = subprocess.run(
        [
            *trino.cli_command(),
            "--output-format=CSV_UNQUOTED",
            "--execute",
            "SELECT count(*) FROM gold.fact_sales; SHOW SCHEMAS",
        ],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert out.returncode == 0, out.stderr
    lines = out.stdout.split()
    assert lines[0] == str(len(fx.SALES))
    assert {"bronze", "silver", "gold", "ops"} & set(lines) == {"silver", "gold", "ops"}
