"""Every example under examples/ is valid Terraform for this provider."""

from pathlib import Path

import pytest

from harness.terraform import REPO, Workspace

EXAMPLES = sorted(p.parent for p in (REPO / "examples").glob("*/main.tf"))


@pytest.mark.parametrize("example", EXAMPLES, ids=lambda p: p.name)
def test_example_validates(example: Path, tmp_path):
    workspace = Workspace(tmp_path / example.name).copy_from(example)
    result = workspace.run("validate", "-no-color")
    assert "Success! The configuration is valid" in result.output
