"""The platform's create runs its steps side by side (the NAT gateways,
the assets and the Studio while EKS makes the cluster; the workloads while
the tooling nodes start). What that must not cost: a provider killed while
the NAT gateways are being made leaves nothing that import, apply and
destroy do not find; a branch that fails leaves the others' objects
recorded, so the next apply converges and destroy leaves nothing."""


import pytest

from conftest import ADMIN_ROLE
from test_interruptions import apply_with_provider_killed
from test_reliability import QUIET, report

LATENCY = {
    "eks:cluster": 6.0,
    "eks:nodegroup": 3.0,
    "eks:addon": 1.0,
    "emr-containers:managed-endpoint": 2.0,
    "ec2:nat-gateway": 2.0,
}

PLATFORM = f'''
resource "emreks_platform" "p" {{
  name               = "analytics"
  eks_admin_role_arn = "{ADMIN_ROLE}"
  vpc_cidr           = "10.0.0.0/16"
  availability_zones = ["eu-west-1a", "eu-west-1b"]
  virtual_clusters   = {{ batchjob = {{ namespace = "batchjob" }}, emrvcplatform = {{ namespace = "dataanalysis" }} }}
  execution_roles    = {{ jobs = {{ namespaces = ["batchjob", "dataanalysis"] }} }}
  studio {{
    name            = "platform"
    auth_mode       = "IAM"
    virtual_cluster = "emrvcplatform"
  }}
}}
'''


@pytest.fixture
def settings(aws):
    yield aws.configure
    aws.configure(QUIET)


def egress(aws) -> dict:
    """What the platform's private subnets go out through: NAT gateways by
    state, Elastic IPs, and the private subnets routed to an available
    NAT gateway."""
    ec2 = aws.client("ec2")
    gateways = ec2.describe_nat_gateways()["NatGateways"]
    available = {g["NatGatewayId"] for g in gateways if g["State"] == "available"}
    routed = set()
    for table in ec2.describe_route_tables()["RouteTables"]:
        if any(r.get("NatGatewayId") in available for r in table["Routes"]):
            routed |= {a["SubnetId"] for a in table["Associations"] if a.get("SubnetId")}
    private = {
        s["SubnetId"]
        for s in ec2.describe_subnets()["Subnets"]
        if any(t["Key"] == "Name" and "-private-" in t["Value"] for t in s.get("Tags", []))
    }
    states: dict[str, int] = {}
    for g in gateways:
        states[g["State"]] = states.get(g["State"], 0) + 1
    return {
        "nat gateways": states,
        "elastic ips": len(ec2.describe_addresses()["Addresses"]),
        "private subnets": len(private),
        "private subnets routed": len(private & routed),
    }


def test_provider_killed_while_the_nat_gateways_are_made_leaves_nothing(workspace, provider, aws, settings, capsys):
    """SIGKILL on the provider once the first Elastic IP exists: the cluster
    was asked for and the NAT gateways are being made beside it, unrecorded
    in Terraform's state. The next apply says how to import the platform;
    imported and applied, every zone's private subnet goes out through its
    own NAT gateway (the killed create's Elastic IPs and gateways adopted,
    none made twice), and destroy leaves nothing."""
    aws.mark_baseline()
    settings({"latency": LATENCY})
    workspace.write({"main.tf": provider() + PLATFORM})
    ec2 = aws.client("ec2")
    _, killed, output = apply_with_provider_killed(workspace, lambda: ec2.describe_addresses()["Addresses"], poll=0.02)
    assert killed, f"no provider process to kill; apply said:\n{output}"
    at_kill = egress(aws)
    assert "analytics" in aws.client("eks").list_clusters()["clusters"], "killed before CreateCluster"

    refused = workspace.apply(check=False)
    assert refused.code != 0, refused.output
    assert "terraform import" in " ".join(refused.output.split()), refused.output

    workspace.run("import", "-no-color", "emreks_platform.p", "analytics")
    workspace.apply()
    converged = egress(aws)
    assert converged == {
        "nat gateways": {"available": 2},
        "elastic ips": 2,
        "private subnets": 2,
        "private subnets routed": 2,
    }, converged
    assert workspace.plan().code == 0
    workspace.destroy()
    left = aws.leftovers()
    report(
        capsys,
        "provider killed while the NAT gateways were made",
        {"at the kill": at_kill, "objects left after destroy": sum(len(v) for v in left.values())},
    )
    assert left == {}


