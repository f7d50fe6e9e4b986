"""Check OpenLineage run events against the OpenLineage model the PyPI client ships.

Why the model and not the spec's JSON Schemas: the project commits nothing taken from a fetched public
repository snapshot, and no registry package here serves the spec's JSON files. `openlineage-python`
ships Python (attrs) classes generated from those schemas instead: `event_v2.RunEvent` and one class per
facet in `openlineage.client.generated`, each with `_get_schema()` returning its schema URL.

An event is walked against RunEvent's attributes; each facet against the one generated class whose
`_get_schema()` equals the facet's `_schemaURL` (so a wrong facet URL fails too). JSON keys are the attrs
names (the client's Serde is attr.asdict). Checked: no unknown keys (stricter than the spec, which lets a
facet carry extra keys: here a misspelt key shows), required attributes present (no default; and the
base fields the client fills itself, producer/schemaURL/_producer/_schemaURL, which the spec requires),
basic types, enums by value, and the model's own validators (eventTime an ISO date-time, runId a UUID).
Only the custom glueJobRun facet has no class; its keys are not checked.
"""

import importlib
import pkgutil
import types
import typing
from enum import Enum

import attr
import openlineage.client.generated as generated
from openlineage.client.event_v2 import RunEvent
from openlineage.client.generated import base

CUSTOM_FACETS = {"glueJobRun"}


def _facet_classes() -> dict[str, list[type]]:
    """{schema URL: the generated facet classes with that URL} (the abstract facets of `base` left out)."""
    found: dict[str, list[type]] = {}
    for info in pkgutil.iter_modules(generated.__path__):
        module = importlib.import_module(f"{generated.__name__}.{info.name}")
        for cls in vars(module).values():  # each class once: in the module that defines it
            defined_here = isinstance(cls, type) and cls.__module__ == module.__name__ != base.__name__
            if defined_here and issubclass(cls, base.BaseFacet):
                found.setdefault(cls._get_schema(), []).append(cls)
    return found


FACETS = _facet_classes()


def _is(value, kind: type) -> bool:
    if kind in (int, float) and isinstance(value, bool):
        return False
    return isinstance(value, (int, float) if kind is float else kind)


def _check(value, hint, where: str) -> list[str]:
    """Problems of one JSON value against a type annotation of the model."""
    args = typing.get_args(hint)
    if isinstance(hint, types.UnionType) or typing.get_origin(hint) is typing.Union:  # X | None
        return [] if value is None and type(None) in args else _check(value, args[0], where)
    if hint is typing.Any:
        return []
    if isinstance(hint, type) and issubclass(hint, Enum):
        allowed = [e.value for e in hint]
        return [] if value in allowed else [f"{where}: {value!r} is not one of {allowed}"]
    kind = typing.get_origin(hint) or (dict if attr.has(hint) else hint)
    if not _is(value, kind):
        return [f"{where}: {value!r} is not a {kind.__name__}"]
    if kind is list:
        return [p for i, item in enumerate(value) for p in _check(item, args[0], f"{where}[{i}]")]
    if kind is dict and args:
        return [p for k, v in value.items() if k not in CUSTOM_FACETS for p in _check(v, args[1], f"{where}.{k}")]
    if issubclass(hint, base.BaseFacet):  # which facet: the one class whose schema URL the facet names
        classes = [c for c in FACETS.get(value.get("_schemaURL"), []) if issubclass(c, hint)]
        if len(classes) != 1:
            return [f"{where}: no OpenLineage facet for {value.get('_schemaURL')!r}"]
        hint = classes[0]
    return _check_attrs(value, hint, where) if attr.has(hint) else []


def _check_attrs(value: dict, cls: type, where: str) -> list[str]:
    fields, hints = attr.fields_dict(cls), typing.get_type_hints(cls)
    found = [f"{where}: unknown key {k!r} (not in {cls.__name__})" for k in value if k not in fields]
    for name, a in fields.items():
        if name not in value:
            # no default, or a base field the client fills itself (producer, _schemaURL, ...): required
            if a.default is attr.NOTHING or isinstance(a.default, str):
                found.append(f"{where}: required {name!r} missing ({cls.__name__})")
            continue
        wrong = _check(value[name], hints[name], f"{where}.{name}")
        if not wrong and a.validator is not None and value[name] is not None:
            try:  # the model's own checks (ISO date-time, UUID); they do not use the instance
                a.validator(None, a, value[name])
            except Exception as exc:  # noqa: BLE001 - any rejection is a problem to report
                wrong = [f"{where}.{name}: {value[name]!r} rejected ({exc})"]
        found += wrong
    return found


def problems(event: dict) -> list[str]:
    """Every way the event departs from the OpenLineage model ([] when valid)."""
    return _check(event, RunEvent, "event")
