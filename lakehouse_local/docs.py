"""Generate the declared parts of docs/TABLES.md from contracts/ (gold tables, silver metadata).

Only the text between `<!-- BEGIN GENERATED: <name> -->` and `<!-- END GENERATED -->` is
rewritten; everything else in the file is hand-written and kept as it is.

    python -m lakehouse_local.docs            # rewrite docs/TABLES.md
    python -m lakehouse_local.docs --check    # exit 1 if it is out of date (the tests run this)
"""

import argparse
import re
import sys
from pathlib import Path

from lakehouse.tables import GoldTable, TableColumn, load_gold_tables, load_silver_metadata

REPO_ROOT = Path(__file__).resolve().parents[1]
DOC = REPO_ROOT / "docs" / "TABLES.md"
REGION = re.compile(r"(<!-- BEGIN GENERATED: (\w+) -->\n)(.*?)(<!-- END GENERATED -->)", re.S)


def _column(c: TableColumn) -> str:
    text = c.name if c.type == "string" else f"{c.name} {c.type}"
    return f"{text} ({c.description})" if c.description else text


def gold_section(tables: dict[str, GoldTable]) -> str:
    lines = [
        "| table | grain | unique key (not null) | Redshift | columns |",
        "|---|---|---|---|---|",
    ]
    for t in tables.values():
        keys = ", ".join(t.unique_key) + (f" ({', '.join(t.not_null)})" if t.not_null else "")
        columns = ", ".join(_column(c) for c in t.columns)
        pii = " — PII columns hashed/masked per contract" if t.pii == "protected" else ""
        cells = (f"`{t.name}`", t.grain, keys, "yes" if t.redshift else "no", columns + pii)
        lines.append("| " + " | ".join(cell.replace("|", "\\|") for cell in cells) + " |")
    return "\n".join(lines) + "\n"


def silver_section(metadata: dict[str, tuple[TableColumn, ...]]) -> str:
    def listing(cols):
        return ", ".join(f"`{c.name}` ({c.type}: {c.description})" for c in cols)

    return (
        "After the contract's columns, `silver.<entity>` (and `<entity>_versions`) carry "
        f"{listing(metadata['entity'])}; "
        f"`silver.quarantine_<entity>` carries {listing(metadata['quarantine'])}.\n"
    )


def render(text: str, contracts_dir=None) -> str:
    """`text` with every generated region replaced by what the declarations say now."""
    sections = {
        "gold": lambda: gold_section(load_gold_tables(contracts_dir)),
        "silver": lambda: silver_section(load_silver_metadata(contracts_dir)),
    }

    def replace(m: re.Match) -> str:
        if m.group(2) not in sections:
            raise ValueError(f"unknown generated region '{m.group(2)}' (known: {sorted(sections)})")
        return m.group(1) + sections[m.group(2)]() + m.group(4)

    return REGION.sub(replace, text)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--check", action="store_true", help="fail if the file is out of date; write nothing")
    ap.add_argument("--doc", default=str(DOC))
    ap.add_argument("--contracts", default=str(REPO_ROOT / "contracts"))
    args = ap.parse_args(argv)
    doc = Path(args.doc)
    current = doc.read_text()
    wanted = render(current, args.contracts)
    if args.check:
        if wanted != current:
            print(f"{doc} is out of date: run python -m lakehouse_local.docs", file=sys.stderr)
            return 1
        return 0
    doc.write_text(wanted)
    return 0


if __name__ == "__main__":
    sys.exit(main())
