"""The control-plane log group `/aws/eks/<name>/cluster`: made by the
platform before the cluster, with its retention and tags, changed in place,
and deleted with the platform (EKS would make it without retention and
leave it behind)."""

from conftest import ADMIN_ROLE

GROUP = "/aws/eks/logged/cluster"


def platform(retention):
    return f'''
resource "emreks_platform" "p" {{
  name                         = "logged"
  kubernetes_version           = "1.31"
  eks_admin_role_arn           = "{ADMIN_ROLE}"
  vpc_cidr                     = "10.0.0.0/16"
  availability_zones           = ["eu-west-1a", "eu-west-1b"]
  endpoint_public_access_cidrs = ["127.0.0.1/32"]
  log_retention_days           = {retention}
}}
'''


def cluster_group(logs):
    groups = logs.describe_log_groups(logGroupNamePrefix=GROUP)["logGroups"]
    return next((g for g in groups if g["logGroupName"] == GROUP), None)


def test_cluster_log_group_has_the_retention_and_goes_with_the_platform(workspace, provider, aws):
    logs = aws.client("logs")
    workspace.write({"main.tf": provider() + platform(14)})
    workspace.apply()
    group = cluster_group(logs)
    assert group is not None and group.get("retentionInDays") == 14
    tags = logs.list_tags_for_resource(resourceArn=group["arn"].removesuffix(":*"))["tags"]
    assert tags.get("emreks:platform") == "logged"

    assert workspace.plan().code == 0

    workspace.write({"main.tf": provider() + platform(60)})
    workspace.apply()
    assert cluster_group(logs).get("retentionInDays") == 60
    assert workspace.plan().code == 0

    # A retention changed outside Terraform is drift the next apply repairs.
    logs.put_retention_policy(logGroupName=GROUP, retentionInDays=7)
    assert workspace.plan().code == 2
    workspace.apply()
    assert cluster_group(logs).get("retentionInDays") == 60

    workspace.destroy()
    assert cluster_group(logs) is None
    assert aws.leftovers() == {}
