"""Dataset contracts: one YAML per source, read by the jobs and by Terraform.

A malformed contract fails fast with a ContractError naming the file and the field.
Adding a source = adding a YAML file; no code changes.
"""

import codecs
import os
import re
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path

import yaml

from lakehouse.errors import ContractError
from lakehouse.gold.pii import PROTECTIONS as PII_ACTIONS
from lakehouse.standardise import STANDARDISERS

FORMATS = {"csv", "json", "parquet"}
SEVERITIES = {"error", "warn"}
# row: rows failing the rule are quarantined (error) or counted (warn); dataset: the rule judges
# the whole batch, and an error-severity failure stops the batch from being published.
SCOPES = {"row", "dataset"}
# A rule without `scope` (contracts written before it existed) gets it from its DQDL rule type:
# `row` for the types that judge each value on its own, unless they carry a threshold; `dataset`
# for every other rule (RowCount, Completeness/Uniqueness ratios, IsUnique, freshness, composite
# rules, ...): a dataset rule quarantines no row; its failure is recorded and, with severity
# error, holds the batch back. Declaring `scope` always wins.
ROW_RULE_TYPES = {"IsComplete", "ColumnValues", "ColumnLength"}
SIMPLE_TYPES = {"string", "int", "bigint", "double", "boolean", "date", "timestamp"}
DECIMAL = re.compile(r"^decimal\(\s*\d+\s*,\s*\d+\s*\)$")
NAME = re.compile(r"^[a-z][a-z0-9_]*$")

# The fields each part of a contract may have (True = required). The parser rejects any other field,
# and the schema generator (contract_schema.py of the local package) builds
# contracts/schema/contract.schema.json from these
# tables (a test regenerates it and compares), so the editor's schema and the parser cannot drift.
CONTRACT_FIELDS = {
    "source": True,
    "entity": True,
    "description": False,
    "format": True,
    "csv": False,
    "json": False,
    "parquet": False,
    "business_key": True,
    "latest_by": False,
    "partition_by": False,
    "columns": True,
    "derived": False,
    "references": False,
    "pii": False,
    "scd2": False,
    "dq": True,
}
COLUMN_FIELDS = {"name": True, "source": False, "type": True, "standardise": False, "formats": False}
DERIVED_FIELDS = {"name": True, "expr": True, "type": True}
REFERENCE_FIELDS = {"column": True, "entity": True, "key": True}
SCD2_FIELDS = {"tracked": True, "effective_from": True}
RULE_FIELDS = {"name": True, "rule": True, "severity": True, "scope": False}  # scope: default_scope(rule) when absent


@dataclass(frozen=True)
class FileOptions:
    """How a landing file is read (the `csv:` or `json:` block of a contract); defaults = plain UTF-8 files.

    csv: delimiter, quote, escape, header, multiline.  json: array (a file may be one top-level
    array of records).  Both: encoding, null_values (tokens read as missing, compared after trim;
    a blank value is always missing).
    """

    encoding: str = "utf-8"
    null_values: tuple[str, ...] = ("",)
    delimiter: str = ","
    quote: str = '"'
    escape: str = "\\"  # Spark's CSV default: what the current contracts have always been read with
    header: bool = True
    multiline: bool = False
    array: bool = False

    @property
    def exact(self) -> bool:
        """True when files need the exact (whole-file, Python) reader instead of Spark's parallel line reader."""
        return self.multiline or self.array or self.encoding != "utf-8"


# Options each format accepts, with the Python type their value must have.
FORMAT_OPTIONS = {
    "csv": {
        "delimiter": str,
        "quote": str,
        "escape": str,
        "header": bool,
        "multiline": bool,
        "encoding": str,
        "null_values": list,
    },
    "json": {"array": bool, "encoding": str, "null_values": list},
    "parquet": {},
}


@dataclass(frozen=True)
class Column:
    name: str
    source: str
    type: str
    standardise: tuple[str, ...] = ()
    formats: tuple[str, ...] = ()


@dataclass(frozen=True)
class Derived:
    name: str
    expr: str
    type: str


@dataclass(frozen=True)
class Reference:
    column: str
    entity: str
    key: str


@dataclass(frozen=True)
class Rule:
    name: str
    rule: str
    severity: str
    scope: str  # "row" or "dataset" (see SCOPES)
    scope_declared: bool = True  # False: not in the contract, defaulted from the rule type (default_scope)


