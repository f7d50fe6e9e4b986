"""``terraform apply`` / ``destroy`` of the real root module (terraform/) with envs/emulator.tfvars,
against a moto endpoint. State and terraform's data dir live in a work folder, so the checkout's
terraform/ is never touched; the provider comes from the local mirror when there is one
(TF_PLUGIN_DIR, default /opt/tf-plugins), else from the registry.
"""

import importlib.util
import json
import os
import re
import shutil
import subprocess
import time
from pathlib import Path

from lakehouse_local.emulator.server import EmulatorError, aws_env, client, replayed_answers, server_errors

REPO_ROOT = Path(__file__).resolve().parents[2]
TF_DIR = REPO_ROOT / "terraform"
VAR_FILE = "envs/emulator.tfvars"
AUTO = ("-auto-approve", "-input=false", "-no-color", "-lock=false")


def build_package(out: Path) -> Path:
    """dist-style lakehouse.zip (scripts/build_package.py) into the work folder."""
    spec = importlib.util.spec_from_file_location("build_package", REPO_ROOT / "scripts" / "build_package.py")
    builder = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(builder)
    return builder.build(out)


def failure_evidence(provider_log: Path, moto_log: Path) -> str:
    """What a failed apply's own output leaves out: the calls the provider retried (its debug log) and
    moto's 5xx answers and tracebacks. A create whose first answer was lost is retried by the AWS SDK
    and then fails as "already exists"; these two show which call it was and what the server said."""
    text = provider_log.read_text(errors="replace") if provider_log.exists() else ""
    retried = re.findall(r"^(\S+) \[DEBUG\] provider\S*: retrying request (\S+), attempt (\d+)", text, re.M)
    calls = "\n".join(f"  {ts} {call} attempt {n}" for ts, call, n in retried) or "  none"
    moto = server_errors(moto_log)
    replayed = "\n".join(f"  {line}" for line in replayed_answers(moto_log)[-20:]) or "  none"
    return (
        f"AWS calls the provider retried ({provider_log}):\n{calls[-3000:]}\nmoto's errors:\n{moto}\n"
        f"answers moto gave again to a retry:\n{replayed}"
    )


class Terraform:
    """terraform -chdir=terraform/ with the emulator's variables, state and data dir in ``workdir``."""

    def __init__(self, endpoint: str, workdir: Path, moto_log: Path, extra_vars: dict | None = None):
        binary = shutil.which("terraform")
        if not binary:
            raise EmulatorError("terraform not found on PATH: install Terraform >= 1.11")
        self.binary, self.endpoint, self.workdir = binary, endpoint, Path(workdir)
        self.workdir.mkdir(parents=True, exist_ok=True)
        self.state = self.workdir / "emulator.tfstate"
        self.zip = build_package(self.workdir / "lakehouse.zip")
        self.vars = {"aws_endpoint_url": endpoint, "package_zip_path": str(self.zip), **(extra_vars or {})}
        self.env = aws_env(endpoint)
        self.env.pop("AWS_ENDPOINT_URL")  # the provider takes the endpoint from aws_endpoint_url
        self.moto_log, self.provider_log = Path(moto_log), self.workdir / "provider.log"
        self.env.update(
            {
                "CHECKPOINT_DISABLE": "1",
                "TF_IN_AUTOMATION": "1",
                "TF_DATA_DIR": str(self.workdir / ".terraform"),
                # every AWS call the provider makes and retries: the evidence when an apply fails
                "TF_LOG_PROVIDER": "DEBUG",
                "TF_LOG_PATH": str(self.provider_log),
            }
        )
        if not Path.home().joinpath(".terraformrc").exists():
            self.env["TF_CLI_CONFIG_FILE"] = "/dev/null"
        self._initialised = False

    def run(self, *args: str, timeout: int = 900) -> subprocess.CompletedProcess:
        return subprocess.run(
            [self.binary, f"-chdir={TF_DIR}", *args], env=self.env, capture_output=True, text=True, timeout=timeout
        )

    def _check(self, what: str, result: subprocess.CompletedProcess) -> str:
        if result.returncode != 0:
            raise EmulatorError(
                f"terraform {what} failed:\n{result.stdout[-4000:]}\n{result.stderr[-4000:]}\n"
                + failure_evidence(self.provider_log, self.moto_log)
            )
        return result.stdout

    def init(self) -> None:
        if self._initialised:
            return
        args = ["init", "-backend=false", "-input=false", "-no-color"]
        plugin_dir = Path(os.environ.get("TF_PLUGIN_DIR", "/opt/tf-plugins"))
        if plugin_dir.is_dir():
            args.append(f"-plugin-dir={plugin_dir}")
        self._check("init", self.run(*args))
        self._initialised = True

    def _var_args(self) -> list[str]:
        return [f"-var-file={VAR_FILE}", *(f"-var={k}={v}" for k, v in self.vars.items()), f"-state={self.state}"]

    def apply(self, **override_vars) -> float:
        """Apply (optionally with variables overridden); returns the wall time in seconds.

        moto has no Glue UpdateJob (NotImplementedError, which the provider retries for minutes), so
        a re-apply replaces the deployed jobs instead of updating them in place.
        """
        self.init()
        self.vars.update(override_vars)
        replace = [f"-replace={address}" for address in self.state_addresses() if ".aws_glue_job." in address]
        t0 = time.monotonic()
        self._check("apply", self.run("apply", *AUTO, *replace, *self._var_args()))
        return time.monotonic() - t0

    def state_addresses(self) -> list[str]:
        if not self.state.exists():
            return []
        return self._check("state list", self.run("state", "list", f"-state={self.state}")).split()

    def destroy(self) -> float:
        self.init()
        t0 = time.monotonic()
        empty_buckets(self.endpoint)
        self._check("destroy", self.run("destroy", *AUTO, *self._var_args()))
        return time.monotonic() - t0

    def outputs(self) -> dict:
        out = self._check("output", self.run("output", "-json", f"-state={self.state}"))
        return {k: v["value"] for k, v in json.loads(out).items()}


def empty_buckets(endpoint: str) -> None:
    """Delete every object version and delete marker of the emulator's buckets while they are still
    versioned. moto 5.2.5 crashes ('FakeDeleteMarker' object has no attribute 'dispose') when
    force_destroy empties a bucket whose versioning terraform has already suspended, and the
    provider then retries for many minutes."""
    s3 = client("s3", endpoint)
    for bucket in s3.list_buckets()["Buckets"]:
        for page in s3.get_paginator("list_object_versions").paginate(Bucket=bucket["Name"]):
            versions = page.get("Versions", []) + page.get("DeleteMarkers", [])
            if not versions:
                continue
            # One request per page (at most 1,000 keys, as S3 DeleteObjects takes), not one per version
            objects = [{"Key": v["Key"], "VersionId": v["VersionId"]} for v in versions]
            failed = s3.delete_objects(Bucket=bucket["Name"], Delete={"Objects": objects, "Quiet": True}).get("Errors")
            if failed:
                raise RuntimeError(f"emptying {bucket['Name']}: {len(failed)} versions not deleted, e.g. {failed[0]}")
