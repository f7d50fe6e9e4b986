"""Gold on the whole local chain (generator → bronze → silver → gold, 3 batches), checked
against an independent plain-Python computation from the generator's truth/*.csv."""

import csv
import hashlib
import math
import os
from collections import defaultdict
from datetime import date, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow

OPEN = datetime(9999, 12, 31)
TRACKED = ["email", "phone", "street", "city", "state", "postcode", "country", "loyalty_tier", "last_name"]
CENT = Decimal("0.01")


# ------------------------------------------------------------------ the chain
@pytest.fixture(scope="module")
def chain(spark, chain_lake):
    """The shared chain run (tests/conftest.py: generator + local_run over 3 batches)."""
    lake, _ledger = chain_lake
    return spark, lake, Path(lake) / "sample" / "truth"


def salt() -> str:
    """The salt the chain's gold job used (conftest/local_run set it in the environment)."""
    return os.environ["LAKEHOUSE_PII_SALT"]


def gold(spark, lake, table):
    return spark.read.format("delta").load(f"{lake}/gold/{table}")


def read_csv(path: Path) -> list[dict]:
    with path.open(newline="") as f:
        return list(csv.DictReader(f))


def d(s: str) -> date:
    return date.fromisoformat(s[:10])


def ts(s: str) -> datetime:
    return datetime.fromisoformat(s.replace("Z", "+00:00")).replace(tzinfo=None)


# ------------------------------------------------------------------ independent truth computation
def expected_fx(truth: Path):
    rates = defaultdict(dict)
    for r in read_csv(truth / "fx_rates.csv"):
        rates[r["currency"]][d(r["rate_date"])] = Decimal(r["rate_to_usd"])

    def convert(currency: str, day: date, amount: Decimal):
        if currency == "USD":
            return Decimal(1), day, amount.quantize(CENT, ROUND_HALF_UP)
        known = [k for k in rates.get(currency, {}) if k <= day]
        if not known:
            return None, None, None
        rd = max(known)
        return rates[currency][rd], rd, (amount * rates[currency][rd]).quantize(CENT, ROUND_HALF_UP)

    return convert


def expected_sales(truth: Path) -> dict[str, dict]:
    convert = expected_fx(truth)
    products = {p["product_id"]: p for p in read_csv(truth / "products.csv")}
    out = {}
    for s in read_csv(truth / "sales.csv"):
        rate, rate_date, usd = convert(s["currency"], d(s["sale_date"]), Decimal(s["total_amount"]))
        p = products.get(s["product_id"], {})
        out[s["transaction_id"]] = {
            **s,
            "day": d(s["sale_date"]),
            "qty": int(s["quantity"]),
            "rate": rate,
            "rate_date": rate_date,
            "usd": usd,
            "missing": rate is None,
            "cat": p.get("category") or s["category"],
            "pname": p.get("product_name") or s["product_name"],
        }
    return out


def expected_versions(truth: Path, include_late: bool) -> dict[str, list[dict]]:
    """customer → SCD2 versions [{valid_from, valid_to, attrs}] from the delivered versions."""
    by_key = defaultdict(dict)
    for c in read_csv(truth / "customers.csv"):
        if c["delivery"] == "late" and not include_late:
            continue
        by_key[c["customer_id"]][ts(c["updated_at"])] = c
    out = {}
    for cid, deliveries in by_key.items():
        versions = []
        for when in sorted(deliveries):
            c = deliveries[when]
            if versions and all(versions[-1]["row"][a] == c[a] for a in TRACKED):
                continue
            versions.append({"valid_from": when, "row": c})
        for i, v in enumerate(versions):
            v["valid_to"] = versions[i + 1]["valid_from"] if i + 1 < len(versions) else OPEN
        out[cid] = versions
    return out


def h(value: str) -> str | None:
    return hashlib.sha256((salt() + value).encode()).hexdigest() if value else None


def mask(value: str) -> str | None:
    if not value:
        return None
    return value[0] + "***@" + value.split("@")[-1] if "@" in value else value[0] + "***"


def scores(values: dict[str, float], higher_is_better: bool) -> dict[str, int]:
    """1 + floor(5 * (rank - 1) / n), rank 1 = worst, ties share the lowest rank."""
    n = len(values)
    out = {}
    for k, v in values.items():
        worse = sum(1 for w in values.values() if (w < v if higher_is_better else w > v))
        out[k] = 1 + math.floor(5 * worse / n)
    return out


