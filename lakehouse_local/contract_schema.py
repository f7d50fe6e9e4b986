"""JSON Schemas for the YAML files under contracts/, built from the parser's own tables.

    python -m lakehouse_local.contract_schema            # rewrite contracts/schema/*.schema.json
    python -m lakehouse_local.contract_schema --check    # exit 1 if they are out of date (the tests run this)

Every field, required flag, enum and name/type pattern comes from lakehouse.contracts and
lakehouse.tables (CONTRACT_FIELDS, FORMAT_OPTIONS, SEVERITIES, STANDARDISERS, GOLD_TABLE_FIELDS, ...),
so the schema an editor checks while you type accepts what the jobs accept. What a schema cannot
say is left to the parser (a name that must be one of the contract's columns, an encoding Python must
know, a table name equal to its file name): the editor cannot flag those, the job still does.
Each YAML file names its schema on line 1: `# yaml-language-server: $schema=<relative path>`.
"""

import argparse
import json
import re
import sys
from pathlib import Path

from lakehouse import contracts as c
from lakehouse import tables as t

REPO_ROOT = Path(__file__).resolve().parents[1]
SCHEMA_DIR = REPO_ROOT / "contracts" / "schema"
DRAFT = "http://json-schema.org/draft-07/schema#"  # if/then needs draft-07; yaml-language-server reads it

# Hover text in the editor, one per declared field (the test checks each field table has its texts).
HELP = {
    "contract": {
        "source": "Landing folder and bronze table name (landing/<source>/, bronze.<source>); lower_snake_case.",
        "entity": "Silver table name (silver.<entity>, silver.quarantine_<entity>); lower_snake_case.",
        "description": "What one row is, for people and the catalog.",
        "format": "How landing files are written: csv, json (JSON lines) or parquet.",
        "csv": "Options for format csv (all optional; defaults read plain UTF-8 files with a header).",
        "json": "Options for format json (all optional).",
        "parquet": "Parquet takes no options: leave this out.",
        "business_key": "Column(s) identifying a record; silver MERGEs by it and keeps the latest version.",
        "latest_by": "Column ordering versions of a key (a late older version never replaces a newer one).",
        "partition_by": "Silver partition column(s).",
        "columns": "The columns silver writes, in order: name, landing field, type, standardisers, date formats.",
        "derived": "Columns computed from others with a Spark SQL expression (e.g. for a DQDL rule).",
        "references": "Row-level foreign keys to another silver entity (failing rows: unknown_<column>).",
        "pii": "column: hash | mask, applied in gold.",
        "scd2": "Keep a type-2 history of the tracked columns in silver.<entity>_versions.",
        "dq": "DQDL rules: name, rule, severity (error | warn), scope (row | dataset).",
    },
    "column": {
        "name": "Silver column name; lower_snake_case.",
        "source": "Landing field (a.b for a nested JSON field); default: the column name.",
        "type": "string, int, bigint, double, boolean, date, timestamp or decimal(p,s).",
        "standardise": "Standardisers applied in order before casting.",
        "formats": "Date/timestamp formats tried in order (Spark datetime patterns); required for date/timestamp.",
    },
    "derived": {
        "name": "Column name; lower_snake_case.",
        "expr": "Spark SQL expression over the contract's columns.",
        "type": "Type of the result.",
    },
    "reference": {
        "column": "This contract's column holding the key.",
        "entity": "The silver entity it must exist in.",
        "key": "That entity's key column.",
    },
    "scd2": {
        "tracked": "Columns whose change opens a new version.",
        "effective_from": "Column giving a version's start time.",
    },
    "rule": {
        "name": "Rule name (quarantine reason, ops.dq_results.rule_name); lower_snake_case, unique.",
        "rule": 'One DQDL rule, e.g. IsComplete "customer_id".',
        "severity": "error: failing rows are quarantined / a failing dataset rule stops the batch; warn: counted only.",
        "scope": "row: the rule judges each row; dataset: it judges the whole batch.",
    },
    "options": {
        "delimiter": "Field separator (one character).",
        "quote": "Quote character (one character, not the delimiter).",
        "escape": 'Escapes a quote inside a quoted field (one character); \'"\' for the "" convention.',
        "header": "true: line 1 names the fields; false: fields by position, line 1 is data.",
        "multiline": "A quoted field may span lines (the exact reader).",
        "array": "A file may be one top-level JSON array of records.",
        "encoding": "A Python codec name (utf-8, latin-1, cp1252, ...); ASCII-compatible only.",
        "null_values": "Tokens read as missing after trimming, case-sensitive; a blank value is always missing.",
    },
    "gold": {
        "table": "Table name; must equal the file name.",
        "description": "What the table holds.",
        "grain": "What one row is.",
        "build": "star: built by the star-schema steps; mart: the function of that name in lakehouse/gold/marts.py.",
        "columns": "Declared columns in order: the built table must match them exactly.",
        "unique_key": "Columns that are unique together (checked).",
        "not_null": "Columns that must not be NULL (checked).",
        "partition_by": "Partition column(s).",
        "pii": "protected: the contracts' hash/mask applied before writing.",
        "redshift": "Loaded into the Redshift star schema (redshift_sql/03 and 04).",
    },
    "table_column": {
        "name": "Column name.",
        "type": "Spark type: string, int, bigint, double, boolean, date, timestamp, decimal(p,s) or array<...>.",
        "description": "What the column means.",
    },
    "silver_metadata": {
        "entity": "Columns after silver.<entity>'s contract columns.",
        "quarantine": "Columns after silver.quarantine_<entity>'s contract columns.",
    },
}
OPTION_TYPES = {
    str: {"type": "string"},
    bool: {"type": "boolean"},
    list: {"type": "array", "items": {"type": "string"}},
}
ONE_CHARACTER = ("delimiter", "quote", "escape")  # the parser's length check


