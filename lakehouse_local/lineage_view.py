"""The lake's lineage from its OpenLineage events: a picture and a table (`make lineage`).

    python -m lakehouse_local.lineage_view --lake lake

Reads <lake>/lineage/events.jsonl (written by every job: glue_jobs/lakehouse/lineage.py), draws the
graph landing → bronze → silver → gold → exports → Redshift into <lake>/lineage/lineage.svg and prints
one line per job run: job, run, inputs, outputs, rows written, DQ verdict.

A dataset is drawn as its layer (the first folder under the lake root); ops/ tables (run log, DQ results,
ledger) and a layer a job both reads and writes (its own state) are left out of the picture, not the
table. Redshift is drawn dashed: its COPY from exports/ (redshift_sql/) is no Glue job and sends no event.
"""

import argparse
import os
import sys
from collections import Counter, defaultdict
from pathlib import Path

from lakehouse import lineage

LAYERS = ("landing", "bronze", "silver", "gold", "exports")
CONSUMER = ("exports", "Redshift")  # the COPY edge no event reports (dashed)
PICTURE = "lineage.svg"
TERMINAL = ("COMPLETE", "FAIL", "ABORT")


def layer_of(dataset: dict, lake_root: str) -> str:
    """The layer of a dataset: first folder of its name under the lake (S3: key; file: path under the root)."""
    name = dataset["name"]
    if dataset["namespace"] == "file":
        root = os.path.abspath(lake_root.removeprefix("file://"))
        name = os.path.relpath(name, root)
    return name.strip("/").split("/", 1)[0]


def runs(events: list[dict]) -> list[dict]:
    """The ended runs (COMPLETE / FAIL / ABORT events), oldest first."""
    return [e for e in events if e.get("eventType") in TERMINAL]


def job_edges(events: list[dict], lake_root: str) -> set[tuple[str, str]]:
    """(layer, job) for what a job read and (job, layer) for what it wrote, over every ended run.

    Left out: ops/, and a layer a run reads and also writes (a job's own state: bronze reading its
    delivered files, silver its references, gold its marts)."""
    edges = set()
    for e in runs(events):
        job = e["job"]["name"]
        reads = {layer_of(d, lake_root) for d in e.get("inputs", [])}
        writes = {layer_of(d, lake_root) for d in e.get("outputs", [])}
        edges |= {(layer, job) for layer in reads - writes if layer in LAYERS}
        edges |= {(job, layer) for layer in writes if layer in LAYERS}
    return edges


def _summary(datasets: list[dict], lake_root: str) -> str:
    counts = Counter(layer_of(d, lake_root) for d in datasets)
    return ", ".join(f"{layer} {n}" for layer, n in sorted(counts.items())) or "-"


def table(events: list[dict], lake_root: str) -> list[dict]:
    """One row per ended run: job, run, status, inputs, outputs, rows written (outside ops/), DQ verdict."""
    rows = []
    for e in runs(events):
        outputs = e.get("outputs", [])
        written = [
            d.get("outputFacets", {}).get("outputStatistics", {}).get("rowCount")
            for d in outputs
            if layer_of(d, lake_root) != "ops"
        ]
        checks = [
            a
            for d in e.get("inputs", [])
            for a in d.get("inputFacets", {}).get("dataQualityAssertions", {}).get("assertions", [])
        ]
        failed = sum(not a["success"] for a in checks)
        glue = e["run"].get("facets", {}).get(lineage.GLUE_FACET, {})
        rows.append(
            {
                "job": e["job"]["name"],
                "run": glue.get("jobRunId") or e["run"]["runId"][:8],
                "status": e["eventType"],
                "inputs": _summary(e.get("inputs", []), lake_root),
                "outputs": _summary(outputs, lake_root),
                "rows": sum(n for n in written if n is not None),
                "dq": f"{failed} of {len(checks)} rules failed" if checks else "-",
            }
        )
    return rows


