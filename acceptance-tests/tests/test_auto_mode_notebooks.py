"""Notebooks on an EKS Auto Mode platform through real Terraform: AWS documents interactive
endpoints on managed nodegroups only, so the Studio's notebooks run on notebook emreks_nodegroups,
and the platform runs what their nodes and endpoints need (the add-ons, Cluster Autoscaler, AWS
Load Balancer Controller on Auto Mode's system pool), and removes it with the Studio."""

import pytest

from conftest import ADMIN_ROLE
from test_node_pool import kube

NAME = "autonb"
STUDIO = '''
  studio {
    name            = "notebooks"
    auth_mode       = "IAM"
    virtual_cluster = "emrvcplatform"
  }
'''
NOTEBOOK_ADDONS = ["coredns", "eks-pod-identity-agent", "kube-proxy", "vpc-cni"]
CONTROLLERS = ("kube-system/cluster-autoscaler", "kube-system/aws-load-balancer-controller")


def platform(studio: bool = True, compute: str = "auto_mode") -> str:
    return f'''
resource "emreks_platform" "p" {{
  name               = "{NAME}"
  kubernetes_version = "1.31"
  eks_admin_role_arn = "{ADMIN_ROLE}"
  vpc_cidr           = "10.0.0.0/16"
  availability_zones = ["eu-west-1a", "eu-west-1b"]
  compute            = "{compute}"
  virtual_clusters   = {{ emrvcplatform = {{ namespace = "dataanalysis" }} }}
  execution_roles = {{
    notebooks = {{ namespaces = ["dataanalysis"], policy = null, trust = "irsa" }}
  }}
{STUDIO if studio else ""}}}

output "p" {{
  value = emreks_platform.p
}}
'''


def nodegroup(role: str) -> str:
    return f'''
resource "emreks_nodegroup" "{role}" {{
  platform_id       = emreks_platform.p.id
  name              = "{role.replace("_", "-")}-a"
  role              = "{role}"
  availability_zone = "eu-west-1a"
}}
'''


NOTEBOOKS = (
    nodegroup("notebook_driver")
    + nodegroup("notebook_executor")
    + '''
resource "emreks_notebook_user" "analyst" {
  platform_id       = emreks_platform.p.id
  identity_name     = "analyst"
  managed_endpoints = [
    { name = "analysis", release_label = null, execution_role = "notebooks", configuration_overrides = null }
  ]
}
'''
)


@pytest.fixture
def analyst(aws):
    aws.client("iam").create_user(UserName="analyst")
    aws.mark_baseline()
    return aws


def controller_pod(aws, name: str) -> dict:
    found = kube(aws, "GET", f"/apis/apps/v1/namespaces/kube-system/deployments/{name}", cluster=NAME)
    assert found.status_code == 200, found.text
    return found.json()["spec"]["template"]["spec"]


def notebook_stack(inventory: dict) -> dict:
    """What the platform runs for managed nodes, as the inventory holds it."""
    roles = inventory.get("iam:role", [])
    return {
        "nodegroups": sorted(inventory.get("eks:nodegroup", [])),
        "addons": sorted(inventory.get("eks:addon", [])),
        "controller roles": sorted(r for r in roles if "-autoscaler-" in r or "-lb-controller-" in r),
        "add-on roles": sorted(r for r in roles if "-vpc-cni-" in r or "-ebs-csi-" in r),
        "controllers": [d for d in inventory.get(f"k8s:{NAME}/deployments", []) if d in CONTROLLERS],
    }