def _ci(word: str) -> str:
    """A regex matching `word` in any case (the parser lower-cases types; ECMA regexes have no (?i))."""
    return "".join(f"[{ch.lower()}{ch.upper()}]" if ch.isalpha() else re.escape(ch) for ch in word)


def _type(gold: bool = False) -> dict:
    """A type as check_type reads it: stripped, any case, a simple type or the DECIMAL pattern (gold: or array<...>)."""
    decimal = c.DECIMAL.pattern.removeprefix("^").removesuffix("$").replace("decimal", _ci("decimal"))
    alternatives = [_ci(name) for name in sorted(c.SIMPLE_TYPES)] + [decimal]
    pattern = r"^\s*(" + "|".join(alternatives) + r")\s*$"
    if gold:
        pattern = rf"{pattern}|^\s*{_ci('array')}<"
    examples = sorted(c.SIMPLE_TYPES) + ["decimal(12,2)"]
    return {"type": "string", "anyOf": [{"enum": examples}, {"pattern": pattern}]}


def _name() -> dict:
    return {"type": "string", "pattern": c.NAME.pattern}


def _required_text() -> dict:
    return {"type": "string", "minLength": 1}  # `require` refuses a missing, null or empty value


def _names() -> dict:
    """A column name or a list of them (_known_columns), or nothing."""
    return {"anyOf": [{"type": "string"}, {"type": "array", "items": {"type": "string"}}, {"type": "null"}]}


def _optional_list(items: dict) -> dict:
    return {"type": ["array", "null"], "items": items}  # the parser reads `x: null` as no items


def _object(fields: dict, help_key: str, properties: dict) -> dict:
    """A closed object: exactly the declared fields, the required ones required, each with its hover text."""
    missing = set(fields) ^ set(properties)
    assert not missing, f"{help_key}: schema properties and declared fields differ: {sorted(missing)}"
    return {
        "type": "object",
        "additionalProperties": False,
        "required": [f for f, required in fields.items() if required],
        "properties": {f: {"description": HELP[help_key][f], **properties[f]} for f in fields},
    }


def _options(fmt: str) -> dict:
    options = c.FORMAT_OPTIONS[fmt]
    if not options:
        return {"type": "null"}  # _parse_options refuses any block for a format without options
    properties = {}
    for key, kind in options.items():
        spec = dict(OPTION_TYPES[kind])
        if key in ONE_CHARACTER:
            spec.update(minLength=1, maxLength=1)
        properties[key] = spec
    block = _object(dict.fromkeys(options, False), "options", properties)
    block["type"] = ["object", "null"]
    return block


