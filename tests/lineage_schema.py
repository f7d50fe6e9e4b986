"""Validate OpenLineage events against the OpenLineage JSON Schemas kept in tests/fixtures/openlineage/.

The event is checked against the run-event schema (2-0-2), and each facet against the schema its own
`_schemaURL` names (so a wrong facet URL fails too). Only the custom glueJobRun facet has no public schema.
"""

import json
from pathlib import Path

from jsonschema import Draft202012Validator
from referencing import Registry, Resource

SCHEMAS = Path(__file__).parent / "fixtures" / "openlineage"
CUSTOM_FACETS = {"glueJobRun"}


def _registry() -> Registry:
    resources = []
    for f in sorted(SCHEMAS.glob("*.json")):
        schema = json.loads(f.read_text())
        resources.append((schema["$id"], Resource.from_contents(schema)))
    return Registry().with_resources(resources)


REGISTRY = _registry()


def _validator(ref: str) -> Draft202012Validator:
    return Draft202012Validator({"$ref": ref}, registry=REGISTRY, format_checker=Draft202012Validator.FORMAT_CHECKER)


def facets_of(event: dict):
    """(where, name, facet) of every facet in the event."""
    for kind, owner in (("run", event["run"]), ("job", event["job"])):
        for name, facet in (owner.get("facets") or {}).items():
            yield kind, name, facet
    for ds in event.get("inputs", []) + event.get("outputs", []):
        for key in ("facets", "inputFacets", "outputFacets"):
            for name, facet in (ds.get(key) or {}).items():
                yield f"{ds['name']}.{key}", name, facet


def problems(event: dict) -> list[str]:
    """Every schema violation of the event and its facets ([] when valid)."""
    found = [f"event: {e.message}" for e in _validator(event["schemaURL"]).iter_errors(event)]
    for where, name, facet in facets_of(event):
        if name in CUSTOM_FACETS:
            continue
        url = facet.get("_schemaURL", "")
        if url.split("#")[0] not in REGISTRY:
            found.append(f"{where}.{name}: no schema for {url}")
            continue
        found += [f"{where}.{name}: {e.message}" for e in _validator(url).iter_errors(facet)]
    return found
