"""The lean reference: bronze + silver's row work for any CSV contract, in DuckDB SQL, driven by the contract file.

    .venv/bin/python bench/duckdb_lean.py --landing /tmp/lake_bench/lake/landing [--contracts contracts]
        [--sources products,pos_sales]

What it does per source (and nothing more, so the bench can say how far Spark is from the leanest correct
implementation of that work; docs/performance.md):
- bronze: the landing CSV files read with the contract's delimiter, quote and escape, every field a string;
  a line DuckDB cannot read as a record (field count, quoting, encoding) is counted as unreadable (its rejects);
- casts to the contract's types after its null tokens and standardisers; a present value that does not cast
  makes the row unreadable (silver's `<column>_unparsable`); int/bigint only from whole numbers;
- derived columns (their `expr` read as DuckDB SQL);
- exact duplicates (identical records: every field equal; the first in file and line order kept);
- latest per business key (highest `latest_by`, then the last delivered; rows with a NULL key all kept);
- the row-scope DQDL rules of severity error, translated to SQL with the one-pass evaluator's semantics
  (lakehouse/dq.py compile_rule: ColumnValues fails NULL, `between` is exclusive, ColumnLength passes NULL),
  and the references (a non-NULL value not among the referenced entity's kept keys);
- the split: kept rows in table `lean_<entity>`, and the counts.
Dataset-scope rules are not judged (they hold or stop a whole batch; the bench's data passes them), nor
warn rules (they only count). It reads the contract with the package's loader (the YAML's meaning, not
its engine) and shares no code with the Spark path.
"""

import argparse
import glob
import re
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT / "glue_jobs")]


def digits(v: str) -> str:
    return f"regexp_replace({v}, '[^0-9]', '', 'g')"


STANDARDISERS = {
    "trim": lambda v: f"trim({v})",
    "upper": lambda v: f"upper({v})",
    "lower": lambda v: f"lower({v})",
    # Spark initcap(lower(x)): the first letter of each space-separated word upper-cased
    "title": lambda v: (
        f"array_to_string(list_transform(string_split(lower({v}), ' '), w -> upper(left(w, 1)) || substr(w, 2)), ' ')"
    ),
    "email": lambda v: f"lower(trim({v}))",
    "phone": lambda v: (
        f"(CASE WHEN length({digits(v)}) = 10 THEN '+1' || {digits(v)} "
        f"WHEN length({digits(v)}) > 0 THEN '+' || {digits(v)} END)"
    ),
}
SPARK_TO_STRPTIME = [("yyyy", "%Y"), ("MM", "%m"), ("dd", "%d"), ("HH", "%H"), ("mm", "%M"), ("ss", "%S")]
SQL_TYPES = {"string": "VARCHAR", "int": "INTEGER", "bigint": "BIGINT", "double": "DOUBLE", "boolean": "BOOLEAN"}
COL = r'"(?P<col>[^"]+)"'
NUM = r"-?\d+(?:\.\d+)?"
OP = r"(?P<op>>=|<=|>|<|=)"


