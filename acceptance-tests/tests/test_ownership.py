"""Own only what the platform made: objects that share a platform's names
but that it did not make are never adopted, changed or deleted, through
real Terraform against the emulator."""

import json
import threading
import time

from test_nodegroup import group as nodegroup
from test_platform import ZONES, platform
EKS_TRUST = json.dumps(
    {
        "Version": "2012-10-17",
        "Statement": [
            {"Effect": "Allow", "Principal": {"Service": "eks.amazonaws.com"}, "Action": "sts:AssumeRole"}
        ],
    }
)


def foreign_cluster(aws, name="analytics"):
    """A cluster someone else made, in a VPC of their own; it even carries
    the platform tag with the platform's name, which names no one uniquely."""
    ec2 = aws.client("ec2")
    vpc = ec2.create_vpc(CidrBlock="10.42.0.0/16")["Vpc"]["VpcId"]
    subnets = [
        ec2.create_subnet(VpcId=vpc, CidrBlock=f"10.42.{i}.0/24", AvailabilityZone=f"eu-west-1{zone}")["Subnet"][
            "SubnetId"
        ]
        for i, zone in enumerate("ab")
    ]
    role = aws.client("iam").create_role(RoleName="their-cluster-role", AssumeRolePolicyDocument=EKS_TRUST)
    eks = aws.client("eks")
    eks.create_cluster(
        name=name,
        roleArn=role["Role"]["Arn"],
        resourcesVpcConfig={"subnetIds": subnets},
        accessConfig={"authenticationMode": "API"},
        tags={"emreks:platform": name, "team": "theirs"},
    )
    wait_for(lambda: eks.describe_cluster(name=name)["cluster"]["status"] == "ACTIVE")
    return snapshot(aws, name)


def snapshot(aws, name):
    """What someone else's cluster looks like, to compare after our runs."""
    eks = aws.client("eks")
    cluster = eks.describe_cluster(name=name)["cluster"]
    return {
        "arn": cluster["arn"],
        "status": cluster["status"],
        "roleArn": cluster["roleArn"],
        "tags": cluster.get("tags", {}),
        "accessEntries": sorted(eks.list_access_entries(clusterName=name)["accessEntries"]),
        "nodegroups": sorted(eks.list_nodegroups(clusterName=name)["nodegroups"]),
        "addons": sorted(eks.list_addons(clusterName=name)["addons"]),
    }


def wait_for(condition, timeout=120):
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.5)


def test_a_foreign_cluster_named_like_the_platform_is_refused_at_plan_and_survives(workspace, provider, aws):
    before = foreign_cluster(aws)
    aws.mark_baseline()
    aws.reset_stats()
    workspace.write({"main.tf": provider() + platform()})

    planned = workspace.plan()
    assert planned.code == 1
    assert "Platform name taken" in planned.output
    assert "terraform import" in planned.output
    assert 'with emreks_platform.p' in planned.output and "name" in planned.output

    applied = workspace.apply(check=False)
    assert applied.code != 0 and "Platform name taken" in applied.output
    workspace.destroy()

    assert snapshot(aws, "analytics") == before
    assert aws.leftovers() == {}
    assert not [op for op in aws.stats() if op.startswith("eks:Delete") or op.startswith("eks:Create")]


