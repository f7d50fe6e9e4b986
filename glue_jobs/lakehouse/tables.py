"""Declared table schemas beside the source contracts: silver's metadata columns and the gold tables.

Both declare what the project's code writes, not a source: a contracts folder without them (a
user's own, via LAKEHOUSE_CONTRACTS_DIR) uses the package's own (`_declarations`).

- contracts/silver/metadata.yaml: the columns silver writes after each entity's contract columns.
- contracts/gold/<table>.yaml: one file per gold table (dbt-schema-file style): grain, columns
  with types and descriptions, keys that must be unique and not null, partitioning, PII policy,
  whether Redshift loads it, and how it is built (`build: mart` = the function of that name in
  lakehouse.gold.marts over the enriched sales).
Read by the gold job, by Terraform (crawler targets, catalog), by the docs generator and the tests.
"""

from dataclasses import dataclass
from pathlib import Path

import yaml

from lakehouse.contracts import (
    check_fields,
    check_name,
    check_type,
    default_contracts_dir,
    package_contracts_dir,
    require,
)
from lakehouse.errors import ContractError

BUILDS = {"star", "mart"}  # star: built by the job's star-schema steps; mart: marts.<table>(sales)
PII_POLICIES = {"none", "protected"}  # protected: the contract's hash/mask applied before writing
# The fields a gold table declaration and a declared column may have (True = required); any other is
# rejected, and contracts/schema/gold-table.schema.json is generated from these (by contract_schema.py
# of the local package).
GOLD_TABLE_FIELDS = {
    "table": True,
    "description": True,
    "grain": True,
    "build": True,
    "columns": True,
    "unique_key": False,
    "not_null": False,
    "partition_by": False,
    "pii": False,
    "redshift": False,
}
TABLE_COLUMN_FIELDS = {"name": True, "type": True, "description": False}
SILVER_METADATA_FIELDS = {"entity": True, "quarantine": True}


@dataclass(frozen=True)
class TableColumn:
    name: str
    type: str
    description: str = ""


@dataclass(frozen=True)
class GoldTable:
    path: str
    name: str
    description: str
    grain: str
    build: str
    columns: tuple[TableColumn, ...]
    unique_key: tuple[str, ...] = ()
    not_null: tuple[str, ...] = ()
    partition_by: tuple[str, ...] = ()
    pii: str = "none"
    redshift: bool = False  # loaded into the Redshift star schema (redshift_sql/03 and 04)

    @property
    def column_names(self) -> list[str]:
        return [c.name for c in self.columns]

    @property
    def ddl(self) -> str:
        """'a string, b int, ...' (Spark DDL), as DataFrame schemas are written."""
        return ", ".join(f"{c.name} {c.type}" for c in self.columns)


def _type(path, label: str, value) -> str:
    value = str(value).strip().lower()
    if value.startswith("array<"):
        return value
    return check_type(path, label, value)


def parse_columns(items, path, where: str) -> tuple[TableColumn, ...]:
    if not isinstance(items, list) or not items:
        raise ContractError(path, where, "must be a non-empty list")
    columns = []
    for i, col in enumerate(items):
        label = f"{where}[{i}]."
        check_fields(col, TABLE_COLUMN_FIELDS, path, f"{where}[{i}]")
        name = str(require(col, "name", path, str, label))
        columns.append(
            TableColumn(
                name, _type(path, label + "type", require(col, "type", path, None, label)), col.get("description", "")
            )
        )
    names = [c.name for c in columns]
    if len(set(names)) != len(names):
        raise ContractError(path, where, "column names must be unique")
    return tuple(columns)


def parse_gold_table(raw, path) -> GoldTable:
    check_fields(raw, GOLD_TABLE_FIELDS, path, "")
    name = check_name(path, "table", require(raw, "table", path, str))
    if Path(str(path)).stem != name:
        raise ContractError(path, "table", f"'{name}' must match the file name")
    build = require(raw, "build", path, str)
    if build not in BUILDS:
        raise ContractError(path, "build", f"'{build}' is not one of {sorted(BUILDS)}")
    pii = raw.get("pii", "none")
    if pii not in PII_POLICIES:
        raise ContractError(path, "pii", f"'{pii}' is not one of {sorted(PII_POLICIES)}")
    columns = parse_columns(require(raw, "columns", path, list), path, "columns")
    known = {c.name for c in columns}
    lists = {}
    for key in ("unique_key", "not_null", "partition_by"):
        lists[key] = tuple(raw.get(key) or ())
        for col in lists[key]:
            if col not in known:
                raise ContractError(path, key, f"'{col}' is not a column")
    return GoldTable(
        path=str(path),
        name=name,
        description=str(require(raw, "description", path, str)),
        grain=str(require(raw, "grain", path, str)),
        build=build,
        columns=columns,
        pii=pii,
        redshift=bool(raw.get("redshift", False)),
        **lists,
    )


def _read_yaml(path: Path):
    try:
        return yaml.safe_load(path.read_text())
    except yaml.YAMLError as exc:
        raise ContractError(path, "<yaml>", f"is not valid YAML: {exc}") from exc


def _declarations(contracts_dir, *parts: str):
    """<contracts folder>/<parts> when the folder has it, else the package's own (package_contracts_dir)."""
    own = default_contracts_dir() if contracts_dir is None else Path(contracts_dir)
    package = package_contracts_dir()
    for part in parts:
        own, package = own / part, package / part
    return own if own.is_dir() or own.is_file() else package


def load_gold_tables(contracts_dir=None) -> dict[str, GoldTable]:
    """Every contracts/gold/*.yaml keyed by table name, in file-name order."""
    directory = _declarations(contracts_dir, "gold")
    files = sorted((p for p in directory.iterdir() if p.name.endswith((".yaml", ".yml"))), key=lambda p: p.name)
    if not files:
        raise ContractError(directory, "<dir>", "no gold table *.yaml found")
    return {t.name: t for t in (parse_gold_table(_read_yaml(p), p) for p in files)}


def load_silver_metadata(contracts_dir=None) -> dict[str, tuple[TableColumn, ...]]:
    """{'entity': columns after silver.<entity>'s values, 'quarantine': after quarantine_<entity>'s}."""
    path = _declarations(contracts_dir, "silver", "metadata.yaml")
    raw = check_fields(_read_yaml(path), SILVER_METADATA_FIELDS, path, "")
    return {kind: parse_columns(raw.get(kind), path, kind) for kind in ("entity", "quarantine")}


def _normal(type_name: str) -> str:
    return type_name.replace(" ", "").lower()


def schema_problems(df, table: GoldTable) -> list[str]:
    """How the frame's columns differ from the declaration (missing, undeclared, wrong type); [] if none."""
    actual = {f.name: _normal(f.dataType.simpleString()) for f in df.schema.fields}
    declared = {c.name: _normal(c.type) for c in table.columns}
    problems = [f"missing {c}" for c in declared if c not in actual]
    problems += [f"undeclared {c}" for c in actual if c not in declared]
    problems += [f"{c} is {actual[c]}, declared {t}" for c, t in declared.items() if c in actual and actual[c] != t]
    return problems


def conform(df, table: GoldTable):
    """The frame with the declared columns in declared order, or an error naming every difference."""
    problems = schema_problems(df, table)
    if problems:
        raise ContractError(table.path, "columns", "built table disagrees with the declaration: " + "; ".join(problems))
    return df.select(*table.column_names)
