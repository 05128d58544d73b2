"""emreks_platform with compute = "auto_mode" (EKS Auto Mode) through real Terraform: created
with Auto Mode's three capabilities and nothing of the managed-nodegroup layer, switched to and
from it in place, and what Auto Mode leaves no room for refused at plan time."""

from conftest import ADMIN_ROLE

ZONES = '["eu-west-1a", "eu-west-1b"]'
# What only a managed-nodegroup platform runs for its nodes.
MANAGED_ONLY_ROLES = ("-autoscaler-", "-lb-controller-", "-ebs-csi-", "-vpc-cni-")


def platform(compute: str | None, extra: str = "") -> str:
    setting = f'  compute            = "{compute}"\n' if compute else ""
    return f'''
resource "emreks_platform" "p" {{
  name               = "auto"
  kubernetes_version = "1.31"
  eks_admin_role_arn = "{ADMIN_ROLE}"
  vpc_cidr           = "10.0.0.0/16"
  availability_zones = {ZONES}
  virtual_clusters   = {{ batchjob = {{ namespace = "batchjob" }} }}
{setting}{extra}}}

output "p" {{
  value = emreks_platform.p
}}
'''


def auto_mode_on(cluster: dict) -> bool:
    flags = (
        cluster["computeConfig"]["enabled"],
        cluster["storageConfig"]["blockStorage"]["enabled"],
        cluster["kubernetesNetworkConfig"]["elasticLoadBalancing"]["enabled"],
    )
    assert len(set(flags)) == 1, flags
    return flags[0]


def managed_layer(inventory: dict) -> dict:
    """What of the managed-nodegroup layer the inventory holds."""
    roles = [r for r in inventory.get("iam:role", []) if any(m in r for m in MANAGED_ONLY_ROLES)]
    k8s = {k: v for k, v in inventory.items() if k.startswith("k8s:") and k != "k8s:auto/namespaces"}
    return {
        "nodegroups": inventory.get("eks:nodegroup", []),
        "addons": inventory.get("eks:addon", []),
        "launch templates": inventory.get("ec2:launch-template", []),
        "roles": roles,
        "kubernetes objects": k8s,
    }


def test_auto_mode_platform_applies_replans_clean_and_destroys(workspace, provider, aws):
    workspace.write({"main.tf": provider() + platform("auto_mode")})
    workspace.apply()
    values = workspace.outputs()["p"]
    assert values["compute"] == "auto_mode"
    assert values["tooling_nodegroup_name"] is None
    assert values["addon_versions"] is None
    role_name = values["auto_mode_node_role_name"]
    assert role_name.startswith("auto-auto-node-")
    assert values["auto_mode_node_role_arn"].endswith(f"/{role_name}")

    eks, iam = aws.client("eks"), aws.client("iam")
    cluster = eks.describe_cluster(name="auto")["cluster"]
    assert auto_mode_on(cluster)
    assert cluster["computeConfig"]["nodePools"] == ["system", "general-purpose"]
    assert cluster["computeConfig"]["nodeRoleArn"] == values["auto_mode_node_role_arn"]
    cluster_role = cluster["roleArn"].rsplit("/", 1)[-1]
    attached = {p["PolicyName"] for p in iam.list_attached_role_policies(RoleName=cluster_role)["AttachedPolicies"]}
    assert attached == {
        "AmazonEKSClusterPolicy",
        "AmazonEKSComputePolicy",
        "AmazonEKSBlockStoragePolicy",
        "AmazonEKSLoadBalancingPolicy",
        "AmazonEKSNetworkingPolicy",
    }
    node_policies = iam.list_attached_role_policies(RoleName=role_name)["AttachedPolicies"]
    assert {p["PolicyName"] for p in node_policies} == {
        "AmazonEKSWorkerNodeMinimalPolicy",
        "AmazonEC2ContainerRegistryPullOnly",
    }
    tags = {t["Key"]: t["Value"] for t in iam.list_role_tags(RoleName=role_name)["Tags"]}
    assert tags["emreks:platform"] == "auto" and any(k.startswith("emreks:owner") for k in tags), tags
    entry = eks.describe_access_entry(clusterName="auto", principalArn=values["auto_mode_node_role_arn"])
    assert entry["accessEntry"]["type"] == "EC2"

    inventory = aws.leftovers()
    assert managed_layer(inventory) == {
        "nodegroups": [],
        "addons": [],
        "launch templates": [],
        "roles": [],
        "kubernetes objects": {},
    }
    assert inventory["k8s:auto/namespaces"] == ["batchjob"]
    assert values["virtual_cluster_ids"]["batchjob"]

    assert workspace.plan().code == 0

    # Configurations that build on the platform read the same from the data source.
    reader = 'data "emreks_platform" "d" {\n  name = emreks_platform.p.name\n}\n\noutput "d" {\n  value = data.emreks_platform.d\n}\n'
    workspace.write({"main.tf": provider() + platform("auto_mode") + reader})
    workspace.apply()
    read = workspace.outputs()["d"]
    assert (read["compute"], read["auto_mode_node_role_name"], read["auto_mode_node_role_arn"]) == (
        "auto_mode",
        role_name,
        values["auto_mode_node_role_arn"],
    )
    workspace.destroy()
    assert aws.leftovers() == {}


