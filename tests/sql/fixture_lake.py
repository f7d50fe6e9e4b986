# ruff: noqa: E501  (fixture tables are one record a line; wrapping them would hide the data)
"""A small hand-made lake for the SQL tests: Delta tables with the exact schemas of docs/TABLES.md.

Values are Python literals chosen by hand so each query's answer can be computed independently in
the tests (from these literals, never by running SQL). A few cases are planted on purpose:
- dim_customer: C0001 has three SCD2 versions with boundaries at 2024-03-01 00:00 and
  2024-03-10 12:00; C0003 two; facts carry the customer_sk valid at the sale.
- daily sales a week apart (WoW), one day whose only sale has no FX rate (revenue 0, WoW NULL).
- product_performance over two months whose monthly leaders differ from the all-time leaders,
  and an exact revenue tie (broken by product_id).
- quarantine rows failing one or several rules, one released by a replay; empty quarantine tables for
  other entities.
"""

from __future__ import annotations

import datetime as dt
import shutil
from collections import defaultdict
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

import yaml
from lakehouse.tables import load_gold_tables, load_silver_metadata

REPO = Path(__file__).resolve().parents[2]
UTC = dt.UTC
D = Decimal


def ts(text: str) -> dt.datetime:
    return dt.datetime.fromisoformat(text).replace(tzinfo=UTC)


def money(x: Decimal) -> Decimal:
    return x.quantize(D("0.01"), rounding=ROUND_HALF_UP)


FAR_FUTURE = ts("9999-12-31 00:00:00")

# ----------------------------------------------------------------------------------- gold
STORES = [("S01", "Downtown", "Lisbon"), ("S02", "Harbour", "Porto"), ("S03", "Mall", "Lisbon")]

PRODUCTS = [  # product_id, product_name, category, brand, unit_cost, list_price
    ("P01", "Espresso Beans", "Coffee", "Roastery", D("5.00"), D("12.00")),
    ("P02", "Filter Coffee", "Coffee", "Roastery", D("4.00"), D("9.50")),
    ("P03", "Green Tea", "Tea", "Leaf&Co", D("2.00"), D("6.00")),
    ("P04", "Black Tea", "Tea", "Leaf&Co", D("2.00"), D("5.00")),
    ("P05", "Chai", "Tea", "Spice", D("3.00"), D("7.00")),
    ("P06", "Mug", "Accessories", "Home", D("3.00"), D("8.00")),
    ("P07", "Grinder", "Coffee", "Home", D("20.00"), D("45.00")),
    ("P08", "Kettle", "Accessories", "Home", D("15.00"), D("30.00")),
    ("P09", "Decaf", "Coffee", "Roastery", D("4.50"), D("10.00")),
]
CATEGORY = {p[0]: p[2] for p in PRODUCTS}

# customer_sk, customer_id, first_name, last_name, email, phone, street, city, state, postcode,
# country, loyalty_tier, attr_hash, valid_from, valid_to, is_current  (PII masked/hashed)
CUSTOMERS = [
    (
        "sk-c1-v1",
        "C0001",
        "A***",
        "h-ln1",
        "a***@mail.pt",
        "h-ph1",
        "h-st1",
        "Lisbon",
        "LX",
        "1000",
        "PT",
        "bronze",
        "ah-11",
        ts("2024-01-01 00:00:00"),
        ts("2024-03-01 00:00:00"),
        False,
    ),
    (
        "sk-c1-v2",
        "C0001",
        "A***",
        "h-ln1",
        "a***@mail.pt",
        "h-ph1",
        "h-st2",
        "Porto",
        "PO",
        "4000",
        "PT",
        "silver",
        "ah-12",
        ts("2024-03-01 00:00:00"),
        ts("2024-03-10 12:00:00"),
        False,
    ),
    (
        "sk-c1-v3",
        "C0001",
        "A***",
        "h-ln1",
        "a***@new.pt",
        "h-ph1",
        "h-st2",
        "Porto",
        "PO",
        "4000",
        "PT",
        "gold",
        "ah-13",
        ts("2024-03-10 12:00:00"),
        FAR_FUTURE,
        True,
    ),
    (
        "sk-c2-v1",
        "C0002",
        "B***",
        "h-ln2",
        "b***@mail.es",
        "h-ph2",
        "h-st3",
        "Madrid",
        "MD",
        "28001",
        "ES",
        "silver",
        "ah-21",
        ts("2024-01-15 00:00:00"),
        FAR_FUTURE,
        True,
    ),
    (
        "sk-c3-v1",
        "C0003",
        "C***",
        "h-ln3",
        "c***@mail.fr",
        None,
        "h-st4",
        "Paris",
        "IDF",
        "75001",
        "FR",
        "gold",
        "ah-31",
        ts("2024-02-01 00:00:00"),
        ts("2024-03-05 00:00:00"),
        False,
    ),
    (
        "sk-c3-v2",
        "C0003",
        "C***",
        "h-ln3",
        "c***@mail.fr",
        None,
        "h-st4",
        "Paris",
        "IDF",
        "75001",
        "FR",
        "platinum",
        "ah-32",
        ts("2024-03-05 00:00:00"),
        FAR_FUTURE,
        True,
    ),
]