@dataclass(frozen=True)
class Scd2:
    tracked: tuple[str, ...]
    effective_from: str


@dataclass(frozen=True)
class Contract:
    path: str
    source: str
    entity: str
    format: str
    business_key: tuple[str, ...]
    columns: tuple[Column, ...]
    rules: tuple[Rule, ...]
    description: str = ""
    latest_by: str | None = None
    partition_by: tuple[str, ...] = ()
    derived: tuple[Derived, ...] = ()
    references: tuple[Reference, ...] = ()
    pii: dict = field(default_factory=dict)
    scd2: Scd2 | None = None
    options: FileOptions = FileOptions()

    @property
    def column_names(self) -> list[str]:
        return [c.name for c in self.columns]

    @property
    def source_fields(self) -> list[str]:
        """Top-level landing fields the contract reads (nested paths by their root)."""
        return list(dict.fromkeys(c.source.split(".")[0] for c in self.columns))

    def ruleset(self) -> str:
        """The DQDL ruleset text, as Glue Data Quality and pydeequ read it."""
        return "Rules = [\n    " + ",\n    ".join(r.rule for r in self.rules) + "\n]"


def require(raw: dict, key: str, path, kind=None, where: str = ""):
    label = f"{where}{key}"
    if key not in raw or raw[key] in (None, ""):
        raise ContractError(path, label, "is required")
    value = raw[key]
    if kind is not None and not isinstance(value, kind):
        raise ContractError(path, label, f"must be a {kind.__name__ if isinstance(kind, type) else kind}")
    return value


def check_fields(raw, fields: dict, path, where: str) -> dict:
    """`raw` must be a mapping holding only the `fields` declared for it (where: 'columns[2]', '' = root)."""
    if not isinstance(raw, dict):
        raise ContractError(path, where or "<root>", "must be a mapping")
    unknown = [k for k in raw if k not in fields]
    if unknown:
        label = f"{where}.{unknown[0]}" if where else str(unknown[0])
        raise ContractError(path, label, f"unknown field (use {sorted(fields)})")
    return raw


def check_type(path, label: str, value: str) -> str:
    value = str(value).strip().lower()
    if value not in SIMPLE_TYPES and not DECIMAL.match(value):
        raise ContractError(path, label, f"unknown type '{value}' (use {sorted(SIMPLE_TYPES)} or decimal(p,s))")
    return value


def check_name(path, label: str, value) -> str:
    if not isinstance(value, str) or not NAME.match(value):
        raise ContractError(path, label, f"'{value}' is not a lower_snake_case name")
    return value


def parse_contract(raw, path) -> Contract:
    """A contract mapping (decoded YAML) → Contract, or a ContractError naming the file and field."""
    check_fields(raw, CONTRACT_FIELDS, path, "")
    source = check_name(path, "source", require(raw, "source", path, str))
    entity = check_name(path, "entity", require(raw, "entity", path, str))
    fmt = require(raw, "format", path, str)
    if fmt not in FORMATS:
        raise ContractError(path, "format", f"'{fmt}' is not one of {sorted(FORMATS)}")
    columns = _parse_columns(raw, path)
    derived = _parse_derived(raw, path)
    known = {c.name for c in columns} | {d.name for d in derived}
    business_key = _known_columns(raw, "business_key", path, known, required=True)
    partition_by = _known_columns(raw, "partition_by", path, known)
    latest_by = _known_columns(raw, "latest_by", path, known)
    return Contract(
        path=str(path),
        source=source,
        entity=entity,
        format=fmt,
        business_key=business_key,
        columns=columns,
        description=str(raw.get("description", "")),
        latest_by=latest_by[0] if latest_by else None,
        partition_by=partition_by,
        derived=derived,
        references=_parse_references(raw, path, known),
        pii=_parse_pii(raw, path, known),
        scd2=_parse_scd2(raw, path, known),
        rules=_parse_rules(raw, path),
        options=_parse_options(raw, path, fmt),
    )


