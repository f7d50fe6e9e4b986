"""The editor's JSON Schemas (contracts/schema/) accept exactly what the parser accepts.

Mutations of every real contract and gold declaration go both ways: a field dropped, an unknown
field added, a wrong enum value: the parser (lakehouse.contracts / lakehouse.tables) and the schema
must give the same verdict on each, and for unknown fields, wrong enums and required fields both
must reject.
"""

import copy
import re
from pathlib import Path

import jsonschema
import pytest
import yaml
from lakehouse.contracts import parse_contract
from lakehouse.errors import ContractError
from lakehouse.tables import parse_gold_table

from lakehouse_local import contract_schema

REPO = Path(__file__).resolve().parents[2]
SCHEMA_DIR = REPO / "contracts" / "schema"
SOURCE_FILES = sorted((REPO / "contracts").glob("*.yaml")) + sorted((REPO / "docs" / "examples").glob("*.yaml"))
GOLD_FILES = sorted((REPO / "contracts" / "gold").glob("*.yaml"))
EXPECTED_SCHEMA = {
    **{p: "contract.schema.json" for p in SOURCE_FILES},
    **{p: "gold-table.schema.json" for p in GOLD_FILES},
    REPO / "contracts" / "silver" / "metadata.yaml": "silver-metadata.schema.json",
}
# Fields whose absence both must refuse, listed by hand from the contracts reference (docs/contracts.md),
# not from the parser's tables.
MUST_HAVE = {
    "<root>": {"source", "entity", "format", "business_key", "columns", "dq"},
    "columns": {"name", "type"},
    "derived": {"name", "expr", "type"},
    "references": {"column", "entity", "key"},
    "dq": {"name", "rule", "severity"},
    "scd2": {"tracked", "effective_from"},
}
DOC_EXAMPLE = re.compile(r"```yaml\n# example: (contract|gold table) (\S+)\n(.*?)```", re.S)


def _validator(name: str):
    import json

    return jsonschema.Draft7Validator(json.loads((SCHEMA_DIR / name).read_text()))


def _schema_ok(validator, raw) -> bool:
    return validator.is_valid(raw)


# What a JSON Schema cannot say: a name that must be one of the declaration's own columns. A mutation
# the parser refuses only for that reason (e.g. dropping `derived` while the business key names a
# derived column) is not a disagreement.
CROSS_FIELD = "is not a column"


def _parser_error(kind: str, raw, path) -> ContractError | None:
    try:
        (parse_contract if kind == "contract" else parse_gold_table)(raw, path)
    except ContractError as exc:
        return exc
    return None


def _parser_ok(kind: str, raw, path) -> bool:
    return _parser_error(kind, raw, path) is None


def test_schema_files_are_generated_from_the_parser_tables():
    for name in contract_schema.SCHEMAS:
        assert (SCHEMA_DIR / name).read_text() == contract_schema.render(name), (
            f"contracts/schema/{name} is stale: run python -m lakehouse_local.contract_schema"
        )


def test_every_yaml_file_names_its_schema_on_line_1():
    yamls = set((REPO / "contracts").rglob("*.yaml")) | set((REPO / "docs" / "examples").glob("*.yaml"))
    assert yamls == set(EXPECTED_SCHEMA), "a YAML file without an expected schema: add it to EXPECTED_SCHEMA"
    for path, name in EXPECTED_SCHEMA.items():
        first = path.read_text().splitlines()[0]
        assert first.startswith("# yaml-language-server: $schema="), f"{path}: line 1 must name the schema"
        target = (path.parent / first.split("=", 1)[1]).resolve()
        assert target == SCHEMA_DIR / name, f"{path}: points to {target}, not {name}"


