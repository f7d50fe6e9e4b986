"""Unit tests of the Redshift → PostgreSQL translation step (no server needed)."""

from __future__ import annotations

import pytest

from lakehouse_local.engines import EngineError
from lakehouse_local.engines.redshift import CopyParquet, ExternalSchema, Sql, pg_type, translate
from lakehouse_local.engines.sqlfiles import render, split_statements


def only_sql(script: str) -> str:
    (step,) = translate(script)
    assert isinstance(step, Sql)
    return " ".join(step.text.split())


def test_table_distribution_sort_and_encoding_are_removed():
    out = only_sql(
        """CREATE TABLE star.f (
             id VARCHAR(64) NOT NULL ENCODE ZSTD,
             k VARCHAR(64) DISTKEY SORTKEY ENCODE az64,
             d DATE ENCODE RAW
           ) DISTSTYLE KEY DISTKEY (k) COMPOUND SORTKEY (d, id) BACKUP NO ENCODE AUTO;"""
    )
    assert out == "CREATE TABLE star.f ( id VARCHAR(64) NOT NULL , k VARCHAR(64) , d DATE )"
    for word in ("DISTSTYLE", "DISTKEY", "SORTKEY", "ENCODE", "BACKUP", "COMPOUND"):
        assert word not in out.upper()


@pytest.mark.parametrize(
    "clause",
    [
        "DISTSTYLE ALL",
        "DISTSTYLE EVEN",
        "DISTSTYLE AUTO",
        "SORTKEY AUTO",
        "INTERLEAVED SORTKEY (a, b)",
        "SORTKEY (a)",
    ],
)
def test_each_table_attribute_is_removed(clause):
    assert only_sql(f"CREATE TABLE t (a INT, b INT) {clause}") == "CREATE TABLE t (a INT, b INT)"


def test_string_literals_are_left_alone():
    out = only_sql("SELECT 'DISTKEY ENCODE ZSTD' AS s, NVL(a, 0) AS n, GETDATE() AS t FROM x")
    assert out == "SELECT 'DISTKEY ENCODE ZSTD' AS s, COALESCE(a, 0) AS n, LOCALTIMESTAMP AS t FROM x"


def test_late_binding_view_clause_is_removed():
    out = only_sql("CREATE OR REPLACE VIEW bi.v AS SELECT a FROM spectrum_gold.t WITH NO SCHEMA BINDING;")
    assert out == "CREATE OR REPLACE VIEW bi.v AS SELECT a FROM spectrum_gold.t"


def test_copy_parquet_becomes_a_copy_step():
    steps = translate(
        "COPY stage_dim_date\nFROM 's3://lake/exports/dim_date/'\nIAM_ROLE 'arn:aws:iam::1:role/r'\nFORMAT AS PARQUET;"
    )
    assert steps == [CopyParquet("stage_dim_date", "s3://lake/exports/dim_date/")]
    assert translate("COPY t (a, b) FROM 's3://x/' IAM_ROLE 'r' FORMAT PARQUET") == [
        CopyParquet("t", "s3://x/", ("a", "b"))
    ]


def test_other_copy_formats_and_external_tables_are_refused():
    with pytest.raises(EngineError, match="FORMAT AS PARQUET"):
        translate("COPY t FROM 's3://x/' IAM_ROLE 'r' FORMAT AS CSV")
    with pytest.raises(EngineError, match="no PostgreSQL emulation"):
        translate("CREATE EXTERNAL TABLE s.t (a INT) STORED AS PARQUET LOCATION 's3://x/'")


def test_external_schema_becomes_a_step():
    steps = translate(
        "-- spectrum\nCREATE EXTERNAL SCHEMA IF NOT EXISTS spectrum_gold\nFROM DATA CATALOG\n"
        "DATABASE 'lakehouse_gold'\nIAM_ROLE 'arn:aws:iam::1:role/r';\nSELECT 1;"
    )
    assert steps == [ExternalSchema("spectrum_gold", "lakehouse_gold"), Sql("SELECT 1")]


def test_transactions_and_plain_dml_pass_through_unchanged():
    script = (
        "BEGIN;\nDELETE FROM star.t USING s WHERE star.t.k = s.k;\nINSERT INTO star.t (k) SELECT k FROM s;\nCOMMIT;"
    )
    assert translate(script) == [
        Sql("BEGIN"),
        Sql("DELETE FROM star.t USING s WHERE star.t.k = s.k"),
        Sql("INSERT INTO star.t (k) SELECT k FROM s"),
        Sql("COMMIT"),
    ]


def test_split_statements_respects_quotes_and_comments():
    sql = "SELECT ';' AS a; -- c; d\nSELECT 'it''s;' /* x; */ AS b;\n-- only a comment;\n"
    assert split_statements(sql) == ["SELECT ';' AS a", "-- c; d\nSELECT 'it''s;' /* x; */ AS b"]


def test_render_requires_every_variable():
    assert render("FROM '${exports_uri}/t/'", {"exports_uri": "s3://b/e"}) == "FROM 's3://b/e/t/'"
    with pytest.raises(EngineError, match="redshift_role_arn"):
        render("IAM_ROLE '${redshift_role_arn}'", {})


def test_pg_types_for_parquet():
    import pyarrow as pa

    assert pg_type(pa.decimal128(18, 2)) == "NUMERIC(18, 2)"
    assert pg_type(pa.timestamp("us")) == "TIMESTAMP"
    assert pg_type(pa.date32()) == "DATE"
    assert pg_type(pa.list_(pa.string())) == "TEXT[]"
    assert pg_type(pa.int64()) == "BIGINT"
