"""PII protection for gold: columns a contract declares as PII never leave silver in clear.

`hash`: sha2-256 of salt || value (hex), stable for a given salt, so hashed columns still
join and count distinct. `mask`: the first character followed by `***` (e-mail addresses
keep their domain: `j***@example.com`). Nulls stay null.
"""

import logging
import os

from pyspark.sql import Column, DataFrame
from pyspark.sql import functions as F

log = logging.getLogger(__name__)

SALT_ENV = "LAKEHOUSE_PII_SALT"
DEV_SALT = "local-dev-salt-not-secret"  # local runs and bare calls only; never in AWS (the job reads SSM)


def read_salt(parameter: str, ssm_client=None) -> str:
    """The gold job's salt: $LAKEHOUSE_PII_SALT when set (local runs), else the decrypted SSM parameter."""
    if os.environ.get(SALT_ENV):
        return os.environ[SALT_ENV]
    if ssm_client is None:
        import boto3

        ssm_client = boto3.client("ssm")
    value = ssm_client.get_parameter(Name=parameter, WithDecryption=True)["Parameter"]["Value"]
    if not value:
        raise ValueError(f"SSM parameter {parameter} is empty: set the PII salt")
    return value


def resolve_salt(configured: str | None) -> str:
    """The job's salt (read_salt), else $LAKEHOUSE_PII_SALT, else the public dev salt (warned)."""
    salt = configured or os.environ.get(SALT_ENV)
    if salt:
        return salt
    log.warning("no PII salt configured (%s unset): using the public dev salt", SALT_ENV)
    return DEV_SALT


def hash_col(col: Column, salt: str) -> Column:
    """sha2-256 hex of salt || value; null in, null out."""
    return F.sha2(F.concat(F.lit(salt), col.cast("string")), 256)


def mask_col(col: Column) -> Column:
    """'John' → 'J***'; 'john.doe@example.com' → 'j***@example.com'; '' → ''; null → null."""
    s = col.cast("string")
    first = F.substring(s, 1, 1)
    return (
        F.when(s.isNull(), F.lit(None).cast("string"))
        .when(F.length(s) == 0, F.lit(""))
        .when(F.instr(s, "@") > 0, F.concat(first, F.lit("***@"), F.substring_index(s, "@", -1)))
        .otherwise(F.concat(first, F.lit("***")))
    )


# The one list of PII actions a contract may declare (contracts accept exactly these keys).
PROTECTIONS = {"hash": hash_col, "mask": lambda col, salt: mask_col(col)}


def protect(pii: dict[str, str], salt: str):
    """Transform: hash or mask every PII column present in the frame, per the contract's map."""
    bad = {c: m for c, m in pii.items() if m not in PROTECTIONS}
    if bad:
        raise ValueError(f"unknown PII method(s) {bad}; expected one of {sorted(PROTECTIONS)}")

    def transform(df: DataFrame) -> DataFrame:
        for column, method in pii.items():
            if column in df.columns:
                df = df.withColumn(column, PROTECTIONS[method](F.col(column), salt))
        return df

    return transform
