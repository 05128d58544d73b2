"""Reliability through real Terraform: the complete example applied,
re-planned and destroyed under throttling and server errors at a rate on
every operation, and two platforms with their nodegroups under an account's
per-operation rate limit far below what they ask; nothing left. Each test
prints its figures."""

import pytest

from conftest import ADMIN_ROLE
from harness.terraform import REPO

EXAMPLE = REPO / "examples" / "complete"
QUIET = {"faults": [], "latency": {}, "rate_limits": {}, "eni_release_seconds": 2}


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


def rate_limited_platform(index: int, nodegroups: int) -> str:
    """A platform with a Studio and `nodegroups` nodegroups, named and
    addressed apart from the others."""
    groups = "\n".join(
        f'    "spark-{n}" = "eu-west-1{"abc"[n % 3]}"' for n in range(nodegroups)
    )
    return f'''
resource "emreks_platform" "p{index}" {{
  name               = "busy{index}"
  eks_admin_role_arn = "{ADMIN_ROLE}"
  vpc_cidr           = "10.{index}.0.0/16"
  availability_zones = ["eu-west-1a", "eu-west-1b", "eu-west-1c"]
  virtual_clusters = {{
    emrvcplatform = {{ namespace = "dataanalysis" }}
  }}
  execution_roles = {{
    notebooks = {{ namespaces = ["dataanalysis"], policy = null, trust = "irsa" }}
  }}
  studio {{
    name            = "busy{index}"
    auth_mode       = "IAM"
    virtual_cluster = "emrvcplatform"
  }}
}}

resource "emreks_nodegroup" "spark{index}" {{
  for_each          = {{
{groups}
  }}
  platform_id       = emreks_platform.p{index}.id
  name              = each.key
  role              = "non_critical_executor"
  availability_zone = each.value
}}
'''


@pytest.mark.parametrize(
    "nodegroups",
    [2, pytest.param(16, marks=pytest.mark.soak, id="16-soak")],
    ids=lambda n: str(n),
)
def test_two_platforms_under_a_tight_rate_limit(workspace, provider, aws, settings, capsys, nodegroups):
    """Every operation, AWS and Kubernetes, limited to 2 calls/s (burst 2)
    while two platforms and their nodegroups are made, re-planned and
    destroyed: throttled calls are retried (the AWS SDK's jittered backoff
    without its process-wide retry quota, the provider's jittered polls and
    Kubernetes retries) until they pass, so nothing fails and nothing is
    left. With 16 nodegroups each (`make soak`), the SDK's default quota ran
    dry and destroy failed on `ThrottlingException`; the 10-platform run is
    `acceptance-tests/bench.py --only scale`."""
    workspace.write(
        {"main.tf": provider() + rate_limited_platform(0, nodegroups) + rate_limited_platform(1, nodegroups)}
    )
    settings({"rate_limits": {"*": {"rate": 2, "burst": 2}}})
    workspace.apply()
    assert workspace.plan().code == 0
    workspace.destroy()
    left = aws.leftovers()
    injected = aws.faults()
    throttled = {op: kinds["rate_limit"] for op, kinds in injected.items() if kinds.get("rate_limit")}
    report(
        capsys,
        f"two platforms, {2 * nodegroups} nodegroups, 2 calls/s per operation",
        {"calls": sum(aws.stats().values()), "throttled": sum(throttled.values()),
         "operations throttled": len(throttled), "objects left": sum(len(v) for v in left.values())},
    )
    assert sum(throttled.values()) > 0
    assert left == {}
