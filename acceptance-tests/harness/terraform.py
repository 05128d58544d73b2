"""Terraform working directories that load the freshly built provider
through `dev_overrides`, run by the project's `terraform` launcher."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

from .emulator import environment

REPO = Path(__file__).resolve().parents[2]
TERRAFORM = REPO / "acceptance-tests" / "bin" / "terraform"


def provider_binary() -> Path:
    """The provider under test: EMREKS_PROVIDER_BIN, else the debug build."""
    configured = os.environ.get("EMREKS_PROVIDER_BIN")
    path = Path(configured) if configured else REPO / "target" / "debug" / "terraform-provider-emreks"
    if not path.is_file():
        raise FileNotFoundError(f"provider binary not found at {path}; run `cargo build` first")
    return path.resolve()


@dataclass
class Result:
    code: int
    stdout: str
    stderr: str

    @property
    def output(self) -> str:
        return self.stdout + self.stderr


class Workspace:
    """One Terraform root module in its own directory."""

    def __init__(self, directory: Path, endpoint: str | None = None, binary: Path | None = None):
        self.directory = Path(directory)
        self.directory.mkdir(parents=True, exist_ok=True)
        self.endpoint = endpoint
        self.cli_config = self.directory / ".terraformrc"
        self.use_binary(binary or provider_binary())

    def use_binary(self, binary: Path) -> "Workspace":
        """Points `dev_overrides` at the directory holding `binary`."""
        self.cli_config.write_text(
            'provider_installation {\n'
            '  dev_overrides {\n'
            f'    "emreks/emreks" = "{Path(binary).resolve().parent}"\n'
            '  }\n'
            '  direct {}\n'
            '}\n'
        )
        return self

    def write(self, files: dict[str, str]) -> "Workspace":
        for name, text in files.items():
            (self.directory / name).write_text(text)
        return self

    def copy_from(self, source: Path) -> "Workspace":
        for path in Path(source).glob("*.tf"):
            shutil.copy(path, self.directory / path.name)
        return self

    def run(self, *args: str, check: bool = True, env: dict | None = None) -> Result:
        full_env = environment()
        full_env["TF_CLI_CONFIG_FILE"] = str(self.cli_config)
        if env:
            full_env.update(env)
        completed = subprocess.run(
            [str(TERRAFORM), f"-chdir={self.directory}", *args],
            capture_output=True,
            text=True,
            env=full_env,
            timeout=900,
        )
        result = Result(completed.returncode, completed.stdout, completed.stderr)
        if check and result.code != 0:
            raise AssertionError(
                f"terraform {' '.join(args)} exited {result.code}\n{result.output}"
            )
        return result

    def apply(self, *extra: str, check: bool = True) -> Result:
        return self.run("apply", "-auto-approve", "-no-color", *extra, check=check)

    def destroy(self, *extra: str, check: bool = True) -> Result:
        return self.run("destroy", "-auto-approve", "-no-color", *extra, check=check)

    def plan(self, *extra: str, check: bool = False) -> Result:
        """`terraform plan -detailed-exitcode`: 0 no changes, 2 changes, 1 error."""
        return self.run("plan", "-detailed-exitcode", "-no-color", *extra, check=check)

    def plan_json(self, *extra: str) -> dict:
        self.run("plan", "-no-color", "-out=tfplan", *extra)
        shown = self.run("show", "-json", "tfplan")
        return json.loads(shown.stdout)

    def outputs(self) -> dict:
        shown = self.run("output", "-json")
        return {name: value["value"] for name, value in json.loads(shown.stdout).items()}

    def state(self) -> dict:
        shown = self.run("show", "-json")
        return json.loads(shown.stdout)

    def resource(self, address: str) -> dict:
        """The state values of one resource, e.g. `emreks_platform.this`."""
        root = self.state().get("values", {}).get("root_module", {})
        for resource in root.get("resources", []):
            if resource["address"] == address:
                return resource["values"]
        raise KeyError(address)


def provider_block(endpoint: str, region: str = "eu-west-1", extra: str = "") -> str:
    """A provider block that sends every AWS call to the emulator."""
    services = ["eks", "emrcontainers", "emr", "iam", "s3", "ec2", "sts", "logs", "autoscaling"]
    lines = "\n".join(f'    {name} = "{endpoint}"' for name in services)
    return (
        'terraform {\n'
        '  required_providers {\n'
        '    emreks = { source = "emreks/emreks" }\n'
        '  }\n'
        '}\n\n'
        'provider "emreks" {\n'
        f'  region            = "{region}"\n'
        '  s3_use_path_style = true\n'
        f'{extra}'
        '  endpoints {\n'
        f'{lines}\n'
        f'    kubernetes = "{endpoint}"\n'
        '  }\n'
        '}\n'
    )
