"""What the tests read from the Glue entry scripts without importing them (they import awsglue)."""

import ast
from pathlib import Path


def required_args(script: Path) -> list[str]:
    """The script's module-level REQUIRED_ARGS list."""
    for node in ast.parse(script.read_text()).body:
        if isinstance(node, ast.Assign) and any(getattr(t, "id", None) == "REQUIRED_ARGS" for t in node.targets):
            return list(ast.literal_eval(node.value))
    raise AssertionError(f"{script} has no module-level REQUIRED_ARGS")