def _parse_options(raw: dict, path, fmt: str) -> FileOptions:
    """The `csv:` / `json:` block of the contract, checked option by option (absent = defaults)."""
    for other in FORMAT_OPTIONS:
        if other != fmt and raw.get(other) is not None:
            raise ContractError(path, other, f"options for format {other}, but the contract's format is {fmt}")
    block = raw.get(fmt)
    if block is None:
        return FileOptions()
    if not isinstance(block, dict) or not FORMAT_OPTIONS[fmt]:
        raise ContractError(path, fmt, f"must be a mapping of {sorted(FORMAT_OPTIONS[fmt]) or 'no'} options")
    values = {}
    for key, value in block.items():
        label = f"{fmt}.{key}"
        kind = FORMAT_OPTIONS[fmt].get(key)
        if kind is None:
            raise ContractError(path, label, f"unknown option (use {sorted(FORMAT_OPTIONS[fmt])})")
        if not isinstance(value, kind):
            raise ContractError(path, label, f"must be a {'list of strings' if kind is list else kind.__name__}")
        if key in ("delimiter", "quote", "escape") and len(value) != 1:
            raise ContractError(path, label, f"must be exactly one character, got {value!r}")
        if key == "null_values":
            if not all(isinstance(v, str) for v in value):
                raise ContractError(path, label, f"every null token must be a string (quote it): {value!r}")
            value = tuple(v.strip() for v in value)
        if key == "encoding":
            value = _check_encoding(path, label, value)
        values[key] = value
    if values.get("delimiter", ",") == values.get("quote", '"'):
        raise ContractError(path, f"{fmt}.quote", "must differ from the delimiter")
    return FileOptions(**values)


def _check_encoding(path, label: str, name: str) -> str:
    """The codec's canonical name; it must exist and keep ASCII newlines as single bytes (records are lines)."""
    try:
        codec = codecs.lookup(name)
    except LookupError:
        raise ContractError(path, label, f"unknown encoding {name!r} (a Python codec name, e.g. latin-1)") from None
    if "\n".encode(codec.name) != b"\n" or ",".encode(codec.name) != b",":
        raise ContractError(path, label, f"{name!r} is not ASCII-compatible (utf-16/32 files are not supported)")
    return codec.name


def _parse_columns(raw: dict, path) -> tuple[Column, ...]:
    columns = []
    for i, col in enumerate(require(raw, "columns", path, list)):
        where = f"columns[{i}]."
        check_fields(col, COLUMN_FIELDS, path, f"columns[{i}]")
        name = check_name(path, where + "name", require(col, "name", path, str, where))
        ctype = check_type(path, where + "type", require(col, "type", path, None, where))
        std = tuple(col.get("standardise") or ())
        bad = [s for s in std if s not in STANDARDISERS]
        if bad:
            raise ContractError(path, where + "standardise", f"unknown {bad} (use {sorted(STANDARDISERS)})")
        formats = tuple(col.get("formats") or ())
        if ctype in ("date", "timestamp") and not formats:
            raise ContractError(path, where + "formats", f"a {ctype} column needs at least one format")
        columns.append(Column(name, str(col.get("source") or name), ctype, std, formats))
    names = [c.name for c in columns]
    if len(set(names)) != len(names):
        raise ContractError(path, "columns", "column names must be unique")
    return tuple(columns)


def _parse_derived(raw: dict, path) -> tuple[Derived, ...]:
    derived = []
    for i, d in enumerate(raw.get("derived") or ()):
        where = f"derived[{i}]."
        check_fields(d, DERIVED_FIELDS, path, f"derived[{i}]")
        derived.append(
            Derived(
                check_name(path, where + "name", require(d, "name", path, str, where)),
                require(d, "expr", path, str, where),
                check_type(path, where + "type", require(d, "type", path, None, where)),
            )
        )
    return tuple(derived)


def _known_columns(raw: dict, key: str, path, known: set, required: bool = False) -> tuple[str, ...]:
    """The column name(s) under `key` (a name or a list), each a column of the contract."""
    value = require(raw, key, path, list) if required else raw.get(key) or ()
    names = (value,) if isinstance(value, str) else tuple(value)
    for name in names:
        if name not in known:
            raise ContractError(path, key, f"'{name}' is not a column")
    return names


def _parse_references(raw: dict, path, known: set) -> tuple[Reference, ...]:
    references = []
    for i, r in enumerate(raw.get("references") or ()):
        where = f"references[{i}]."
        check_fields(r, REFERENCE_FIELDS, path, f"references[{i}]")
        ref = Reference(*(require(r, k, path, str, where) for k in ("column", "entity", "key")))
        if ref.column not in known:
            raise ContractError(path, where + "column", f"'{ref.column}' is not a column")
        references.append(ref)
    return tuple(references)