# ------------------------------------------------------------------ tests
def test_fact_sales_matches_truth(chain):
    spark, lake, truth = chain
    exp = expected_sales(truth)
    got = {r.transaction_id: r for r in gold(spark, lake, "fact_sales").collect()}
    assert set(got) == set(exp)
    for tid, e in exp.items():
        g = got[tid]
        assert (g.sale_date, g.store_id, g.product_id, g.customer_id, g.quantity, g.currency) == (
            e["day"],
            e["store_id"],
            e["product_id"],
            e["customer_id"],
            e["qty"],
            e["currency"],
        ), tid
        assert g.amount_local == Decimal(e["total_amount"]), tid
        assert (g.fx_rate, g.fx_rate_date, g.amount_usd, g.fx_missing) == (
            e["rate"],
            e["rate_date"],
            e["usd"],
            e["missing"],
        ), tid
    missing = sum(e["missing"] for e in exp.values())
    assert missing > 0  # the generator's CHF store has no published rates


def test_daily_sales_matches_truth(chain):
    spark, lake, truth = chain
    exp = defaultdict(lambda: [0, 0, Decimal(0), 0])
    for e in expected_sales(truth).values():
        a = exp[(e["day"], e["store_id"], e["cat"])]
        a[0] += 1
        a[1] += e["qty"]
        a[2] += e["usd"] or 0
        a[3] += e["missing"]
    got = {
        (r.sale_date, r.store_id, r.category): [r.orders, r.units, r.revenue_usd, r.unconverted_sales]
        for r in gold(spark, lake, "daily_sales").collect()
    }
    assert got == {k: [v[0], v[1], Decimal(v[2]).quantize(CENT), v[3]] for k, v in exp.items()}


def test_product_performance_matches_truth(chain):
    spark, lake, truth = chain
    exp = defaultdict(lambda: {"orders": 0, "units": 0, "rev": Decimal(0)})
    for e in expected_sales(truth).values():
        a = exp[(e["day"].replace(day=1), e["product_id"])]
        a.update(name=e["pname"], cat=e["cat"])
        a["orders"] += 1
        a["units"] += e["qty"]
        a["rev"] += e["usd"] or 0
    for (month, _pid), a in exp.items():
        peers = [b["rev"] for (m, _), b in exp.items() if m == month and b["cat"] == a["cat"]]
        a["rank"] = 1 + sum(1 for r in peers if r > a["rev"])
    got = {(r.month, r.product_id): r for r in gold(spark, lake, "product_performance").collect()}
    assert set(got) == set(exp)
    for k, a in exp.items():
        g = got[k]
        assert (g.product_name, g.category, g.orders, g.units, g.revenue_usd, g.category_rank) == (
            a["name"],
            a["cat"],
            a["orders"],
            a["units"],
            a["rev"].quantize(CENT),
            a["rank"],
        ), k