def test_a_foreign_cluster_made_during_the_apply_is_never_adopted(workspace, provider, aws):
    # Someone takes the name after the apply's plan found it free. The
    # create asks for the cluster as soon as the network's subnets and public
    # routes exist; a slow AssociateRouteTable (its calls throttled to one
    # per 5 s, which the provider retries) holds it there.
    aws.configure({"rate_limits": {"ec2:AssociateRouteTable": {"rate": 0.2, "burst": 1}}})
    workspace.write({"main.tf": provider() + platform()})
    outcome = {}
    apply = threading.Thread(target=lambda: outcome.update(result=workspace.apply(check=False)))
    apply.start()
    wait_for(lambda: aws.leftovers().get("ec2:vpc"), timeout=60)
    before = foreign_cluster(aws)
    apply.join(timeout=300)
    aws.configure({"rate_limits": {}})

    applied = outcome["result"]
    assert applied.code != 0
    assert 'EKS cluster "analytics" is not platform' in applied.output
    # What the apply made before CreateCluster refused is ours, and kept.
    assert workspace.run("state", "list").stdout.split() == ["emreks_platform.p"]

    # The next plan replaces what is left and warns that the name is taken;
    # its apply removes what the platform made, leaves the cluster alone and
    # refuses the name again instead of adopting it.
    planned = workspace.plan()
    assert planned.code == 2 and "Platform name taken" in planned.output
    again = workspace.apply(check=False)
    assert again.code != 0 and "Left alone" in again.output
    assert "Platform name taken" in again.output or "is not platform" in again.output
    assert snapshot(aws, "analytics") == before

    workspace.destroy()
    assert snapshot(aws, "analytics") == before
    # Only the foreign cluster and what it was made with remain.
    left = aws.leftovers()
    assert left.get("eks:cluster") and not left.get("ec2:nat-gateway")
    assert [r for r in left.get("iam:role", []) if "their-cluster-role" not in r] == []


def test_a_role_of_the_platform_without_its_marker_is_not_adopted(workspace, provider, aws):
    workspace.write({"main.tf": provider() + platform()})
    workspace.apply()
    iam = aws.client("iam")
    (node_role,) = [
        r["RoleName"] for r in iam.list_roles(PathPrefix="/emreks/analytics/")["Roles"] if "-eks-node-" in r["RoleName"]
    ]
    tags = {t["Key"]: t["Value"] for t in iam.list_role_tags(RoleName=node_role)["Tags"]}
    assert tags["emreks:owner"].startswith("analytics-") and node_role.endswith(tags["emreks:owner"][-8:])

    # Every object made carries the marker; tags_all, the user's view, does not.
    marker = tags["emreks:owner"]
    values = workspace.resource("emreks_platform.p")
    assert "emreks:owner" not in values["tags_all"]
    assert aws.client("eks").describe_cluster(name="analytics")["cluster"]["tags"]["emreks:owner"] == marker
    (vpc,) = aws.client("ec2").describe_vpcs(VpcIds=[values["vpc_id"]])["Vpcs"]
    assert {t["Key"]: t["Value"] for t in vpc["Tags"]}["emreks:owner"] == marker
    bucket_tags = aws.client("s3").get_bucket_tagging(Bucket=values["assets_bucket"])["TagSet"]
    assert {t["Key"]: t["Value"] for t in bucket_tags}["emreks:owner"] == marker
    logs = aws.client("logs")
    for group in values["log_group_names"].values():
        arn = logs.describe_log_groups(logGroupNamePrefix=group)["logGroups"][0]["arn"].removesuffix(":*")
        assert logs.list_tags_for_resource(resourceArn=arn)["tags"]["emreks:owner"] == marker

    # Someone else's role under the name: another platform's marker.
    iam.tag_role(RoleName=node_role, Tags=[{"Key": "emreks:owner", "Value": "analytics-zzzzzzzz"}])
    workspace.write({"main.tf": provider() + platform(extra="  log_retention_days = 14\n")})
    applied = workspace.apply(check=False)
    assert applied.code != 0
    assert f'IAM role "{node_role}"' in applied.output and "is not platform" in applied.output
    assert {t["Key"]: t["Value"] for t in iam.list_role_tags(RoleName=node_role)["Tags"]}[
        "emreks:owner"
    ] == "analytics-zzzzzzzz"

    # Given back, the platform goes as a whole.
    iam.tag_role(RoleName=node_role, Tags=[{"Key": "emreks:owner", "Value": tags["emreks:owner"]}])
    workspace.destroy()
    assert aws.leftovers() == {}


