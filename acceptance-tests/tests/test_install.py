"""`make install` and `make release` as users meet them: the provider under
test, placed by tools/install-provider in the implied local mirror of a
temporary HOME, is what a plain `terraform init` picks (no dev_overrides) and
applies a platform against the emulator; the zip tools/release makes of it is
what Terraform installs from a filesystem mirror in packed layout, with the
registry's SHA256SUMS and manifest beside it, byte for byte the same on a
second run."""

from __future__ import annotations

import hashlib
import json
import subprocess
import zipfile
from pathlib import Path

from conftest import ADMIN_ROLE
from harness.emulator import environment
from harness.terraform import REPO, TERRAFORM, Result, provider_binary, provider_block

INSTALL = REPO / "tools" / "install-provider"
RELEASE = REPO / "tools" / "release"
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


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_release_files_install_from_a_packed_mirror(tmp_path):
    binary = provider_binary()
    runs = []
    for name in ("first", "second"):
        out = tmp_path / name / "dist"
        made = subprocess.run(
            [str(RELEASE), "--out", str(out), "--binary", f"{PLATFORM}={binary}"],
            capture_output=True, text=True, timeout=600,
        )
        assert made.returncode == 0, made.stderr
        runs.append(out)
    first, second = runs

    archive = first / f"{NAME}_{VERSION}_{PLATFORM}.zip"
    sums = first / f"{NAME}_{VERSION}_SHA256SUMS"
    manifest = first / f"{NAME}_{VERSION}_manifest.json"
    assert sorted(p.name for p in first.iterdir()) == sorted([archive.name, sums.name, manifest.name])
    assert json.loads(manifest.read_text()) == {"version": 1, "metadata": {"protocol_versions": ["6.0"]}}
    assert manifest.read_bytes() == (REPO / "terraform-registry-manifest.json").read_bytes()
    assert sums.read_text() == "".join(
        f"{sha256(path)}  {path.name}\n" for path in sorted([archive, manifest])
    )
    with zipfile.ZipFile(archive) as opened:
        (member,) = opened.infolist()
        assert member.filename == f"{NAME}_v{VERSION}"
        assert member.external_attr >> 16 == 0o100755
        assert opened.read(member) == binary.read_bytes()
    # Reproducible: the same input gives the same bytes.
    for path in first.iterdir():
        assert (second / path.name).read_bytes() == path.read_bytes(), path.name

    # The zip is a package Terraform installs: a filesystem mirror in packed
    # layout (HOSTNAME/NAMESPACE/TYPE/terraform-provider-TYPE_VERSION_TARGET.zip).
    mirror = tmp_path / "mirror" / "registry.terraform.io" / "emreks" / "emreks"
    mirror.mkdir(parents=True)
    (mirror / archive.name).write_bytes(archive.read_bytes())
    cli_config = tmp_path / "mirror.tfrc"
    cli_config.write_text(
        "provider_installation {\n"
        "  filesystem_mirror {\n"
        f'    path    = "{tmp_path / "mirror"}"\n'
        '    include = ["registry.terraform.io/emreks/emreks"]\n'
        "  }\n"
        "}\n"
    )
    work = tmp_path / "work"
    work.mkdir()
    (work / "main.tf").write_text(
        'terraform {\n  required_providers {\n'
        f'    emreks = {{ source = "emreks/emreks", version = "{VERSION}" }}\n'
        "  }\n}\n"
    )
    home = tmp_path / "home"
    home.mkdir()
    init = terraform(work, "init", "-no-color", env=plain_environment(home, cli_config))
    assert f"Installed emreks/emreks v{VERSION}" in init.output, init.output
    unpacked = work / ".terraform/providers/registry.terraform.io/emreks/emreks" / VERSION / PLATFORM / f"{NAME}_v{VERSION}"
    assert unpacked.read_bytes() == binary.read_bytes()
    lock_hashes(work)
