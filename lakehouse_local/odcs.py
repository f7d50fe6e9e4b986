"""Export the lake's contracts to the Open Data Contract Standard (ODCS v3), so other tools can read
what this lake promises: one document per source contract (contracts/<source>.yaml, the silver
entity it defines) and one per gold table (contracts/gold/<table>.yaml).

The YAML in contracts/ stays the one source; these documents are generated from it (by the same
loaders the jobs use) and written to a git-ignored folder, so they can never drift from it:

    python -m lakehouse_local.odcs                       # dist/odcs/<layer>_<name>.odcs.yaml
    python -m lakehouse_local.odcs --lake-root s3://<lake bucket> --out DIR

Mapping: a contract column -> an ODCS property (physicalType = the contract type, logicalType its
ODCS family; business key -> primaryKey; partition columns -> partitioned; a column the contract's
`pii:` names -> classification `restricted`, tag `pii`, customProperty `pii` = hash | mask); each
DQDL rule -> a `custom` quality check run by AWS Glue Data Quality (engine `glue-data-quality`);
a `references:` entry -> a foreignKey relationship. A gold table's unique key is its primaryKey,
its not_null columns `required`; in a `pii: protected` table the contracts' PII columns carry
classification `pseudonymised` and how gold protects them.
"""

import argparse
import sys
from pathlib import Path

import yaml
from lakehouse.contracts import Contract, load_contracts
from lakehouse.tables import GoldTable, load_gold_tables

API_VERSION = "v3.1.0"
CONTRACT_VERSION = "1.0.0"  # the contract files carry no version of their own
DQ_ENGINE = "glue-data-quality"  # the rules are DQDL, the language of AWS Glue Data Quality
REPO_ROOT = Path(__file__).resolve().parents[1]
DEFAULT_OUT = REPO_ROOT / "dist" / "odcs"
DEFAULT_LAKE_ROOT = "s3://lakehouse-dev-lake"  # pass the `lake_root` Terraform output for a real deployment


def logical_type(physical: str) -> str:
    """A contract/gold type -> the ODCS logicalType family."""
    if physical in ("int", "bigint"):
        return "integer"
    if physical == "double" or physical.startswith("decimal"):
        return "number"
    if physical.startswith("array<"):
        return "array"
    return {"string": "string", "boolean": "boolean", "date": "date", "timestamp": "timestamp"}[physical]


def _positions(names) -> dict[str, int]:
    return {n: i for i, n in enumerate(names, start=1)}


def _required(contract: Contract) -> set[str]:
    """Columns an error-severity `IsComplete "<col>"` rule guarantees (rows without them are quarantined)."""
    out = set()
    for r in contract.rules:
        if r.severity == "error" and r.rule.startswith("IsComplete "):
            out.add(r.rule.split('"')[1])
    return out


def _delta_server(layer: str, location: str) -> dict:
    # An `s3` server: ODCS's `glue` server type requires the AWS account, which a deployment decides.
    return {
        "server": layer,
        "type": "s3",
        "description": f"Delta table, catalogued in the Glue database <project>_<environment>_{layer}",
        "location": location,
        "format": "delta",
    }


def _document(id_: str, name: str, domain: str, purpose: str, servers: list, schema: dict) -> dict:
    return {
        "apiVersion": API_VERSION,
        "kind": "DataContract",
        "id": id_,
        "name": name,
        "version": CONTRACT_VERSION,
        "status": "active",
        "domain": domain,
        "description": {"purpose": purpose},
        "servers": servers,
        "schema": [schema],
    }