def customer_sk_at(customer_id: str, when: dt.datetime) -> str:
    (sk,) = [c[0] for c in CUSTOMERS if c[1] == customer_id and c[13] <= when < c[14]]
    return sk


# transaction_id, sale_date, store_id, product_id, customer_id, quantity, unit_price, currency,
# fx_rate (None = no usable rate), payment_method
SALES = [
    ("T001", "2024-03-01", "S01", "P01", "C0001", 2, D("12.00"), "EUR", D("1.10000000"), "card"),
    ("T002", "2024-03-01", "S02", "P03", "C0002", 3, D("6.00"), "EUR", D("1.10000000"), "cash"),
    ("T003", "2024-03-02", "S01", "P07", "C0003", 1, D("45.00"), "EUR", D("1.08000000"), "card"),
    ("T004", "2024-03-03", "S03", "P06", "C0002", 1, D("8.00"), "GBP", None, "mobile"),
    ("T005", "2024-03-05", "S02", "P02", "C0003", 4, D("9.50"), "EUR", D("1.09000000"), "card"),
    ("T006", "2024-03-08", "S01", "P01", "C0001", 1, D("12.00"), "EUR", D("1.10000000"), "card"),
    ("T007", "2024-03-08", "S01", "P05", "C0002", 2, D("7.00"), "EUR", D("1.10000000"), "voucher"),
    ("T008", "2024-03-09", "S03", "P07", "C0001", 1, D("45.00"), "USD", D("1.00000000"), "card"),
    ("T009", "2024-03-10", "S02", "P08", "C0003", 1, D("30.00"), "EUR", D("1.07000000"), "cash"),
    ("T010", "2024-03-12", "S01", "P04", "C0001", 5, D("5.00"), "EUR", D("1.12000000"), "card"),
    ("T011", "2024-03-12", "S02", "P03", "C0002", 2, D("6.00"), "EUR", D("1.12000000"), "card"),
    ("T012", "2024-03-15", "S03", "P09", "C0003", 3, D("10.00"), "EUR", D("1.11000000"), "mobile"),
]
SALE_TIME = dt.time(12, 0)  # the moment used to pick the customer version valid at a sale


def fact_rows() -> list[tuple]:
    rows = []
    for tid, day, store, prod, cust, qty, price, cur, fx, pay in SALES:
        sale_date = dt.date.fromisoformat(day)
        amount_local = money(price * qty)
        amount_usd = money(amount_local * fx) if fx is not None else None
        sk = customer_sk_at(cust, dt.datetime.combine(sale_date, SALE_TIME, UTC))
        rows.append(
            (
                tid,
                int(sale_date.strftime("%Y%m%d")),
                sale_date,
                store,
                prod,
                cust,
                sk,
                qty,
                price,
                amount_local,
                cur,
                fx,
                sale_date if fx is not None else None,
                amount_usd,
                fx is None,
                pay,
            )
        )
    return rows


