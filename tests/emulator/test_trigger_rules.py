"""How the emulator's Glue runner evaluates a workflow's triggers (no server, no Spark): a stub
stands in for the job and crawler runs, the trigger evaluation is the real one."""

import pytest

from lakehouse_local.emulator.glue_runner import GlueRunner, Step, predicate_met


def job(name, state="SUCCEEDED"):
    return {"LogicalOperator": "EQUALS", "JobName": name, "State": state}


@pytest.mark.parametrize(
    ("logical", "outcomes", "expected"),
    [
        ("AND", {"a": "SUCCEEDED", "b": "SUCCEEDED"}, True),
        ("AND", {"a": "SUCCEEDED", "b": "FAILED"}, False),
        ("AND", {"a": "SUCCEEDED"}, False),  # b has not run in this workflow run
        ("ANY", {"a": "FAILED", "b": "SUCCEEDED"}, True),
        ("ANY", {"a": "TIMEOUT"}, False),
    ],
)
def test_predicate_logic(logical, outcomes, expected):
    predicate = {"Logical": logical, "Conditions": [job("a"), job("b")]}
    if logical == "ANY":
        predicate["Conditions"] = [job("a", "FAILED"), job("b", "FAILED")]
    assert predicate_met(predicate, outcomes) is expected


def test_crawler_condition_uses_crawl_state():
    cond = {"LogicalOperator": "EQUALS", "CrawlerName": "c", "CrawlState": "SUCCEEDED"}
    assert predicate_met({"Conditions": [cond]}, {"c": "SUCCEEDED"})
    assert not predicate_met({"Conditions": [cond]}, {"c": "FAILED"})


class StubRunner(GlueRunner):
    """The real run loop over hand-written triggers; actions end in the states given."""

    def __init__(self, triggers, states):
        self._triggers, self.states, self.echo = triggers, states, lambda *_: None
        self.workflow = "wf"

    def triggers(self):
        return self._triggers

    def max_concurrent_runs(self):
        return 1

    def _run_action(self, action, trigger, run_id, t0):
        name = action.get("JobName") or action["CrawlerName"]
        return Step("job" if "JobName" in action else "crawler", name, self.states.get(name, "SUCCEEDED"), 0.0)


def chain_triggers():
    def cond(name, predicate, actions, state="ACTIVATED"):
        return {"Name": name, "Type": "CONDITIONAL", "State": state, "Predicate": predicate, "Actions": actions}

    return [
        {"Name": "t0-start", "Type": "SCHEDULED", "State": "ACTIVATED", "Actions": [{"JobName": "bronze"}]},
        cond("t1", {"Logical": "AND", "Conditions": [job("bronze")]}, [{"JobName": "silver"}]),
        cond("t2", {"Logical": "AND", "Conditions": [job("silver")]}, [{"CrawlerName": "crawl"}]),
        cond(
            "t3-on-failure",
            {"Logical": "ANY", "Conditions": [job("bronze", "FAILED"), job("silver", "FAILED")]},
            [{"JobName": "report"}],
        ),
        cond("t4-deactivated", {"Logical": "AND", "Conditions": [job("bronze")]}, [{"JobName": "x"}], "DEACTIVATED"),
    ]


def test_success_runs_the_chain_in_order_and_skips_failure_and_deactivated_triggers():
    run = StubRunner(chain_triggers(), {}).run()
    assert run.fired() == ["t0-start", "t1", "t2"]
    assert list(run.states()) == ["bronze", "silver", "crawl"]
    assert run.succeeded()


def test_failed_job_stops_the_succeeded_branch_and_fires_the_failed_trigger():
    run = StubRunner(chain_triggers(), {"silver": "FAILED"}).run()
    assert run.fired() == ["t0-start", "t1", "t3-on-failure"]
    assert run.states() == {"bronze": "SUCCEEDED", "silver": "FAILED", "report": "SUCCEEDED"}
    assert not run.succeeded()


@pytest.mark.parametrize(
    ("variable", "asked", "expected"),
    [
        ("LAKEHOUSE_JIT", None, "quick"),
        ("LAKEHOUSE_JIT", "default", "default"),
        ("LAKEHOUSE_CODEGEN", None, "off"),
        ("LAKEHOUSE_CODEGEN", "on", "on"),
    ],
)
def test_job_runs_get_the_quick_jit_and_interpreted_expressions_unless_the_caller_asks_otherwise(
    monkeypatch, tmp_path, variable, asked, expected
):
    """A job run is a JVM that lives for a few hundred rows: C1 only (lakehouse.runtime.QUICK_JIT) and no
    generated code (lakehouse.runtime.CODEGEN_ENV)."""
    if asked is None:
        monkeypatch.delenv(variable, raising=False)
    else:
        monkeypatch.setenv(variable, asked)
    runner = GlueRunner.__new__(GlueRunner)
    runner.endpoint, runner.credentials, runner.s3_as_job_role = "http://127.0.0.1:1", None, False
    monkeypatch.setattr(runner, "_download", lambda uri, folder: folder / uri.rsplit("/", 1)[-1])
    job = {"Name": "j", "Command": {"ScriptLocation": "s3://b/scripts/bronze_ingest.py"}}
    rundir = tmp_path / "run"
    rundir.mkdir()
    _cmd, env = runner._job_process(job, {"--datalake-formats": "delta"}, "jr_1", "wr_1", rundir)
    assert env[variable] == expected
