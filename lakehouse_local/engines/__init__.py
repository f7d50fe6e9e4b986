"""Local SQL engines that prove the project's SQL outside AWS (tests and exploration only).

- :mod:`lakehouse_local.engines.trino`: a single-node Trino (the engine Athena v3 is built on) with a
  Delta Lake catalog over a local lake folder; runs the ``athena_sql/`` files.
- :mod:`lakehouse_local.engines.postgres`: a throwaway PostgreSQL 15 cluster on loopback.
- :mod:`lakehouse_local.engines.redshift`: the one translation step Redshift SQL → PostgreSQL (DISTKEY,
  SORTKEY, ENCODE, external schema, COPY ... FORMAT AS PARQUET) and a runner for ``redshift_sql/``.
- :mod:`lakehouse_local.engines.sqlfiles`: reading SQL files and substituting their ``${var}`` templates.

Nothing here is shipped to Glue jobs' code paths; it only needs the standard library, plus
psycopg / pyarrow for PostgreSQL.
"""

import socket


class EngineError(RuntimeError):
    """A local engine could not be started or a statement failed (message says which and why)."""


def free_port() -> int:
    """A loopback port free at the moment of asking. Another process can take it before the server
    binds it, so each server checks that what answers there is itself: PostgreSQL through
    ``pg_ctl -w`` on its own data directory, Trino through its own node environment."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]
