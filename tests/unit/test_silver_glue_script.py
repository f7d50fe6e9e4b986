"""glue_jobs/silver_clean.py arguments, read by awsglue's own getResolvedOptions: the replay ones are optional."""

import re
from pathlib import Path

import pytest
from awsglue.utils import GlueArgumentError

from tests.glue_scripts import documented_args, load_script

SCRIPT = Path(__file__).resolve().parents[2] / "glue_jobs" / "silver_clean.py"
BASE = ["silver_clean.py", "--JOB_NAME", "silver", "--lake_root", "s3://lake", "--sources", "all"]


@pytest.fixture(scope="module")
def script():
    return load_script("silver_clean")


def test_required_args_are_the_documented_ones(script):
    entry = documented_args(SCRIPT)
    assert script.REQUIRED_ARGS == re.findall(r"`(\w+)`", entry.split("(", 1)[0])
    assert all(f"`{a}`" in entry for a in script.OPTIONAL_ARGS)


def test_without_replay_arguments_the_run_is_a_clean(script):
    args = script.resolve_args(BASE)
    assert (args["lake_root"], args["sources"]) == ("s3://lake", "all")
    assert script.replay_request(args) is None


def test_replay_arguments_are_read_when_given(script):
    args = script.resolve_args(BASE + ["--replay_entity", "sales", "--replay_rule", "unknown_product_id"])
    assert script.replay_request(args) == {"entity": "sales", "rule": "unknown_product_id", "batch_id": None}
    args = script.resolve_args(BASE + ["--replay_entity", "customers", "--replay_batch", "jr_123"])
    assert script.replay_request(args) == {"entity": "customers", "rule": None, "batch_id": "jr_123"}


def test_a_filter_without_an_entity_is_an_error_and_required_args_stay_required(script):
    with pytest.raises(ValueError, match="--replay_entity"):
        script.replay_request(script.resolve_args(BASE + ["--replay_rule", "unknown_product_id"]))
    with pytest.raises(GlueArgumentError, match="sources"):
        script.resolve_args(BASE[:5] + ["--replay_entity", "sales"])
