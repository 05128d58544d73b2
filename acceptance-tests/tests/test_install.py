"""`make install` as users meet it: the provider under test, placed by
tools/install-provider in the implied local mirror of a temporary HOME, is
what a plain `terraform init` picks (no dev_overrides) and applies a platform
against the emulator."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

from conftest import ADMIN_ROLE
from harness.emulator import environment
from harness.terraform import REPO, TERRAFORM, Result, provider_binary, provider_block

INSTALL = REPO / "tools" / "install-provider"
VERSION = subprocess.run([str(REPO / "tools" / "provider-version")], capture_output=True, text=True, check=True).stdout.strip()
PLATFORM = subprocess.run(
    [str(REPO / "tools" / "provider-version"), "--platform"], capture_output=True, text=True, check=True
).stdout.strip()
NAME = "terraform-provider-emreks"


def terraform(directory: Path, *args: str, env: dict) -> Result:
    """Terraform with only what `env` says: no dev_overrides anywhere."""
    completed = subprocess.run(
        [str(TERRAFORM), f"-chdir={directory}", *args], capture_output=True, text=True, env=env, timeout=900
    )
    result = Result(completed.returncode, completed.stdout, completed.stderr)
    assert result.code == 0, f"terraform {' '.join(args)} exited {result.code}\n{result.output}"
    return result


def plain_environment(home: Path, cli_config: Path | None = None) -> dict:
    env = environment()
    env["HOME"] = str(home)
    env.pop("TF_CLI_CONFIG_FILE", None)
    env.pop("TF_PLUGIN_CACHE_DIR", None)
    env.pop("XDG_DATA_HOME", None)
    if cli_config is not None:
        env["TF_CLI_CONFIG_FILE"] = str(cli_config)
    return env


def configuration(endpoint: str) -> str:
    block = provider_block(endpoint).replace(
        'emreks = { source = "emreks/emreks" }',
        f'emreks = {{ source = "emreks/emreks", version = "~> {VERSION.rsplit(".", 1)[0]}" }}',
    )
    assert "version =" in block
    return block + f'''
resource "emreks_platform" "p" {{
  name               = "installed"
  eks_admin_role_arn = "{ADMIN_ROLE}"
  vpc_cidr           = "10.0.0.0/16"
  availability_zones = ["eu-west-1a", "eu-west-1b"]
}}
'''


def lock_hashes(directory: Path) -> str:
    lock = (directory / ".terraform.lock.hcl").read_text()
    assert f'version     = "{VERSION}"' in lock, lock
    return lock[lock.index("hashes"):]


def test_installed_provider_inits_and_applies_without_dev_overrides(tmp_path, aws):
    home = tmp_path / "home"
    home.mkdir()
    installed = subprocess.run(
        [str(INSTALL), str(provider_binary()), str(home / ".terraform.d" / "plugins")],
        capture_output=True, text=True,
    )
    assert installed.returncode == 0, installed.stderr
    placed = home / ".terraform.d/plugins/registry.terraform.io/emreks/emreks" / VERSION / PLATFORM / f"{NAME}_v{VERSION}"
    assert placed.is_file() and placed.stat().st_mode & 0o777 == 0o755
    assert placed.read_bytes() == provider_binary().read_bytes()

    work = tmp_path / "work"
    work.mkdir()
    (work / "main.tf").write_text(configuration(aws.url))
    # No CLI configuration at all: ~/.terraform.d/plugins is one of the local
    # mirrors Terraform searches by itself.
    env = plain_environment(home)
    init = terraform(work, "init", "-no-color", env=env)
    assert f"Installed emreks/emreks v{VERSION} (unauthenticated)" in init.output, init.output
    assert "development overrides" not in init.output
    installed_copy = work / ".terraform/providers/registry.terraform.io/emreks/emreks" / VERSION / PLATFORM / f"{NAME}_v{VERSION}"
    assert installed_copy.read_bytes() == provider_binary().read_bytes()
    lock_hashes(work)
    version = terraform(work, "version", "-json", env=env)
    assert json.loads(version.stdout)["provider_selections"] == {"registry.terraform.io/emreks/emreks": VERSION}

    apply = terraform(work, "apply", "-auto-approve", "-no-color", env=env)
    assert "development overrides" not in apply.output
    assert "Apply complete! Resources: 1 added" in apply.output
    state = json.loads(terraform(work, "show", "-json", env=env).stdout)
    (platform,) = state["values"]["root_module"]["resources"]
    assert platform["values"]["cluster_name"] == "installed"
    assert platform["provider_name"] == "registry.terraform.io/emreks/emreks"

    terraform(work, "destroy", "-auto-approve", "-no-color", env=env)
    assert aws.leftovers() == {}