def q(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def lit(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def sql_type(kind: str) -> str:
    return SQL_TYPES.get(kind) or kind.upper()  # decimal(p,s) is DuckDB's spelling too


def missing(v: str, tokens=("",)) -> str:
    """NULL for a blank value or a declared null token (compared after trim)."""
    named = [lit(t) for t in tokens if t]
    test = f"trim({v}) = ''" + (f" OR trim({v}) IN ({', '.join(named)})" if named else "")
    return f"(CASE WHEN {test} THEN NULL ELSE {v} END)"


def present(col, tokens) -> str:
    v = missing(q(col.source), tokens)
    for step in col.standardise:
        v = STANDARDISERS[step](v)
    return v


def cast(v: str, col) -> str:
    if col.type in ("date", "timestamp"):
        formats = []
        for f in col.formats:
            for spark_fmt, c_fmt in SPARK_TO_STRPTIME:
                f = f.replace(spark_fmt, c_fmt)
            formats.append(f"try_strptime(trim({v}), {lit(f)})")
        return f"CAST(coalesce({', '.join(formats)}) AS {col.type.upper()})"
    value = missing(v)
    if col.type in ("int", "bigint"):
        whole = f"regexp_full_match({v}, '\\s*[+-]?[0-9]+\\s*')"  # a cast would truncate "1.5" to 1
        return f"(CASE WHEN {whole} THEN TRY_CAST(trim({value}) AS {sql_type(col.type)}) END)"
    if col.type == "string":
        return value
    return f"TRY_CAST(trim({value}) AS {sql_type(col.type)})"


def rule_sql(text: str) -> str | None:
    """SQL true when a row FAILS the rule (one-pass evaluator semantics), None for a rule with no row check."""
    text = text.strip()
    if m := re.fullmatch(rf"(?:IsComplete|Completeness)\s+{COL}(?:\s*{OP}\s*{NUM})?", text):
        return f"{q(m['col'])} IS NULL"
    if m := re.fullmatch(rf"IsUnique\s+{COL}", text):
        c = q(m["col"])
        return f"({c} IS NOT NULL AND count({c}) OVER (PARTITION BY {c}) > 1)"
    if re.fullmatch(rf"RowCount\s*(?:{OP}\s*\d+|\s+between\s+\d+\s+and\s+\d+)", text):
        return None
    if m := re.fullmatch(rf"ColumnValues\s+{COL}\s+in\s+\[(?P<items>[^\]]*)\]", text):
        items = ", ".join(lit(i) for i in re.findall(r'"([^"]*)"', m["items"]))
        return f"({q(m['col'])} IS NULL OR {q(m['col'])} NOT IN ({items}))"
    if m := re.fullmatch(rf'ColumnValues\s+{COL}\s+matches\s+"(?P<regex>[^"]*)"', text):
        return f"({q(m['col'])} IS NULL OR NOT regexp_full_match({q(m['col'])}, {lit(m['regex'])}))"
    if m := re.fullmatch(rf"ColumnValues\s+{COL}\s*!=\s*(?P<num>{NUM})", text):
        return f"coalesce({q(m['col'])} = {m['num']}, false)"
    if m := re.fullmatch(rf"ColumnValues\s+{COL}\s+between\s+(?P<low>{NUM})\s+and\s+(?P<high>{NUM})", text):
        c = q(m["col"])
        return f"({c} IS NULL OR NOT ({c} > {m['low']} AND {c} < {m['high']}))"
    if m := re.fullmatch(rf"ColumnValues\s+{COL}\s*{OP}\s*(?P<num>{NUM})", text):
        return f"({q(m['col'])} IS NULL OR NOT ({q(m['col'])} {m['op']} {m['num']}))"
    if m := re.fullmatch(rf"ColumnLength\s+{COL}\s*{OP}\s*(?P<num>\d+)", text):
        c = q(m["col"])
        return f"({c} IS NOT NULL AND NOT (length({c}) {m['op']} {m['num']}))"
    raise ValueError(f"the lean reference has no SQL for the DQDL rule {text!r}")


def bronze(con, landing: str, contract) -> tuple[int, int]:
    """Landing CSV files → table lean_bronze_<source> (fields as strings, file, line); (records, unreadable).

    A line DuckDB cannot read as a record (field count, quoting, encoding) is skipped (store_rejects) and
    counted as unreadable, as silver quarantines bronze's corrupt and undecodable records."""
    files = sorted(glob.glob(f"{landing}/{contract.source}/**/*.csv", recursive=True))
    if not files:
        raise SystemExit(f"{contract.source}: no CSV files under {landing}/{contract.source}/")
    o = contract.options
    fields = contract.source_fields
    table = f"lean_bronze_{contract.source}"
    con.execute(f"DROP TABLE IF EXISTS {table}")
    con.execute(
        f"CREATE TABLE {table} AS SELECT {', '.join(q(f) for f in fields)}, filename AS _source_file, "
        f"row_number() OVER () AS _source_line FROM read_csv({files!r}, all_varchar = true, "
        f"header = {str(o.header).lower()}, delim = {lit(o.delimiter)}, quote = {lit(o.quote)}, "
        f"escape = {lit(o.escape)}, filename = true, store_rejects = true, "
        f"rejects_table = 'lean_rejects_{contract.source}', rejects_scan = 'lean_scans_{contract.source}', "
        "auto_detect = true, null_padding = false)"
    )
    # DuckDB's rejects table does not say how many lines it skipped (its line numbers are approximate
    # when it reads a file in parallel; a line can fail in more ways than one): records less rows read
    read = con.execute(f"SELECT count(*) FROM {table}").fetchone()[0]
    records = sum(non_blank_lines(f) - o.header for f in files)
    return records, records - read


def non_blank_lines(path: str) -> int:
    """Lines with a non-blank character (bronze keeps those), counted on the bytes: undecodable ones too."""
    with open(path, "rb") as fh:
        return sum(1 for line in fh if line.strip())


def silver(con, contract, kept_keys: dict) -> dict:
    """lean_bronze_<source> → lean_<entity> (the kept rows) and the counts of the row work."""
    tokens = contract.options.null_values
    # each value's present form and its cast computed once (DuckDB evaluates a repeated expression again:
    # typed values and the unreadable test apart took 6.5 + 6.8 s on 1 M wide lines, together 13.0 s)
    present_as = {c.name: q(f"_present_{c.name}") for c in contract.columns}
    typed_as = {c.name: q(f"_typed_{c.name}") for c in contract.columns}
    presents = ", ".join(f"{present(c, tokens)} AS {present_as[c.name]}" for c in contract.columns)
    casts = ", ".join(f"{cast(present_as[c.name], c)} AS {typed_as[c.name]}" for c in contract.columns)
    typed = ", ".join(f"{typed_as[c.name]} AS {q(c.name)}" for c in contract.columns)
    bad = [
        f"({missing(present_as[c.name])} IS NOT NULL AND {typed_as[c.name]} IS NULL)"
        for c in contract.columns
        if c.type != "string"
    ]
    derived = "".join(f", CAST({d.expr} AS {sql_type(d.type)}) AS {q(d.name)}" for d in contract.derived)
    raw = ", ".join(q(f) for f in contract.source_fields)  # the record: every field (silver: its _raw text)
    key_null = " OR ".join(f"{q(k)} IS NULL" for k in contract.business_key)
    keys = ", ".join(map(q, contract.business_key))
    order = "_source_file DESC, _source_line DESC"
    if contract.latest_by:
        order = f"{q(contract.latest_by)} DESC NULLS LAST, {order}"
    fails = [
        s for r in contract.rules if r.scope == "row" and r.severity == "error" and (s := rule_sql(r.rule)) is not None
    ]
    for ref in contract.references:
        known = kept_keys[ref.entity](ref.key)
        fails.append(f"({q(ref.column)} IS NOT NULL AND {q(ref.column)} NOT IN ({known}))")
    failed = " OR ".join(f"coalesce({f}, false)" for f in fails) or "false"
    con.execute(f"""
        CREATE OR REPLACE TEMP TABLE lean_typed AS
        SELECT {typed}, {" OR ".join(bad) or "false"} AS _unreadable, {raw}, _source_file, _source_line FROM (
            SELECT {casts}, * FROM (
                SELECT {presents}, {raw}, _source_file, _source_line FROM lean_bronze_{contract.source}))""")
    con.execute(f"""
        CREATE OR REPLACE TEMP TABLE lean_distinct AS
        SELECT *{derived} FROM lean_typed WHERE NOT _unreadable
        QUALIFY row_number() OVER (PARTITION BY {raw} ORDER BY _source_file, _source_line) = 1""")
    con.execute(f"""
        CREATE OR REPLACE TEMP TABLE lean_checked AS
        WITH latest AS (
            SELECT * FROM lean_distinct
            QUALIFY {key_null} OR row_number() OVER (PARTITION BY {keys} ORDER BY {order}) = 1)
        SELECT *, {failed} AS _failed FROM latest""")
    names = ", ".join(q(c) for c in contract.column_names + [d.name for d in contract.derived])
    con.execute(f"CREATE OR REPLACE TABLE lean_{contract.entity} AS SELECT {names} FROM lean_checked WHERE NOT _failed")
    rows_in, unreadable = con.execute("SELECT count(*), count(*) FILTER (WHERE _unreadable) FROM lean_typed").fetchone()
    distinct = con.execute("SELECT count(*) FROM lean_distinct").fetchone()[0]
    latest, failed = con.execute("SELECT count(*), count(*) FILTER (WHERE _failed) FROM lean_checked").fetchone()
    return {
        "rows_in": rows_in,
        "unreadable": unreadable,
        "exact_duplicates": rows_in - unreadable - distinct,
        "superseded": distinct - latest,
        "rule_failures": failed,
        "valid": latest - failed,
    }


def ordered(contracts: list) -> list:
    """Referenced entities first (sales checks product ids against products' kept rows)."""
    by_entity = {c.entity: c for c in contracts}
    done: list = []

    def visit(c):
        for r in c.references:
            if r.entity in by_entity and by_entity[r.entity] not in done:
                visit(by_entity[r.entity])
        if c not in done:
            done.append(c)

    for c in contracts:
        visit(c)
    return done


def run(con, contracts_dir: str, landing: str, sources: list[str]) -> dict:
    """{entity: counts} of bronze + silver's row work for these CSV sources; kept rows in lean_<entity>."""
    from lakehouse.contracts import load_contracts

    contracts = load_contracts(Path(contracts_dir))
    unknown = [s for s in sources if s not in contracts]
    if unknown:
        raise SystemExit(f"no contract for {unknown} in {contracts_dir}")
    chosen = [contracts[s] for s in sources]
    not_csv = [c.source for c in chosen if c.format != "csv"]
    if not_csv:
        raise SystemExit(f"the lean reference reads CSV sources only, not {not_csv}")
    counts, kept = {}, {}
    for c in ordered(chosen):
        missing_refs = [r.entity for r in c.references if r.entity not in kept]
        if missing_refs:
            raise SystemExit(f"{c.source} references {missing_refs}: add their sources to --sources")
        rows_in, rejected = bronze(con, landing, c)
        n = silver(con, c, kept)
        # bronze's unreadable lines count as rows in and as quarantined, as silver counts corrupt records
        n["rows_in"] += rejected
        n["unreadable"] += rejected
        n["quarantined"] = n["unreadable"] + n["rule_failures"]
        counts[c.entity] = n
        kept[c.entity] = lambda key, e=c.entity: f"SELECT {q(key)} FROM lean_{e} WHERE {q(key)} IS NOT NULL"
    return counts


def main() -> int:
    import duckdb

    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--landing", required=True, help="the landing folder: <landing>/<source>/**/*.csv")
    ap.add_argument("--contracts", default=str(ROOT / "contracts"))
    ap.add_argument("--sources", default="products,pos_sales", help="comma-separated contract sources")
    args = ap.parse_args()
    con = duckdb.connect()
    con.execute("SET enable_progress_bar = false")
    t = time.perf_counter()
    for entity, n in run(con, args.contracts, args.landing, args.sources.split(",")).items():
        print(f"{entity}: {n}")
    print(f"{time.perf_counter() - t:.2f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
