"""Fixtures for the infrastructure tests: terraform (offline, provider mirror when present),
a moto server on loopback, the package zip and jars, and the plan JSON of the dev environment.

Nothing here reaches the network except 127.0.0.1.
"""

import importlib.util
import json
import os
import shutil
import subprocess
import time
from pathlib import Path

import pytest

from lakehouse_local.emulator.server import FAKE_CREDS, start_moto

REPO = Path(__file__).resolve().parents[2]
TF_DIR = REPO / "terraform"
PLUGIN_DIR = Path(os.environ.get("TF_PLUGIN_DIR", "/opt/tf-plugins"))
JARS = ["deequ-2.1.0-spark-3.5.jar", "dqdl-1.0.0.jar"]


def _terraform() -> str:
    path = shutil.which("terraform")
    if not path:
        pytest.fail("terraform not found on PATH: install Terraform >= 1.11 to run the infra tests", pytrace=False)
    return path


@pytest.fixture(scope="session")
def tf_env(tmp_path_factory) -> dict:
    """Environment for terraform: own data dir, no checkpoint calls, no real AWS credentials."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "TF_VAR_"))}
    env.update(FAKE_CREDS)
    env.update(
        {
            "AWS_DEFAULT_REGION": "us-east-1",
            "AWS_EC2_METADATA_DISABLED": "true",
            "CHECKPOINT_DISABLE": "1",
            "TF_IN_AUTOMATION": "1",
            "TF_DATA_DIR": str(tmp_path_factory.mktemp("tfdata") / ".terraform"),
        }
    )
    if not Path.home().joinpath(".terraformrc").exists():
        env["TF_CLI_CONFIG_FILE"] = "/dev/null"
    return env


@pytest.fixture(scope="session")
def terraform(tf_env):
    """Run terraform in terraform/ and return the CompletedProcess (check=False)."""
    binary = _terraform()

    def run(*args: str, timeout: int = 900, env: dict | None = None) -> subprocess.CompletedProcess:
        return subprocess.run(
            [binary, f"-chdir={TF_DIR}", *args],
            env=env or tf_env,
            capture_output=True,
            text=True,
            timeout=timeout,
        )

    return run


@pytest.fixture(scope="session")
def tf_init(terraform):
    args = ["init", "-backend=false", "-input=false", "-no-color"]
    if PLUGIN_DIR.is_dir():
        args.append(f"-plugin-dir={PLUGIN_DIR}")
    result = terraform(*args)
    assert result.returncode == 0, f"terraform init failed:\n{result.stdout}\n{result.stderr}"
    return result


@pytest.fixture(scope="session")
def artifacts(tmp_path_factory):
    """The package zip (built into a temp dir, so a concurrent `make package` can't change it under
    the plan) and the two jars from the jar cache (make setup)."""
    spec = importlib.util.spec_from_file_location("build_package", REPO / "scripts" / "build_package.py")
    builder = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(builder)
    zip_path = builder.build(tmp_path_factory.mktemp("package") / "lakehouse.zip")
    missing = [j for j in JARS if not (REPO / ".cache" / "jars" / j).is_file()]
    if missing:
        pytest.fail(
            f"jars missing from .cache/jars: {missing}; run `make setup` (scripts/fetch_jars.sh)", pytrace=False
        )
    return {"zip": zip_path, "jar_dir": REPO / ".cache" / "jars"}


@pytest.fixture(scope="session")
def moto_endpoint(tmp_path_factory):
    proc, endpoint = start_moto(tmp_path_factory.mktemp("moto") / "moto.log")
    yield endpoint
    proc.terminate()
    proc.wait(timeout=10)


@pytest.fixture(scope="session")
def plan_json(terraform, tf_init, artifacts, moto_endpoint, tmp_path_factory) -> dict:
    """`terraform show -json` of a plan of envs/dev.tfvars (every feature on, Lake Formation with
    its gold column tags included).

    Planning needs provider calls (caller identity, the salt generator), so the provider is
    pointed at the moto server on loopback; nothing is created.
    """
    work = tmp_path_factory.mktemp("plan")
    plan_file = work / "dev.tfplan"
    started = time.monotonic()
    result = terraform(
        "plan",
        "-input=false",
        "-no-color",
        "-lock=false",
        "-var-file=envs/dev.tfvars",
        "-var=enable_lake_formation=true",
        "-var=lake_formation_tag_gold_tables=true",
        f"-var=aws_endpoint_url={moto_endpoint}",
        f"-var=package_zip_path={artifacts['zip']}",
        f"-state={work / 'dev.tfstate'}",
        f"-out={plan_file}",
    )
    assert result.returncode == 0, f"terraform plan failed:\n{result.stdout[-4000:]}\n{result.stderr}"
    shown = terraform("show", "-json", str(plan_file))
    assert shown.returncode == 0, shown.stderr
    print(f"plan + show: {time.monotonic() - started:.1f}s")
    return json.loads(shown.stdout)


@pytest.fixture(scope="session")
def planned(plan_json) -> list[dict]:
    """Every planned resource: {address, type, values, unknown} (values = change.after)."""
    out = []
    for rc in plan_json["resource_changes"]:
        if rc["mode"] != "managed":
            continue
        out.append(
            {
                "address": rc["address"],
                "type": rc["type"],
                "values": rc["change"]["after"] or {},
                "unknown": rc["change"].get("after_unknown") or {},
            }
        )
    return out


@pytest.fixture(scope="session")
def by_type(planned):
    def get(resource_type: str) -> list[dict]:
        return [r for r in planned if r["type"] == resource_type]

    return get
