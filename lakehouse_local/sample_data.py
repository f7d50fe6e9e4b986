"""Deterministic sample retail lake: landing drops per batch, a fault ledger and the clean truth.

    python -m lakehouse_local.sample_data --out DIR --rows 2000 --batches 3 --seed 7

Writes, streaming row by row so memory stays flat at any --rows:
  DIR/drops/<NNN>/<source>/<source>_<NNN>.csv|jsonl   one drop per batch and source
  DIR/ledger.json      per source and batch: records written, every injected fault with the
                       ids it hit, and the counts each layer must end up with
  DIR/truth/*.csv      the clean, standardised records that must reach silver (final version
                       per key): the independent answer key for tests of silver and gold

The expected counts are derived here from what was injected, not from the pipeline: a
malformed quantity ("3x"), for instance, is known to fail quantity_unparsable only, because a
present value that does not cast to its declared type quarantines the row before any DQDL rule
judges it; an empty quantity would instead fail the completeness rule quantity_valid.
"""

import argparse
import csv
import json
import random
import sys
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path

START = date(2024, 1, 1)  # a Monday
DAYS_PER_BATCH = 14
SALES_COLUMNS = [
    "transaction_id",
    "date",
    "store_id",
    "store_name",
    "city",
    "product_id",
    "product_name",
    "category",
    "customer_id",
    "customer_name",
    "quantity_sold",
    "unit_price",
    "total_amount",
    "payment_method",
    "currency",
]
DRIFT_COLUMN = "loyalty_points"  # appears in pos_sales from batch 2 on (schema drift)
CITIES = [  # city, currency (Zurich trades in CHF, for which no FX rates are published)
    ("New York", "USD"),
    ("Chicago", "USD"),
    ("Seattle", "USD"),
    ("London", "GBP"),
    ("Paris", "EUR"),
    ("Berlin", "EUR"),
    ("Tokyo", "JPY"),
    ("Zurich", "CHF"),
]
FX_START = {"USD": 1.0, "EUR": 1.09, "GBP": 1.27, "JPY": 0.0068}
FX_HOLIDAY = {("EUR", date(2024, 1, 17)), ("GBP", date(2024, 2, 1))}  # weekday gaps in the feed
CATEGORIES = ["Electronics", "Home", "Garden", "Toys", "Sports", "Books"]
BRANDS = ["Acme", "Globex", "Initech", "Umbrella", "Stark", "Wayne"]
PAYMENTS = ["cash", "card", "mobile", "voucher"]
TIERS = ["bronze", "silver", "gold", "platinum"]
FIRST = ["john", "mary", "li", "amara", "jose", "fatima", "olga", "kenji", "sara", "omar", "eva", "raj"]
LAST = ["smith", "garcia", "chen", "okafor", "muller", "rossi", "tanaka", "silva", "khan", "novak"]
STATES = {
    "New York": "NY",
    "Chicago": "IL",
    "Seattle": "WA",
    "London": "LDN",
    "Paris": "IDF",
    "Berlin": "BE",
    "Tokyo": "TYO",
    "Zurich": "ZH",
}
COUNTRIES = {
    "New York": "US",
    "Chicago": "US",
    "Seattle": "US",
    "London": "GB",
    "Paris": "FR",
    "Berlin": "DE",
    "Tokyo": "JP",
    "Zurich": "CH",
}
EVENT_TYPES = ["page_view", "product_view", "add_to_cart", "checkout", "purchase"]
DEVICES = ["mobile", "desktop", "tablet"]