def test_notebooks_on_auto_mode_apply_replan_refuse_batch_roles_and_go(workspace, provider, analyst):
    aws = analyst
    workspace.write({"main.tf": provider() + platform() + NOTEBOOKS})
    applied = workspace.apply()
    said = " ".join(applied.output.split())
    assert "Notebooks run on managed nodegroups" in said
    assert 'role = "notebook_driver"' in said

    values = workspace.outputs()["p"]
    assert values["compute"] == "auto_mode" and values["tooling_nodegroup_name"] is None
    assert sorted(values["addon_versions"]) == NOTEBOOK_ADDONS
    assert values["studio_id"]
    eks = aws.client("eks")
    for role in ("notebook_driver", "notebook_executor"):
        group = workspace.resource(f"emreks_nodegroup.{role}")
        described = eks.describe_nodegroup(clusterName=NAME, nodegroupName=group["name"])["nodegroup"]
        assert described["nodeRole"] == values["node_role_arn"]
    stack = notebook_stack(aws.leftovers())
    assert len(stack["nodegroups"]) == 2 and len(stack["addons"]) == len(NOTEBOOK_ADDONS)
    assert len(stack["controller roles"]) == 2 and len(stack["add-on roles"]) == 1, stack
    assert sorted(stack["controllers"]) == sorted(CONTROLLERS)
    # No tooling nodes: the controllers run on Auto Mode's system pool, and the load balancer
    # controller leaves Services to Auto Mode.
    for name in ("cluster-autoscaler", "aws-load-balancer-controller"):
        pod = controller_pod(aws, name)
        assert pod["nodeSelector"] == {"karpenter.sh/nodepool": "system"}
        assert [t["key"] for t in pod["tolerations"]] == ["CriticalAddonsOnly"]
    args = controller_pod(aws, "aws-load-balancer-controller")["containers"][0]["args"]
    assert "--feature-gates=EnableServiceController=false" in args
    assert workspace.resource("emreks_notebook_user.analyst")["managed_endpoint_ids"]["analysis"]

    assert workspace.plan().code == 0

    # A batch role has no nodegroup on Auto Mode: the plan points to emreks_node_pool.
    workspace.write({"main.tf": provider() + platform() + NOTEBOOKS + nodegroup("non_critical_driver")})
    refused = workspace.plan()
    assert refused.code == 1
    said = " ".join(refused.output.split())
    assert "Platform runs EKS Auto Mode" in said and "emreks_node_pool" in said
    assert 'with emreks_nodegroup.non_critical_driver' in said and 'role' in said
    # The batch profiles run on node pools here: only the notebooks' placement is checked.
    assert "No nodegroup for the" not in said

    workspace.write({"main.tf": provider() + platform() + NOTEBOOKS})
    workspace.destroy()
    assert aws.leftovers() == {}


def test_removing_the_studio_and_switching_compute_leave_nothing_behind(workspace, provider, analyst):
    aws = analyst
    workspace.write({"main.tf": provider() + platform() + NOTEBOOKS})
    workspace.apply()

    # Back to managed nodegroups with the Studio: the controllers move to the tooling nodes,
    # the EBS CSI driver comes; then to Auto Mode again: the tooling nodegroup and the driver go.
    workspace.write({"main.tf": provider() + platform(compute="managed_nodegroups") + NOTEBOOKS})
    workspace.apply()
    managed = workspace.outputs()["p"]
    assert managed["tooling_nodegroup_name"] and len(managed["addon_versions"]) == 5
    pod = controller_pod(aws, "aws-load-balancer-controller")
    assert pod["nodeSelector"] == {"role": "tooling"} and not pod.get("tolerations")
    assert not [a for a in pod["containers"][0]["args"] if "feature-gates" in a]
    assert workspace.plan().code == 0
    workspace.write({"main.tf": provider() + platform() + NOTEBOOKS})
    workspace.apply()
    auto = workspace.outputs()["p"]
    assert auto["tooling_nodegroup_name"] is None and sorted(auto["addon_versions"]) == NOTEBOOK_ADDONS
    stack = notebook_stack(aws.leftovers())
    assert len(stack["nodegroups"]) == 2 and len(stack["add-on roles"]) == 1, stack
    assert not aws.leftovers().get("ec2:launch-template", [])[2:], "only the notebook nodegroups' templates"
    assert workspace.plan().code == 0

    # Without the Studio (and its notebook resources) nothing of the notebook stack is left.
    workspace.write({"main.tf": provider() + platform(studio=False)})
    removed = workspace.apply()
    assert "Notebook nodegroups lose what they run on" in removed.output
    assert workspace.outputs()["p"]["addon_versions"] is None
    assert notebook_stack(aws.leftovers()) == {
        "nodegroups": [],
        "addons": [],
        "controller roles": [],
        "add-on roles": [],
        "controllers": [],
    }
    assert not aws.leftovers().get("ec2:launch-template")
    assert workspace.plan().code == 0
    workspace.destroy()
    assert aws.leftovers() == {}
