"""The deployed chain with S3 answering badly (issue 33, "Flaky storage"): the emulator's server
answers 5 % of the jobs' S3 requests with an injected fault (503 SlowDown, 500 InternalError, an
answer cut off after the request was done, a 2 s answer; lakehouse_local.emulator.server.S3Faults).
The jobs' S3 client retries them (lakehouse.runtime S3 retry settings); the run must succeed and
leave the lake a clean run leaves: the generator's ledger and truth files, not a second run of the
code, say what that is."""

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


@pytest.fixture(scope="module")
def faulted(tmp_path_factory):
    work = tmp_path_factory.mktemp("s3faults")
    proc, endpoint = server.start_moto(work / "moto.log", s3_fault_rate=FAULT_RATE, fault_seed=33)
    try:
        tf = Terraform(endpoint, work / "terraform", work / "moto.log")
        tf.apply()
        out = tf.outputs()
        ledger = sample_data.generate(work / "sample", ROWS, 1, SEED)
        s3 = server.client("s3", endpoint)
        upload_batch(s3, work / "sample", out["lake_root"], 1)
        run = GlueRunner(endpoint, out["glue_workflow_name"], work).run()
        print(run.timeline())
        faults = server.injected_faults(work / "moto.log")
        print(f"S3 faults injected into the jobs' requests: {faults}")
        truth = work / "sample" / "truth"
        yield {"run": run, "faults": faults, "s3": s3, "lake": out["lake_root"], "ledger": ledger, "truth": truth}
    finally:
        server.stop(proc)


def test_every_kind_of_fault_was_injected_and_the_chain_succeeded(faulted):
    run, faults = faulted["run"], faulted["faults"]
    assert all(faults[kind] > 0 for kind in server.FAULT_KINDS), faults
    assert faults["retried"] > 0, "the jobs' client retried the calls that failed"
    assert run.succeeded(), run.timeline()
    assert [s.name for s in run.steps if s.kind == "job"] == list(JOBS.values())


def test_the_lake_is_what_a_clean_run_leaves(faulted):
    assert_layers_match_the_ledger(faulted["s3"], faulted["lake"], faulted["ledger"])
    assert_gold_matches_the_truth(faulted["s3"], faulted["lake"], faulted["truth"])
