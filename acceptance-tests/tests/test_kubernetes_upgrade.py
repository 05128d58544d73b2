"""Raising kubernetes_version: the control plane one minor version up, the
add-ons to EKS's default versions for the new version (read from
DescribeAddonVersions, as a rule), the tooling nodegroup to the new version,
and a plan warning that the Spark nodegroups follow on their own update."""

from conftest import ADMIN_ROLE


def platform(version):
    return f'''
resource "emreks_platform" "p" {{
  name                         = "upgraded"
  kubernetes_version           = "{version}"
  eks_admin_role_arn           = "{ADMIN_ROLE}"
  vpc_cidr                     = "10.0.0.0/16"
  availability_zones           = ["eu-west-1a", "eu-west-1b"]
  endpoint_public_access_cidrs = ["127.0.0.1/32"]
}}

output "addon_versions" {{
  value = emreks_platform.p.addon_versions
}}
'''


def defaults(eks, version):
    """EKS's default version of each add-on for a Kubernetes version."""
    found = {}
    for page in eks.get_paginator("describe_addon_versions").paginate(kubernetesVersion=version):
        for addon in page["addons"]:
            for candidate in addon["addonVersions"]:
                if any(c["clusterVersion"] == version and c["defaultVersion"] for c in candidate["compatibilities"]):
                    found[addon["addonName"]] = candidate["addonVersion"]
    return found


def test_raising_the_version_upgrades_cluster_addons_and_tooling(workspace, provider, aws):
    eks = aws.client("eks")
    workspace.write({"main.tf": provider() + platform("1.32")})
    workspace.apply()
    installed = workspace.outputs()["addon_versions"]
    assert installed == {name: defaults(eks, "1.32")[name] for name in installed}
    (tooling,) = eks.list_nodegroups(clusterName="upgraded")["nodegroups"]
    assert eks.describe_nodegroup(clusterName="upgraded", nodegroupName=tooling)["nodegroup"]["version"] == "1.32"

    workspace.write({"main.tf": provider() + platform("1.33")})
    plan = workspace.plan()
    assert plan.code == 2, plan.output
    assert "Spark nodegroups follow the Kubernetes upgrade on their own update" in plan.output
    workspace.apply()

    assert eks.describe_cluster(name="upgraded")["cluster"]["version"] == "1.33"
    wanted = defaults(eks, "1.33")
    upgraded = workspace.outputs()["addon_versions"]
    assert upgraded == {name: wanted[name] for name in upgraded}
    assert upgraded != installed  # the catalogue's defaults differ between the two
    for name, version in upgraded.items():
        assert eks.describe_addon(clusterName="upgraded", addonName=name)["addon"]["addonVersion"] == version
    group = eks.describe_nodegroup(clusterName="upgraded", nodegroupName=tooling)["nodegroup"]
    assert group["version"] == "1.33" and group["status"] == "ACTIVE"
    assert workspace.plan().code == 0

    workspace.destroy()
    assert aws.leftovers() == {}