def test_every_contract_declaration_and_docs_example_validates():
    for path, name in EXPECTED_SCHEMA.items():
        errors = [e.message for e in _validator(name).iter_errors(yaml.safe_load(path.read_text()))]
        assert not errors, f"{path}: {errors}"
    examples = DOC_EXAMPLE.findall("\n".join(p.read_text() for p in sorted((REPO / "docs").glob("*.md"))))
    assert {kind for kind, _, _ in examples} == {"contract", "gold table"}, "docs/contracts.md lost its examples"
    for kind, file_name, text in examples:
        raw = yaml.safe_load(text)
        name = "contract.schema.json" if kind == "contract" else "gold-table.schema.json"
        assert _schema_ok(_validator(name), raw), f"docs example {file_name}: {list(_validator(name).iter_errors(raw))}"
        assert _parser_ok(kind, raw, Path(file_name)), f"docs example {file_name} is refused by the parser"


def _objects(raw: dict, kind: str):
    """(label, mapping) for every object of a declaration whose fields the parser checks."""
    yield "<root>", raw
    for key in ("columns", "derived", "references", "dq"):
        for i, item in enumerate(raw.get(key) or ()):
            yield f"{key}[{i}]", item
    for key in ("scd2", "csv", "json"):
        if isinstance(raw.get(key), dict):
            yield key, raw[key]


def _mutations(raw: dict, kind: str):
    """(description, mutated copy, must both reject?) — drops, unknown fields and wrong enum values."""
    for label, obj in _objects(raw, kind):
        for field in list(obj):
            mutated = copy.deepcopy(raw)
            target = dict(_objects(mutated, kind))[label]
            del target[field]
            required = field in MUST_HAVE.get(label.split("[")[0], ())
            if kind != "contract" and label == "<root>":
                required = field in {"table", "description", "grain", "build", "columns"}
            yield f"drop {label}.{field}", mutated, required  # otherwise the verdicts must still agree
        mutated = copy.deepcopy(raw)
        dict(_objects(mutated, kind))[label]["colour"] = "blue"
        yield f"unknown field {label}.colour", mutated, True
    wrong = (
        {"format": "xml"}
        if kind == "contract"
        else {"build": "view", "pii": "secret"}
    )  # fmt: skip
    for key, value in wrong.items():
        yield f"{key}: {value}", {**copy.deepcopy(raw), key: value}, True
    if kind == "contract":
        for field, value in (("severity", "fatal"), ("scope", "batch"), ("name", "Not Snake")):
            mutated = copy.deepcopy(raw)
            mutated["dq"][0][field] = value
            yield f"dq[0].{field}: {value}", mutated, True
        mutated = copy.deepcopy(raw)
        mutated["columns"][0]["standardise"] = ["capitalise"]
        yield "standardise: capitalise", mutated, True
        mutated = copy.deepcopy(raw)
        mutated["columns"][0]["type"] = "varchar"
        yield "type: varchar", mutated, True
        if raw.get("pii"):
            mutated = copy.deepcopy(raw)
            mutated["pii"][next(iter(raw["pii"]))] = "encrypt"
            yield "pii: encrypt", mutated, True
        other = "json" if raw["format"] == "csv" else "csv"
        yield f"{other} block on a {raw['format']} contract", {**copy.deepcopy(raw), other: {}}, True
    else:
        mutated = copy.deepcopy(raw)
        mutated["columns"][0]["type"] = "varchar"
        yield "columns[0].type: varchar", mutated, True


@pytest.mark.parametrize("path", SOURCE_FILES + GOLD_FILES, ids=lambda p: p.relative_to(REPO).as_posix())
def test_parser_and_schema_agree_on_every_mutation(path):
    kind = "gold table" if path in GOLD_FILES else "contract"
    validator = _validator(EXPECTED_SCHEMA[path])
    raw = yaml.safe_load(path.read_text())
    assert _parser_ok(kind, raw, path) and _schema_ok(validator, raw)
    disagreements, accepted = [], []
    for what, mutated, must_reject in _mutations(raw, kind):
        error = _parser_error(kind, mutated, path)
        parser, schema = error is None, _schema_ok(validator, mutated)
        if schema and not parser and CROSS_FIELD in error.problem:
            continue
        if parser != schema:
            disagreements.append(
                f"{what}: parser {'accepts' if parser else 'rejects'}, schema {'accepts' if schema else 'rejects'}"
            )
        elif must_reject and parser:
            accepted.append(what)
    assert not disagreements, "\n".join(disagreements)
    assert not accepted, f"both accept what they must reject: {accepted}"
