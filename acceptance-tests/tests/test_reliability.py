"""Reliability through real Terraform: the complete example applied,
re-planned and destroyed under throttling and server errors at a rate on
every operation, with nothing left. Each test prints its figures."""

import pytest

from harness.terraform import REPO

EXAMPLE = REPO / "examples" / "complete"
QUIET = {"faults": [], "latency": {}, "eni_release_seconds": 2}


@pytest.fixture
def settings(aws):
    yield aws.configure
    aws.configure(QUIET)


def report(capsys, title: str, figures: dict) -> None:
    with capsys.disabled():
        print(f"\n    {title}: " + ", ".join(f"{k} {v}" for k, v in figures.items()))


def test_complete_example_under_throttling_and_server_errors(workspace, aws, settings, capsys):
    admin = aws.create_admin_role("PlatformAdminComplete")
    aws.client("iam").create_user(UserName="analyst")
    aws.mark_baseline()
    workspace.copy_from(EXAMPLE)
    variables = [
        f"-var=aws_endpoint={aws.url}",
        f"-var=kubernetes_endpoint={aws.url}",
        f"-var=eks_admin_role_arn={admin}",
    ]
    settings(
        {
            "faults": [
                {"operation": "*", "kind": "throttle", "rate": 0.2, "seed": 21},
                {"operation": "*", "kind": "5xx", "rate": 0.05, "seed": 22},
            ]
        }
    )
    aws.reset_stats()
    workspace.apply(*variables)
    assert workspace.plan(*variables).code == 0
    workspace.destroy(*variables)
    left = aws.leftovers()
    injected = aws.faults()
    calls = sum(aws.stats().values())
    throttles = sum(kinds.get("throttle", 0) for kinds in injected.values())
    errors = sum(kinds.get("5xx", 0) for kinds in injected.values())
    report(
        capsys,
        "complete example, 20% throttling + 5% 5xx",
        {"calls": calls, "throttles injected": throttles, "5xx injected": errors,
         "retried calls": throttles + errors, "objects left": sum(len(v) for v in left.values())},
    )
    assert throttles > 0 and errors > 0
    assert left == {}