TRUTH_COLUMNS = {
    "sales": [
        "transaction_id",
        "sale_date",
        "store_id",
        "store_name",
        "city",
        "product_id",
        "product_name",
        "category",
        "customer_id",
        "customer_name",
        "quantity",
        "unit_price",
        "total_amount",
        "payment_method",
        "currency",
        "batch",
    ],
    "customers": [
        "customer_id",
        "batch",
        "updated_at",
        "first_name",
        "last_name",
        "email",
        "phone",
        "street",
        "city",
        "state",
        "postcode",
        "country",
        "loyalty_tier",
        "signup_date",
        "delivery",
    ],
    "products": ["product_id", "product_name", "category", "brand", "unit_cost", "list_price"],
    "fx_rates": ["rate_date", "currency", "rate_to_usd"],
    "web_events": [
        "event_id",
        "event_ts",
        "customer_id",
        "session_id",
        "event_type",
        "page",
        "product_id",
        "device",
        "batch",
    ],
}
# Which rules each injected fault must fail (the contract's rule names; pseudo-rules corrupt_record,
# <column>_unparsable and unknown_<column> come from bronze parsing, casting and reference checks).
FAULT_RULES = {
    "pos_sales": {
        "null_transaction_id": ["transaction_id_complete"],
        "null_customer_id": ["customer_id_complete"],
        "malformed_date": ["sale_date_unparsable"],  # 2024-02-30: no declared format parses it
        "malformed_quantity": ["quantity_unparsable"],  # "3x" is not an int
        "negative_quantity": ["quantity_positive"],
        "total_mismatch": ["total_matches_lines"],
        "unknown_product": ["unknown_product_id"],
        "corrupt_line": ["corrupt_record"],
    },
    "customers": {
        "invalid_email": ["email_format"],
        "unknown_tier": ["loyalty_tier_known"],
        "null_customer_id": ["customer_id_complete"],
        "corrupt_line": ["corrupt_record"],
    },
    "products": {
        "null_category": ["category_complete"],
        "malformed_price": ["list_price_unparsable"],  # "12..5" is not a decimal
    },
    "fx_rates": {
        "negative_rate": ["rate_positive"],
        "malformed_date": ["rate_date_unparsable"],  # month 13
    },
    "web_events": {
        "unknown_event_type": ["event_type_known"],
        "malformed_ts": ["event_ts_unparsable"],  # "yesterday"
        "corrupt_line": ["corrupt_record"],
    },
}
# Row-level rules of severity warn: the row stays in silver, the failure is counted.
WARN_RULES = {
    "pos_sales": {"bad_payment_method": ["payment_method_known"]},
    "customers": {"missing_phone": ["phone_mostly_present"]},
}


@dataclass
class SourceLedger:
    """What one source received, per batch, and what each layer must hold."""

    landing_records: int = 0
    exact_duplicates: int = 0
    superseded: int = 0  # older versions of a key inside the same batch
    stale: int = 0  # valid versions older than what silver already holds
    quarantined_rows: int = 0
    quarantined_by_rule: Counter = field(default_factory=Counter)
    warned_by_rule: Counter = field(default_factory=Counter)
    faults: dict = field(default_factory=lambda: defaultdict(list))
    drift_files: list = field(default_factory=list)
    per_batch: dict = field(default_factory=dict)

    def fault(self, name: str, record_id: str, rules: list[str]) -> None:
        self.faults[name].append(record_id)
        self.quarantined_rows += 1
        self.quarantined_by_rule.update(rules)

    def warn(self, name: str, record_id: str, rules: list[str]) -> None:
        self.faults[name].append(record_id)
        self.warned_by_rule.update(rules)


class DropWriter:
    """Appends records to one landing file, counting them."""

    def __init__(self, path: Path, fmt: str, header: list[str] | None = None):
        path.parent.mkdir(parents=True, exist_ok=True)
        self.path, self.fmt, self.count = path, fmt, 0
        self._fh = path.open("w", newline="", encoding="utf-8")
        self._csv = csv.writer(self._fh, lineterminator="\n") if fmt == "csv" else None
        if header:
            self._csv.writerow(header)

    def row(self, values) -> None:
        if self.fmt == "csv":
            self._csv.writerow(values)
        else:
            self._fh.write(json.dumps(values, separators=(",", ":")) + "\n")
        self.count += 1

    def raw(self, text: str) -> None:
        self._fh.write(text + "\n")
        self.count += 1

    def close(self) -> None:
        self._fh.close()


