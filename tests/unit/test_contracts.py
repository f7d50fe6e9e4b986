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


# A rule without `scope` gets it from its DQDL rule type. Expected scopes by hand, from what each type
# judges (AWS Glue DQDL reference): one value at a time -> row; a ratio, a count, a comparison between
# rows or a composite of rules -> dataset.
@pytest.mark.parametrize(
    "rule, scope",
    [
        ('IsComplete "name"', "row"),
        ('ColumnValues "list_price" > 0', "row"),
        ('ColumnValues "category" in ["toys", "books"]', "row"),
        ('ColumnValues "category" matches "[a-z]+" where "list_price > 0"', "row"),
        ('ColumnLength "name" <= 40', "row"),
        ('ColumnValues "category" in ["toys"] with threshold > 0.9', "dataset"),
        ("RowCount > 0", "dataset"),
        ('IsUnique "product_id"', "dataset"),
        ('Completeness "name" > 0.8', "dataset"),
        ('DataFreshness "updated_at" <= 24 hours', "dataset"),
        ('(IsComplete "name") and (IsComplete "category")', "dataset"),
    ],
)
def test_a_rule_without_scope_gets_it_from_its_rule_type(rule, scope):
    raw = _valid()
    raw["dq"] = [{"name": "r", "rule": rule, "severity": "error"}]  # written before `scope` existed
    (parsed,) = parse_contract(raw, "p.yaml").rules
    assert (parsed.scope, parsed.scope_declared) == (scope, False)


@pytest.mark.parametrize("rule, declared", [('IsComplete "name"', "dataset"), ('IsUnique "product_id"', "row")])
def test_a_declared_scope_wins_over_the_rule_types_default(rule, declared):
    raw = _valid()
    raw["dq"] = [{"name": "r", "rule": rule, "severity": "error", "scope": declared}]
    (parsed,) = parse_contract(raw, "p.yaml").rules
    assert (parsed.scope, parsed.scope_declared) == (declared, True)


def test_gold_on_a_folder_without_the_customers_contract_names_what_to_add(tmp_path):
    from lakehouse.gold.contracts import gold_settings

    shutil.copy(REPO / "docs" / "examples" / "crm_contacts.yaml", tmp_path)
    with pytest.raises(ContractError, match="field 'customers'.*add customers.yaml"):
        gold_settings(str(tmp_path))


def test_silver_metadata_and_gold_tables_come_from_the_package_unless_the_folder_has_its_own(tmp_path):
    from lakehouse.tables import load_gold_tables, load_silver_metadata

    shutil.copy(REPO / "docs" / "examples" / "crm_contacts.yaml", tmp_path)  # one contract, nothing else
    metadata = load_silver_metadata(tmp_path)
    assert [c.name for c in metadata["entity"]] == ["_batch_id", "_source_file", "_ingested_at", "_processed_at"]
    assert "daily_sales" in load_gold_tables(tmp_path)
    (tmp_path / "silver").mkdir()  # a folder's own declaration wins
    (tmp_path / "silver" / "metadata.yaml").write_text(
        "entity: [{name: _batch_id, type: string}]\nquarantine: [{name: _raw, type: string}]\n"
    )
    assert [c.name for c in load_silver_metadata(tmp_path)["entity"]] == ["_batch_id"]
