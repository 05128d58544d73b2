"""emreks_platform through real Terraform against the local emulator."""

import pytest

from conftest import ADMIN_ROLE

ZONES = '["eu-west-1a", "eu-west-1b", "eu-west-1c"]'


def platform(name="analytics", extra=""):
    return f'''
resource "emreks_platform" "p" {{
  name               = "{name}"
  kubernetes_version = "1.31"
  eks_admin_role_arn = "{ADMIN_ROLE}"
  vpc_cidr           = "10.0.0.0/16"
  availability_zones = {ZONES}
  tags               = {{ owner = "tests" }}
{extra}}}

output "p" {{
  value = emreks_platform.p
}}
'''


def client(aws, service):
    return aws.client(service)


def test_create_no_change_plan_destroy_leaves_nothing(workspace, provider, aws):
    workspace.write({"main.tf": provider(extra='  default_tags { tags = { team = "data" } }\n') + platform()})
    workspace.apply()
    values = workspace.outputs()["p"]

    assert values["id"] == values["cluster_name"] == "analytics"
    assert values["cluster_arn"].endswith(":cluster/analytics")
    assert values["cluster_endpoint"].startswith("https://")
    assert values["oidc_issuer_url"].startswith("https://")
    assert values["vpc_id"].startswith("vpc-")
    assert sorted(values["subnet_ids_by_az"]) == ["eu-west-1a", "eu-west-1b", "eu-west-1c"]
    assert values["tags_all"] == {"team": "data", "owner": "tests", "emreks:platform": "analytics"}

    eks = client(aws, "eks")
    cluster = eks.describe_cluster(name="analytics")["cluster"]
    assert cluster["version"] == "1.31"
    assert cluster["accessConfig"]["authenticationMode"] == "API_AND_CONFIG_MAP"
    vpc_config = cluster["resourcesVpcConfig"]
    assert vpc_config["endpointPrivateAccess"] is True
    assert vpc_config["endpointPublicAccess"] is True
    assert vpc_config["publicAccessCidrs"] == ["0.0.0.0/0"]
    assert sorted(vpc_config["subnetIds"]) == sorted(values["subnet_ids_by_az"].values())
    enabled = [t for s in cluster["logging"]["clusterLogging"] if s["enabled"] for t in s["types"]]
    assert sorted(enabled) == ["api", "audit", "authenticator", "controllerManager", "scheduler"]
    assert cluster["tags"]["team"] == "data"
    entry = eks.describe_access_entry(clusterName="analytics", principalArn=ADMIN_ROLE)
    assert entry["accessEntry"]["principalArn"] == ADMIN_ROLE
    policies = eks.list_associated_access_policies(clusterName="analytics", principalArn=ADMIN_ROLE)
    assert [p["policyArn"].split("/")[-1] for p in policies["associatedAccessPolicies"]] == [
        "AmazonEKSClusterAdminPolicy"
    ]

    inventory = aws.leftovers()
    assert len(inventory["ec2:subnet"]) == 6
    assert len(inventory["ec2:nat-gateway"]) == 3
    # cluster, nodes, Cluster Autoscaler, Load Balancer Controller, VPC CNI, EBS CSI
    assert len(inventory["iam:role"]) == 6

    # One CreateCluster, and a refresh-only plan creates nothing.
    assert aws.stats().get("eks:CreateCluster") == 1
    aws.reset_stats()
    assert workspace.plan().code == 0
    assert not [op for op in aws.stats() if ":Create" in op or ":Delete" in op]

    workspace.destroy()
    assert aws.leftovers() == {}