def test_switching_to_auto_mode_and_back_in_place(workspace, provider, aws):
    workspace.write({"main.tf": provider() + platform(None)})
    workspace.apply()
    before = workspace.outputs()["p"]
    assert before["compute"] == "managed_nodegroups"
    assert before["auto_mode_node_role_arn"] is None
    assert managed_layer(aws.leftovers())["nodegroups"]

    workspace.write({"main.tf": provider() + platform("auto_mode")})
    plan = workspace.plan()
    assert plan.code == 2
    assert "compute changes on the running cluster" in plan.output
    assert "must be replaced" not in plan.output
    workspace.apply()
    after = workspace.outputs()["p"]
    assert after["cluster_arn"] == before["cluster_arn"]
    assert auto_mode_on(aws.client("eks").describe_cluster(name="auto")["cluster"])
    assert after["tooling_nodegroup_name"] is None and after["auto_mode_node_role_arn"]
    assert managed_layer(aws.leftovers()) == {
        "nodegroups": [],
        "addons": [],
        "launch templates": [],
        "roles": [],
        "kubernetes objects": {},
    }
    assert workspace.plan().code == 0

    # Back: AWS allows it (destructive: it terminates Auto Mode's nodes), and the plan says so.
    workspace.write({"main.tf": provider() + platform(None)})
    plan = workspace.plan()
    assert "terminates every node Auto Mode runs" in " ".join(plan.output.split())
    workspace.apply()
    back = workspace.outputs()["p"]
    assert back["compute"] == "managed_nodegroups"
    assert back["auto_mode_node_role_arn"] is None and back["tooling_nodegroup_name"]
    assert not auto_mode_on(aws.client("eks").describe_cluster(name="auto")["cluster"])
    roles = aws.leftovers()["iam:role"]
    assert not [r for r in roles if "-auto-node-" in r], roles
    assert workspace.plan().code == 0
    workspace.destroy()
    assert aws.leftovers() == {}


def test_auto_mode_refuses_tooling_and_batch_nodegroups_at_plan(workspace, provider, aws):
    workspace.write(
        {"main.tf": provider() + platform("auto_mode", '  tooling {\n    min_size = 1\n  }\n')}
    )
    result = workspace.plan()
    assert result.code == 1
    assert "tooling has no place with Auto Mode" in result.output

    workspace.write({"main.tf": provider() + platform("karpenter")})
    result = workspace.plan()
    assert result.code == 1 and "Invalid compute" in result.output

    workspace.write({"main.tf": provider() + platform("auto_mode")})
    workspace.apply()
    nodegroup = '''
resource "emreks_nodegroup" "spark" {
  platform_id       = emreks_platform.p.id
  name              = "critical"
  role              = "non_critical_driver"
  availability_zone = "eu-west-1a"
  instance_types    = ["m6i.xlarge"]
}
'''
    workspace.write({"main.tf": provider() + platform("auto_mode") + nodegroup})
    result = workspace.plan()
    assert result.code == 1
    assert "Platform runs EKS Auto Mode" in result.output
    # A notebook role is planned (a studio may come in the same apply), but without a studio
    # nothing would run its nodes: its create is refused before anything is made.
    notebooks = nodegroup.replace('"non_critical_driver"', '"notebook_driver"').replace('["m6i.xlarge"]', '["t3.large"]')
    workspace.write({"main.tf": provider() + platform("auto_mode") + notebooks})
    result = workspace.apply(check=False)
    assert result.code == 1
    assert "without a studio block" in " ".join(result.output.split())
    assert not aws.leftovers().get("eks:nodegroup")
    workspace.write({"main.tf": provider() + platform("auto_mode")})
    workspace.destroy()
    assert aws.leftovers() == {}


def test_an_imported_auto_mode_platform_plans_clean_and_destroys_its_node_role(workspace, provider, aws):
    workspace.write({"main.tf": provider() + platform("auto_mode")})
    workspace.apply()
    role_arn = workspace.outputs()["p"]["auto_mode_node_role_arn"]

    # Import rebuilds the private state from AWS, the Auto Mode node role among it.
    workspace.run("state", "rm", "emreks_platform.p")
    workspace.run("import", "-no-color", "emreks_platform.p", "auto")
    imported = workspace.resource("emreks_platform.p")
    assert imported["compute"] == "auto_mode"
    assert imported["auto_mode_node_role_arn"] == role_arn
    assert workspace.plan().code == 0
    workspace.destroy()
    assert aws.leftovers() == {}
