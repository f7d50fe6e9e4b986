"""What the tests read from the Glue entry scripts without importing them (they import awsglue)."""

import ast
import importlib.util
from pathlib import Path

SCRIPTS = Path(__file__).resolve().parents[1] / "glue_jobs"


def required_args(script: Path) -> list[str]:
    """The script's module-level REQUIRED_ARGS list."""
    for node in ast.parse(script.read_text()).body:
        if isinstance(node, ast.Assign) and any(getattr(t, "id", None) == "REQUIRED_ARGS" for t in node.targets):
            return list(ast.literal_eval(node.value))
    raise AssertionError(f"{script} has no module-level REQUIRED_ARGS")


def load_script(name: str):
    """Import glue_jobs/<name>.py as a module (for scripts whose awsglue imports are satisfied locally)."""
    spec = importlib.util.spec_from_file_location(f"{name}_script", SCRIPTS / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def documented_args(script: Path) -> str:
    """The docs/TABLES.md entry listing the script's arguments (names before any parenthesis are required)."""
    docs = (SCRIPTS.parent / "docs" / "TABLES.md").read_text()
    return docs.split(f"- `{script.name}`:", 1)[1].split("\n- ", 1)[0].split("\n\n", 1)[0]
