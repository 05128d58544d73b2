"""Every example under examples/ is valid Terraform for this provider."""

import shutil
from pathlib import Path

import pytest

from harness.terraform import REPO, Workspace

EXAMPLES = sorted(p.parent.relative_to(REPO / "examples") for p in (REPO / "examples").rglob("main.tf"))


@pytest.mark.parametrize("example", EXAMPLES, ids=str)
def test_example_validates(example: Path, tmp_path):
    # A copy of the whole tree, so that relative module sources resolve.
    shutil.copytree(REPO / "examples", tmp_path / "examples")
    workspace = Workspace(tmp_path / "examples" / example)
    init = workspace.run("init", "-backend=false", "-no-color", check=False)
    assert init.code == 0, init.output
    result = workspace.run("validate", "-no-color")
    assert "Success! The configuration is valid" in result.output
