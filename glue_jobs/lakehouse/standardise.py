"""Pure column and DataFrame transforms that turn bronze strings into typed, tidy silver values.

STANDARDISERS is the one list of standardiser names: contracts accept exactly its keys.
"""

from __future__ import annotations

from functools import reduce
from typing import TYPE_CHECKING

from pyspark.sql import Column, DataFrame
from pyspark.sql import functions as F

if TYPE_CHECKING:  # contracts imports STANDARDISERS from here; only the type hints go the other way
    from lakehouse.contracts import Column as ContractColumn
    from lakehouse.contracts import Contract


UNPARSABLE = "_unparsable"  # array<string>: `<column>_unparsable` for each present value that did not cast
INTEGER = r"^\s*[+-]?[0-9]+\s*$"  # Spark's cast would silently truncate "1.5" to 1


def unparsable_rule(column: str) -> str:
    """The row-check name for a value of `column` that does not cast to its declared type."""
    return f"{column}_unparsable"


def missing_to_null(col: Column, null_values=("",)) -> Column:
    """NULL for a blank value or one equal (after trim, case-sensitive) to a declared null token."""
    trimmed = F.trim(col)
    missing = (trimmed == "") | trimmed.isin([t for t in null_values if t])
    return F.when(missing, F.lit(None)).otherwise(col)


def phone_e164(col: Column) -> Column:
    """Digits only, as +<country><number>; 10 digits are taken as a North American number."""
    digits = F.regexp_replace(col, r"[^0-9]", "")
    return F.when(F.length(digits) == 10, F.concat(F.lit("+1"), digits)).when(
        F.length(digits) > 0, F.concat(F.lit("+"), digits)
    )


STANDARDISERS = {
    "trim": F.trim,
    "upper": F.upper,
    "lower": F.lower,
    "title": lambda c: F.initcap(F.lower(c)),
    "email": lambda c: F.lower(F.trim(c)),
    "phone": phone_e164,
}


def parse_temporal(col: Column, kind: str, formats) -> Column:
    """First format that parses wins; a value no format parses becomes NULL (see `unparsable`)."""
    parse = F.to_date if kind == "date" else F.to_timestamp
    return F.coalesce(*[parse(F.trim(col), fmt) for fmt in formats])


def source_value(col: ContractColumn) -> Column:
    """The bronze string behind a contract column; `a.b` reads field b of the JSON text in a."""
    root, _, rest = col.source.partition(".")
    if rest:
        return F.get_json_object(F.col(f"`{root}`"), f"$.{rest}")
    return F.col(f"`{root}`")


def present_value(col: ContractColumn, null_values=("",)) -> Column:
    """The bronze string after null tokens and standardisers: NULL means missing (the rules judge it)."""
    value = missing_to_null(source_value(col), null_values)
    for step in col.standardise:
        value = STANDARDISERS[step](value)
    return value


def cast_value(value: Column, col: ContractColumn) -> Column:
    """The value in the column's declared type; NULL when it does not parse as one."""
    if col.type in ("date", "timestamp"):
        return parse_temporal(value, col.type, col.formats)
    cast = missing_to_null(value).cast(col.type)
    if col.type in ("int", "bigint"):
        return F.when(value.rlike(INTEGER), cast)
    return cast


def typed_column(col: ContractColumn, null_values=("",)) -> Column:
    return cast_value(present_value(col, null_values), col).alias(col.name)


def unparsable(columns, null_values=("",)) -> Column:
    """array<string> naming each typed column whose present value did not cast (string columns always do)."""
    names = []
    for col in columns:
        if col.type != "string":
            value = present_value(col, null_values)
            failed = missing_to_null(value).isNotNull() & cast_value(value, col).isNull()
            names.append(F.when(failed, F.lit(unparsable_rule(col.name))))
    return F.filter(F.array(*names).cast("array<string>"), lambda n: n.isNotNull())


def apply_contract(contract: Contract, keep=()):
    """df.transform factory: bronze strings → the contract's typed columns, derived columns, `keep`, then
    UNPARSABLE (the columns whose value was present but did not cast: never a silent NULL)."""
    null_values = contract.options.null_values

    def transform(df: DataFrame) -> DataFrame:
        typed = df.select(
            *[typed_column(c, null_values) for c in contract.columns],
            *[F.col(k) for k in keep],
            unparsable(contract.columns, null_values).alias(UNPARSABLE),
        )
        return reduce(
            lambda acc, d: acc.withColumn(d.name, F.expr(d.expr).cast(d.type)),
            contract.derived,
            typed,
        ).select(*contract.column_names, *[d.name for d in contract.derived], *keep, UNPARSABLE)

    return transform


def drop_exact_duplicates(record_col: str = "_raw", order_cols=("_source_file", "_source_line"), within=()):
    """df.transform factory: keep the first of identical records (same text); returns the kept rows.

    `within`: columns parsed from the record's text (its business key): grouping by them too changes no
    group of rows equal in every field, and lets a frame already clustered by them skip a shuffle.
    """

    def transform(df: DataFrame) -> DataFrame:
        from pyspark.sql import Window

        w = Window.partitionBy(*within, record_col).orderBy(*order_cols)
        return df.withColumn("_dup_rank", F.row_number().over(w)).where("_dup_rank = 1").drop("_dup_rank")

    return transform


LATEST = "_latest"  # boolean set by mark_latest: the row is its business key's latest version


def mark_latest(keys, latest_by: str | None = None, order_cols=("_source_file", "_source_line")):
    """df.transform factory: adds LATEST, true on one row per business key, the latest version.

    Latest = highest `latest_by` (when the contract declares one), then the last delivered.
    Rows with a NULL key column are all latest: they are not versions of anything and the
    completeness rules quarantine them. A mark rather than a filter, so one pass over the marked
    rows counts both the versions and the latest ones.
    """

    def transform(df: DataFrame) -> DataFrame:
        from pyspark.sql import Window

        order = ([F.col(latest_by).desc_nulls_last()] if latest_by else []) + [F.col(c).desc() for c in order_cols]
        w = Window.partitionBy(*keys).orderBy(*order)
        any_null = reduce(lambda a, b: a | b, [F.col(k).isNull() for k in keys])
        return df.withColumn(LATEST, any_null | (F.row_number().over(w) == 1))

    return transform


def dedupe_and_mark_latest(keys, latest_by: str | None = None, order_cols=("_source_file", "_source_line")):
    """df.transform factory: drop_exact_duplicates, then mark_latest, with one shuffle instead of two.

    Clustered by the business key, the rows reach both windows' groups in place: a hash partitioning
    on the key satisfies a window over key + `_raw`, and rows with the same text have the same key.
    (Unless the key depends on the file: a header in another order, a derived key reading bronze
    metadata. Such rows differ in a field, so they are kept, as bench/duckdb_lean.py keeps them.)
    Each window used to shuffle the whole rows (at 5 M sales lines 1.8 GB, docs/performance.md).
    """

    def transform(df: DataFrame) -> DataFrame:
        return (
            df.repartition(*keys)
            .transform(drop_exact_duplicates("_raw", order_cols, within=keys))
            .transform(mark_latest(keys, latest_by, order_cols))
        )

    return transform