def _parse_pii(raw: dict, path, known: set) -> dict:
    pii = dict(raw.get("pii") or {})
    for col, action in pii.items():
        if col not in known:
            raise ContractError(path, f"pii.{col}", "is not a column")
        if action not in PII_ACTIONS:
            raise ContractError(path, f"pii.{col}", f"'{action}' is not one of {sorted(PII_ACTIONS)}")
    return pii


def _parse_scd2(raw: dict, path, known: set) -> Scd2 | None:
    if not raw.get("scd2"):
        return None
    s = check_fields(raw["scd2"], SCD2_FIELDS, path, "scd2")
    tracked = tuple(require(s, "tracked", path, list, "scd2."))
    eff = require(s, "effective_from", path, str, "scd2.")
    for c in (*tracked, eff):
        if c not in known:
            raise ContractError(path, "scd2", f"'{c}' is not a column")
    return Scd2(tracked, eff)


def _parse_rules(raw: dict, path) -> tuple[Rule, ...]:
    rules = []
    for i, r in enumerate(require(raw, "dq", path, list)):
        where = f"dq[{i}]."
        check_fields(r, RULE_FIELDS, path, f"dq[{i}]")
        text = require(r, "rule", path, str, where).strip()
        declared = r.get("scope") not in (None, "")
        rule = Rule(
            check_name(path, where + "name", require(r, "name", path, str, where)),
            text,
            require(r, "severity", path, str, where),
            require(r, "scope", path, str, where) if declared else default_scope(text),
            declared,
        )
        if rule.severity not in SEVERITIES:
            raise ContractError(path, where + "severity", f"'{rule.severity}' is not one of {sorted(SEVERITIES)}")
        if rule.scope not in SCOPES:
            raise ContractError(path, where + "scope", f"'{rule.scope}' is not one of {sorted(SCOPES)}")
        rules.append(rule)
    if len({r.name for r in rules}) != len(rules):
        raise ContractError(path, "dq", "rule names must be unique")
    return tuple(rules)


def default_scope(rule: str) -> str:
    """The scope of a DQDL rule that declares none: see ROW_RULE_TYPES."""
    rule_type = re.match(r"\s*(\w*)", rule).group(1)  # "" for a composite rule: "(...) and (...)"
    with_threshold = re.search(r"\bwith\s+threshold\b", rule, re.IGNORECASE)
    return "row" if rule_type in ROW_RULE_TYPES and not with_threshold else "dataset"


def package_contracts_dir():
    """The contracts the package was built with: the copy bundled in the Glue zip
    (scripts/build_package.py), else the repo's contracts/."""
    bundled = resources.files("lakehouse").joinpath("bundled_contracts")
    if bundled.is_dir():
        return bundled
    return Path(__file__).resolve().parents[2] / "contracts"


def default_contracts_dir():
    """LAKEHOUSE_CONTRACTS_DIR (a folder of one's own contracts), else package_contracts_dir()."""
    if os.environ.get("LAKEHOUSE_CONTRACTS_DIR"):
        return Path(os.environ["LAKEHOUSE_CONTRACTS_DIR"])
    return package_contracts_dir()


def load_contracts(directory=None) -> dict[str, Contract]:
    """All contracts keyed by source, in file-name order."""
    directory = default_contracts_dir() if directory is None else Path(directory)
    files = sorted((p for p in directory.iterdir() if p.name.endswith((".yaml", ".yml"))), key=lambda p: p.name)
    if not files:
        raise ContractError(directory, "<dir>", "no *.yaml contracts found")
    contracts = {}
    for path in files:
        try:
            raw = yaml.safe_load(path.read_text())
        except yaml.YAMLError as exc:
            raise ContractError(path, "<yaml>", f"is not valid YAML: {exc}") from exc
        contract = parse_contract(raw, path)
        if contract.source in contracts:
            raise ContractError(path, "source", f"'{contract.source}' is declared twice")
        contracts[contract.source] = contract
    return contracts


def select(contracts: dict[str, Contract], sources) -> list[Contract]:
    """The contracts for the requested sources (all when empty); unknown names fail clearly."""
    unknown = [s for s in sources if s not in contracts]
    if unknown:
        raise ContractError("contracts/", "source", f"unknown source(s) {unknown}; known: {sorted(contracts)}")
    return [contracts[s] for s in (sources or contracts)]