def dim_date_rows() -> list[tuple]:
    rows, day = [], dt.date(2024, 3, 1)
    while day <= dt.date(2024, 3, 15):
        rows.append(
            (
                int(day.strftime("%Y%m%d")),
                day,
                day.year,
                (day.month - 1) // 3 + 1,
                day.month,
                day.strftime("%B"),
                day.day,
                day.isoweekday(),
                day.strftime("%A"),
                day.isoweekday() >= 6,
            )
        )
        day += dt.timedelta(days=1)
    return rows


def daily_sales_rows() -> list[tuple]:
    """date x store x category built from SALES (the fixture's own arithmetic, not the query's)."""
    acc: dict[tuple, list] = defaultdict(lambda: [0, 0, D("0.00"), 0])
    for r in fact_rows():
        key = (r[2], r[3], CATEGORY[r[4]])
        a = acc[key]
        a[0] += 1
        a[1] += r[7]
        if r[13] is None:
            a[3] += 1
        else:
            a[2] += r[13]
    return [(k[0], k[1], k[2], a[0], a[1], a[2], a[3]) for k, a in sorted(acc.items())]


# month, product_id, orders, units, revenue_usd (hand-chosen; category_rank derived below)
PRODUCT_MONTHS = [
    ("2024-02-01", "P01", 10, 20, D("200.00")),
    ("2024-03-01", "P01", 12, 25, D("300.00")),
    ("2024-02-01", "P02", 20, 30, D("300.00")),
    ("2024-03-01", "P02", 8, 15, D("150.00")),
    ("2024-02-01", "P07", 1, 1, D("45.00")),
    ("2024-03-01", "P07", 13, 13, D("555.00")),
    ("2024-03-01", "P09", 5, 10, D("100.00")),
    ("2024-02-01", "P03", 9, 20, D("100.00")),
    ("2024-03-01", "P03", 15, 35, D("200.00")),
    ("2024-02-01", "P04", 20, 50, D("250.00")),
    ("2024-03-01", "P04", 4, 10, D("50.00")),
    ("2024-02-01", "P05", 6, 17, D("120.00")),
    ("2024-03-01", "P06", 10, 10, D("80.00")),
    ("2024-03-01", "P08", 1, 1, D("40.00")),
]


def product_performance_rows() -> list[tuple]:
    names = {p[0]: p[1] for p in PRODUCTS}
    rows = []
    for month, pid, orders, units, rev in PRODUCT_MONTHS:
        peers = sorted(
            (r[4] for r in PRODUCT_MONTHS if r[0] == month and CATEGORY[r[1]] == CATEGORY[pid]), reverse=True
        )
        rows.append(
            (dt.date.fromisoformat(month), pid, names[pid], CATEGORY[pid], orders, units, rev, peers.index(rev) + 1)
        )
    return rows


# customer_id, loyalty_tier, city, country, orders, ltv, first, last, recency, r, f, m, segment, churn
CUSTOMER_360 = [
    ("C0001", "gold", "Porto", "PT", 4, D("180.40"), "2024-03-01", "2024-03-12", 3, 5, 4, 4, "champions", "low"),
    ("C0002", "silver", "Madrid", "ES", 4, D("53.46"), "2024-03-01", "2024-03-12", 3, 5, 4, 2, "loyal", "low"),
    ("C0003", "platinum", "Paris", "FR", 4, D("186.25"), "2024-03-02", "2024-03-15", 0, 5, 4, 5, "champions", "low"),
    ("C0004", "bronze", "Lisbon", "PT", 1, D("20.00"), "2023-11-02", "2023-11-02", 134, 1, 1, 1, "hibernating", "high"),
    ("C0005", "bronze", "Porto", "PT", 2, D("75.10"), "2024-01-02", "2024-01-20", 55, 2, 2, 3, "at_risk", "high"),
    ("C0006", "silver", "Faro", "PT", 2, D("40.00"), "2024-02-01", "2024-02-10", 34, 3, 2, 2, "at_risk", "medium"),
    ("C0007", "bronze", "Braga", "PT", 1, D("9.99"), "2024-03-14", "2024-03-14", 1, 5, 1, 1, "new", "low"),
]


