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


def blank_to_null(col: Column) -> Column:
    trimmed = F.trim(col)
    return F.when(trimmed == "", F.lit(None)).otherwise(col)


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
    """First format that parses wins; a value no format parses becomes NULL (and fails its rule)."""
    parse = F.to_date if kind == "date" else F.to_timestamp
    return F.coalesce(*[parse(F.trim(col), fmt) for fmt in formats])


def source_value(col: ContractColumn) -> Column:
    """The bronze string behind a contract column; `a.b` reads field b of the JSON text in a."""
    root, _, rest = col.source.partition(".")
    if rest:
        return F.get_json_object(F.col(f"`{root}`"), f"$.{rest}")
    return F.col(f"`{root}`")


def typed_column(col: ContractColumn) -> Column:
    value = blank_to_null(source_value(col))
    for step in col.standardise:
        value = STANDARDISERS[step](value)
    if col.type in ("date", "timestamp"):
        value = parse_temporal(value, col.type, col.formats)
    else:
        value = blank_to_null(value).cast(col.type)
    return value.alias(col.name)


def apply_contract(contract: Contract, keep=()):
    """df.transform factory: bronze strings → the contract's typed columns, derived columns, then `keep`."""

    def transform(df: DataFrame) -> DataFrame:
        typed = df.select(*[typed_column(c) for c in contract.columns], *[F.col(k) for k in keep])
        return reduce(
            lambda acc, d: acc.withColumn(d.name, F.expr(d.expr).cast(d.type)),
            contract.derived,
            typed,
        ).select(*contract.column_names, *[d.name for d in contract.derived], *keep)

    return transform


def drop_exact_duplicates(record_col: str = "_raw", order_cols=("_source_file", "_source_line")):
    """df.transform factory: keep the first of identical records (same text); returns the kept rows."""

    def transform(df: DataFrame) -> DataFrame:
        from pyspark.sql import Window

        w = Window.partitionBy(record_col).orderBy(*order_cols)
        return df.withColumn("_dup_rank", F.row_number().over(w)).where("_dup_rank = 1").drop("_dup_rank")

    return transform


def latest_by_key(keys, latest_by: str | None = None, order_cols=("_source_file", "_source_line")):
    """df.transform factory: one row per business key, the latest version winning.

    Latest = highest `latest_by` (when the contract declares one), then the last delivered.
    Rows with a NULL key column are all kept: they are not versions of anything and the
    completeness rules quarantine them.
    """

    def transform(df: DataFrame) -> DataFrame:
        from pyspark.sql import Window

        order = ([F.col(latest_by).desc_nulls_last()] if latest_by else []) + [F.col(c).desc() for c in order_cols]
        w = Window.partitionBy(*keys).orderBy(*order)
        any_null = reduce(lambda a, b: a | b, [F.col(k).isNull() for k in keys])
        return (
            df.withColumn("_key_rank", F.when(any_null, F.lit(1)).otherwise(F.row_number().over(w)))
            .where("_key_rank = 1")
            .drop("_key_rank")
        )

    return transform
