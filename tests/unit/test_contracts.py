import shutil
from pathlib import Path

import pytest
import yaml
from lakehouse.contracts import load_contracts, parse_contract, select
from lakehouse.errors import ContractError

REPO = Path(__file__).resolve().parents[2]


def test_every_repo_contract_loads_with_its_entity_and_rules():
    contracts = load_contracts(REPO / "contracts")
    assert set(contracts) == {"pos_sales", "customers", "products", "fx_rates", "web_events"}
    sales = contracts["pos_sales"]
    assert sales.entity == "sales" and sales.business_key == ("transaction_id",)
    assert sales.ruleset().startswith("Rules = [") and 'IsComplete "transaction_id"' in sales.ruleset()
    assert contracts["customers"].scd2.effective_from == "updated_at"


def _valid() -> dict:
    return yaml.safe_load((REPO / "contracts" / "products.yaml").read_text())


@pytest.mark.parametrize(
    "mutate, field",
    [
        (lambda c: c.pop("entity"), "entity"),
        (lambda c: c.update(format="xml"), "format"),
        (lambda c: c["columns"][0].update(type="varchar"), "columns[0].type"),
        (lambda c: c["columns"][1].update(standardise=["shout"]), "columns[1].standardise"),
        (lambda c: c.update(business_key=["nope"]), "business_key"),
        (lambda c: c["dq"][0].update(severity="fatal"), "dq[0].severity"),
        (lambda c: c["dq"][1].pop("rule"), "dq[1].rule"),
        (lambda c: c["dq"][2].pop("scope"), "dq[2].scope"),
        (lambda c: c["dq"][2].update(scope="table"), "dq[2].scope"),
        (lambda c: c.update(pii={"brand": "encrypt"}), "pii.brand"),
        (lambda c: c.update(pii={"ghost": "hash"}), "pii.ghost"),
    ],
)
def test_malformed_contract_names_file_and_field(mutate, field):
    raw = _valid()
    mutate(raw)
    with pytest.raises(ContractError) as err:
        parse_contract(raw, "contracts/products.yaml")
    assert err.value.field == field
    assert str(err.value).startswith("contracts/products.yaml: field '" + field + "'")


def test_date_column_without_format_is_rejected():
    raw = _valid()
    raw["columns"].append({"name": "launched", "type": "date"})
    with pytest.raises(ContractError, match="columns\\[6\\].formats"):
        parse_contract(raw, "p.yaml")


def test_invalid_yaml_and_duplicate_sources_fail_with_the_file(tmp_path):
    (tmp_path / "a.yaml").write_text("source: [unclosed")
    with pytest.raises(ContractError, match="a.yaml.*not valid YAML"):
        load_contracts(tmp_path)
    (tmp_path / "a.yaml").unlink()
    for name in ("a.yaml", "b.yaml"):
        shutil.copy(REPO / "contracts" / "products.yaml", tmp_path / name)
    with pytest.raises(ContractError, match="b.yaml.*declared twice"):
        load_contracts(tmp_path)


def test_a_new_source_needs_only_a_contract(tmp_path):
    for p in (REPO / "contracts").glob("*.yaml"):
        shutil.copy(p, tmp_path)
    raw = _valid()
    raw.update(source="stores", entity="stores")
    (tmp_path / "stores.yaml").write_text(yaml.safe_dump(raw))
    assert "stores" in load_contracts(tmp_path)


def test_select_rejects_unknown_sources():
    contracts = load_contracts(REPO / "contracts")
    assert [c.source for c in select(contracts, ("products",))] == ["products"]
    assert len(select(contracts, ())) == 5
    with pytest.raises(ContractError, match="unknown source"):
        select(contracts, ("nope",))