def test_public_endpoint_and_admin_change_in_place(workspace, provider, aws):
    workspace.write({"main.tf": provider() + platform()})
    workspace.apply()
    arn_before = workspace.outputs()["p"]["cluster_arn"]

    other_admin = "arn:aws:iam::123456789012:role/OtherAdmin"
    changed = platform(extra='  endpoint_public_access_cidrs = ["203.0.113.0/24"]\n').replace(
        ADMIN_ROLE, other_admin
    )
    workspace.write({"main.tf": provider() + changed})
    plan = workspace.plan_json()
    (change,) = [c for c in plan["resource_changes"] if c["address"] == "emreks_platform.p"]
    assert change["change"]["actions"] == ["update"]
    workspace.apply()

    values = workspace.outputs()["p"]
    assert values["cluster_arn"] == arn_before
    eks = client(aws, "eks")
    vpc_config = eks.describe_cluster(name="analytics")["cluster"]["resourcesVpcConfig"]
    assert vpc_config["endpointPublicAccess"] is True
    assert vpc_config["publicAccessCidrs"] == ["203.0.113.0/24"]
    principals = eks.list_access_entries(clusterName="analytics")["accessEntries"]
    assert other_admin in principals and ADMIN_ROLE not in principals
    assert workspace.plan().code == 0

    workspace.destroy()
    assert aws.leftovers() == {}


def test_changing_the_vpc_forces_replacement(workspace, provider, aws):
    workspace.write({"main.tf": provider() + platform()})
    workspace.apply()
    workspace.write({"main.tf": provider() + platform().replace("10.0.0.0/16", "10.1.0.0/16")})
    plan = workspace.plan_json()
    (change,) = [c for c in plan["resource_changes"] if c["address"] == "emreks_platform.p"]
    assert change["change"]["actions"] == ["delete", "create"]
    assert ["vpc_cidr"] in change["change"]["replace_paths"]
    workspace.destroy()
    assert aws.leftovers() == {}


def test_existing_subnets_are_used_as_they_are(workspace, provider, aws):
    ec2 = client(aws, "ec2")
    vpc = ec2.create_vpc(CidrBlock="10.9.0.0/16")["Vpc"]["VpcId"]
    subnets = [
        ec2.create_subnet(VpcId=vpc, CidrBlock=f"10.9.{i}.0/24", AvailabilityZone=f"eu-west-1{z}")["Subnet"]["SubnetId"]
        for i, z in enumerate("ab")
    ]
    config = f'''
resource "emreks_platform" "p" {{
  name       = "shared-vpc"
  subnet_ids = {str(subnets).replace("'", '"')}
}}
output "p" {{ value = emreks_platform.p }}
'''
    workspace.write({"main.tf": provider() + config})
    workspace.apply()
    values = workspace.outputs()["p"]
    assert values["vpc_id"] == vpc
    assert values["subnet_ids_by_az"] == {"eu-west-1a": subnets[0], "eu-west-1b": subnets[1]}
    assert values["eks_admin_role_arn"] is None
    assert workspace.plan().code == 0
    workspace.destroy()
    left = aws.leftovers()
    assert left.pop("ec2:vpc") == [vpc]
    assert sorted(left.pop("ec2:subnet")) == sorted(subnets)
    assert left == {}


def test_admin_access_removed_outside_terraform_is_restored(workspace, provider, aws):
    workspace.write({"main.tf": provider() + platform()})
    workspace.apply()
    eks = client(aws, "eks")
    eks.delete_access_entry(clusterName="analytics", principalArn=ADMIN_ROLE)
    plan = workspace.plan_json()
    (change,) = [c for c in plan["resource_changes"] if c["address"] == "emreks_platform.p"]
    assert change["change"]["actions"] == ["update"]
    assert change["change"]["before"]["eks_admin_role_arn"] is None
    workspace.apply()
    assert eks.describe_access_entry(clusterName="analytics", principalArn=ADMIN_ROLE)
    workspace.destroy()
    assert aws.leftovers() == {}


def test_cluster_deleted_outside_terraform_is_replaced(workspace, provider, aws):
    workspace.write({"main.tf": provider() + platform()})
    workspace.apply()
    eks = client(aws, "eks")
    for group in eks.list_nodegroups(clusterName="analytics")["nodegroups"]:
        eks.delete_nodegroup(clusterName="analytics", nodegroupName=group)
    eks.delete_cluster(name="analytics")
    plan = workspace.plan_json()
    (change,) = [c for c in plan["resource_changes"] if c["address"] == "emreks_platform.p"]
    assert change["change"]["actions"] == ["delete", "create"]
    workspace.apply()
    assert client(aws, "eks").describe_cluster(name="analytics")["cluster"]["status"] == "ACTIVE"
    assert len(aws.leftovers()["ec2:vpc"]) == 1, "the old VPC was removed with the old platform"
    workspace.destroy()
    assert aws.leftovers() == {}