def test_a_nodegroup_of_the_same_name_that_is_not_ours_is_not_adopted(workspace, provider, aws):
    workspace.write({"main.tf": provider() + platform()})
    workspace.apply()
    eks = aws.client("eks")
    cluster = eks.describe_cluster(name="analytics")["cluster"]
    node_role = workspace.resource("emreks_platform.p")["node_role_arn"]
    eks.create_nodegroup(
        clusterName="analytics",
        nodegroupName="spark",
        nodeRole=node_role,
        subnets=cluster["resourcesVpcConfig"]["subnetIds"][:1],
        tags={"emreks:platform": "analytics"},
    )
    wait_for(lambda: eks.describe_nodegroup(clusterName="analytics", nodegroupName="spark")["nodegroup"]["status"]
             == "ACTIVE")

    workspace.write({"main.tf": provider() + platform() + nodegroup("spark")})
    applied = workspace.apply(check=False)
    assert applied.code != 0 and "is not platform" in applied.output

    destroyed = workspace.destroy("-target=emreks_nodegroup.spark")
    assert "Left alone" in destroyed.output
    assert eks.describe_nodegroup(clusterName="analytics", nodegroupName="spark")["nodegroup"]["status"] == "ACTIVE"

    eks.delete_nodegroup(clusterName="analytics", nodegroupName="spark")
    wait_for(lambda: "spark" not in eks.list_nodegroups(clusterName="analytics")["nodegroups"])
    workspace.write({"main.tf": provider() + platform()})
    workspace.destroy()
    assert aws.leftovers() == {}


def test_platforms_named_alike_in_two_regions_never_see_each_others_roles(tmp_path, provider, aws):
    from harness.terraform import Workspace

    here = Workspace(tmp_path / "eu", endpoint=aws.url)
    there = Workspace(tmp_path / "us", endpoint=aws.url)
    roles = (
        '  virtual_clusters = { batch = { namespace = "batch" } }\n'
        '  execution_roles  = { jobs = { namespaces = ["batch"] } }\n'
    )
    here.write({"main.tf": provider() + platform(extra=roles)})
    there.write(
        {
            "main.tf": provider(region="us-east-1")
            + platform(extra=roles).replace(ZONES, '["us-east-1a", "us-east-1b", "us-east-1c"]')
        }
    )
    here.apply()
    there.apply()
    iam = aws.client("iam")
    theirs = {r for r in there.resource("emreks_platform.p")["execution_role_arns"].values()}
    theirs.add(there.resource("emreks_platform.p")["node_role_arn"])
    assert all(arn in {r["Arn"] for r in iam.list_roles(PathPrefix="/emreks/analytics/")["Roles"]} for arn in theirs)

    # Import rebuilds the private state from AWS: the IAM path holds both
    # platforms' roles, and only this one's may be taken.
    here.run("state", "rm", "emreks_platform.p")
    here.run("import", "-no-color", "emreks_platform.p", "analytics")
    here.destroy()

    left = {r["Arn"] for r in iam.list_roles(PathPrefix="/emreks/analytics/")["Roles"]}
    assert theirs <= left
    assert there.plan().code == 0
    there.destroy()
    assert aws.leftovers() == {}


def test_objects_of_the_previous_release_still_count_as_ours(workspace, provider, aws):
    """Made before the marker existed, a platform's objects carry only the
    platform tag: an update takes them (and marks them), destroy removes them."""
    from pathlib import Path

    import pytest

    from harness.terraform import provider_binary

    previous = Path(__file__).resolve().parents[2] / "target" / "previous-release" / "terraform-provider-emreks"
    if not previous.is_file():
        pytest.fail(f"{previous} is missing: run acceptance-tests/bin/build-previous-release (make test does)")
    workspace.write({"main.tf": provider() + platform()})
    workspace.use_binary(previous)
    workspace.apply()
    iam = aws.client("iam")
    (node_role,) = [
        r["RoleName"] for r in iam.list_roles(PathPrefix="/emreks/analytics/")["Roles"] if "-eks-node-" in r["RoleName"]
    ]
    assert "emreks:owner" not in {t["Key"] for t in iam.list_role_tags(RoleName=node_role)["Tags"]}

    workspace.use_binary(provider_binary())
    # Nothing to change on the platform (its output may gain attributes the
    # previous release did not have).
    planned = workspace.plan_json()
    assert {a for c in planned["resource_changes"] for a in c["change"]["actions"]} == {"no-op"}
    workspace.write({"main.tf": provider() + platform(extra="  log_retention_days = 14\n")})
    workspace.apply()
    tags = {t["Key"]: t["Value"] for t in iam.list_role_tags(RoleName=node_role)["Tags"]}
    assert tags["emreks:owner"] == "analytics-" + node_role[-8:]

    workspace.destroy()
    assert aws.leftovers() == {}
