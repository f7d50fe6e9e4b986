"""What gold needs from the contracts: PII maps per source and the customers SCD2 settings.

Uses the package's contract loader (lakehouse.contracts) and falls back to reading the
YAML files directly when it is not available.
"""

from dataclasses import dataclass, field
from pathlib import Path


@dataclass(frozen=True)
class GoldSettings:
    pii: dict[str, dict[str, str]] = field(default_factory=dict)  # source → {column: hash|mask}
    scd2_tracked: list[str] = field(default_factory=list)
    scd2_effective_from: str = "updated_at"


def _from_loader(directory):
    from lakehouse.contracts import load_contracts

    contracts = load_contracts(directory) if directory else load_contracts()
    pii = {c.source: dict(c.pii or {}) for c in contracts.values()}
    cust = contracts["customers"].scd2
    return GoldSettings(pii=pii, scd2_tracked=list(cust.tracked), scd2_effective_from=cust.effective_from)


def _from_yaml(directory):
    import yaml

    here = Path(__file__).resolve()
    candidates = (
        [Path(directory)] if directory else [here.parents[1] / "contracts", here.parents[3] / "contracts"]
    )
    folder = next((p for p in candidates if p.is_dir() and any(p.glob("*.yaml"))), None)
    if folder is None:
        raise FileNotFoundError(f"no contracts found in {candidates}")
    docs = {}
    for f in sorted(folder.glob("*.yaml")):
        d = yaml.safe_load(f.read_text())
        docs[d["source"]] = d
    scd = docs["customers"]["scd2"]
    return GoldSettings(
        pii={s: dict(d.get("pii") or {}) for s, d in docs.items()},
        scd2_tracked=list(scd["tracked"]),
        scd2_effective_from=scd["effective_from"],
    )


def gold_settings(directory: str | None = None) -> GoldSettings:
    try:
        return _from_loader(directory)
    except ImportError:
        return _from_yaml(directory)