def customer_360_rows() -> list[tuple]:
    rows = []
    for cid, tier, city, country, orders, ltv, first, last, rec, r, f, m, seg, churn in CUSTOMER_360:
        rows.append(
            (
                cid,
                tier,
                city,
                country,
                orders,
                ltv,
                money(ltv / orders),
                dt.date.fromisoformat(first),
                dt.date.fromisoformat(last),
                rec,
                orders,
                ltv,
                r,
                f,
                m,
                seg,
                churn,
                orders * 2,
                orders * 9,
                ts(f"{last} 18:30:00"),
            )
        )
    return rows


# ----------------------------------------------------------------------------------- ops
SOURCE_OF = {"sales": "pos_sales", "customers": "customers"}


def _dq(run, entity, rule_name, rule, severity, outcome, flagged, note, any_rows, at):
    """One ops.dq_results row (columns as lakehouse.ops declares them)."""
    reason = f"{flagged} rows" if outcome == "Failed" and flagged else None
    batch = f"b{run[1:]}"
    return (
        run,
        batch,
        SOURCE_OF[entity],
        entity,
        rule_name,
        rule,
        severity,
        outcome,
        reason,
        flagged,
        note,
        any_rows,
        ts(at),
    )


QTY, TOTAL, PAY, UNIQ = (
    'ColumnValues "quantity" > 0',
    "RowCount > 0",
    'ColumnValues "payment_method" in [...]',
    ('IsUnique "transaction_id"'),
)
EMAIL, TIER = 'ColumnValues "email" matches "..."', 'ColumnValues "loyalty_tier" in [...]'
# run_id, batch_id, source, entity, rule_name, rule, severity, outcome (the evaluator's), failure_reason,
# flagged_rows (rows the rule's row-level check flagged), outcome_note,
# rows_flagged_by_any_rule (distinct rows of the run × entity flagged by any rule), evaluated_at.
# r1 sales: 4 rows flagged in all; one of them fails both quantity_positive and payment_method_known.
# r2 customers: 3 rows flagged; one fails both email_format and loyalty_tier_known.
DQ_RESULTS = [
    _dq(
        "r1",
        "sales",
        "quantity_positive",
        QTY,
        "error",
        "Failed",
        2,
        "failed: 2 rows quarantined",
        4,
        "2024-03-01 06:00:00",
    ),
    _dq("r1", "sales", "has_rows", TOTAL, "error", "Passed", None, None, 4, "2024-03-01 06:00:00"),
    _dq(
        "r1",
        "sales",
        "payment_method_known",
        PAY,
        "warn",
        "Failed",
        1,
        "failed: 1 rows kept and counted (severity warn)",
        4,
        "2024-03-01 06:00:01",
    ),
    _dq(
        "r1",
        "sales",
        "transaction_id_unique",
        UNIQ,
        "warn",
        "Passed",
        2,
        "passed: dataset-level threshold met although 2 rows were flagged (rows kept)",
        4,
        "2024-03-01 06:00:01",
    ),
    _dq("r1", "customers", "email_format", EMAIL, "error", "Passed", 0, None, 0, "2024-03-01 06:02:00"),
    _dq("r2", "sales", "quantity_positive", QTY, "error", "Passed", 0, None, 0, "2024-03-02 06:00:00"),
    _dq("r2", "sales", "has_rows", TOTAL, "error", "Passed", None, None, 0, "2024-03-02 06:00:00"),
    _dq(
        "r2",
        "customers",
        "email_format",
        EMAIL,
        "error",
        "Failed",
        3,
        "failed: 3 rows quarantined",
        3,
        "2024-03-02 23:59:59",
    ),
    _dq(
        "r2",
        "customers",
        "loyalty_tier_known",
        TIER,
        "error",
        "Failed",
        1,
        "failed: 1 rows quarantined",
        3,
        "2024-03-02 23:59:59",
    ),
    # a second run the same day: its flagged rows add to the day's distinct count
    _dq(
        "r3",
        "sales",
        "quantity_positive",
        QTY,
        "error",
        "Failed",
        2,
        "failed: 2 rows quarantined",
        2,
        "2024-03-02 18:00:00",
    ),
]

