"""The lake's sales path written again in DuckDB SQL, from the contracts and docs (not from the package).

bronze: landing CSV lines → one string per field, `_corrupt` when the field count differs from the header.
silver: the contract's casts and standardisers, exact duplicates dropped (same raw text, first kept),
        latest version per business key (last delivered wins; NULL keys all kept), the row-level
        error rules of severity error (DQDL ColumnValues/IsComplete fail on NULL; `between` is
        exclusive), unknown product ids → quarantine.
gold:   sales + product master (category first from the master), FX as-of (latest usable rate on or
        before the sale date; USD = 1; no rate → fx_missing, left out of USD sums), then daily_sales
        and product_performance.
Each stage writes Parquet, as the Spark jobs write Delta. Sources covered: pos_sales, products,
fx_rates (customers and web_events are not re-implemented: they only feed dim_customer/customer_360).
"""

import glob

BLANK = "CASE WHEN trim({v}) = '' THEN NULL ELSE {v} END"


def blank(v: str) -> str:
    return BLANK.format(v=v)


def title(v: str) -> str:
    """Spark initcap(lower(x)): first letter of each space-separated word upper-cased."""
    return (
        f"array_to_string(list_transform(string_split(lower({v}), ' '), w -> upper(left(w, 1)) || substr(w, 2)), ' ')"
    )


STEPS = {
    "trim": lambda v: f"trim({v})",
    "upper": lambda v: f"upper({v})",
    "lower": lambda v: f"lower({v})",
    "title": title,
}


def typed(source: str, kind: str, steps=(), formats=()) -> str:
    v = blank(f'"{source}"')
    for s in steps:
        v = STEPS[s](v)
    if kind == "date":
        return "CAST(coalesce(" + ", ".join(f"try_strptime(trim({v}), '{f}')" for f in formats) + ") AS DATE)"
    if kind == "string":
        return blank(v)
    return f"TRY_CAST({blank(v)} AS {kind})"


SALES = {  # silver column: (landing field, type, standardisers, formats) — contracts/pos_sales.yaml
    "transaction_id": ("transaction_id", "string", ("trim", "upper")),
    "sale_date": ("date", "date", (), ("%Y-%m-%d", "%d/%m/%Y")),
    "store_id": ("store_id", "string", ("trim", "upper")),
    "store_name": ("store_name", "string", ("trim",)),
    "city": ("city", "string", ("trim", "title")),
    "product_id": ("product_id", "string", ("trim", "upper")),
    "product_name": ("product_name", "string", ("trim",)),
    "category": ("category", "string", ("trim", "title")),
    "customer_id": ("customer_id", "string", ("trim", "upper")),
    "customer_name": ("customer_name", "string", ("trim",)),
    "quantity": ("quantity_sold", "INTEGER", ()),
    "unit_price": ("unit_price", "DECIMAL(12,2)", ()),
    "total_amount": ("total_amount", "DECIMAL(12,2)", ()),
    "payment_method": ("payment_method", "string", ("trim", "lower")),
    "currency": ("currency", "string", ("trim", "upper")),
}
PRODUCTS = {
    "product_id": ("product_id", "string", ("trim", "upper")),
    "product_name": ("product_name", "string", ("trim",)),
    "category": ("category", "string", ("trim", "title")),
    "brand": ("brand", "string", ("trim",)),
    "unit_cost": ("unit_cost", "DECIMAL(12,2)", ()),
    "list_price": ("list_price", "DECIMAL(12,2)", ()),
}
FX = {
    "rate_date": ("rate_date", "date", (), ("%Y-%m-%d",)),
    "currency": ("currency", "string", ("trim", "upper")),
    "rate_to_usd": ("rate_to_usd", "DECIMAL(18,8)", ()),
}
# Row-level rules of severity error (the DQDL text in the contracts, as SQL; NULL fails).
SALES_RULES = [
    "transaction_id IS NOT NULL",
    "sale_date IS NOT NULL",
    "store_id IS NOT NULL",
    "product_id IS NOT NULL",
    "customer_id IS NOT NULL",
    "quantity IS NOT NULL",
    "quantity > 0",
    "unit_price > 0 AND unit_price < 100000",
    "amount_mismatch <= 0.01",
    "length(currency) = 3",
]
PRODUCT_RULES = ["product_id IS NOT NULL", "category IS NOT NULL", "list_price > 0"]
FX_RULES = ["rate_date IS NOT NULL", "currency IS NOT NULL", "rate_to_usd > 0"]


