"""The OpenLineage events of the chain lake's job runs, and `make lineage`'s graph of them.

Expected values come from outside the lineage code: the jobs Terraform deploys (terraform/locals_jobs.tf:
each job's script and the lake prefixes its role may read and write; main.tf: the workflow's stages), the
contracts (which tables each layer holds) and the generator's ledger (records per source and batch).
"""

import re
from collections import defaultdict
from pathlib import Path

import hcl2
import pytest
import yaml
from lakehouse import lineage

from lakehouse_local import lineage_view
from tests.lineage_schema import problems

REPO = Path(__file__).resolve().parents[2]
TF = REPO / "terraform"
CONTRACTS = REPO / "contracts"


def deployed_chain() -> tuple[list[str], dict[str, dict]]:
    """(the workflow's job scripts in stage order, {script: job definition}) as Terraform declares them."""
    jobs = hcl2.load((TF / "locals_jobs.tf").open())["locals"][0]["jobs"][0]
    pipeline = next(m["glue_pipeline"] for m in hcl2.load((TF / "main.tf").open())["module"] if "glue_pipeline" in m)
    keys = [re.search(r'glue_job\["(\w+)"\]', s["jobs"][0]).group(1) for s in pipeline["stages"][0] if "jobs" in s]
    scripts = {k: jobs[k]["script"].removesuffix(".py") for k in keys}
    return [scripts[k] for k in keys], {scripts[k]: jobs[k] for k in keys}


def layers(prefixes: list[str]) -> set[str]:
    return {p.strip("/") for p in prefixes}


@pytest.fixture(scope="module")
def events(chain_lake):
    lake, _ = chain_lake
    found = lineage.read_events(lake)
    assert found, "the chain wrote no lineage events"
    return found


def workflow_runs(events) -> list[list[dict]]:
    """The ended job runs grouped by their parent (workflow) run, in the order the runs started."""
    by_parent = defaultdict(list)
    for e in lineage_view.runs(events):
        by_parent[e["run"]["facets"]["parent"]["run"]["runId"]].append(e)
    return sorted(by_parent.values(), key=lambda runs: runs[0]["eventTime"])


def test_every_job_run_sends_one_start_and_one_end_all_valid_openlineage(events):
    assert [p for e in events for p in problems(e)] == []
    per_run = defaultdict(list)
    for e in events:
        per_run[e["run"]["runId"]].append(e["eventType"])
    assert all(types == ["START", "COMPLETE"] for types in per_run.values()), per_run
    chain, _ = deployed_chain()
    runs = workflow_runs(events)
    assert len(runs) >= 3  # the chain lake's 3 batches (a re-run adds more)
    for wf in runs:  # each workflow run ran the deployed stages once each, in order
        assert [e["job"]["name"] for e in wf] == chain


def test_inputs_and_outputs_are_what_each_deployed_job_may_read_and_write(events, chain_lake):
    lake, ledger = chain_lake
    _, jobs = deployed_chain()
    for e in lineage_view.runs(events):
        job = jobs[e["job"]["name"]]
        wrote = {lineage_view.layer_of(d, lake) for d in e["outputs"]}
        read = {lineage_view.layer_of(d, lake) for d in e["inputs"]}
        assert wrote <= layers(job["lake_write"]), e["job"]["name"]
        assert read <= layers(job["lake_read"]) | layers(job["lake_write"]), e["job"]["name"]
        assert all(d["namespace"] == "file" and d["name"].startswith(lake) for d in e["inputs"] + e["outputs"])

    sources = [yaml.safe_load(p.read_text()) for p in sorted(CONTRACTS.glob("*.yaml"))]
    marts = [yaml.safe_load(p.read_text())["table"] for p in sorted((CONTRACTS / "gold").glob("*.yaml"))]
    first = {e["job"]["name"]: e for e in workflow_runs(events)[0]}
    outputs = {job: {d["name"].removeprefix(lake + "/"): d for d in e["outputs"]} for job, e in first.items()}
    assert {f"bronze/{c['source']}" for c in sources} <= set(outputs["bronze_ingest"])
    assert {f"landing/{c['source']}" for c in sources} == {
        d["name"].removeprefix(lake + "/") for d in first["bronze_ingest"]["inputs"] if "/landing/" in d["name"]
    }
    assert {f"silver/{c['entity']}" for c in sources} | {f"silver/quarantine_{c['entity']}" for c in sources} <= set(
        outputs["silver_clean"]
    )
    assert {f"gold/{t}" for t in marts} <= set(outputs["gold_aggregates"])
    assert {f"exports/{t}" for t in ("fact_sales", "dim_customer")} <= set(outputs["gold_aggregates"])

    # rows: each batch's bronze run appended exactly the records the generator delivered for it
    for batch, wf in enumerate(workflow_runs(events)[: ledger["batches"]], start=1):
        bronze = {d["name"].removeprefix(lake + "/"): d for d in wf[0]["outputs"]}
        for source, led in ledger["sources"].items():
            stats = bronze[f"bronze/{source}"]["outputFacets"]["outputStatistics"]
            assert stats["rowCount"] == led["per_batch"][str(batch)]["records"], (batch, source)


def test_silver_reports_its_rule_outcomes_on_the_bronze_input_they_judged(events, chain_lake):
    lake, ledger = chain_lake
    failed = defaultdict(set)
    for e in lineage_view.runs(events):
        for d in e["inputs"]:
            for a in d.get("inputFacets", {}).get("dataQualityAssertions", {}).get("assertions", []):
                assert e["job"]["name"] == "silver_clean" and "/bronze/" in d["name"]
                if not a["success"]:
                    failed[d["name"].rsplit("/", 1)[1]].add(a["assertion"])
    for source, led in ledger["sources"].items():
        # every rule the generator's faults trip fails; nothing fails that no fault could trip
        assert set(led["quarantined_by_rule"]) <= failed[source], source
        assert failed[source] <= set(led["quarantined_by_rule"]) | set(led["warned_by_rule"]), source


def test_lineage_graph_is_the_chain_terraform_deploys(events, chain_lake, tmp_path, capsys):
    lake, _ = chain_lake
    chain, jobs = deployed_chain()
    expected = set()
    for script in chain:
        expected |= {(layer, script) for layer in layers(jobs[script]["lake_read"])}
        expected |= {(script, layer) for layer in layers(jobs[script]["lake_write"]) - {"ops"}}
    edges = lineage_view.job_edges(events, lake)
    assert edges == expected
    # job → job through the layers: the trigger chain (each stage starts the next)
    follows = {(a, c) for a, b in edges for b2, c in edges if b == b2 and a in chain and c in chain}
    assert follows == set(zip(chain, chain[1:], strict=False))

    picture = tmp_path / "lineage.svg"
    assert lineage_view.main(["--lake", lake, "--out", str(picture)]) == 0
    svg = picture.read_text()
    assert all(f">{name}<" in svg for name in (*chain, "landing", "bronze", "silver", "gold", "exports"))
    printed = capsys.readouterr().out.splitlines()
    assert sum(line.startswith(tuple(chain)) for line in printed) == len(lineage_view.runs(events))
