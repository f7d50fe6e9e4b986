"""lakehouse_local.odcs: every source contract and gold table exports to a valid ODCS v3 document
(the JSON Schema and the Pydantic model that ship in the open-data-contract-standard package), and
the documents say what the YAML says (read here directly, not through the project's loaders)."""

import copy
import json
from pathlib import Path

import open_data_contract_standard
import pytest
import yaml
from jsonschema import Draft201909Validator
from lakehouse.contracts import load_contracts
from open_data_contract_standard.model import OpenDataContractStandard

from lakehouse_local import odcs

REPO = Path(__file__).resolve().parents[2]
SOURCES = {p.stem: yaml.safe_load(p.read_text()) for p in sorted((REPO / "contracts").glob("*.yaml"))}
GOLD = {p.stem: yaml.safe_load(p.read_text()) for p in sorted((REPO / "contracts" / "gold").glob("*.yaml"))}
SCHEMA = json.loads((Path(open_data_contract_standard.__file__).parent / "schema.json").read_text())
VALIDATOR = Draft201909Validator(SCHEMA)


@pytest.fixture(scope="module")
def docs():
    return odcs.export_all(lake_root="s3://lh-test-lake")


def _props(doc) -> dict[str, dict]:
    return {p["name"]: p for p in doc["schema"][0]["properties"]}


def _key(props: dict) -> list[str]:
    """Primary key columns in primaryKeyPosition order."""
    return [n for _, n in sorted((p["primaryKeyPosition"], n) for n, p in props.items() if p.get("primaryKey"))]


def _custom(item, name):
    return next(c["value"] for c in item.get("customProperties", []) if c["property"] == name)


def test_one_document_per_contract_and_gold_table(docs):
    expected = {f"silver_{c['entity']}" for c in SOURCES.values()} | {f"gold_{t}" for t in GOLD}
    assert set(docs) == expected


def test_every_document_is_valid_odcs_v3(docs):
    for name, doc in docs.items():
        errors = [f"{'/'.join(map(str, e.path))}: {e.message}" for e in VALIDATOR.iter_errors(doc)]
        assert not errors, f"{name}: {errors[:5]}"
        OpenDataContractStandard.model_validate(doc)
        assert doc["apiVersion"].startswith("v3.")


def test_the_validator_rejects_what_odcs_does_not_allow(docs):
    """Guard: the schema is really applied (an unknown logicalType and a missing id are errors)."""
    bad = copy.deepcopy(docs["silver_sales"])
    bad["schema"][0]["properties"][0]["logicalType"] = "int"
    del bad["id"]
    messages = [e.message for e in VALIDATOR.iter_errors(bad)]
    assert any("'id' is a required property" in m for m in messages)
    assert any("'int' is not one of" in m for m in messages)


@pytest.mark.parametrize("source", sorted(SOURCES))
def test_source_contract_says_what_the_yaml_says(docs, source):
    raw = SOURCES[source]
    doc = docs[f"silver_{raw['entity']}"]
    props = _props(doc)
    names = [c["name"] for c in raw["columns"]] + [d["name"] for d in raw.get("derived") or []]
    assert list(props) == names
    assert _key(props) == raw["business_key"]
    assert {n for n, p in props.items() if p.get("classification") == "restricted"} == set(raw.get("pii") or {})
    assert {n: _custom(props[n], "pii") for n in raw.get("pii") or {}} == (raw.get("pii") or {})
    quality = doc["schema"][0]["quality"]
    assert [(q["name"], q["implementation"], q["severity"]) for q in quality] == [
        (r["name"], r["rule"], r["severity"]) for r in raw["dq"]
    ]
    (landing,) = [s for s in doc["servers"] if s["server"] == "landing"]
    assert (landing["format"], landing["location"]) == (raw["format"], f"s3://lh-test-lake/landing/{raw['source']}/")
    assert {c["name"]: _custom(props[c["name"]], "source") for c in raw["columns"]} == {
        c["name"]: c["source"] for c in raw["columns"]
    }


def test_sales_contract_values():
    """Hand-read from contracts/pos_sales.yaml."""
    doc = odcs.source_contract(load_contracts()["pos_sales"])
    props = _props(doc)
    assert (props["quantity"]["physicalType"], props["quantity"]["logicalType"]) == ("int", "integer")
    assert (props["unit_price"]["physicalType"], props["unit_price"]["logicalType"]) == ("decimal(12,2)", "number")
    assert props["sale_date"]["partitioned"] and props["sale_date"]["partitionKeyPosition"] == 1
    assert _custom(props["sale_date"], "source") == "date"
    assert props["product_id"]["relationships"] == [{"type": "foreignKey", "to": "products.product_id"}]
    assert props["amount_mismatch"]["transformLogic"] == "abs(total_amount - quantity * unit_price)"
    assert props["customer_name"]["classification"] == "restricted" and _custom(props["customer_name"], "pii") == "hash"
    assert props["transaction_id"]["required"] and not props["payment_method"]["required"]


def test_gold_tables_say_what_the_yaml_says(docs):
    for name, raw in GOLD.items():
        props = _props(docs[f"gold_{name}"])
        assert list(props) == [c["name"] for c in raw["columns"]]
        assert _key(props) == raw.get("unique_key", [])
        assert {n for n, p in props.items() if p["required"]} == set(raw.get("not_null", []))
        assert docs[f"gold_{name}"]["schema"][0]["dataGranularityDescription"] == raw["grain"]
    # dim_customer (pii: protected) carries the customers contract's PII columns, hashed or masked.
    customers_pii = SOURCES["customers"]["pii"]
    dim = _props(docs["gold_dim_customer"])
    protected = {n: _custom(p, "pii") for n, p in dim.items() if p.get("classification") == "pseudonymised"}
    assert protected == {c: m for c, m in customers_pii.items() if c in dim} and protected["email"] == "mask"
    assert not [p for p in _props(docs["gold_customer_360"]).values() if "classification" in p]
