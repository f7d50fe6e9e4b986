"""Every SQL file parses with sqlglot in its dialect and passes sqlfluff with the committed config;
templates use only the variables Terraform / deploy.sh provide."""

from __future__ import annotations

import json
import re
import subprocess
import sys

import pytest
import sqlglot
from sqlglot import exp

from lakehouse_local.engines.sqlfiles import (
    ATHENA_VARS,
    REDSHIFT_VARS,
    render,
    split_statements,
    sql_files,
    strip_comments,
    template_vars,
)
from tests.sql.conftest import ATHENA_DIR, REDSHIFT_DIR, REPO

ATHENA = sql_files(ATHENA_DIR)
REDSHIFT = sql_files(REDSHIFT_DIR)
SAMPLE = {
    "bronze_db": "bronze",
    "silver_db": "silver",
    "gold_db": "gold",
    "ops_db": "ops",
    "exports_uri": "s3://lake-bucket/exports",
    "redshift_role_arn": "arn:aws:iam::123456789012:role/r",
}
# Statements sqlglot has no node for (it keeps them as a Command): allowed, nothing else is.
REDSHIFT_COMMANDS = re.compile(r"^(BEGIN|CREATE\s+EXTERNAL\s+SCHEMA)\b", re.I)


def test_there_is_sql_to_check():
    assert len(ATHENA) >= 9 and len(REDSHIFT) >= 6


@pytest.mark.parametrize("path", ATHENA, ids=lambda p: p.name)
def test_athena_file_parses_as_one_trino_statement(path):
    text = path.read_text()
    assert template_vars(text) <= set(ATHENA_VARS), "Athena files may use only the ${..._db} variables"
    sql = render(text, SAMPLE)
    assert len(split_statements(sql)) == 1, "one query per file (Athena named queries)"
    (tree,) = sqlglot.parse(sql, read="trino", error_level=sqlglot.ErrorLevel.RAISE)
    assert not isinstance(tree, exp.Command), "sqlglot fell back to an unparsed Command"
    assert isinstance(tree, exp.Select | exp.Create)


@pytest.mark.parametrize("path", REDSHIFT, ids=lambda p: p.name)
def test_redshift_file_parses_in_redshift_dialect(path):
    text = path.read_text()
    assert template_vars(text) <= set(REDSHIFT_VARS)
    for stmt in split_statements(render(text, SAMPLE)):
        (tree,) = sqlglot.parse(stmt, read="redshift", error_level=sqlglot.ErrorLevel.RAISE)
        if isinstance(tree, exp.Command):
            assert REDSHIFT_COMMANDS.match(strip_comments(stmt).strip()), f"unparsed statement: {stmt[:80]}"


def test_redshift_files_are_numbered_for_deploy_order():
    assert all(re.fullmatch(r"\d\d_[a-z0-9_]+\.sql", p.name) for p in REDSHIFT)
    assert len({p.name[:2] for p in REDSHIFT}) == len(REDSHIFT)


def test_sqlfluff_passes_with_the_committed_config():
    r = subprocess.run(
        [
            sys.executable,
            "-m",
            "sqlfluff",
            "lint",
            "athena_sql",
            "redshift_sql",
            "--format",
            "json",
            "--disable-progress-bar",
            "--nocolor",
        ],
        cwd=REPO,
        capture_output=True,
        text=True,
    )
    report = json.loads(r.stdout)
    problems = [
        f"{f['filepath']}:{v['start_line_no']}: {v['code']} {v['description']}" for f in report for v in f["violations"]
    ]
    assert len(report) == len(ATHENA) + len(REDSHIFT)
    assert not problems, "\n".join(problems)
    assert r.returncode == 0, r.stderr
