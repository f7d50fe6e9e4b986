"""Lake Formation in the dev plan (enable_lake_formation): who can read which column, per persona.

What each persona sees is evaluated here from the planned LF-tags (database -> table -> column, the
most specific wins: "Assigning LF-Tags to Data Catalog resources") and the planned tag-policy grants
(a TABLE grant reaches the columns whose tags match its expression: "Lake Formation tag-based access
control best practices and considerations"). The expected columns come straight from the contract
YAML and the persona intents of docs/governance.md, not from the module.

The last test edits contracts in a temp copy of the project and plans again: the contracts' `pii:`
is the only input of the column tags, the analyst's grant and gold's hashing/masking.
"""

import json
import shutil
import subprocess
from pathlib import Path

import pytest
import yaml

REPO = Path(__file__).resolve().parents[2]
PLUGIN_DIR = Path("/opt/tf-plugins")


def _contracts(root: Path) -> dict:
    return {(c := yaml.safe_load(p.read_text()))["entity"]: c for p in sorted((root / "contracts").glob("*.yaml"))}


def _gold_columns(root: Path) -> dict[str, set[str]]:
    tables = [yaml.safe_load(p.read_text()) for p in sorted((root / "contracts" / "gold").glob("*.yaml"))]
    return {t["table"]: {c["name"] for c in t["columns"]} for t in tables}


def _values(planned: list[dict], resource_type: str) -> list[tuple[str, dict]]:
    return [(r["address"], r["values"]) for r in planned if r["type"] == resource_type]


def _planned_resources(plan: dict) -> list[dict]:
    return [
        {"address": rc["address"], "type": rc["type"], "values": rc["change"]["after"] or {}}
        for rc in plan["resource_changes"]
        if rc["mode"] == "managed"
    ]


class Access:
    """The catalog (silver from the plan, gold from contracts/gold), its LF-tags and the grants of a plan."""

    def __init__(self, planned: list[dict], gold_columns: dict[str, set[str]]):
        self.db_tags, self.table_tags, self.column_tags = {}, {}, {}
        for _, v in _values(planned, "aws_lakeformation_resource_lf_tags"):
            tags = {t["key"]: t["value"] for t in v["lf_tag"]}
            if v.get("database"):
                self.db_tags[v["database"][0]["name"]] = tags
            elif v.get("table"):
                self.table_tags[(v["table"][0]["database_name"], v["table"][0]["name"])] = tags
            else:
                t = v["table_with_columns"][0]
                for c in t["column_names"]:
                    self.column_tags[(t["database_name"], t["name"], c)] = tags
        self.databases = {v["name"]: a.split('"')[1] for a, v in _values(planned, "aws_glue_catalog_database")}
        self.columns = {}  # (database, table) -> columns
        for _, v in _values(planned, "aws_glue_catalog_table"):
            cols = [c["name"] for c in v["storage_descriptor"][0]["columns"]] + [p["name"] for p in v["partition_keys"]]
            self.columns[(v["database_name"], v["name"])] = set(cols)
        for db, key in self.databases.items():
            if key in ("gold", "gold_spectrum"):
                self.columns.update({(db, t): cols for t, cols in gold_columns.items()})
        self.grants = {}  # persona -> [(layers, pii)]
        for address, v in _values(planned, "aws_lakeformation_permissions"):
            policy = (v.get("lf_tag_policy") or [{}])[0]
            if policy.get("resource_type") != "TABLE":
                continue
            persona = address.split('["')[1].split("/")[0]
            expression = {e["key"]: set(e["values"]) for e in policy["expression"]}
            self.grants.setdefault(persona, []).append((expression["layer"], expression["pii"]))

    def tag(self, db: str, table: str, column: str, key: str) -> str:
        for level in (self.column_tags.get((db, table, column)), self.table_tags.get((db, table)), self.db_tags[db]):
            if level and key in level:
                return level[key]
        raise AssertionError(f"{db}.{table}.{column}: no {key} tag")

    def visible(self, persona: str) -> dict[tuple[str, str], set[str]]:
        """(database key, table) -> the columns the persona's grants reach (tables with none left out)."""
        out = {}
        for (db, table), cols in self.columns.items():
            seen = {
                c
                for c in cols
                for layers, pii in self.grants[persona]
                if self.tag(db, table, c, "layer") in layers and self.tag(db, table, c, "pii") in pii
            }
            if seen:
                out[(self.databases[db], table)] = seen
        return out


@pytest.fixture(scope="module")
def access(planned):
    return Access(planned, _gold_columns(REPO))