def bronze(con, landing: str, source: str, out: str) -> int:
    """Landing CSV files → bronze table (+ Parquet): header fields as strings, _raw, _corrupt, file, line."""
    files = sorted(glob.glob(f"{landing}/{source}/**/*.csv", recursive=True))
    con.execute(f"DROP TABLE IF EXISTS bronze_{source}")
    for i, f in enumerate(files):
        header = open(f, encoding="utf-8").readline().rstrip("\n").split(",")
        fields = ", ".join(f't[{j + 1}] AS "{h.strip()}"' for j, h in enumerate(header))
        lines = (
            f"SELECT value, row_number() OVER () AS _source_line FROM read_csv('{f}', columns={{'value': 'VARCHAR'}}, "
            f"header=false, delim='{chr(1)}', quote='', escape='', auto_detect=false)"
        )
        select = (
            f"SELECT {fields}, value AS _raw, len(t) <> {len(header)} AS _corrupt, '{f}' AS _source_file, _source_line "
            f"FROM (SELECT *, string_split(value, ',') AS t FROM ({lines}) "
            "WHERE _source_line > 1 AND trim(value) <> '')"
        )
        verb = f"CREATE TABLE bronze_{source} AS " if i == 0 else f"INSERT INTO bronze_{source} BY NAME "
        con.execute(verb + select)
    quoted = con.execute(f"SELECT count(*) FROM bronze_{source} WHERE _raw LIKE '%\"%'").fetchone()[0]
    if quoted:  # string_split does not honour CSV quoting: refuse rather than mis-parse
        raise ValueError(f"{source}: {quoted} quoted CSV lines; this reader splits on commas only")
    con.execute(f"COPY bronze_{source} TO '{out}/bronze_{source}.parquet' (FORMAT PARQUET)")
    return con.execute(f"SELECT count(*) FROM bronze_{source}").fetchone()[0]


def silver(con, source: str, entity: str, columns: dict, keys: list[str], rules: list[str], out: str, extra=""):
    """bronze_<source> → silver_<entity> (valid) and quarantine_<entity> (with corrupt rows)."""
    cols = ", ".join(f"{typed(*spec)} AS {name}" for name, spec in columns.items())
    key_null = " OR ".join(f"{k} IS NULL" for k in keys)
    passes = " AND ".join(f"coalesce({r}, false)" for r in rules)
    con.execute(f"""
        CREATE OR REPLACE TABLE checked_{entity} AS
        WITH typed AS (SELECT {cols}, _raw, _source_file, _source_line FROM bronze_{source} WHERE NOT _corrupt),
        derived AS (SELECT *{extra} FROM typed),
        distinct_rows AS (
            SELECT * FROM derived
            QUALIFY row_number() OVER (PARTITION BY _raw ORDER BY _source_file, _source_line) = 1),
        latest AS (
            SELECT * FROM distinct_rows
            QUALIFY {key_null} OR row_number() OVER (
                PARTITION BY {", ".join(keys)} ORDER BY _source_file DESC, _source_line DESC) = 1)
        SELECT *, {passes} AS _valid FROM latest""")
    con.execute(
        f"CREATE OR REPLACE TABLE silver_{entity} AS SELECT * EXCLUDE (_valid) FROM checked_{entity} WHERE _valid"
    )
    con.execute(f"COPY silver_{entity} TO '{out}/silver_{entity}.parquet' (FORMAT PARQUET)")
    return con.execute(
        f"SELECT count(*) FILTER (WHERE _valid), count(*) FILTER (WHERE NOT _valid) FROM checked_{entity}"
    ).fetchone()


