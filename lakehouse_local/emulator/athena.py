"""Athena on the emulated account: the local Trino 476 (the engine Athena v3 is built on) with the
emulated Glue Data Catalog as metastore and the emulated S3 as storage, running the named queries.

The emulator env deploys no Athena workgroup (moto's workgroup does not read back without tags, see
envs/emulator.tfvars), so the named queries are rendered here exactly as the root module renders them
(templatefile of athena_sql/*.sql with ${bronze_db}, ${silver_db}, ${gold_db}, ${ops_db} = the
deployed Glue databases, from `terraform output glue_database_names`).
"""

import time
from pathlib import Path

from lakehouse_local.engines import EngineError
from lakehouse_local.engines.sqlfiles import render, split_statements, sql_files
from lakehouse_local.engines.trino import TrinoServer

REPO_ROOT = Path(__file__).resolve().parents[2]
ATHENA_DIR = REPO_ROOT / "athena_sql"


def query_vars(databases: dict[str, str]) -> dict[str, str]:
    return {f"{layer}_db": databases[layer] for layer in ("bronze", "silver", "gold", "ops")}


def run_named_queries(endpoint: str, databases: dict[str, str], workdir: Path, echo=print) -> list[dict]:
    """Run every athena_sql/ file on Trino over the emulated Glue catalog; one result per file
    ({name, rows, seconds} or {name, error}). Starts and stops its own Trino."""
    results = []
    with TrinoServer(Path(workdir) / "trino", glue_endpoint=endpoint) as trino:
        echo(f"athena: Trino {trino.url} on the emulated Glue catalog, ready in {trino.started_in:.0f}s")
        for path in sql_files(ATHENA_DIR):
            t0 = time.monotonic()
            try:
                rows = 0
                for statement in split_statements(render(path.read_text(), query_vars(databases))):
                    rows = len(trino.query(statement).rows)
                results.append({"name": path.stem, "rows": rows, "seconds": time.monotonic() - t0})
            except EngineError as exc:
                results.append({"name": path.stem, "error": str(exc).splitlines()[0]})
            r = results[-1]
            echo(f"  {r['name']:<28} " + (f"{r['rows']:>6} rows" if "rows" in r else f"FAILED {r['error']}"))
    return results
