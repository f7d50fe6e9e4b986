"""The deployed chain when things go wrong underneath it (issue 33), in one emulated deployment:

- **flaky S3**: the emulator's server answers 5 % of the jobs' S3 requests with an injected fault
  (503 SlowDown, 500 InternalError, an answer cut off after the request was done, a 1 s answer;
  lakehouse_local.emulator.server.S3Faults), for both batches. The jobs' S3 client retries them
  (lakehouse.runtime.S3_RETRIES): batch 1 must succeed with no job attempt failing;
- **Glue's retries**: in batch 2 the first attempt of bronze, silver and gold has its driver
  SIGKILLed after its 2nd, 3rd and 4th Delta commit (GlueRunner kill_after_commits), and the job's
  MaxRetries (1 here) runs it again.

After both batches the lake must be what a clean run leaves: the generator's ledger and truth files,
not a second run of the code, say what that is."""

import pytest

from lakehouse_local import sample_data
from lakehouse_local.emulator import server
from lakehouse_local.emulator.__main__ import upload_batch
from lakehouse_local.emulator.deploy import Terraform
from lakehouse_local.emulator.glue_runner import GlueRunner
from tests.emulator.test_emulator_chain import (
    JOBS,
    ROWS,
    SEED,
    assert_gold_matches_the_truth,
    assert_layers_match_the_ledger,
)

pytestmark = [pytest.mark.slow, pytest.mark.long]

FAULT_RATE = 0.05
KILL_AFTER_COMMITS = {JOBS["bronze"]: 2, JOBS["silver"]: 3, JOBS["gold"]: 4}
ONE_RETRY = "{" + ",".join(f"{stage}={{max_retries=1}}" for stage in JOBS) + "}"


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    work = tmp_path_factory.mktemp("faults")
    proc, endpoint = server.start_moto(work / "moto.log", s3_fault_rate=FAULT_RATE, fault_seed=33)
    try:
        tf = Terraform(endpoint, work / "terraform", work / "moto.log")
        tf.apply(jobs=ONE_RETRY)
        out = tf.outputs()
        ledger = sample_data.generate(work / "sample", ROWS, 2, SEED)
        s3 = server.client("s3", endpoint)
        runs = []
        for batch, kills in ((1, None), (2, KILL_AFTER_COMMITS)):
            upload_batch(s3, work / "sample", out["lake_root"], batch)
            runner = GlueRunner(endpoint, out["glue_workflow_name"], work, kill_after_commits=kills)
            runs.append(runner.run())
            print(runs[-1].timeline())
        faults = server.injected_faults(work / "moto.log")
        print(f"S3 faults injected into the jobs' requests: {faults}")
        truth = work / "sample" / "truth"
        yield {"runs": runs, "faults": faults, "s3": s3, "lake": out["lake_root"], "ledger": ledger, "truth": truth}
    finally:
        server.stop(proc)


def test_every_kind_of_s3_fault_was_met_and_retried_without_failing_a_job(runs):
    faulted, faults = runs["runs"][0], runs["faults"]
    assert all(faults[kind] > 0 for kind in server.FAULT_KINDS), faults
    assert faults["retried"] > 0, "the jobs' client sent the faulted calls again and got answers"
    assert faulted.succeeded(), faulted.timeline()
    assert {JOBS[s]: faulted.step(JOBS[s]).attempts for s in JOBS} == dict.fromkeys(JOBS.values(), 1)


def test_each_killed_attempt_was_retried_by_glue_and_succeeded(runs):
    killed = runs["runs"][1]
    assert killed.succeeded(), killed.timeline()
    for name in KILL_AFTER_COMMITS:
        step = killed.step(name)
        assert step.attempts == 2 and "attempt 0: driver killed by signal 9" in step.detail, (name, step.detail)


def test_the_lake_is_what_a_clean_run_leaves(runs):
    assert_layers_match_the_ledger(runs["s3"], runs["lake"], runs["ledger"])
    assert_gold_matches_the_truth(runs["s3"], runs["lake"], runs["truth"])