def run_silver(con, out: str) -> dict:
    counts = {
        "products": silver(con, "products", "products", PRODUCTS, ["product_id"], PRODUCT_RULES, out),
        "fx_rates": silver(con, "fx_rates", "fx_rates", FX, ["currency", "rate_date"], FX_RULES, out),
    }
    mismatch = ", CAST(abs(total_amount - quantity * unit_price) AS DECIMAL(14,2)) AS amount_mismatch"
    ref = "(product_id IS NULL OR product_id IN (SELECT product_id FROM silver_products))"
    counts["sales"] = silver(con, "pos_sales", "sales", SALES, ["transaction_id"], [*SALES_RULES, ref], out, mismatch)
    return counts


def run_gold(con, out: str) -> dict:
    con.execute("""
        CREATE OR REPLACE TABLE fx_usable AS
        SELECT upper(trim(currency)) AS currency, rate_date, max(CAST(rate_to_usd AS DECIMAL(18,8))) AS rate
        FROM silver_fx_rates
        WHERE currency IS NOT NULL AND rate_date IS NOT NULL AND rate_to_usd IS NOT NULL AND rate_to_usd > 0
        GROUP BY ALL""")
    con.execute("""
        CREATE OR REPLACE TABLE enriched AS
        WITH prod AS (SELECT product_id, any_value(product_name) AS p_name, any_value(category) AS p_cat
                      FROM silver_products GROUP BY product_id),
        base AS (
            SELECT s.*, CAST(s.total_amount AS DECIMAL(14,2)) AS amount_local,
                   coalesce(p.p_cat, s.category) AS category_m, coalesce(p.p_name, s.product_name) AS product_name_m,
                   upper(trim(s.currency)) AS ccy
            FROM silver_sales s LEFT JOIN prod p USING (product_id)),
        with_fx AS (
            SELECT b.*, CASE WHEN b.ccy = 'USD' THEN CAST(1 AS DECIMAL(18,8)) ELSE r.rate END AS fx_rate
            FROM base b ASOF LEFT JOIN fx_usable r ON b.ccy = r.currency AND b.sale_date >= r.rate_date)
        SELECT *, CAST(round(amount_local * fx_rate, 2) AS DECIMAL(14,2)) AS amount_usd,
               fx_rate IS NULL OR amount_local IS NULL AS fx_missing
        FROM with_fx""")
    usd = "CAST(coalesce(sum(amount_usd) FILTER (WHERE NOT fx_missing), 0) AS DECIMAL(18,2))"
    con.execute(f"""
        CREATE OR REPLACE TABLE daily_sales AS
        SELECT sale_date, store_id, category_m AS category, count(*) AS orders, coalesce(sum(quantity), 0) AS units,
               {usd} AS revenue_usd, sum(CAST(fx_missing AS INTEGER)) AS unconverted_sales
        FROM enriched GROUP BY ALL""")
    con.execute(f"""
        CREATE OR REPLACE TABLE product_performance AS
        SELECT *, rank() OVER (PARTITION BY month, category ORDER BY revenue_usd DESC) AS category_rank FROM (
            SELECT date_trunc('month', sale_date)::DATE AS month, product_id, max(product_name_m) AS product_name,
                   max(category_m) AS category, count(*) AS orders, coalesce(sum(quantity), 0) AS units,
                   {usd} AS revenue_usd
            FROM enriched GROUP BY month, product_id)""")
    for table in ("daily_sales", "product_performance"):
        con.execute(f"COPY {table} TO '{out}/gold_{table}.parquet' (FORMAT PARQUET)")
    return {t: con.execute(f"SELECT count(*) FROM {t}").fetchone()[0] for t in ("daily_sales", "product_performance")}