def test_customer_360_matches_truth(chain):
    spark, lake, truth = chain
    sales = list(expected_sales(truth).values())
    as_of = max(e["day"] for e in sales)
    per = defaultdict(list)
    for e in sales:
        per[e["customer_id"]].append(e)
    latest = {}
    for c in read_csv(truth / "customers.csv"):
        if c["customer_id"] not in latest or ts(c["updated_at"]) > ts(latest[c["customer_id"]]["updated_at"]):
            latest[c["customer_id"]] = c
    web = defaultdict(list)
    for w in read_csv(truth / "web_events.csv"):
        if w["customer_id"]:
            web[w["customer_id"]].append(w)
    buyers = {
        cid: {
            "rec": (as_of - max(e["day"] for e in es)).days,
            "freq": len(es),
            "mon": sum((e["usd"] or 0) for e in es),
        }
        for cid, es in per.items()
    }
    r = scores({k: v["rec"] for k, v in buyers.items()}, higher_is_better=False)
    f = scores({k: v["freq"] for k, v in buyers.items()}, higher_is_better=True)
    m = scores({k: v["mon"] for k, v in buyers.items()}, higher_is_better=True)

    got = {row.customer_id: row for row in gold(spark, lake, "customer_360").collect()}
    assert set(got) == set(latest) | set(per)
    for cid, g in got.items():
        es = per.get(cid, [])
        usd = [e["usd"] for e in es if not e["missing"]]
        assert (g.orders, g.frequency) == (len(es), len(es)), cid
        assert g.lifetime_value_usd == g.monetary == Decimal(sum(usd)).quantize(CENT), cid
        aov = (sum(usd) / len(usd)).quantize(CENT, ROUND_HALF_UP) if usd else None
        assert g.avg_order_value_usd == aov, cid
        if cid in latest:
            assert (g.loyalty_tier, g.city, g.country) == (
                latest[cid]["loyalty_tier"],
                latest[cid]["city"],
                latest[cid]["country"],
            ), cid
        ws = web.get(cid, [])
        assert (g.web_sessions, g.web_events) == (len({w["session_id"] for w in ws}), len(ws)), cid
        assert g.last_web_event_ts == (max(ts(w["event_ts"]) for w in ws) if ws else None), cid
        if es:
            assert (g.first_order_date, g.last_order_date) == (
                min(e["day"] for e in es),
                max(e["day"] for e in es),
            )
            assert g.recency_days == buyers[cid]["rec"], cid
            assert (g.r_score, g.f_score, g.m_score) == (r[cid], f[cid], m[cid]), cid
            rs, fs, ms = r[cid], f[cid], m[cid]
            assert g.segment == (
                "champions"
                if rs >= 4 and fs >= 4 and ms >= 4
                else "loyal"
                if fs >= 4 and rs >= 3
                else "new"
                if rs >= 4 and fs <= 2
                else "at_risk"
                if rs <= 2 and fs >= 3
                else "hibernating"
                if rs <= 2
                else "potential"
            ), cid
            assert g.churn_risk == (
                "high"
                if r[cid] == 1 or g.recency_days > 90
                else "medium"
                if r[cid] == 2 or g.recency_days > 30
                else "low"
            ), cid
        else:
            assert (g.segment, g.churn_risk, g.r_score) == ("prospect", "high", 1), cid


def test_dimensions_match_truth(chain):
    spark, lake, truth = chain
    sales = list(expected_sales(truth).values())
    days = {r.date for r in gold(spark, lake, "dim_date").collect()}
    lo, hi = min(e["day"] for e in sales), max(e["day"] for e in sales)
    assert days == {lo + timedelta(days=i) for i in range((hi - lo).days + 1)}
    products = {p["product_id"]: p for p in read_csv(truth / "products.csv")}
    got = {r.product_id: r for r in gold(spark, lake, "dim_product").collect()}
    assert set(got) == set(products)
    for pid, p in products.items():
        assert (got[pid].category, got[pid].list_price) == (p["category"], Decimal(p["list_price"])), pid
    stores = {r.store_id: (r.store_name, r.city) for r in gold(spark, lake, "dim_store").collect()}
    assert stores == {e["store_id"]: (e["store_name"], e["city"]) for e in sales}


