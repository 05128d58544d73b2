"""What EMR on EKS needs installed on the cluster, through real Terraform:
AWS Load Balancer Controller (for the managed endpoints' ingress) and the
VPC CNI's and EBS CSI driver's permissions, each on its own role through
EKS Pod Identity, and all of it gone after destroy."""

import json

import pytest

from conftest import ADMIN_ROLE

PLATFORM = f'''
resource "emreks_platform" "p" {{
  name               = "analytics"
  eks_admin_role_arn = "{ADMIN_ROLE}"
  vpc_cidr           = "10.0.0.0/16"
  availability_zones = ["eu-west-1a", "eu-west-1b"]
  virtual_clusters = {{
    emrvcplatform = {{ namespace = "dataanalysis" }}
  }}
  execution_roles = {{
    notebooks = {{ namespaces = ["dataanalysis"], policy = null, trust = "irsa" }}
  }}
  studio {{
    name            = "platform"
    auth_mode       = "IAM"
    virtual_cluster = "emrvcplatform"
  }}
}}

resource "emreks_notebook_user" "analyst" {{
  platform_id   = emreks_platform.p.id
  identity_name = "analyst"
  managed_endpoints = [
    {{ name = "myendpoint", release_label = null, execution_role = "notebooks", configuration_overrides = null }}
  ]
}}

output "node_role_arn" {{
  value = emreks_platform.p.node_role_arn
}}
'''

CONTROLLER_SA = ("kube-system", "aws-load-balancer-controller")
CNI_SA = ("kube-system", "aws-node")
EBS_SA = ("kube-system", "ebs-csi-controller-sa")


@pytest.fixture
def analyst(aws):
    aws.client("iam").create_user(UserName="analyst")
    aws.mark_baseline()
    return aws


def associations(aws):
    """(namespace, service account) → the role its pod identity association names."""
    eks = aws.client("eks")
    listed = eks.list_pod_identity_associations(clusterName="analytics")["associations"]
    out = {}
    for summary in listed:
        described = eks.describe_pod_identity_association(
            clusterName="analytics", associationId=summary["associationId"]
        )["association"]
        out[(summary["namespace"], summary["serviceAccount"])] = described["roleArn"].rsplit("/", 1)[-1]
    return out


def managed_policies(iam, role):
    return sorted(p["PolicyArn"].split(":policy/", 1)[1] for p in iam.list_attached_role_policies(RoleName=role)["AttachedPolicies"])


def test_controller_and_addon_roles_through_pod_identity(workspace, provider, analyst):
    aws = analyst
    workspace.write({"main.tf": provider() + PLATFORM})
    workspace.apply()
    iam = aws.client("iam")

    linked = associations(aws)
    for service_account in (CONTROLLER_SA, CNI_SA, EBS_SA):
        assert service_account in linked, service_account
    roles = {sa: linked[sa] for sa in (CONTROLLER_SA, CNI_SA, EBS_SA)}
    assert len(set(roles.values())) == 3, "each on a role of its own"
    for role in roles.values():
        trust = iam.get_role(RoleName=role)["Role"]["AssumeRolePolicyDocument"]
        (statement,) = trust["Statement"]
        assert statement["Principal"] == {"Service": "pods.eks.amazonaws.com"}
        tags = {t["Key"]: t["Value"] for t in iam.list_role_tags(RoleName=role)["Tags"]}
        assert any("analytics" in value for value in tags.values()), tags

    # The VPC CNI's permissions are on aws-node's role, not on the nodes'.
    assert managed_policies(iam, roles[CNI_SA]) == ["AmazonEKS_CNI_Policy"]
    assert managed_policies(iam, roles[EBS_SA]) == ["service-role/AmazonEBSCSIDriverPolicy"]
    node_role = workspace.outputs()["node_role_arn"].rsplit("/", 1)[-1]
    assert "AmazonEKS_CNI_Policy" not in managed_policies(iam, node_role)

    # The controller's own policy: it may make load balancers, but delete
    # only those carrying its cluster tag.
    (name,) = iam.list_role_policies(RoleName=roles[CONTROLLER_SA])["PolicyNames"]
    policy = iam.get_role_policy(RoleName=roles[CONTROLLER_SA], PolicyName=name)["PolicyDocument"]
    text = json.dumps(policy)
    assert "elasticloadbalancing:CreateLoadBalancer" in text
    deleting = [s for s in policy["Statement"] if "elasticloadbalancing:DeleteLoadBalancer" in s["Action"]]
    assert deleting and all("Condition" in s for s in deleting)

    # Its Kubernetes objects, and the add-on that hands out the credentials.
    inventory = aws.inventory()
    assert "kube-system/aws-load-balancer-controller" in inventory["k8s:analytics/deployments"]
    assert "kube-system/aws-load-balancer-controller" in inventory["k8s:analytics/serviceaccounts"]
    assert "kube-system/aws-load-balancer-tls" in inventory["k8s:analytics/secrets"]
    assert "alb" in inventory["k8s:analytics/ingressclasses"]
    assert sorted(inventory["k8s:analytics/customresourcedefinitions"]) == [
        "ingressclassparams.elbv2.k8s.aws",
        "targetgroupbindings.elbv2.k8s.aws",
    ]
    assert "analytics/eks-pod-identity-agent" in inventory["eks:addon"]

    # Nothing changes on a second look; a second apply keeps the webhook
    # certificate (a new one would restart the controller).
    assert workspace.plan().code == 0

    workspace.destroy()
    assert aws.leftovers() == {}


def test_deleted_association_comes_back(workspace, provider, analyst):
    aws = analyst
    workspace.write({"main.tf": provider() + PLATFORM})
    workspace.apply()
    eks = aws.client("eks")
    listed = eks.list_pod_identity_associations(
        clusterName="analytics", namespace="kube-system", serviceAccount="aws-node"
    )["associations"]
    (association,) = listed
    eks.delete_pod_identity_association(clusterName="analytics", associationId=association["associationId"])
    # A tag change makes Terraform apply the platform, which repairs what drifted.
    workspace.write({"main.tf": provider() + PLATFORM.replace('name               = "analytics"', 'name               = "analytics"\n  tags = { team = "data" }')})
    workspace.apply()
    assert CNI_SA in associations(aws)
    workspace.destroy()
    assert aws.leftovers() == {}