def _silver_tables(contracts: dict) -> dict[str, str]:
    """silver table -> kind, from the contracts: the entity, its quarantine, its versions when SCD2."""
    out = {}
    for e, c in contracts.items():
        out[e] = "entity"
        out[f"quarantine_{e}"] = "quarantine"
        if c.get("scd2"):
            out[f"{e}_versions"] = "versions"
    return out


def _entity(table: str) -> str:
    return table.removeprefix("quarantine_").removesuffix("_versions")


def test_every_persona_is_granted(access):
    assert set(access.grants) == {"data_engineer", "analyst", "bi", "athena_users"}


def test_analyst_reads_gold_and_silver_without_pii(access):
    contracts = _contracts(REPO)
    pii = {e: set(c.get("pii") or {}) for e, c in contracts.items()}
    seen = access.visible("analyst")
    gold = _gold_columns(REPO)
    expected = {(db, t): cols for db in ("gold", "gold_spectrum") for t, cols in gold.items()}
    for table, kind in _silver_tables(contracts).items():
        cols = access.columns[(next(d for d, k in access.databases.items() if k == "silver"), table)]
        entity_pii = pii[_entity(table)]
        if kind == "quarantine" and entity_pii:
            continue  # _raw keeps the whole failed record: the table is out for the analyst
        expected[("silver", table)] = cols - entity_pii
    assert seen == expected
    assert any(pii.values()), "the contracts declare some PII (else this test proves nothing)"


def test_data_engineer_reads_every_column_of_every_layer(access):
    seen = access.visible("data_engineer")
    assert seen == {(access.databases[db], t): cols for (db, t), cols in access.columns.items()}
    granted_layers = set().union(*(layers for layers, _ in access.grants["data_engineer"]))
    assert granted_layers == {tags["layer"] for tags in access.db_tags.values()} == {"bronze", "silver", "gold", "ops"}


@pytest.mark.parametrize("persona", ["bi", "athena_users"])
def test_bi_and_athena_users_read_gold_only(access, persona):
    gold = _gold_columns(REPO)
    assert access.visible(persona) == {(db, t): cols for db in ("gold", "gold_spectrum") for t, cols in gold.items()}
    assert all(layers == {"gold"} for layers, _ in access.grants[persona])


def test_bronze_is_pii_clear_and_only_the_engineer_reaches_it(access):
    bronze = one_db(access, "bronze")
    assert access.db_tags[bronze] == {"layer": "bronze", "domain": "cross_domain", "pii": "clear"}
    for persona, grants in access.grants.items():
        reaches = any("bronze" in layers and "clear" in pii for layers, pii in grants)
        assert reaches == (persona == "data_engineer"), persona


def one_db(access, key: str) -> str:
    (name,) = [d for d, k in access.databases.items() if k == key]
    return name


def test_gold_protected_columns_are_the_contracts_pii(access):
    """dim_customer (`pii: protected`) carries the customers contract's PII columns, hashed/masked."""
    customers_pii = set(_contracts(REPO)["customers"]["pii"])
    dim = _gold_columns(REPO)["dim_customer"]
    for key in ("gold", "gold_spectrum"):
        db = one_db(access, key)
        tagged = {c for (d, t, c), tags in access.column_tags.items() if d == db and t == "dim_customer"}
        assert tagged == customers_pii & dim and tagged
        assert {access.tag(db, "dim_customer", c, "pii") for c in tagged} == {"protected"}


def test_locations_registered_in_hybrid_mode(planned):
    resources = [v for _, v in _values(planned, "aws_lakeformation_resource")]
    assert {r["arn"].rsplit("/", 1)[1] for r in resources} == {"bronze", "silver", "gold", "ops"}
    assert all(r["hybrid_access_enabled"] for r in resources)
    (settings,) = [v for _, v in _values(planned, "aws_lakeformation_data_lake_settings")]
    # Hybrid: tables the crawlers create keep IAM access for the jobs (IAM_ALLOWED_PRINCIPALS).
    for block in ("create_database_default_permissions", "create_table_default_permissions"):
        assert settings[block] == [{"principal": "IAM_ALLOWED_PRINCIPALS", "permissions": ["ALL"]}]


def test_crawlers_may_create_tables_under_their_layer(planned):
    """Creating a table under a registered location needs DATA_LOCATION_ACCESS on it, in hybrid mode too."""
    layers = {(c := yaml.safe_load(p.read_text()))["name"]: c["layer"] for p in (REPO / "crawlers").glob("*.yaml")}
    grants = {
        a.split('["')[1][:-2]: v for a, v in _values(planned, "aws_lakeformation_permissions") if v.get("data_location")
    }
    for name, layer in layers.items():
        grant = grants[f"crawler_{name}/{layer}"]
        assert grant["permissions"] == ["DATA_LOCATION_ACCESS"], name
        assert grant["data_location"][0]["arn"] == f"arn:aws:s3:::lakehouse-dev-lake-123456789012/{layer}", name