def test_provider_killed_once_the_studio_security_groups_exist_leaves_nothing(workspace, provider, aws, settings, capsys):
    """SIGKILL on the provider once the Studio's first security group
    exists, before the Studio: nothing records the group. Imported and
    applied, the platform takes its own group back by name and marker
    (another of that name would clash on AWS), and destroy leaves nothing."""
    aws.mark_baseline()
    settings({"latency": LATENCY})
    workspace.write({"main.tf": provider() + PLATFORM})
    ec2 = aws.client("ec2")
    studio_groups = [{"Name": "group-name", "Values": ["analytics-studio-*"]}]
    _, killed, output = apply_with_provider_killed(
        workspace, lambda: ec2.describe_security_groups(Filters=studio_groups)["SecurityGroups"], poll=0.02
    )
    assert killed, f"no provider process to kill; apply said:\n{output}"
    assert not aws.client("emr").list_studios()["Studios"], "killed after CreateStudio"

    workspace.run("import", "-no-color", "emreks_platform.p", "analytics")
    workspace.apply()
    assert workspace.plan().code == 0
    workspace.destroy()
    left = aws.leftovers()
    report(capsys, "provider killed once the Studio's security groups existed",
           {"objects left after destroy": sum(len(v) for v in left.values())})
    assert left == {}


# One operation of each branch that runs beside others: the NAT gateways
# and the Studio beside the cluster's wait, a virtual cluster beside the
# tooling nodegroup's.
@pytest.mark.parametrize(
    "operation", ["ec2:CreateNatGateway", "emr:CreateStudio", "emr-containers:CreateVirtualCluster"]
)
def test_a_failed_branch_leaves_the_others_recorded(workspace, provider, aws, settings, capsys, operation):
    """A call of one branch fails for good (server errors past the retries):
    the apply fails naming it, after the other branches ran to their end and
    their objects were recorded, so Terraform replaces the tainted platform
    (its destroy finding everything) and converges; destroy then leaves
    nothing."""
    aws.mark_baseline()
    settings({"latency": LATENCY, "faults": [{"operation": operation, "kind": "5xx", "count": 2}]})
    workspace.write({"main.tf": provider(extra="  max_retries = 1\n") + PLATFORM})
    failed = workspace.apply(check=False)
    assert failed.code != 0, failed.output
    assert operation in failed.output, failed.output
    held = aws.leftovers()
    # The cluster's branch went on to its end: its add-ons exist.
    assert held.get("eks:addon"), held

    workspace.apply()
    assert workspace.plan().code == 0
    workspace.destroy()
    left = aws.leftovers()
    report(
        capsys,
        f"{operation} failed",
        {"objects after the failed apply": sum(len(v) for v in held.values()),
         "objects left after destroy": sum(len(v) for v in left.values())},
    )
    assert left == {}


# One operation of each destroy branch that runs beside others: the Studio
# beside the virtual clusters, a subnet (the network) beside the log groups
# (the assets) once the cluster is gone, and the reverse.
@pytest.mark.parametrize("operation", ["emr:DeleteStudio", "ec2:DeleteSubnet", "logs:DeleteLogGroup"])
def test_a_failed_destroy_branch_leaves_the_others_done(workspace, provider, aws, settings, capsys, operation):
    """A call of one destroy branch fails for good: the destroy fails naming
    it, after the branches beside it ran to their end, and what they deleted
    is forgotten; the next destroy resumes and leaves nothing."""
    aws.mark_baseline()
    workspace.write({"main.tf": provider(extra="  max_retries = 1\n") + PLATFORM})
    workspace.apply()
    # Every call of it fails, the subnets' four deletions and their retries included.
    settings({"latency": LATENCY, "faults": [{"operation": operation, "kind": "5xx", "count": 100}]})
    failed = workspace.destroy(check=False)
    assert failed.code != 0, failed.output
    assert operation in failed.output, failed.output
    held = aws.leftovers()
    if operation == "emr:DeleteStudio":
        # The virtual clusters went beside it.
        assert not held.get("emr-containers:virtual-cluster"), held
    elif operation == "ec2:DeleteSubnet":
        assert not held.get("logs:log-group"), held
    else:
        assert held.get("logs:log-group") and not held.get("ec2:subnet"), held

    settings({"faults": []})
    workspace.destroy()
    left = aws.leftovers()
    report(
        capsys,
        f"{operation} failed in a destroy",
        {"objects after the failed destroy": sum(len(v) for v in held.values()),
         "objects left after the second destroy": sum(len(v) for v in left.values())},
    )
    assert left == {}
