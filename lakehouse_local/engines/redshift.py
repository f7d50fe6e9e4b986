"""Run Redshift SQL on PostgreSQL 15, where the two dialects meet: the one translation step.

Redshift is a PostgreSQL 8.0 descendant; the star DDL, the loads' DELETE/INSERT, the views and
the queries are ordinary SQL that PostgreSQL runs as they are. What differs is handled here,
statement by statement, by :func:`translate` — and nothing else is rewritten:

==========================================  ===============================================
Redshift                                    on PostgreSQL
==========================================  ===============================================
``DISTSTYLE ALL|EVEN|KEY|AUTO``,            removed (physical layout only; no effect on
``DISTKEY (c)`` / column ``DISTKEY``,       answers)
``[COMPOUND|INTERLEAVED] SORTKEY (...)``,
``SORTKEY AUTO``, column ``SORTKEY``,
``ENCODE <codec>``, ``BACKUP YES|NO``
``WITH NO SCHEMA BINDING`` (late-binding    removed (PostgreSQL views bind at creation;
view)                                       the referenced tables exist by then)
``GETDATE()`` / ``SYSDATE``                 ``LOCALTIMESTAMP``
``NVL(``                                    ``COALESCE(``
``CREATE EXTERNAL SCHEMA s FROM DATA        :class:`ExternalSchema` step: a local schema
CATALOG DATABASE 'db' ...``                 ``s`` in which each table of the Glue database
                                            ``db`` is a real table loaded from that table's
                                            Parquet files (``external_tables``), so Spectrum
                                            queries join it like Redshift does
``COPY t FROM 's3://...' ...                :class:`CopyParquet` step: the Parquet files
FORMAT AS PARQUET``                         under the mapped local folder are read with
                                            pyarrow and streamed with ``COPY t FROM STDIN``;
                                            columns map by position (as Redshift does) and
                                            the file's column names must equal the table's
==========================================  ===============================================

Anything else Redshift-only that reaches :func:`translate` (other COPY formats, external
tables, UNLOAD) raises :class:`~lakehouse_local.engines.EngineError` rather than being silently
ignored. ``BEGIN``/``COMMIT`` run as written on an autocommit connection, so a script's
transactions are real PostgreSQL transactions.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from pathlib import Path

from lakehouse_local.engines import EngineError
from lakehouse_local.engines.sqlfiles import render, split_statements, strip_comments


@dataclass(frozen=True)
class Sql:
    text: str


@dataclass(frozen=True)
class CopyParquet:
    table: str
    uri: str
    columns: tuple[str, ...] = ()


@dataclass(frozen=True)
class ExternalSchema:
    schema: str
    database: str


Step = Sql | CopyParquet | ExternalSchema

_I = re.IGNORECASE | re.DOTALL
_REMOVE = [
    re.compile(r"\bDISTSTYLE\s+(ALL|EVEN|KEY|AUTO)\b", _I),
    re.compile(r"\bDISTKEY\s*\(\s*[\w\"]+\s*\)", _I),
    re.compile(r"\b(COMPOUND\s+|INTERLEAVED\s+)?SORTKEY\s*\([^)]*\)", _I),
    re.compile(r"\bSORTKEY\s+AUTO\b", _I),
    re.compile(r"\bDISTKEY\b", _I),
    re.compile(r"\bSORTKEY\b", _I),
    re.compile(r"\bENCODE\s+\w+", _I),
    re.compile(r"\bBACKUP\s+(YES|NO)\b", _I),
    re.compile(r"\bWITH\s+NO\s+SCHEMA\s+BINDING\b", _I),
]
_REPLACE = [
    (re.compile(r"\bGETDATE\s*\(\s*\)", _I), "LOCALTIMESTAMP"),
    (re.compile(r"\bSYSDATE\b", _I), "LOCALTIMESTAMP"),
    (re.compile(r"\bNVL\s*\(", _I), "COALESCE("),
]
_EXTERNAL_SCHEMA = re.compile(
    r"^CREATE\s+EXTERNAL\s+SCHEMA\s+(IF\s+NOT\s+EXISTS\s+)?(?P<schema>[\w\"]+)\s+FROM\s+DATA\s+CATALOG\s+"
    r"DATABASE\s+'(?P<db>[^']+)'",
    _I,
)
_COPY = re.compile(r"^COPY\s+(?P<table>[\w.\"]+)\s*(\((?P<cols>[^)]*)\))?\s+FROM\s+'(?P<uri>[^']+)'(?P<opts>.*)$", _I)
_UNSUPPORTED = re.compile(r"^(CREATE\s+EXTERNAL\s+TABLE|UNLOAD|ALTER\s+EXTERNAL)\b", _I)


def _outside_strings(sql: str, fn) -> str:
    """Apply ``fn`` to the parts of ``sql`` outside single-quoted literals."""
    parts = re.split(r"('(?:[^']|'')*')", sql)
    return "".join(p if i % 2 else fn(p) for i, p in enumerate(parts))


def _rewrite(sql: str) -> str:
    def fix(chunk: str) -> str:
        for rx in _REMOVE:
            chunk = rx.sub("", chunk)
        for rx, repl in _REPLACE:
            chunk = rx.sub(repl, chunk)
        return chunk

    return _outside_strings(sql, fix)


def translate(script: str) -> list[Step]:
    """Redshift script (already rendered) → PostgreSQL steps. See the module docstring."""
    steps: list[Step] = []
    for stmt in split_statements(script):
        bare = strip_comments(stmt).strip()
        if m := _EXTERNAL_SCHEMA.match(bare):
            steps.append(ExternalSchema(m.group("schema").strip('"'), m.group("db")))
        elif m := _COPY.match(bare):
            if not re.search(r"\bFORMAT\s+(AS\s+)?PARQUET\b", m.group("opts"), re.I):
                raise EngineError(f"only COPY ... FORMAT AS PARQUET is emulated, got: {bare[:200]}")
            cols = tuple(c.strip().strip('"') for c in (m.group("cols") or "").split(",") if c.strip())
            steps.append(CopyParquet(m.group("table"), m.group("uri"), cols))
        elif _UNSUPPORTED.match(bare):
            raise EngineError(f"Redshift statement with no PostgreSQL emulation: {bare[:200]}")
        else:
            steps.append(Sql(_rewrite(bare)))
    return steps


# ------------------------------------------------------------------------------ running
_PG_TYPES = {
    "string": "TEXT",
    "large_string": "TEXT",
    "int8": "SMALLINT",
    "int16": "SMALLINT",
    "int32": "INTEGER",
    "int64": "BIGINT",
    "bool": "BOOLEAN",
    "double": "DOUBLE PRECISION",
    "float": "REAL",
    "date32[day]": "DATE",
}


def pg_type(arrow_type) -> str:
    """PostgreSQL column type for an Arrow type (for the emulated Spectrum tables)."""
    import pyarrow as pa

    if pa.types.is_decimal(arrow_type):
        return f"NUMERIC({arrow_type.precision}, {arrow_type.scale})"
    if pa.types.is_timestamp(arrow_type):
        return "TIMESTAMPTZ" if arrow_type.tz else "TIMESTAMP"
    if pa.types.is_list(arrow_type):
        return pg_type(arrow_type.value_type) + "[]"
    if pa.types.is_map(arrow_type):
        return "JSONB"
    try:
        return _PG_TYPES[str(arrow_type)]
    except KeyError:
        raise EngineError(f"no PostgreSQL type for Parquet/Arrow type {arrow_type}") from None


def read_parquet_dir(path: str | Path):
    """All Parquet files of a folder (skipping ``_*``/``.*`` files such as _SUCCESS, .crc)."""
    import pyarrow.parquet as pq

    path = Path(path)
    files = sorted(p for p in path.rglob("*.parquet") if not p.name.startswith(("_", ".")))
    if not files:
        raise EngineError(f"no Parquet files under {path}")
    import pyarrow as pa

    # Spark writes timestamps as INT96 by default: read them as microseconds, since nanoseconds
    # cannot hold the SCD2 open end 9999-12-31.
    tables = [pq.read_table(f, coerce_int96_timestamp_unit="us") for f in files]

    return pa.concat_tables(tables, promote_options="default") if len(tables) > 1 else tables[0]


def _py(value):
    if isinstance(value, dt.datetime) and value.tzinfo is not None:
        return value.astimezone(dt.UTC).replace(tzinfo=None)
    return value


def _quote_ident(name: str) -> str:
    return ".".join('"' + p.strip('"').replace('"', '""') + '"' for p in name.split("."))


class RedshiftOnPostgres:
    """Executes Redshift SQL files on a PostgreSQL connection (autocommit) via :func:`translate`.

    ``uri_map`` maps URI prefixes (e.g. the rendered ``${exports_uri}``) to local folders for COPY;
    ``external_tables`` maps a Glue database name to ``{table: local Parquet folder}`` for Spectrum.
    """

    def __init__(self, conn, *, uri_map: dict[str, str | Path], external_tables: dict[str, dict] | None = None):
        self.conn = conn
        self.uri_map = {k.rstrip("/"): Path(v) for k, v in uri_map.items()}
        self.external_tables = external_tables or {}
        self.log: list[str] = []

    def local_path(self, uri: str) -> Path:
        for prefix, local in sorted(self.uri_map.items(), key=lambda kv: -len(kv[0])):
            if uri == prefix or uri.startswith(prefix + "/"):
                return local / uri[len(prefix) :].strip("/")
        raise EngineError(f"COPY source {uri} is not under any mapped prefix ({', '.join(self.uri_map)})")

    def run_file(self, path: str | Path, variables: dict[str, str]) -> None:
        self.run_script(render(Path(path).read_text(), variables), source=str(path))

    def run_script(self, script: str, source: str = "<script>") -> None:
        for step in translate(script):
            try:
                self.run_step(step)
            except Exception as e:
                if self.conn.info.transaction_status != 0:  # abort an open script transaction
                    self.conn.execute("ROLLBACK")
                if isinstance(e, EngineError):
                    raise EngineError(f"{source}: {e}") from e
                raise EngineError(f"{source}: {type(e).__name__}: {e}\n--- statement ---\n{step}") from e

    def run_step(self, step: Step) -> None:
        if isinstance(step, Sql):
            self.log.append(step.text)
            self.conn.execute(step.text)
        elif isinstance(step, CopyParquet):
            self.copy_parquet(step.table, self.local_path(step.uri), step.columns)
        elif isinstance(step, ExternalSchema):
            self.external_schema(step.schema, step.database)

    def table_columns(self, table: str) -> list[str]:
        rows = self.conn.execute(
            "SELECT attname FROM pg_attribute "
            "WHERE attrelid = %s::regclass AND attnum > 0 AND NOT attisdropped ORDER BY attnum",
            (table,),
        ).fetchall()
        return [r[0] for r in rows]

    def copy_parquet(self, table: str, folder: Path, columns: tuple[str, ...] = ()) -> int:
        """COPY ... FORMAT AS PARQUET: by position, like Redshift, and names must agree."""
        data = read_parquet_dir(folder)
        target = list(columns) or self.table_columns(table)
        if data.column_names != target:
            raise EngineError(
                f"COPY {table} FROM {folder}: Parquet columns {data.column_names} do not match the table's "
                f"columns {target} (Redshift maps Parquet columns by position)"
            )
        cols = ", ".join(_quote_ident(c) for c in target)
        with self.conn.cursor() as cur, cur.copy(f"COPY {table} ({cols}) FROM STDIN") as cp:
            for row in data.to_pylist():
                cp.write_row([_py(row[c]) for c in data.column_names])
        self.log.append(f"-- COPY {table} <- {folder} ({data.num_rows} rows)")
        return data.num_rows

    def external_schema(self, schema: str, database: str) -> None:
        """Emulate a Spectrum external schema: a local schema holding the Glue database's tables."""
        if database not in self.external_tables:
            raise EngineError(f"external schema {schema}: no local tables given for Glue database {database!r}")
        self.conn.execute(f"CREATE SCHEMA IF NOT EXISTS {_quote_ident(schema)}")
        for table, folder in sorted(self.external_tables[database].items()):
            data = read_parquet_dir(folder)
            name = f"{schema}.{table}"
            cols = ", ".join(f"{_quote_ident(f.name)} {pg_type(f.type)}" for f in data.schema)
            self.conn.execute(f"DROP TABLE IF EXISTS {_quote_ident(name)}")
            self.conn.execute(f"CREATE TABLE {_quote_ident(name)} ({cols})")
            self.copy_parquet(_quote_ident(name), Path(folder))
        self.log.append(f"-- external schema {schema} <- Glue database {database}")
