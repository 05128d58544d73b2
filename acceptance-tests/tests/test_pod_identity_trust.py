"""Pod Identity roles' trust through real Terraform against the emulator:
bound, by the session tags EKS Pod Identity sets, to the platform's cluster
and to the namespaces and service accounts of the role's associations."""

from conftest import ADMIN_ROLE

CONFIG = f'''
resource "emreks_platform" "p" {{
  name               = "analytics"
  eks_admin_role_arn = "{ADMIN_ROLE}"
  vpc_cidr           = "10.0.0.0/16"
  availability_zones = ["eu-west-1a", "eu-west-1b"]
  virtual_clusters = {{
    batchjob = {{ namespace = "batchjob" }}
  }}
  execution_roles = {{
    jobs = {{ namespaces = ["batchjob"], policy = null, trust = "pod_identity" }}
  }}
}}
'''


def as_list(value):
    return value if isinstance(value, list) else [value]


def test_pod_identity_roles_trust_only_their_associations(workspace, provider, aws):
    workspace.write({"main.tf": provider() + CONFIG})
    workspace.apply()
    state = workspace.resource("emreks_platform.p")
    eks, iam = aws.client("eks"), aws.client("iam")
    listed = eks.list_pod_identity_associations(clusterName="analytics")["associations"]
    associations = [
        eks.describe_pod_identity_association(clusterName="analytics", associationId=a["associationId"])["association"]
        for a in listed
    ]
    by_role = {}
    for association in associations:
        by_role.setdefault(association["roleArn"], []).append(association)
    # The job execution role, and the Cluster Autoscaler's, the VPC CNI's,
    # the EBS CSI driver's and the load balancer controller's.
    assert state["execution_role_arns"]["jobs"] in by_role and len(by_role) == 5, by_role
    for role_arn, bound in by_role.items():
        trust = iam.get_role(RoleName=role_arn.rsplit("/", 1)[-1])["Role"]["AssumeRolePolicyDocument"]
        (statement,) = trust["Statement"]
        assert statement["Principal"] == {"Service": "pods.eks.amazonaws.com"}
        assert sorted(statement["Action"]) == ["sts:AssumeRole", "sts:TagSession"]
        equals = statement["Condition"]["StringEquals"]
        assert equals["aws:RequestTag/eks-cluster-arn"] == state["cluster_arn"]
        for association in bound:
            assert association["namespace"] in as_list(equals["aws:RequestTag/kubernetes-namespace"])
            assert association["serviceAccount"] in as_list(equals["aws:RequestTag/kubernetes-service-account"])
    workspace.destroy()
    assert aws.leftovers() == {}
