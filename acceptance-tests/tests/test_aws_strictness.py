"""The platform's whole life (apply, a no-change plan, destroy, nothing
left) under what real accounts do to a provider: throttling and server
errors at a rate on every operation, list answers paged one item at a time,
and the network interfaces EKS keeps in the subnets for a while after the
cluster is gone."""

import pytest

from test_platform_emr import platform

DEFAULTS = {"faults": [], "page_size": None, "rate_limits": {}, "eni_release_seconds": 2}


@pytest.fixture
def settings(aws):
    """aws.configure for one test; the defaults come back afterwards."""
    yield aws.configure
    aws.configure(DEFAULTS)


def whole_life(workspace, provider, aws):
    workspace.write({"main.tf": provider() + platform()})
    workspace.apply()
    assert workspace.plan().code == 0
    workspace.destroy()
    assert aws.leftovers() == {}


def test_throttling_and_server_errors_at_a_rate(workspace, provider, aws, settings):
    settings(
        {
            "faults": [
                {"operation": "*", "kind": "throttle", "rate": 0.2, "seed": 11},
                {"operation": "*", "kind": "5xx", "rate": 0.05, "seed": 12},
            ]
        }
    )
    whole_life(workspace, provider, aws)
    injected = aws.faults()
    assert sum(kinds.get("throttle", 0) for kinds in injected.values()) > 10


def test_lists_paged_one_item_at_a_time(workspace, provider, aws, settings):
    settings({"page_size": 1})
    whole_life(workspace, provider, aws)


def test_destroy_waits_for_the_network_interfaces_eks_leaves(workspace, provider, aws, settings):
    settings({"eni_release_seconds": 8})
    whole_life(workspace, provider, aws)


def test_rate_limits_of_a_busy_account(workspace, provider, aws, settings):
    settings({"rate_limits": {"*": {"rate": 5, "burst": 10}}})
    whole_life(workspace, provider, aws)
