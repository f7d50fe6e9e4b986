"""glue_jobs/gold_aggregates.py: arguments and the PII salt from SSM (moto, lakehouse.gold.pii.read_salt), no Spark."""

import re
from pathlib import Path

import boto3
import pytest
from lakehouse.gold.pii import read_salt

from tests.glue_scripts import documented_args, load_script

SCRIPT = Path(__file__).resolve().parents[2] / "glue_jobs" / "gold_aggregates.py"


@pytest.fixture(scope="module")
def script():
    return load_script("gold_aggregates")


def test_required_args_are_the_documented_ones(script):
    """docs/TABLES.md lists each script's arguments (before any parenthesis): the script must read exactly those."""
    entry = documented_args(SCRIPT)
    documented = re.findall(r"`(\w+)`", entry.split("(", 1)[0])
    assert script.REQUIRED_ARGS == documented


def test_salt_comes_from_ssm_securestring(monkeypatch):
    from moto import mock_aws

    monkeypatch.delenv("LAKEHOUSE_PII_SALT", raising=False)
    monkeypatch.setenv("AWS_DEFAULT_REGION", "eu-west-1")
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.delenv("AWS_ENDPOINT_URL", raising=False)
    monkeypatch.delenv("AWS_ENDPOINT_URL_SSM", raising=False)
    with mock_aws():
        ssm = boto3.client("ssm", region_name="eu-west-1")
        ssm.put_parameter(Name="/lakehouse/dev/pii_salt", Value="s3cr3t", Type="SecureString")
        assert read_salt("/lakehouse/dev/pii_salt", ssm) == "s3cr3t"
        assert read_salt("/lakehouse/dev/pii_salt") == "s3cr3t"


def test_env_salt_wins_locally(monkeypatch):
    monkeypatch.setenv("LAKEHOUSE_PII_SALT", "local")

    class NoSSM:
        def get_parameter(self, **_):
            raise AssertionError("SSM must not be called when the env var is set")

    assert read_salt("/any", NoSSM()) == "local"


def test_incremental_max_share_is_a_number_from_zero_up_or_a_clear_error(script):
    assert script.parse_share("0.25") == 0.25 and script.parse_share("1") == 1.0 and script.parse_share("0") == 0.0
    for bad in ("abc", "-0.1", "nan", ""):
        with pytest.raises(ValueError, match="--incremental_max_share must be a number >= 0"):
            script.parse_share(bad)
