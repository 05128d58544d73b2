"""Reaching the cluster's Kubernetes API from where Terraform runs: the
default public endpoint, the plan's refusal of a private-only endpoint
nobody said Terraform reaches, the warning for 0.0.0.0/0, and the apply's
error when the API does not answer."""

import pytest

from conftest import ADMIN_ROLE

ZONES = '["eu-west-1a", "eu-west-1b", "eu-west-1c"]'


def platform(extra=""):
    return f'''
resource "emreks_platform" "p" {{
  name               = "reach"
  kubernetes_version = "1.31"
  eks_admin_role_arn = "{ADMIN_ROLE}"
  vpc_cidr           = "10.0.0.0/16"
  availability_zones = {ZONES}
{extra}}}
'''


def planned_platform(plan):
    (change,) = [c for c in plan["resource_changes"] if c["address"] == "emreks_platform.p"]
    return change["change"]["after"]


@pytest.fixture
def outside_vpc(aws):
    """Terraform runs outside the clusters' VPCs for this test only (the
    emulator's settings outlive its reset)."""
    aws.configure({"runner_in_vpc": False})
    yield aws
    aws.configure({"runner_in_vpc": True})


def test_default_endpoint_is_public_with_a_warning_at_create_only(workspace, provider, outside_vpc):
    workspace.write({"main.tf": provider() + platform()})
    plan = workspace.plan()
    assert plan.code == 2, plan.output
    assert "Warning: Kubernetes API endpoint open to every address" in plan.output
    assert "endpoint_public_access_cidrs" in plan.output

    # From outside the VPC the default works: the apply writes its
    # Kubernetes objects through the public endpoint.
    workspace.apply()
    vpc_config = outside_vpc.client("eks").describe_cluster(name="reach")["cluster"]["resourcesVpcConfig"]
    assert vpc_config["endpointPublicAccess"] is True
    assert vpc_config["endpointPrivateAccess"] is True
    assert vpc_config["publicAccessCidrs"] == ["0.0.0.0/0"]

    again = workspace.plan()
    assert again.code == 0, again.output
    assert "open to every address" not in again.output

    workspace.destroy()
    assert outside_vpc.leftovers() == {}


def test_private_only_endpoint_needs_the_opt_in(workspace, provider):
    workspace.write({"main.tf": provider() + platform("  endpoint_public_access_cidrs = []\n")})
    refused = workspace.plan()
    assert refused.code == 1
    assert "Private-only endpoint Terraform may not reach" in refused.output
    assert "terraform_in_vpc = true" in refused.output
    assert 'emreks_platform.p' in refused.output and "endpoint_public_access_cidrs" in refused.output

    # Saying Terraform runs inside the VPC makes private-only the default.
    workspace.write({"main.tf": provider() + platform("  terraform_in_vpc = true\n")})
    plan = workspace.plan_json()
    assert planned_platform(plan)["endpoint_public_access_cidrs"] == []

    workspace.write(
        {"main.tf": provider() + platform("  terraform_in_vpc = true\n  endpoint_public_access_cidrs = []\n")}
    )
    accepted = workspace.plan()
    assert accepted.code == 2, accepted.output
    assert "open to every address" not in accepted.output


def test_explicit_anywhere_warns(workspace, provider):
    workspace.write({"main.tf": provider() + platform('  endpoint_public_access_cidrs = ["0.0.0.0/0"]\n')})
    plan = workspace.plan()
    assert plan.code == 2, plan.output
    assert "Warning: Kubernetes API endpoint open to every address" in plan.output


def test_unreachable_api_fails_the_apply_naming_what_to_change(workspace, provider, outside_vpc):
    # A public endpoint that leaves out the address Terraform connects from.
    workspace.write(
        {"main.tf": provider() + platform('  endpoint_public_access_cidrs = ["203.0.113.0/24"]\n')}
    )
    failed = workspace.apply(check=False)
    assert failed.code == 1
    output = " ".join(failed.output.split())
    assert "could not reach the Kubernetes API" in output
    assert "endpoint_public_access_cidrs" in output
    assert "terraform_in_vpc = true" in output

    assert "terraform untaint" in output

    # Kept (untainted) and opened to the runner's address, the platform is
    # finished in place: the endpoint changes before the Kubernetes writes.
    workspace.run("untaint", "emreks_platform.p")
    workspace.write(
        {"main.tf": provider() + platform('  endpoint_public_access_cidrs = ["127.0.0.1/32"]\n')}
    )
    plan = workspace.plan_json()
    (change,) = [c for c in plan["resource_changes"] if c["address"] == "emreks_platform.p"]
    assert change["change"]["actions"] == ["update"]
    workspace.apply()
    assert workspace.plan().code == 0
    workspace.destroy()
    assert outside_vpc.leftovers() == {}