# entity -> rows of (failed rules, quarantined_at); other contract columns are NULL except a key
QUARANTINE = {
    "sales": [
        (["quantity_positive"], ts("2024-03-01 06:00:05")),
        (["quantity_positive", "total_matches_lines"], ts("2024-03-01 06:00:05")),
        (["unknown_product_id"], ts("2024-03-02 06:00:05")),
        (["quantity_positive"], ts("2024-03-03 06:00:05")),
        (["currency_code", "total_matches_lines"], ts("2024-03-03 06:00:06")),
    ],
    "customers": [
        (["email_format"], ts("2024-03-02 06:01:00")),
        (["email_format", "loyalty_tier_known"], ts("2024-03-02 06:01:00")),
    ],
    "products": [],
    "fx_rates": [],
    "web_events": [],
}
# quarantine rows a replay released (_released_at set): still in the table, no longer quarantined
RELEASED = {"sales": [(["unknown_product_id"], ts("2024-03-01 06:00:05"), ts("2024-03-04 09:00:00"))]}

# entity -> rows for silver (dict of column values; others NULL) — used by the freshness query
SILVER = {
    "sales": [
        {"transaction_id": "T001", "sale_date": dt.date(2024, 3, 1), "_processed_at": ts("2024-03-02 06:00:00")},
        {"transaction_id": "T012", "sale_date": dt.date(2024, 3, 15), "_processed_at": ts("2024-03-16 06:00:00")},
    ],
    "customers": [
        {"customer_id": "C0001", "updated_at": ts("2024-03-10 12:00:00"), "_processed_at": ts("2024-03-11 06:00:00")},
        {"customer_id": "C0002", "updated_at": ts("2024-01-15 00:00:00"), "_processed_at": ts("2024-01-16 06:00:00")},
        {"customer_id": "C0003", "updated_at": ts("2024-03-05 00:00:00"), "_processed_at": ts("2024-03-11 06:00:00")},
    ],
    "products": [{"product_id": "P01", "_processed_at": ts("2024-02-20 06:00:00")}],
    "fx_rates": [
        {"rate_date": dt.date(2024, 3, 14), "currency": "EUR", "_processed_at": ts("2024-03-15 05:00:00")},
        {"rate_date": dt.date(2024, 3, 15), "currency": "EUR", "_processed_at": ts("2024-03-16 05:00:00")},
    ],
    "web_events": [
        {"event_id": "e1", "event_date": dt.date(2024, 3, 13), "_processed_at": ts("2024-03-14 07:00:00")},
    ],
}


# ----------------------------------------------------------------------------------- schemas
def _spark_type(name: str):
    from pyspark.sql import types as T

    name = name.strip().lower()
    if name.startswith("decimal"):
        p, s = name[name.index("(") + 1 : -1].split(",")
        return T.DecimalType(int(p), int(s))
    if name.startswith("array<"):
        return T.ArrayType(_spark_type(name[6:-1]))
    if name.startswith("map<"):
        k, v = name[4:-1].split(",")
        return T.MapType(_spark_type(k), _spark_type(v))
    return {
        "string": T.StringType(),
        "int": T.IntegerType(),
        "bigint": T.LongType(),
        "date": T.DateType(),
        "timestamp": T.TimestampType(),
        "boolean": T.BooleanType(),
        "double": T.DoubleType(),
    }[name]


def schema(cols: str):
    """'a string, b int, ...' → StructType (types as written in contracts/)."""
    from pyspark.sql import types as T

    fields, depth, cur = [], 0, ""
    for ch in cols + ",":
        if ch == "," and depth == 0:
            n, t = cur.strip().split(None, 1)
            fields.append(T.StructField(n, _spark_type(t)))
            cur = ""
            continue
        depth += ch in "<("
        depth -= ch in ">)"
        cur += ch
    return T.StructType(fields)