def contract_schema() -> dict:
    column = _object(
        c.COLUMN_FIELDS,
        "column",
        {
            "name": _name(),
            "source": {"type": ["string", "null"]},
            "type": _type(),
            "standardise": _optional_list({"enum": sorted(c.STANDARDISERS)}),
            "formats": _optional_list({"type": "string"}),
        },
    )
    # _parse_columns: a date or timestamp column needs at least one format
    temporal = r"^\s*(" + "|".join(_ci(x) for x in ("date", "timestamp")) + r")\s*$"
    column["if"] = {"properties": {"type": {"type": "string", "pattern": temporal}}, "required": ["type"]}
    column["then"] = {"required": ["formats"], "properties": {"formats": {"type": "array", "minItems": 1}}}
    rule = _object(
        c.RULE_FIELDS,
        "rule",
        {
            "name": _name(),
            "rule": _required_text(),
            "severity": {"enum": sorted(c.SEVERITIES)},
            "scope": {"enum": sorted(c.SCOPES)},
        },
    )
    derived = _object(c.DERIVED_FIELDS, "derived", {"name": _name(), "expr": _required_text(), "type": _type()})
    reference = _object(c.REFERENCE_FIELDS, "reference", {k: _required_text() for k in c.REFERENCE_FIELDS})
    scd2 = _object(
        c.SCD2_FIELDS,
        "scd2",
        {"tracked": {"type": "array", "items": {"type": "string"}}, "effective_from": _required_text()},
    )
    scd2["type"] = ["object", "null"]
    schema = _object(
        c.CONTRACT_FIELDS,
        "contract",
        {
            "source": _name(),
            "entity": _name(),
            "description": {"type": ["string", "null"]},
            "format": {"enum": sorted(c.FORMATS)},
            **{fmt: _options(fmt) for fmt in c.FORMAT_OPTIONS},
            "business_key": {"type": "array", "items": {"type": "string"}},
            "latest_by": _names(),
            "partition_by": _names(),
            "columns": {"type": "array", "items": column},
            "derived": _optional_list(derived),
            "references": _optional_list(reference),
            "pii": {"type": ["object", "null"], "additionalProperties": {"enum": sorted(c.PII_ACTIONS)}},
            "scd2": scd2,
            "dq": {"type": "array", "items": rule},
        },
    )
    # _parse_options: a block for another format than the contract's is refused
    schema["allOf"] = [
        {
            "if": {"properties": {"format": {"const": fmt}}, "required": ["format"]},
            "then": {"properties": {other: {"type": "null"} for other in c.FORMAT_OPTIONS if other != fmt}},
        }
        for fmt in c.FORMAT_OPTIONS
    ]
    return {"$schema": DRAFT, "title": "Source contract (contracts/<source>.yaml)", **schema}


def _table_columns() -> dict:
    column = _object(
        t.TABLE_COLUMN_FIELDS,
        "table_column",
        {"name": _required_text(), "type": _type(gold=True), "description": {"type": ["string", "null"]}},
    )
    return {"type": "array", "minItems": 1, "items": column}


def gold_table_schema() -> dict:
    names = {"type": ["array", "null"], "items": {"type": "string"}}
    schema = _object(
        t.GOLD_TABLE_FIELDS,
        "gold",
        {
            "table": _name(),
            "description": _required_text(),
            "grain": _required_text(),
            "build": {"enum": sorted(t.BUILDS)},
            "columns": _table_columns(),
            "unique_key": names,
            "not_null": names,
            "partition_by": names,
            "pii": {"enum": sorted(t.PII_POLICIES)},
            "redshift": {"type": "boolean"},
        },
    )
    return {"$schema": DRAFT, "title": "Gold table declaration (contracts/gold/<table>.yaml)", **schema}


def silver_metadata_schema() -> dict:
    schema = _object(
        t.SILVER_METADATA_FIELDS, "silver_metadata", dict.fromkeys(t.SILVER_METADATA_FIELDS, _table_columns())
    )
    return {"$schema": DRAFT, "title": "Silver metadata columns (contracts/silver/metadata.yaml)", **schema}


SCHEMAS = {
    "contract.schema.json": contract_schema,
    "gold-table.schema.json": gold_table_schema,
    "silver-metadata.schema.json": silver_metadata_schema,
}


def render(name: str) -> str:
    return json.dumps(SCHEMAS[name](), indent=2, ensure_ascii=False) + "\n"


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--check", action="store_true", help="exit 1 if a schema file is out of date")
    args = ap.parse_args(argv)
    stale = []
    for name in SCHEMAS:
        path = SCHEMA_DIR / name
        text = render(name)
        if path.exists() and path.read_text() == text:
            continue
        if args.check:
            stale.append(name)
        else:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text)
            print(f"wrote {path.relative_to(REPO_ROOT)}")
    if stale:
        print(f"out of date: {stale}; run python -m lakehouse_local.contract_schema", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