def format_table(rows: list[dict]) -> str:
    cols = ("job", "run", "status", "inputs", "outputs", "rows", "dq")
    heads = {"dq": "DQ verdict", "rows": "rows written"}
    cells = [[heads.get(c, c) for c in cols]] + [[str(r[c]) for c in cols] for r in rows]
    widths = [max(len(row[i]) for row in cells) for i in range(len(cols))]
    return "\n".join("  ".join(v.ljust(w) for v, w in zip(row, widths, strict=True)).rstrip() for row in cells)


def draw(edges: set[tuple[str, str]], out: Path) -> Path:
    """The graph as SVG: layers as boxes left to right, each job between what it reads and writes."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    plt.rcParams["svg.fonttype"] = "none"  # names stay text in the SVG (searchable, and what the test reads)

    column = {layer: 2 * i for i, layer in enumerate(LAYERS)}
    column[CONSUMER[1]] = column[CONSUMER[0]] + 2
    reads, writes = defaultdict(set), defaultdict(set)
    for a, b in edges:
        (reads[b].add(a) if a in column else writes[a].add(b))
    jobs = sorted(set(reads) | set(writes))
    pos = {layer: (x, 0.0) for layer, x in column.items()}
    stacked = Counter()
    for job in jobs:
        xs_in = [column[x] for x in reads[job]]
        xs_out = [column[x] for x in writes[job]]
        x = (max(xs_in) + min(xs_out)) / 2 if xs_in and xs_out else (min(xs_out or xs_in) - 1)
        stacked[x] += 1
        pos[job] = (x, 1.2 * stacked[x] * (1 if xs_in else -1))
    fig, ax = plt.subplots(figsize=(2 + 1.6 * len(column), 4))
    ax.set_axis_off()

    def arrow(a, b, dashed=False):
        ax.annotate(
            "",
            xy=pos[b],
            xytext=pos[a],
            arrowprops={"arrowstyle": "->", "linestyle": "--" if dashed else "-", "shrinkA": 22, "shrinkB": 22},
            zorder=3,  # over the boxes: a head is never hidden under a wide label
        )

    for a, b in sorted(edges):
        arrow(a, b)
    arrow(*CONSUMER, dashed=True)
    for name, (x, y) in pos.items():
        is_job = name in jobs
        ax.text(
            x,
            y,
            name,
            ha="center",
            va="center",
            fontsize=8 if is_job else 10,
            bbox={
                "boxstyle": "round" if is_job else "square",
                "facecolor": "#fde9c8" if is_job else "#d6e6f5",
                "linestyle": "--" if name == CONSUMER[1] else "-",
            },
        )
    ax.set_xlim(-1, max(x for x, _ in pos.values()) + 1)
    ax.set_ylim(-2, 2 + 1.2 * max(stacked.values(), default=0))
    ax.set_title("lineage from the jobs' OpenLineage events (dashed: not reported by an event)", fontsize=9)
    out.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(out, format=out.suffix.lstrip(".") or "svg", bbox_inches="tight")
    plt.close(fig)
    return out


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--lake", default="lake", help="lake root folder (default: ./lake)")
    ap.add_argument("--out", help=f"picture file (.svg or .png; default <lake>/lineage/{PICTURE})")
    args = ap.parse_args(argv)
    lake = os.path.abspath(args.lake)
    events = lineage.read_events(lake)
    if not events:
        print(f"no lineage events in {lake}/{lineage.LOCAL_DIR}/{lineage.EVENTS_FILE}: run `make lake` first")
        return 1
    rows = table(events, lake)
    print(format_table(rows))
    starts = sum(e.get("eventType") == "START" for e in events)
    picture = draw(job_edges(events, lake), Path(args.out or Path(lake) / lineage.LOCAL_DIR / PICTURE))
    print(f"\n{len(events)} events ({starts} START, {len(rows)} ended runs); graph: {picture}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
