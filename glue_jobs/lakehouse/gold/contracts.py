"""What gold needs from the contracts: PII maps per source and the customers SCD2 settings.

Read through the package's contract loader (lakehouse.contracts).
"""

from dataclasses import dataclass, field


@dataclass(frozen=True)
class GoldSettings:
    pii: dict[str, dict[str, str]] = field(default_factory=dict)  # source → {column: hash|mask}
    scd2_tracked: list[str] = field(default_factory=list)
    scd2_effective_from: str = "updated_at"


def gold_settings(directory: str | None = None) -> GoldSettings:
    from lakehouse.contracts import default_contracts_dir, load_contracts
    from lakehouse.errors import ContractError

    contracts = load_contracts(directory)
    if "customers" not in contracts:  # e.g. a folder of one's own contracts (LAKEHOUSE_CONTRACTS_DIR)
        raise ContractError(
            directory or default_contracts_dir(),
            "customers",
            "gold's customer dimension is built from the customers contract (its scd2 settings): add "
            "customers.yaml to the contracts folder, or run bronze and silver only",
        )
    cust = contracts["customers"].scd2
    return GoldSettings(
        pii={c.source: dict(c.pii or {}) for c in contracts.values()},
        scd2_tracked=list(cust.tracked),
        scd2_effective_from=cust.effective_from,
    )