def test_every_granted_principal_is_opted_in_on_its_layers(planned, access):
    opted = set()  # (principal, database whose tables it is opted in on)
    for _, v in _values(planned, "aws_lakeformation_opt_in"):
        for table in v["resource_data"][0]["table"]:
            opted.add((v["principal"][0]["data_lake_principal_identifier"], table["database_name"]))
    for address, v in _values(planned, "aws_lakeformation_permissions"):
        policy = (v.get("lf_tag_policy") or [{}])[0]
        if policy.get("resource_type") != "TABLE":
            continue
        layers = next(set(e["values"]) for e in policy["expression"] if e["key"] == "layer")
        for db, tags in access.db_tags.items():
            if tags["layer"] in layers:
                assert (v["principal"], db) in opted, f"{address}: not opted in on {db}'s tables"


def test_one_pii_declaration_drives_tags_grants_and_gold(plan_json, access, tf_env, artifacts, moto_endpoint, tmp_path):
    """Mark customers.postcode PII and add a PII column to products, in a temp copy, and nothing
    else: the plan tags both pii=clear, the analyst's grant leaves them out, the engineer keeps
    them, dim_customer's postcode becomes pii=protected, and gold's protection map hashes it."""
    from lakehouse.gold.contracts import gold_settings

    root = tmp_path / "project"
    for part in ("terraform", "contracts", "crawlers", "athena_sql"):
        shutil.copytree(REPO / part, root / part, ignore=shutil.ignore_patterns(".terraform", "*.tfstate*"))
    customers = root / "contracts" / "customers.yaml"
    customers.write_text(customers.read_text().replace("pii:\n", "pii:\n  postcode: hash\n", 1))
    products = root / "contracts" / "products.yaml"
    text = products.read_text()
    new_column = "  - {name: supplier_email, source: supplier_email, type: string, standardise: [trim, email]}\n"
    text = text.replace("pii: {}\n", "pii: {supplier_email: mask}\n", 1)
    text = text.replace("columns:\n", "columns:\n" + new_column, 1)
    products.write_text(text)

    # Before the edit (the repo's plan): the analyst reads postcode, and products has no such column.
    silver = one_db(access, "silver")
    assert "postcode" in access.visible("analyst")[("silver", "customers")]
    assert "supplier_email" not in access.columns[(silver, "products")]

    env = dict(tf_env, TF_DATA_DIR=str(tmp_path / ".terraform"))

    def run(*args):
        cmd = [shutil.which("terraform"), f"-chdir={root / 'terraform'}", *args]
        return subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=600)

    init = ["init", "-backend=false", "-input=false", "-no-color"]
    if PLUGIN_DIR.is_dir():
        init.append(f"-plugin-dir={PLUGIN_DIR}")
    assert run(*init).returncode == 0
    plan_file = tmp_path / "edited.tfplan"
    result = run(
        "plan",
        "-input=false",
        "-no-color",
        "-lock=false",
        "-target=module.lake_formation",
        "-var-file=envs/dev.tfvars",
        "-var=enable_lake_formation=true",
        "-var=lake_formation_tag_gold_tables=true",
        f"-var=aws_endpoint_url={moto_endpoint}",
        f"-var=package_zip_path={artifacts['zip']}",
        f"-var=jar_dir={artifacts['jar_dir']}",
        f"-var=scripts_dir={REPO / 'glue_jobs'}",
        f"-state={tmp_path / 'edited.tfstate'}",
        f"-out={plan_file}",
    )
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr
    shown = run("show", "-json", str(plan_file))
    edited = Access(_planned_resources(json.loads(shown.stdout)), _gold_columns(root))

    for table, column in [("customers", "postcode"), ("products", "supplier_email")]:
        assert edited.tag(silver, table, column, "pii") == "clear"
        assert column not in edited.visible("analyst")[("silver", table)]
        assert column in edited.visible("data_engineer")[("silver", table)]
    assert ("silver", "quarantine_products") not in edited.visible("analyst"), "products now has PII: _raw too"
    assert edited.tag(one_db(access, "gold"), "dim_customer", "postcode", "pii") == "protected"
    assert edited.grants["analyst"] == access.grants["analyst"], "the grants themselves did not change"

    # Gold's hashing/masking reads the same declaration (the job protects dim_customer with it).
    settings = gold_settings(str(root / "contracts"))
    assert settings.pii["customers"]["postcode"] == "hash"
    assert settings.pii["products"] == {"supplier_email": "mask"}