def source_contract(contract: Contract, lake_root: str = DEFAULT_LAKE_ROOT) -> dict:
    """One source contract -> an ODCS document describing the silver table it defines."""
    keys, parts, required = _positions(contract.business_key), _positions(contract.partition_by), _required(contract)
    references = {r.column: r for r in contract.references}
    properties = []
    for col in contract.columns:
        prop = {"name": col.name, "physicalName": col.name, "physicalType": col.type}
        prop["logicalType"] = logical_type(col.type)
        custom = [{"property": "source", "value": col.source}]
        if col.standardise:
            custom.append({"property": "standardise", "value": list(col.standardise)})
        if col.formats:
            custom.append({"property": "formats", "value": list(col.formats)})
        properties.append((prop, custom))
    for d in contract.derived:
        prop = {"name": d.name, "physicalName": d.name, "physicalType": d.type, "logicalType": logical_type(d.type)}
        prop["transformLogic"] = d.expr
        properties.append((prop, []))
    out = []
    for prop, custom in properties:
        name = prop["name"]
        if name in keys:
            prop.update(primaryKey=True, primaryKeyPosition=keys[name])
        if name in parts:
            prop.update(partitioned=True, partitionKeyPosition=parts[name])
        prop["required"] = name in required or name in keys
        if name in contract.pii:
            prop.update(classification="restricted", tags=["pii"])
            custom.append({"property": "pii", "value": contract.pii[name]})
        if name in references:
            ref = references[name]
            prop["relationships"] = [{"type": "foreignKey", "to": f"{ref.entity}.{ref.key}"}]
        if custom:
            prop["customProperties"] = custom
        out.append(prop)
    quality = [
        {
            "name": r.name,
            "type": "custom",
            "engine": DQ_ENGINE,
            "implementation": r.rule,
            "severity": r.severity,
            "customProperties": [{"property": "scope", "value": r.scope}],
        }
        for r in contract.rules
    ]
    schema = {
        "name": contract.entity,
        "physicalName": contract.entity,
        "physicalType": "table",
        "logicalType": "object",
        "description": contract.description,
        "properties": out,
        "quality": quality,
    }
    if contract.scd2:
        schema["customProperties"] = [
            {"property": "scd2_tracked", "value": list(contract.scd2.tracked)},
            {"property": "scd2_effective_from", "value": contract.scd2.effective_from},
        ]
    servers = [
        {
            "server": "landing",
            "type": "s3",
            "location": f"{lake_root}/landing/{contract.source}/",
            "format": contract.format,
        },
        _delta_server("silver", f"{lake_root}/silver/{contract.entity}/"),
    ]
    return _document(
        f"lakehouse.silver.{contract.entity}", contract.entity, contract.entity, contract.description, servers, schema
    )


def gold_table(table: GoldTable, pii: dict[str, str], lake_root: str = DEFAULT_LAKE_ROOT) -> dict:
    """One gold table declaration -> an ODCS document. `pii`: column -> hash | mask over every contract."""
    keys, parts, not_null = _positions(table.unique_key), _positions(table.partition_by), set(table.not_null)
    properties = []
    for col in table.columns:
        prop = {"name": col.name, "physicalName": col.name, "physicalType": col.type}
        prop["logicalType"] = logical_type(col.type)
        if col.description:
            prop["description"] = col.description
        if col.name in keys:
            prop.update(primaryKey=True, primaryKeyPosition=keys[col.name])
        if col.name in parts:
            prop.update(partitioned=True, partitionKeyPosition=parts[col.name])
        prop["required"] = col.name in not_null
        if table.pii == "protected" and col.name in pii:
            prop.update(classification="pseudonymised", tags=["pii"])
            prop["customProperties"] = [{"property": "pii", "value": pii[col.name]}]
        properties.append(prop)
    schema = {
        "name": table.name,
        "physicalName": table.name,
        "physicalType": "table",
        "logicalType": "object",
        "description": table.description,
        "dataGranularityDescription": table.grain,
        "properties": properties,
        "customProperties": [
            {"property": "build", "value": table.build},
            {"property": "redshift", "value": table.redshift},
        ],
    }
    servers = [_delta_server("gold", f"{lake_root}/gold/{table.name}/")]
    return _document(f"lakehouse.gold.{table.name}", table.name, "gold", table.description, servers, schema)


def export_all(contracts_dir=None, lake_root: str = DEFAULT_LAKE_ROOT) -> dict[str, dict]:
    """<layer>_<name> -> ODCS document, for every source contract and gold table."""
    contracts = load_contracts(contracts_dir)
    pii = {col: method for c in contracts.values() for col, method in c.pii.items()}
    docs = {f"silver_{c.entity}": source_contract(c, lake_root) for _, c in sorted(contracts.items())}
    for name, table in sorted(load_gold_tables(contracts_dir).items()):
        docs[f"gold_{name}"] = gold_table(table, pii, lake_root)
    return docs


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT, help="folder to write <layer>_<name>.odcs.yaml into")
    parser.add_argument("--lake-root", default=DEFAULT_LAKE_ROOT, help="s3://<lake bucket> (Terraform's lake_root)")
    parser.add_argument("--contracts", default=None, help="contracts folder (default: the project's)")
    args = parser.parse_args(argv)
    args.out.mkdir(parents=True, exist_ok=True)
    docs = export_all(args.contracts, args.lake_root.rstrip("/"))
    for name, doc in docs.items():
        (args.out / f"{name}.odcs.yaml").write_text(yaml.safe_dump(doc, sort_keys=False, allow_unicode=True))
    print(f"{len(docs)} ODCS {API_VERSION} contracts in {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