def _messy(rng: random.Random, text: str) -> str:
    """The same value as a careless source sends it: odd case and stray spaces."""
    choice = rng.random()
    if choice < 0.15:
        return f"  {text.lower()} "
    if choice < 0.25:
        return text.upper()
    return text


def _fmt_date(rng: random.Random, d: date) -> str:
    return d.strftime("%d/%m/%Y") if rng.random() < 0.2 else d.isoformat()


def _phone(rng: random.Random, digits: str) -> str:
    style = rng.randrange(3)
    if style == 0:
        return f"({digits[:3]}) {digits[3:6]}-{digits[6:]}"
    if style == 1:
        return f"{digits[:3]}.{digits[3:6]}.{digits[6:]}"
    return f"+1 {digits[:3]} {digits[3:6]} {digits[6:]}"


def _money(value: float) -> str:
    return f"{value:.2f}"


class Generator:
    def __init__(self, out: Path, rows: int, batches: int, seed: int):
        if rows < 50:
            raise ValueError("--rows must be at least 50 (every fault needs room)")
        if not 1 <= batches <= 20:
            raise ValueError("--batches must be between 1 and 20")
        self.out, self.rows, self.batches, self.seed = out, rows, batches, seed
        self.rng = random.Random(seed)
        self.ledger = {s: SourceLedger() for s in FAULT_RULES}
        self.n_stores = max(len(CITIES), min(40, rows // 150))
        self.n_products = max(10, min(2000, rows // 25))
        self.n_customers = max(10, min(50_000, rows // 8))  # the one state that grows; capped
        self.faults_per_batch = max(1, rows // batches // 200)
        self.stores = [
            (f"S{i + 1:03d}", f"Store {CITIES[i % len(CITIES)][0]} #{i + 1}", *CITIES[i % len(CITIES)])
            for i in range(self.n_stores)
        ]
        self.products = {}
        self.customers = {}  # customer_id -> current clean version (dict)
        self.changed_last_batch, self.replaced = [], {}  # for the late-arriving update
        # Truth is streamed to truth/*.csv; only sales of the last batch stay in memory (a later
        # batch may still correct them), so memory stays flat as --rows grows.
        self.truth = {name: TruthWriter(out / "truth" / f"{name}.csv", cols) for name, cols in TRUTH_COLUMNS.items()}
        self.truth_sales = {}  # transaction_id -> clean row, for the batch a correction may still hit
        self.fx = {}  # (currency, date) -> rate

    # ---------- helpers ----------
    def _writer(self, batch: int, source: str, fmt: str, header=None) -> DropWriter:
        ext = "csv" if fmt == "csv" else "jsonl"
        return DropWriter(self.out / "drops" / f"{batch:03d}" / source / f"{source}_{batch:03d}.{ext}", fmt, header)

    def _batch_days(self, batch: int) -> list[date]:
        first = START + timedelta(days=(batch - 1) * DAYS_PER_BATCH)
        return [first + timedelta(days=i) for i in range(DAYS_PER_BATCH)]

    def _fault_slots(self, n: int, kinds: list[str]) -> dict[int, str]:
        """Distinct record positions for each fault kind (faults_per_batch of each)."""
        picks = self.rng.sample(range(n), min(n, self.faults_per_batch * len(kinds)))
        return {pos: kinds[i % len(kinds)] for i, pos in enumerate(picks)}

    # ---------- sources ----------
    def products_batch(self, batch: int) -> None:
        led, rng = self.ledger["products"], self.rng
        w = self._writer(
            batch, "products", "csv", ["product_id", "product_name", "category", "brand", "unit_cost", "list_price"]
        )
        if batch == 1:
            todo = [f"P{i + 1:05d}" for i in range(self.n_products)]
        else:  # a few price changes (MERGE updates)
            todo = rng.sample(sorted(self.products), max(1, self.n_products // 20))
        for pid in todo:
            if pid in self.products:
                p = dict(self.products[pid], list_price=round(self.products[pid]["list_price"] * 1.1, 2))
            else:
                cat = rng.choice(CATEGORIES)
                cost = round(rng.uniform(2, 400), 2)
                p = {
                    "product_id": pid,
                    "product_name": f"{rng.choice(BRANDS)} {cat} {pid[-3:]}",
                    "category": cat,
                    "brand": rng.choice(BRANDS),
                    "unit_cost": cost,
                    "list_price": round(cost * rng.uniform(1.2, 2.0), 2),
                }
            self.products[pid] = p
            w.row(
                [
                    pid,
                    p["product_name"],
                    _messy(rng, p["category"]),
                    p["brand"],
                    _money(p["unit_cost"]),
                    _money(p["list_price"]),
                ]
            )
        for n_kind, kind in enumerate(FAULT_RULES["products"]):  # junk products that no sale references
            for k in range(self.faults_per_batch):
                pid = f"P9{batch:02d}{n_kind}{k:03d}"
                cat = "" if kind == "null_category" else "Toys"
                price = "12..5" if kind == "malformed_price" else "9.99"
                w.row([pid, "Broken product", cat, "Acme", "1.00", price])
                led.fault(kind, pid, FAULT_RULES["products"][kind])
        self._close(led, batch, w)

    def fx_batch(self, batch: int) -> None:
        led, rng = self.ledger["fx_rates"], self.rng
        w = self._writer(batch, "fx_rates", "csv", ["rate_date", "currency", "rate_to_usd"])
        days = self._batch_days(batch)
        if batch == 1:  # rates start before the first sale so as-of always has a candidate
            days = [START - timedelta(days=i) for i in (4, 3)] + days
        for d in days:
            if d.weekday() >= 5:
                continue
            for cur, start_rate in FX_START.items():
                if (cur, d) in FX_HOLIDAY:
                    continue
                prev = self.fx.get((cur, d - timedelta(days=1)), start_rate)
                rate = 1.0 if cur == "USD" else round(prev * rng.uniform(0.995, 1.005), 8)
                self.fx[(cur, d)] = rate
                w.row([d.isoformat(), cur, f"{rate:.8f}"])
        saturday = next(d for d in days if d.weekday() == 5)
        for k in range(self.faults_per_batch):  # on keys no valid rate uses, so none is superseded
            w.row([saturday.isoformat(), f"X{k:02d}", "-1.5"])
            led.fault("negative_rate", f"X{k:02d}@{saturday}", FAULT_RULES["fx_rates"]["negative_rate"])
            w.row([f"2024-13-{k + 1:02d}", "EUR", "1.1"])
            led.fault("malformed_date", f"EUR@2024-13-{k + 1:02d}", FAULT_RULES["fx_rates"]["malformed_date"])
        self._close(led, batch, w)

    def customers_batch(self, batch: int) -> None:
        """Batch 1 delivers every customer; later batches changes, unchanged re-deliveries, a late
        update (from batch 3) and faults riding on updates of existing customers."""
        led = self.ledger["customers"]
        w = self._writer(batch, "customers", "json")
        ts = datetime.combine(self._batch_days(batch)[0], datetime.min.time()) + timedelta(hours=6)
        if batch == 1:
            self._new_customers(batch, w, ts)
        else:
            spare = self._customer_updates(batch, w, ts)
            self._customer_faults(w, ts, spare)
        self._close(led, batch, w)

    def _emit_customer(self, w: DropWriter, c: dict, messy=True) -> None:
        """One CRM record; `messy` adds the formatting noise silver must standardise away."""
        rng = self.rng
        if c["phone"] is None:  # every delivery without a phone fails the warn-level completeness rule
            self.ledger["customers"].warn(
                "missing_phone", c["customer_id"] or "", WARN_RULES["customers"]["missing_phone"]
            )
        w.row(
            {
                "customer_id": c["customer_id"] if not messy else f" {c['customer_id'].lower()}",
                "first_name": _messy(rng, c["first_name"]) if messy else c["first_name"],
                "last_name": c["last_name"].lower() if messy else c["last_name"],
                "email": f" {c['email'].upper()} " if messy and rng.random() < 0.3 else c["email"],
                "phone": _phone(rng, c["phone"][2:]) if c["phone"] else None,
                "address": {
                    "street": c["street"],
                    "city": _messy(rng, c["city"]),
                    "state": c["state"].lower(),
                    "postcode": c["postcode"],
                    "country": c["country"],
                },
                "loyalty_tier": c["loyalty_tier"].upper() if messy else c["loyalty_tier"],
                "signup_date": c["signup_date"],
                "updated_at": c["updated_at"],
            }
        )

    def _customer_truth(self, c: dict, batch: int, delivery: str) -> None:
        self.truth["customers"].row({**c, "batch": batch, "delivery": delivery})

    def _new_customers(self, batch: int, w: DropWriter, ts: datetime) -> None:
        rng = self.rng
        for i in range(self.n_customers):
            cid = f"C{i + 1:06d}"
            city = rng.choice(CITIES)[0]
            first, last = rng.choice(FIRST).title(), rng.choice(LAST).title()
            c = {
                "customer_id": cid,
                "first_name": first,
                "last_name": last,
                "email": f"{first.lower()}.{last.lower()}{i}@example.com",
                "phone": "+1" + "".join(str(rng.randrange(10)) for _ in range(10)),
                "street": f"{rng.randrange(1, 999)} Main St",
                "city": city,
                "state": STATES[city],
                "postcode": f"{rng.randrange(10000, 99999)}",
                "country": COUNTRIES[city],
                "loyalty_tier": rng.choice(TIERS),
                "signup_date": (START - timedelta(days=rng.randrange(30, 900))).isoformat(),
                "updated_at": (ts + timedelta(minutes=i % 600)).strftime("%Y-%m-%dT%H:%M:%SZ"),
            }
            if i % 25 == 3:  # a few without a phone: the warn-level completeness rule counts them
                c["phone"] = None
            self.customers[cid] = c
            self._emit_customer(w, c)
            self._customer_truth(c, batch, "new")

    def _customer_updates(self, batch: int, w: DropWriter, ts: datetime) -> list[str]:
        """Changed and unchanged re-deliveries and the late update; returns the untouched ids (for faults)."""
        rng = self.rng
        ids = sorted(self.customers)
        late_cid = self.changed_last_batch[0] if batch >= 3 and self.changed_last_batch else None
        picked = rng.sample([i for i in ids if i != late_cid], min(len(ids) - 1, max(3, self.n_customers // 8)))
        n_changed = max(1, len(picked) * 2 // 3)
        changed, unchanged = picked[:n_changed], picked[n_changed:]
        previous = {cid: dict(self.customers[cid]) for cid in changed}
        for j, cid in enumerate(changed):
            c = dict(self.customers[cid])
            city = rng.choice([x for x, _ in CITIES if x != c["city"]])
            c.update(
                city=city,
                state=STATES[city],
                country=COUNTRIES[city],
                loyalty_tier=rng.choice([t for t in TIERS if t != c["loyalty_tier"]]),
                updated_at=(ts + timedelta(minutes=j)).strftime("%Y-%m-%dT%H:%M:%SZ"),
            )
            self.customers[cid] = c
            self._emit_customer(w, c)
            self._customer_truth(c, batch, "change")
        for cid in unchanged:  # re-delivered exactly as silver already holds them
            self._emit_customer(w, self.customers[cid], messy=False)
            self._customer_truth(self.customers[cid], batch, "unchanged")
        if late_cid:  # late-arriving: older than the version silver got last batch, must not win
            before = self.replaced[late_cid]
            late = dict(
                before,
                loyalty_tier="platinum" if before["loyalty_tier"] != "platinum" else "gold",
                updated_at=(
                    datetime.strptime(before["updated_at"], "%Y-%m-%dT%H:%M:%SZ") + timedelta(hours=1)
                ).strftime("%Y-%m-%dT%H:%M:%SZ"),
            )
            self._emit_customer(w, late)
            self._customer_truth(late, batch, "late")
            self.ledger["customers"].stale += 1
        self.changed_last_batch = changed
        self.replaced = previous
        return [cid for cid in ids if cid not in picked and cid != late_cid]

    def _customer_faults(self, w: DropWriter, ts: datetime, spare: list[str]) -> None:
        """Faults ride on updates of existing customers (so the customer keeps its last good version)."""
        led = self.ledger["customers"]
        for kind in FAULT_RULES["customers"]:
            for _ in range(self.faults_per_batch):
                cid = spare.pop()
                c = dict(self.customers[cid], updated_at=(ts + timedelta(hours=2)).strftime("%Y-%m-%dT%H:%M:%SZ"))
                rules = FAULT_RULES["customers"][kind]
                if kind == "corrupt_line":
                    w.raw('{"customer_id": "' + cid + '", "first_name": "Broken", "address": {')
                    led.fault(kind, cid, rules)
                    continue
                if kind == "invalid_email":
                    c["email"] = c["email"].replace("@", "(at)")
                elif kind == "unknown_tier":
                    c["loyalty_tier"] = "diamond"
                elif kind == "null_customer_id":
                    c["customer_id"] = None
                self._emit_customer(w, c, messy=False)
                led.fault(kind, cid, rules)

    def sales_batch(self, batch: int) -> None:
        led, rng = self.ledger["pos_sales"], self.rng
        header = SALES_COLUMNS + ([DRIFT_COLUMN] if batch >= 2 else [])
        w = self._writer(batch, "pos_sales", "csv", header)
        if batch >= 2:
            led.drift_files.append(w.path.name)
        n = self.rows // self.batches
        days = self._batch_days(batch)
        kinds = list(FAULT_RULES["pos_sales"]) + list(WARN_RULES["pos_sales"]) + ["exact_duplicate", "key_duplicate"]
        slots = self._fault_slots(n, kinds)
        customer_ids = sorted(self.customers)
        product_ids = sorted(p for p in self.products if not p.startswith("P9"))
        prev_batch = [t for t, r in self.truth_sales.items() if r["batch"] == batch - 1]
        corrections = rng.sample(prev_batch, min(len(prev_batch), self.faults_per_batch)) if prev_batch else []

        def line(r: dict, **over) -> list:
            vals = {**r, **over}
            out = [vals[c] for c in SALES_COLUMNS]
            return out + ([str(rng.randrange(0, 500))] if batch >= 2 else [])

        def landing(r: dict) -> dict:
            return {
                "transaction_id": r["transaction_id"],
                "date": _fmt_date(rng, r["sale_date"]),
                "store_id": r["store_id"],
                "store_name": r["store_name"],
                "city": _messy(rng, r["city"]),
                "product_id": r["product_id"],
                "product_name": r["product_name"],
                "category": _messy(rng, r["category"]),
                "customer_id": r["customer_id"],
                "customer_name": r["customer_name"],
                "quantity_sold": str(r["quantity"]),
                "unit_price": _money(r["unit_price"]),
                "total_amount": _money(r["total_amount"]),
                "payment_method": r["payment_method"],
                "currency": r["currency"],
            }

        for i in range(n):
            tid = f"T{batch:02d}{i + 1:07d}"
            store = rng.choice(self.stores)
            prod = self.products[rng.choice(product_ids)]
            cust = self.customers[rng.choice(customer_ids)]
            qty = rng.randint(1, 5)
            price = prod["list_price"]
            r = {
                "transaction_id": tid,
                "sale_date": rng.choice(days),
                "store_id": store[0],
                "store_name": store[1],
                "city": store[2],
                "product_id": prod["product_id"],
                "product_name": prod["product_name"],
                "category": prod["category"],
                "customer_id": cust["customer_id"],
                "customer_name": f"{cust['first_name']} {cust['last_name']}",
                "quantity": qty,
                "unit_price": price,
                "total_amount": round(qty * price, 2),
                "payment_method": rng.choice(PAYMENTS),
                "currency": store[3],
            }
            kind = slots.get(i)
            raw = landing(r)
            if kind in FAULT_RULES["pos_sales"]:
                rules = FAULT_RULES["pos_sales"][kind]
                if kind == "corrupt_line":
                    w.raw(",".join(line(raw)[:6]))  # a truncated line
                    led.fault(kind, tid, rules)
                    continue
                over = {
                    "null_transaction_id": {"transaction_id": ""},
                    "null_customer_id": {"customer_id": ""},
                    "malformed_date": {"date": "2024-02-30"},
                    "malformed_quantity": {"quantity_sold": f"{qty}x"},
                    "negative_quantity": {"quantity_sold": str(-qty), "total_amount": _money(round(-qty * price, 2))},
                    "total_mismatch": {"total_amount": _money(round(qty * price + 5, 2))},
                    "unknown_product": {"product_id": "P99999"},
                }[kind]
                w.row(line(raw, **over))
                led.fault(kind, tid, rules)
                continue
            if kind == "bad_payment_method":
                r["payment_method"] = raw["payment_method"] = "bitcoin"
                led.warn(kind, tid, WARN_RULES["pos_sales"][kind])
            if kind == "key_duplicate":  # an earlier draft of the same sale, superseded later in the file
                w.row(
                    line(
                        raw,
                        payment_method="cash" if r["payment_method"] != "cash" else "card",
                        quantity_sold=str(qty + 1),
                        total_amount=_money(round((qty + 1) * price, 2)),
                    )
                )
                led.superseded += 1
                led.faults[kind].append(tid)
            w.row(line(raw))
            if kind == "exact_duplicate":
                w.row(line(raw))
                led.exact_duplicates += 1
                led.faults[kind].append(tid)
            self.truth_sales[tid] = {**r, "batch": batch}
        for tid in corrections:  # corrected re-delivery of an earlier batch's sale: MERGE updates it
            r = dict(self.truth_sales[tid], batch=batch)
            r["payment_method"] = next(p for p in PAYMENTS if p != r["payment_method"])
            w.row(line(landing(r)))
            led.faults["correction"].append(tid)
            self.truth_sales[tid] = r
        for tid in [t for t, r in self.truth_sales.items() if r["batch"] < batch]:  # final now
            self.truth["sales"].row(self.truth_sales.pop(tid))
        self._close(led, batch, w)

    def web_batch(self, batch: int) -> None:
        led, rng = self.ledger["web_events"], self.rng
        w = self._writer(batch, "web_events", "json")
        n = self.rows // self.batches
        kinds = list(FAULT_RULES["web_events"]) + ["exact_duplicate"]
        slots = self._fault_slots(n, kinds)
        customer_ids = sorted(self.customers)
        product_ids = sorted(p for p in self.products if not p.startswith("P9"))
        days = self._batch_days(batch)
        for i in range(n):
            eid = f"E{batch:02d}{i + 1:07d}"
            ts = datetime.combine(rng.choice(days), datetime.min.time()) + timedelta(seconds=rng.randrange(86400))
            cid = rng.choice(customer_ids)
            ev = {
                "event_id": eid,
                "event_ts": ts.strftime("%Y-%m-%dT%H:%M:%SZ"),
                "customer_id": cid,
                "session_id": f"{cid}-{ts:%Y%m%d}",
                "event_type": rng.choice(EVENT_TYPES),
                "page": f"/p/{rng.choice(product_ids)}",
                "product_id": rng.choice(product_ids),
                "context": {"device": rng.choice(DEVICES), "user_agent": "Mozilla/5.0"},
            }
            kind = slots.get(i)
            if kind == "corrupt_line":
                w.raw(json.dumps(ev)[:40])
            elif kind == "unknown_event_type":
                w.row({**ev, "event_type": "hover"})
            elif kind == "malformed_ts":
                w.row({**ev, "event_ts": "yesterday"})
            else:
                w.row(ev)
                if kind == "exact_duplicate":
                    w.row(ev)
                    led.exact_duplicates += 1
                    led.faults[kind].append(eid)
                self.truth["web_events"].row(
                    {
                        **{k: v for k, v in ev.items() if k != "context"},
                        "device": ev["context"]["device"],
                        "batch": batch,
                    }
                )
                continue
            led.fault(kind, eid, FAULT_RULES["web_events"][kind])
        self._close(led, batch, w)

    def _close(self, led: SourceLedger, batch: int, w: DropWriter) -> None:
        w.close()
        led.landing_records += w.count
        led.per_batch[batch] = {"file": w.path.name, "records": w.count}

    # ---------- run ----------
    def run(self, progress=None) -> dict:
        for batch in range(1, self.batches + 1):
            # products and fx before sales: sales reference products; gold converts with fx
            self.products_batch(batch)
            self.fx_batch(batch)
            self.customers_batch(batch)
            self.sales_batch(batch)
            self.web_batch(batch)
            if progress:
                progress(f"generated batch {batch}/{self.batches}")
        return self.write_outputs()

    def write_outputs(self) -> dict:
        for row in self.truth_sales.values():
            self.truth["sales"].row(row)
        self.truth_sales.clear()
        for (c, d), r in sorted(self.fx.items()):
            self.truth["fx_rates"].row({"rate_date": d.isoformat(), "currency": c, "rate_to_usd": r})
        for p in self.products.values():
            self.truth["products"].row(p)
        for w in self.truth.values():
            w.close()
        silver_rows = {
            "pos_sales": self.truth["sales"].count,
            "customers": len(self.customers),
            "products": len(self.products),
            "fx_rates": len(self.fx),
            "web_events": self.truth["web_events"].count,
        }
        ledger = {"seed": self.seed, "rows": self.rows, "batches": self.batches, "sources": {}}
        for source, led in self.ledger.items():
            valid = led.landing_records - led.exact_duplicates - led.superseded - led.quarantined_rows
            ledger["sources"][source] = {
                "landing_records": led.landing_records,
                "bronze_rows": led.landing_records,
                "exact_duplicates": led.exact_duplicates,
                "superseded": led.superseded,
                "quarantined_rows": led.quarantined_rows,
                "quarantined_by_rule": dict(sorted(led.quarantined_by_rule.items())),
                "warned_by_rule": dict(sorted(led.warned_by_rule.items())),
                "valid_rows": valid,
                "stale": led.stale,
                "silver_rows": silver_rows[source],
                "drift_files": led.drift_files,
                "faults": {k: v for k, v in sorted(led.faults.items())},
                "per_batch": led.per_batch,
            }
        (self.out / "ledger.json").write_text(json.dumps(ledger, indent=2, default=str))
        return ledger


class TruthWriter:
    """One truth CSV, written row by row."""

    def __init__(self, path: Path, columns: list[str]):
        path.parent.mkdir(parents=True, exist_ok=True)
        self._fh = path.open("w", newline="", encoding="utf-8")
        self._w = csv.DictWriter(self._fh, columns, extrasaction="ignore", lineterminator="\n")
        self._w.writeheader()
        self.count = 0

    def row(self, row: dict) -> None:
        self._w.writerow({k: (v.isoformat() if isinstance(v, date) else v) for k, v in row.items()})
        self.count += 1

    def close(self) -> None:
        self._fh.close()


def generate(out, rows: int = 2000, batches: int = 3, seed: int = 7, progress=None) -> dict:
    """Write drops, ledger and truth under `out`; return the ledger."""
    return Generator(Path(out), rows, batches, seed).run(progress)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--out", required=True, help="folder for drops/, ledger.json and truth/")
    ap.add_argument("--rows", type=int, default=2000, help="POS sales rows across all batches")
    ap.add_argument("--batches", type=int, default=3)
    ap.add_argument("--seed", type=int, default=7)
    args = ap.parse_args(argv)
    try:
        ledger = generate(args.out, args.rows, args.batches, args.seed, progress=print)
    except ValueError as exc:
        print(f"sample_data: {exc}", file=sys.stderr)
        return 2
    for source, s in ledger["sources"].items():
        print(
            f"{source:11s} landing={s['landing_records']:>8} quarantined={s['quarantined_rows']:>6} "
            f"silver={s['silver_rows']:>8}"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
