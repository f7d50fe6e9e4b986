"""SQL files with ``${var}`` templates (the syntax of Terraform's templatefile() and deploy.sh).

Athena files use ``${bronze_db}``, ``${silver_db}``, ``${gold_db}``, ``${ops_db}``; Redshift files
``${gold_db}``, ``${exports_uri}``, ``${redshift_role_arn}``. Rendering fails on an unknown or
missing variable, so a typo in a file is caught by the tests, not by AWS.
"""

from __future__ import annotations

import re
from pathlib import Path

from lakehouse_local.engines import EngineError

ATHENA_VARS = ("bronze_db", "silver_db", "gold_db", "ops_db")
REDSHIFT_VARS = ("gold_db", "exports_uri", "redshift_role_arn")

_VAR = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)\}")


def template_vars(text: str) -> set[str]:
    """Names of the ``${var}`` placeholders used in ``text``."""
    return set(_VAR.findall(text))


def render(text: str, variables: dict[str, str]) -> str:
    """Substitute every ``${var}``; raise EngineError naming any variable not given."""
    missing = sorted(template_vars(text) - set(variables))
    if missing:
        raise EngineError(f"SQL template uses undefined variable(s): {', '.join(missing)}")
    return _VAR.sub(lambda m: variables[m.group(1)], text)


def split_statements(sql: str) -> list[str]:
    """Split a script on ``;`` outside quotes and comments; drop empty/comment-only pieces."""
    out: list[str] = []
    buf: list[str] = []
    i, n = 0, len(sql)
    while i < n:
        c = sql[i]
        if c in ("'", '"'):
            j = i + 1
            while j < n:
                if sql[j] == c:
                    if j + 1 < n and sql[j + 1] == c:  # doubled quote escape
                        j += 2
                        continue
                    break
                j += 1
            buf.append(sql[i : j + 1])
            i = j + 1
        elif sql.startswith("--", i):
            j = sql.find("\n", i)
            j = n if j < 0 else j
            buf.append(sql[i:j])
            i = j
        elif sql.startswith("/*", i):
            j = sql.find("*/", i + 2)
            j = n if j < 0 else j + 2
            buf.append(sql[i:j])
            i = j
        elif c == ";":
            out.append("".join(buf))
            buf = []
            i += 1
        else:
            buf.append(c)
            i += 1
    out.append("".join(buf))
    return [s.strip() for s in out if strip_comments(s).strip()]


def strip_comments(sql: str) -> str:
    """``sql`` without ``--`` and ``/* */`` comments (quotes respected)."""
    res: list[str] = []
    i, n = 0, len(sql)
    while i < n:
        c = sql[i]
        if c in ("'", '"'):
            j = sql.find(c, i + 1)
            j = n - 1 if j < 0 else j
            res.append(sql[i : j + 1])
            i = j + 1
        elif sql.startswith("--", i):
            j = sql.find("\n", i)
            i = n if j < 0 else j
        elif sql.startswith("/*", i):
            j = sql.find("*/", i + 2)
            i = n if j < 0 else j + 2
        else:
            res.append(c)
            i += 1
    return "".join(res)


def sql_files(directory: str | Path) -> list[Path]:
    """The ``*.sql`` files of a directory in name order (the order deploy.sh runs them)."""
    return sorted(Path(directory).glob("*.sql"))
