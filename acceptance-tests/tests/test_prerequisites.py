"""tools/check-prerequisites, which `make` runs first, on machines that lack
something: it fails and names the command that installs what is missing."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from harness.terraform import REPO

# What the script itself runs, present on every machine it must speak to.
BASICS = ["bash", "dirname", "awk", "sed", "sort", "head", "df", "id", "uname", "printf", "cat", "env"]
# The interpreter itself, not a launcher (a pyenv shim needs more than the
# PATH these tests give it).
PYTHON = os.path.realpath(sys.executable)


def fake_repo(tmp_path: Path) -> Path:
    """A checkout with the script and Cargo.toml, and no venv yet."""
    repo = tmp_path / "repo"
    (repo / "tools").mkdir(parents=True)
    shutil.copy(REPO / "tools" / "check-prerequisites", repo / "tools")
    shutil.copy(REPO / "Cargo.toml", repo)
    return repo


def bin_dir(tmp_path: Path, tools: list[str], fakes: dict[str, str] | None = None) -> Path:
    directory = tmp_path / "bin"
    directory.mkdir()
    for tool in BASICS + tools:
        found = shutil.which(tool)
        assert found, tool
        (directory / tool).symlink_to(found)
    for name, script in (fakes or {}).items():
        (directory / name).write_text("#!/bin/sh\n" + script)
        (directory / name).chmod(0o755)
    return directory


def check(repo: Path, path: Path, *args: str) -> subprocess.CompletedProcess:
    env = {"PATH": str(path), "HOME": str(repo.parent), "EMREKS_SKIP_RESOURCE_CHECKS": "1"}
    return subprocess.run(
        [str(path / "bash"), str(repo / "tools" / "check-prerequisites"), *args],
        capture_output=True, text=True, env=env, timeout=60,
    )


def test_this_machine_has_everything():
    result = subprocess.run([str(REPO / "tools" / "check-prerequisites")], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr


def test_a_bare_machine_is_told_what_to_install(tmp_path):
    repo = fake_repo(tmp_path)
    path = bin_dir(tmp_path, [], {"getconf": "echo glibc 2.31\n", "python3": f'exec {PYTHON} "$@"\n'})
    result = check(repo, path)
    assert result.returncode == 1
    message = result.stderr
    assert "Rust (cargo and rustc 1.94.1 or later)" in message and "https://sh.rustup.rs" in message
    assert "a C compiler (cc)" in message and "apt-get install -y build-essential" in message
    assert "missing: make" in message
    assert "glibc 2.35 or later (this is 2.31)" in message
    assert "see README.md, 'Prerequisites'" in message


@pytest.mark.skipif(not shutil.which("cc") or not shutil.which("cargo"), reason="needs cc and cargo to get past them")
def test_python_without_venv_is_named(tmp_path):
    repo = fake_repo(tmp_path)
    # A python3 whose venv/ensurepip modules are missing, as on Debian
    # without python3-venv.
    fake = f'case "$*" in *ensurepip*) exit 1;; esac\nexec {PYTHON} "$@"\n'
    cargo_bin = Path(shutil.which("cargo")).parent
    path = bin_dir(tmp_path, ["cc", "make", "protoc", "getconf"], {"python3": fake})
    # The rustup proxies find their toolchains through HOME (or RUSTUP_HOME).
    env = {"PATH": f"{path}:{cargo_bin}", "HOME": str(Path.home()), "EMREKS_SKIP_RESOURCE_CHECKS": "1"}
    for name in ("RUSTUP_HOME", "CARGO_HOME", "RUSTUP_TOOLCHAIN"):
        if name in os.environ:
            env[name] = os.environ[name]
    script = [str(path / "bash"), str(repo / "tools" / "check-prerequisites")]
    result = subprocess.run(script, capture_output=True, text=True, timeout=60, env=env)
    assert result.returncode == 1
    assert "Python's venv and ensurepip modules" in result.stderr
    assert "apt-get install -y python3-venv" in result.stderr
    # Building alone does not need Python.
    built = subprocess.run(script + ["--build"], capture_output=True, text=True, timeout=60, env=env)
    assert built.returncode == 0, built.stderr