def test_throttling_is_retried(workspace, provider, aws):
    aws.configure({"faults": [
        {"operation": "eks:CreateCluster", "kind": "throttle", "count": 2},
        {"operation": "ec2:CreateSubnet", "kind": "5xx", "count": 1},
    ]})
    workspace.write({"main.tf": provider() + platform()})
    workspace.apply()
    assert aws.stats()["eks:CreateCluster"] == 3
    workspace.destroy()
    assert aws.leftovers() == {}


def test_failed_create_saves_what_exists_and_destroy_removes_it(workspace, provider, aws):
    aws.configure({"faults": [{"operation": "eks:CreateCluster", "kind": "5xx", "count": 50}]})
    workspace.write({"main.tf": provider(extra="  max_retries = 1\n") + platform()})
    result = workspace.apply(check=False)
    assert result.code == 1
    assert "eks:CreateCluster" in result.output and 'EKS cluster "analytics"' in result.output
    assert aws.leftovers().get("ec2:vpc"), "the VPC was created before the failure"
    aws.configure({"faults": []})
    state = workspace.run("state", "list").stdout.split()
    assert state == ["emreks_platform.p"]
    workspace.destroy()
    assert aws.leftovers() == {}


def test_slow_cluster_is_waited_for(workspace, provider, aws):
    aws.configure({"latency": {"eks:cluster": 2.0}})
    workspace.write({"main.tf": provider() + platform()})
    workspace.apply()
    assert aws.stats()["eks:DescribeCluster"] >= 2
    workspace.destroy()
    assert aws.leftovers() == {}


@pytest.mark.parametrize(
    "extra, attribute, words",
    [
        ('  endpoint_public_access_cidrs = ["10.0.0.0/33"]\n', "endpoint_public_access_cidrs", "not an IPv4 CIDR"),
        ("", "availability_zones", "not an availability zone"),
    ],
)
def test_bad_input_names_the_attribute(workspace, provider, extra, attribute, words):
    config = platform(extra=extra)
    if attribute == "availability_zones":
        config = config.replace("eu-west-1c", "eu-west-1z")
    workspace.write({"main.tf": provider() + config})
    result = workspace.plan()
    assert result.code == 1
    assert attribute in result.output and words in result.output


def test_bad_vpc_cidr_names_the_attribute(workspace, provider):
    workspace.write({"main.tf": provider() + platform().replace("10.0.0.0/16", "10.0.0.1/16")})
    result = workspace.plan()
    assert result.code == 1
    assert "vpc_cidr" in result.output and "10.0.0.0/16" in result.output


def test_new_default_tags_reach_existing_objects(workspace, provider, aws):
    workspace.write({"main.tf": provider(extra='  default_tags { tags = { team = "data" } }\n') + platform()})
    workspace.apply()
    workspace.write({"main.tf": provider(extra='  default_tags { tags = { team = "risk" } }\n') + platform()})
    plan = workspace.plan_json()
    (change,) = [c for c in plan["resource_changes"] if c["address"] == "emreks_platform.p"]
    assert change["change"]["actions"] == ["update"]
    workspace.apply()
    values = workspace.outputs()["p"]
    assert client(aws, "eks").describe_cluster(name="analytics")["cluster"]["tags"]["team"] == "risk"
    bucket_tags = client(aws, "s3").get_bucket_tagging(Bucket=values["assets_bucket"])["TagSet"]
    assert {"Key": "team", "Value": "risk"} in bucket_tags
    node_role = values["node_role_arn"].split("/")[-1]
    role_tags = client(aws, "iam").list_role_tags(RoleName=node_role)["Tags"]
    assert {"Key": "team", "Value": "risk"} in role_tags
    vpc = client(aws, "ec2").describe_vpcs(VpcIds=[values["vpc_id"]])["Vpcs"][0]
    assert {"Key": "team", "Value": "risk"} in vpc["Tags"]
    assert workspace.plan().code == 0
    workspace.destroy()
    assert aws.leftovers() == {}
