"""The frozen configuration a Glue script builds from its arguments and hands to run()."""

import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime

from lakehouse.paths import LakePaths


def new_run_id() -> str:
    return datetime.now(UTC).strftime("%Y%m%dT%H%M%S") + "-" + uuid.uuid4().hex[:6]


@dataclass(frozen=True)
class JobConfig:
    lake_root: str
    sources: tuple[str, ...] = ()  # empty = every contract
    run_id: str = field(default_factory=new_run_id)
    pii_salt: str | None = None
    contracts_dir: str | None = None  # None = contracts bundled in the package / repo

    @classmethod
    def from_args(cls, args: dict, **extra) -> "JobConfig":
        """From resolved Glue arguments; Glue's JOB_RUN_ID (when present) is the run and batch id."""
        return cls(
            args["lake_root"], parse_sources(args.get("sources")), args.get("JOB_RUN_ID") or new_run_id(), **extra
        )

    @property
    def paths(self) -> LakePaths:
        return LakePaths(self.lake_root)


def parse_sources(value: str | None) -> tuple[str, ...]:
    """'all', '' or None → every source; 'a,b' → ('a', 'b')."""
    if not value or value.strip().lower() == "all":
        return ()
    return tuple(s.strip() for s in value.split(",") if s.strip())
