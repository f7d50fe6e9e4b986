"""What a gold build depended on, so a run whose inputs are all unchanged can skip the rebuild.

Gold is a pure function of silver, the contracts, the package code and the PII salt. Each successful
build records a fingerprint of those in ops.batches_processed (layer `gold`), together with the
gold table versions it left. The next run rebuilds unless both still match: any silver commit
(an append, a MERGE, a replay, a quarantine-only batch), a changed contract, a new deploy of the
code, another salt, or a gold table touched since (or deleted) means a full rebuild.
"""

import hashlib
import importlib.util
import pkgutil
from pathlib import Path

from pyspark.sql import functions as F

from lakehouse import delta_io, ops

LAYER = "gold"
DATASET = "gold_aggregates"


def _digest(parts) -> str:
    h = hashlib.sha256()
    for part in parts:
        h.update(part if isinstance(part, bytes) else str(part).encode())
        h.update(b"\0")
    return h.hexdigest()[:16]


def _contract_files(directory):
    """(relative name, bytes) of every file under the contracts folder (a Path or the zip's Traversable)."""
    stack = [("", directory)]
    while stack:
        prefix, folder = stack.pop()
        for entry in sorted(folder.iterdir(), key=lambda e: e.name):
            name = f"{prefix}/{entry.name}"
            if entry.is_dir():
                stack.append((name, entry))
            else:
                yield name, entry.read_bytes()


def _code_sources():
    """Source of every module of the lakehouse package (plain files locally, the zip in Glue)."""
    import lakehouse

    for mod in sorted(pkgutil.walk_packages(lakehouse.__path__, "lakehouse."), key=lambda m: m.name):
        spec = importlib.util.find_spec(mod.name)
        yield mod.name, (spec.loader.get_source(mod.name) or "") if spec and spec.loader else ""


def fingerprint(spark, config, salt: str) -> str:
    """Silver table versions + digests of contracts, code and salt (the salt itself never leaves)."""
    from lakehouse.contracts import default_contracts_dir

    contracts = Path(config.contracts_dir) if config.contracts_dir else default_contracts_dir()
    return ";".join(
        [
            "silver:" + _versions(spark, config.paths.silver("")),
            "contracts:" + _digest(p for item in _contract_files(contracts) for p in item),
            "code:" + _digest(p for item in _code_sources() for p in item),
            "salt:" + _digest([salt]),
        ]
    )


def _versions(spark, root: str) -> str:
    return ",".join(f"{t}@{v}" for t, v in sorted(delta_io.versions_under(spark, root.rstrip("/")).items()))


def gold_versions(spark, config) -> str:
    return _versions(spark, config.paths.gold(""))


def last_build(spark, config) -> str | None:
    """The batch_id of the latest gold build recorded in ops: '<fingerprint>|<gold versions>'."""
    row = (
        ops.read(spark, config, "batches_processed")
        .where((F.col("layer") == LAYER) & (F.col("dataset") == DATASET))
        .orderBy(F.col("processed_at").desc())
        .select("batch_id")
        .first()
    )
    return row["batch_id"] if row else None


def recorded(spark, config) -> tuple[str | None, str]:
    """(the last build's record, gold's table versions now): read once per run, for `unchanged` and the
    path's plan (lakehouse.gold.incremental.plan), each of which used to read ops again."""
    return last_build(spark, config), gold_versions(spark, config)


def unchanged(inputs: str, recorded_state: tuple[str | None, str]) -> bool:
    """True when the last recorded build read these same inputs and left gold exactly as it is now
    (`recorded_state`: what `recorded` read)."""
    last, gold_now = recorded_state
    return last == f"{inputs}|{gold_now}"


def record_build(spark, config, inputs: str) -> None:
    """After a successful build: the inputs it read and the gold versions it left."""
    ops.append_rows(
        spark,
        config,
        "batches_processed",
        [(LAYER, DATASET, f"{inputs}|{gold_versions(spark, config)}", config.run_id, ops.now())],
    )
