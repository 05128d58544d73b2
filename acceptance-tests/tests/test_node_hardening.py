"""The nodes' hardening through real Terraform against the emulator: every
nodegroup the provider makes (the tooling one too) boots from a launch
template with IMDSv2 required and a hop limit of 1, so pods never reach the
node role; Session Manager access to the nodes only when asked for."""

import pytest

from conftest import ADMIN_ROLE

SSM = "arn:aws:iam::aws:policy/AmazonSSMManagedInstanceCore"


def config(extra=""):
    return f'''
resource "emreks_platform" "p" {{
  name               = "analytics"
  eks_admin_role_arn = "{ADMIN_ROLE}"
  vpc_cidr           = "10.0.0.0/16"
  availability_zones = ["eu-west-1a", "eu-west-1b"]
{extra}}}

resource "emreks_nodegroup" "spark" {{
  platform_id       = emreks_platform.p.id
  name              = "spark"
  role              = "critical"
  availability_zone = "eu-west-1a"
}}
'''


@pytest.fixture
def one_item_pages(aws):
    """Every list answered one item a page (launch templates, instance
    types, policies): a reader of the first page only misses the rest."""
    aws.configure({"page_size": 1})
    yield
    aws.configure({"page_size": None})


def node_role_policies(aws, workspace):
    role = workspace.resource("emreks_platform.p")["node_role_arn"].rsplit("/", 1)[-1]
    pages = aws.client("iam").get_paginator("list_attached_role_policies").paginate(RoleName=role)
    return {p["PolicyArn"] for page in pages for p in page["AttachedPolicies"]}


def test_every_nodegroup_has_imdsv2_with_one_hop_and_no_ssm_by_default(workspace, provider, aws, one_item_pages):
    workspace.write({"main.tf": provider() + config()})
    workspace.apply()
    eks, ec2 = aws.client("eks"), aws.client("ec2")
    pages = eks.get_paginator("list_nodegroups").paginate(clusterName="analytics")
    groups = [g for page in pages for g in page["nodegroups"]]
    assert len(groups) == 2 and any(g.startswith("tooling-") for g in groups), groups
    for name in groups:
        group = eks.describe_nodegroup(clusterName="analytics", nodegroupName=name)["nodegroup"]
        template = group.get("launchTemplate")
        assert template, f"nodegroup {name} has no launch template"
        (version,) = ec2.describe_launch_template_versions(
            LaunchTemplateId=template["id"], Versions=["$Latest"]
        )["LaunchTemplateVersions"]
        data = version["LaunchTemplateData"]
        assert data["MetadataOptions"]["HttpTokens"] == "required", name
        assert data["MetadataOptions"]["HttpPutResponseHopLimit"] == 1, name
        (root,) = data["BlockDeviceMappings"]
        assert root["Ebs"]["Encrypted"] is True, name
    assert SSM not in node_role_policies(aws, workspace)

    # Asked for, Session Manager's policy is attached; no longer asked, detached.
    workspace.write({"main.tf": provider() + config("  node_ssm_access = true\n")})
    workspace.apply()
    assert SSM in node_role_policies(aws, workspace)
    workspace.write({"main.tf": provider() + config()})
    workspace.apply()
    assert SSM not in node_role_policies(aws, workspace)

    workspace.destroy()
    assert aws.leftovers() == {}