GOLD_SCHEMAS = {name: t.ddl for name, t in load_gold_tables(REPO / "contracts").items()}  # contracts/gold/*.yaml
OPS_SCHEMAS = {
    "dq_results": "run_id string, batch_id string, source string, entity string, rule_name string, rule string, "
    "severity string, outcome string, failure_reason string, flagged_rows bigint, outcome_note string, "
    "rows_flagged_by_any_rule bigint, evaluated_at timestamp",
}


def gold_rows() -> dict[str, list[tuple]]:
    return {
        "dim_date": dim_date_rows(),
        "dim_store": list(STORES),
        "dim_product": list(PRODUCTS),
        "dim_customer": list(CUSTOMERS),
        "fact_sales": fact_rows(),
        "daily_sales": daily_sales_rows(),
        "customer_360": customer_360_rows(),
        "product_performance": product_performance_rows(),
    }


def silver_schema(entity: str, quarantine: bool = False) -> str:
    """silver.<entity> / silver.quarantine_<entity> columns: the entity's contract, then contracts/silver/metadata.yaml."""
    for path in sorted((REPO / "contracts").glob("*.yaml")):
        c = yaml.safe_load(path.read_text())
        if c["entity"] == entity:
            break
    else:
        raise KeyError(entity)
    cols = [f"{col['name']} {col['type']}" for col in c["columns"]]
    cols += [f"{col['name']} {col['type']}" for col in c.get("derived") or []]
    metadata = load_silver_metadata(REPO / "contracts")["quarantine" if quarantine else "entity"]
    return ", ".join(cols + [f"{col.name} {col.type}" for col in metadata])


def _dict_rows(struct, dicts: list[dict]) -> list[tuple]:
    names = struct.fieldNames()
    unknown = {k for d in dicts for k in d} - set(names)
    assert not unknown, f"fixture columns not in schema: {unknown}"
    return [tuple(d.get(n) for n in names) for d in dicts]


def write_lake(spark, root: Path) -> Path:
    """Write gold, ops and silver (+ quarantine) Delta tables under ``root``, and gold Parquet exports.

    The tables are independent, so they are written from a few threads (Spark runs the jobs
    concurrently; mostly driver-side commit work for tables this small).
    """
    from concurrent.futures import ThreadPoolExecutor

    root = Path(root)
    jobs: list[tuple[str, str, str, list[tuple]]] = []
    for table, rows in gold_rows().items():
        jobs.append(("gold", table, GOLD_SCHEMAS[table], rows))
    jobs.append(("ops", "dq_results", OPS_SCHEMAS["dq_results"], DQ_RESULTS))
    for entity, rows in QUARANTINE.items():
        cols = silver_schema(entity, quarantine=True)
        dicts = [
            {"_dq_failed_rules": rules, "_quarantined_at": when, "_raw": f"raw-{i}"}
            for i, (rules, when) in enumerate(rows)
        ] + [
            {"_dq_failed_rules": rules, "_quarantined_at": when, "_raw": f"released-{i}", "_released_at": released}
            for i, (rules, when, released) in enumerate(RELEASED.get(entity, []))
        ]
        jobs.append(("silver", f"quarantine_{entity}", cols, _dict_rows(schema(cols), dicts)))
    for entity, dicts in SILVER.items():
        cols = silver_schema(entity)
        jobs.append(("silver", entity, cols, _dict_rows(schema(cols), dicts)))

    def save(job: tuple[str, str, str, list[tuple]]) -> None:
        layer, table, cols, rows = job
        path = root / layer / table
        spark.createDataFrame(rows, schema(cols)).coalesce(1).write.format("delta").mode("overwrite").save(str(path))
        if layer == "gold":
            # exports/<table>/: the live Parquet files of the gold snapshot (what Redshift COPY reads).
            # Each table here is one fresh commit, so its live files are all its Parquet files.
            export = root / "exports" / table
            export.mkdir(parents=True)
            for part in path.glob("*.parquet"):
                shutil.copy2(part, export / part.name)

    with ThreadPoolExecutor(max_workers=4) as pool:
        list(pool.map(save, jobs))
    return root