def test_dim_customer_scd2_history_matches_truth(chain):
    """≥3 batches: changes close/open versions, unchanged re-deliveries add nothing; late versions
    (only visible to gold when silver keeps every valid version) sit between their neighbours."""
    spark, lake, truth = chain
    from lakehouse import delta_io
    from lakehouse.gold.job import VERSIONS_ENTITY

    assert delta_io.exists(spark, f"{lake}/silver/{VERSIONS_ENTITY}"), "silver keeps every valid customer version"
    exp = expected_versions(truth, include_late=True)
    rows = gold(spark, lake, "dim_customer").collect()
    got = defaultdict(list)
    for row in rows:
        got[row.customer_id].append(row)
    assert set(got) == set(exp)
    for cid, versions in exp.items():
        g = sorted(got[cid], key=lambda x: x.valid_from)
        assert [(x.valid_from, x.valid_to, x.is_current) for x in g] == [
            (v["valid_from"], v["valid_to"], v["valid_to"] == OPEN) for v in versions
        ], cid
        for x, v in zip(g, versions, strict=True):
            c = v["row"]
            assert (x.city, x.state, x.postcode, x.country, x.loyalty_tier) == (
                c["city"],
                c["state"],
                c["postcode"],
                c["country"],
                c["loyalty_tier"],
            ), cid
            assert (x.last_name, x.phone, x.street) == (h(c["last_name"]), h(c["phone"]), h(c["street"])), cid
            assert (x.first_name, x.email) == (mask(c["first_name"]), mask(c["email"])), cid
    deliveries = read_csv(truth / "customers.csv")
    assert {c["batch"] for c in deliveries} >= {"1", "2", "3"}
    unchanged = {c["customer_id"] for c in deliveries if c["delivery"] == "unchanged"}
    changed = {c["customer_id"] for c in deliveries if c["delivery"] in ("change", "late")}
    assert unchanged - changed and all(len(got[cid]) == 1 for cid in unchanged - changed)
    opened_in = {
        c["batch"]
        for c in deliveries
        if (c["customer_id"], ts(c["updated_at"])) in {(x.customer_id, x.valid_from) for xs in got.values() for x in xs}
    }
    assert opened_in >= {"1", "2", "3"}  # history built over three batches
    late = [c for c in deliveries if c["delivery"] == "late"]
    assert late
    for c in late:  # newer history is never overwritten: the current version is the newest delivery
        current = [x for x in got[c["customer_id"]] if x.is_current]
        newest = max((x for x in deliveries if x["customer_id"] == c["customer_id"]), key=lambda x: ts(x["updated_at"]))
        assert len(current) == 1 and current[0].valid_from == ts(newest["updated_at"])


def test_fact_customer_sk_is_the_version_valid_at_the_sale_date(chain):
    spark, lake, truth = chain
    sk = {(r.customer_id, r.valid_from): r.customer_sk for r in gold(spark, lake, "dim_customer").collect()}
    starts = defaultdict(list)
    for cid, vf in sk:
        starts[cid].append(vf)
    for r in gold(spark, lake, "fact_sales").collect():
        froms = sorted(starts.get(r.customer_id, []))
        if not froms:
            assert r.customer_sk is None
            continue
        end_of_day = datetime.combine(r.sale_date + timedelta(days=1), datetime.min.time())
        eligible = [f for f in froms if f < end_of_day]
        assert r.customer_sk == sk[(r.customer_id, eligible[-1] if eligible else froms[0])], r.transaction_id


def test_no_clear_pii_in_any_gold_table_or_export(chain):
    spark, lake, truth = chain
    clear = set()
    for c in read_csv(truth / "customers.csv"):
        clear |= {c[k] for k in ("first_name", "last_name", "email", "phone", "street") if c[k]}
    clear |= {s["customer_name"] for s in read_csv(truth / "sales.csv") if s["customer_name"]}
    distinctive = [v for v in clear if any(ch.isdigit() or ch in "@ " for ch in v)]
    from lakehouse.tables import load_gold_tables

    TABLES = list(load_gold_tables())

    for name in TABLES:
        for df in (gold(spark, lake, name), spark.read.parquet(f"{lake}/exports/{name}")):
            strings = [c for c, t in df.dtypes if t == "string"]
            for row in df.select(*strings).collect():
                for cell in row:
                    if cell is None:
                        continue
                    assert cell not in clear, f"{name}: clear PII value {cell!r}"
                    hits = [v for v in distinctive if v in cell]
                    assert not hits, f"{name}: clear PII {hits} inside {cell!r}"


def test_rerun_on_unchanged_silver_leaves_gold_unchanged(chain):
    spark, lake, _ = chain
    from lakehouse.config import JobConfig
    from lakehouse.gold import run
    from lakehouse.tables import load_gold_tables

    TABLES = list(load_gold_tables())

    def snap():
        return {t: sorted(map(tuple, gold(spark, lake, t).collect()), key=repr) for t in TABLES}

    before = snap()
    summary = run(spark, JobConfig(lake, (), "rerun", pii_salt=salt()), rebuild=True)  # the MERGE, not the skip
    assert (summary["scd2"]["inserted"], summary["scd2"]["updated"], summary["scd2"]["deleted"]) == (0, 0, 0)
    assert snap() == before
    for t in TABLES:
        exported = sorted(map(tuple, spark.read.parquet(f"{lake}/exports/{t}").collect()), key=repr)
        assert exported == before[t], t
