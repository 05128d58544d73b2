"""emreks_nodegroup through real Terraform against the emulator."""

import pytest

from conftest import ADMIN_ROLE
from harness.terraform import Workspace

PLATFORM = f'''
resource "emreks_platform" "p" {{
  name               = "analytics"
  eks_admin_role_arn = "{ADMIN_ROLE}"
  vpc_cidr           = "10.0.0.0/16"
  availability_zones = ["eu-west-1a", "eu-west-1b", "eu-west-1c"]
}}
'''

# The reference's per-AZ groups: five role presets in each of three zones.
REFERENCE_GROUPS = '''
locals {
  roles = ["critical", "non_critical_driver", "non_critical_executor", "notebook_driver", "notebook_executor"]
  zones = ["a", "b", "c"]
  groups = { for pair in setproduct(local.roles, local.zones) : "${replace(pair[0], "_", "-")}-${pair[1]}" => {
    role = pair[0]
    zone = "eu-west-1${pair[1]}"
  } }
}

resource "emreks_nodegroup" "spark" {
  for_each          = local.groups
  platform_id       = emreks_platform.p.id
  name              = each.key
  role              = each.value.role
  availability_zone = each.value.zone
}
'''


def group(name="extra", extra=""):
    return f'''
resource "emreks_nodegroup" "{name}" {{
  platform_id       = emreks_platform.p.id
  name              = "{name}"
  role              = "critical"
  availability_zone = "eu-west-1a"
{extra}}}
'''


def asg_tags(aws, values):
    (asg,) = values["autoscaling_group_names"]
    tags = aws.client("autoscaling").describe_tags(Filters=[{"Name": "auto-scaling-group", "Values": [asg]}])["Tags"]
    return {t["Key"]: t["Value"] for t in tags}


def test_reference_groups_resize_replace_drift_destroy(workspace, provider, aws):
    workspace.write({"main.tf": provider() + PLATFORM + REFERENCE_GROUPS})
    workspace.apply()
    eks = aws.client("eks")
    groups = eks.list_nodegroups(clusterName="analytics")["nodegroups"]
    assert len([g for g in groups if not g.startswith("tooling-")]) == 15

    state = workspace.state()["values"]["root_module"]["resources"]
    by_name = {r["values"]["name"]: r["values"] for r in state if r["type"] == "emreks_nodegroup"}
    critical = by_name["critical-a"]
    described = eks.describe_nodegroup(clusterName="analytics", nodegroupName="critical-a")["nodegroup"]
    assert described["subnets"] == [critical["subnet_id"]]
    assert described["capacityType"] == "ON_DEMAND" and described["instanceTypes"] == ["m6gd.8xlarge"]
    assert described["scalingConfig"] == {"minSize": 0, "maxSize": 100, "desiredSize": 0}
    assert critical["resolved_labels"] == {"role": "critical", "node-lifecycle": "on-demand"}
    spot = by_name["notebook-executor-b"]
    tags = asg_tags(aws, spot)
    assert tags["k8s.io/cluster-autoscaler/enabled"] == "true"
    assert tags["k8s.io/cluster-autoscaler/analytics"] == "owned"
    assert tags["k8s.io/cluster-autoscaler/node-template/label/spark-role"] == "executor"
    assert tags["k8s.io/cluster-autoscaler/node-template/taint/node-lifecycle"] == "spot:NoSchedule"
    template = aws.client("ec2").describe_launch_template_versions(LaunchTemplateId=critical["launch_template_id"])
    data = template["LaunchTemplateVersions"][0]["LaunchTemplateData"]
    assert data["MetadataOptions"]["HttpTokens"] == "required"

    assert workspace.plan().code == 0

    # In place: sizes and a label; the ASG tags follow.
    resized = REFERENCE_GROUPS.replace(
        "  availability_zone = each.value.zone\n",
        '  availability_zone = each.value.zone\n  max_size          = each.value.role == "critical" ? 20 : null\n'
        '  labels            = each.value.role == "critical" ? { team = "risk" } : null\n',
    )
    workspace.write({"main.tf": provider() + PLATFORM + resized})
    plan = workspace.plan_json()
    actions = {c["address"]: c["change"]["actions"] for c in plan["resource_changes"]}
    assert actions['emreks_nodegroup.spark["critical-a"]'] == ["update"]
    assert actions['emreks_nodegroup.spark["notebook-driver-a"]'] == ["no-op"]
    workspace.apply()
    described = eks.describe_nodegroup(clusterName="analytics", nodegroupName="critical-a")["nodegroup"]
    assert described["scalingConfig"]["maxSize"] == 20 and described["labels"]["team"] == "risk"
    assert asg_tags(aws, critical)["k8s.io/cluster-autoscaler/node-template/label/team"] == "risk"
    assert workspace.plan().code == 0

    # Replacement: instance types.
    replaced = resized.replace(
        "  role              = each.value.role\n",
        '  role              = each.value.role\n  instance_types    = each.value.role == "critical" ? ["m6gd.4xlarge"] : null\n',
    )
    workspace.write({"main.tf": provider() + PLATFORM + replaced})
    plan = workspace.plan_json()
    (change,) = [c for c in plan["resource_changes"] if c["address"] == 'emreks_nodegroup.spark["critical-b"]']
    assert change["change"]["actions"] == ["delete", "create"]
    assert ["instance_types"] in change["change"]["replace_paths"]

    # Drift: a group deleted outside Terraform is planned again.
    workspace.write({"main.tf": provider() + PLATFORM + resized})
    eks.delete_nodegroup(clusterName="analytics", nodegroupName="notebook-driver-c")
    plan = workspace.plan_json()
    actions = {c["address"]: c["change"]["actions"] for c in plan["resource_changes"]}
    assert actions['emreks_nodegroup.spark["notebook-driver-c"]'] == ["create"]
    workspace.apply()

    workspace.destroy()
    assert aws.leftovers() == {}


def test_import(workspace, provider, aws, tmp_path):
    config = provider() + PLATFORM + group(extra='  labels = { team = "risk" }\n  tags = { owner = "tests" }\n')
    workspace.write({"main.tf": config})
    workspace.apply()
    imported = Workspace(tmp_path / "imported", endpoint=aws.url)
    imported.write({"main.tf": provider() + group(extra='  labels = { team = "risk" }\n  tags = { owner = "tests" }\n').replace("emreks_platform.p.id", '"analytics"')})
    imported.run("import", "-no-color", "emreks_nodegroup.extra", "analytics:extra")
    result = imported.plan()
    assert result.code == 0, result.output
    workspace.destroy()
    assert aws.leftovers() == {}


BAD = {
    "zone": ('  availability_zone = "eu-west-1a"\n', '  availability_zone = "eu-west-1d"\n', "availability_zone"),
    "instance": ("  role ", '  instance_types = ["m9.huge"]\n  role ', "not offered"),
    "min-max": ("  role ", "  min_size = 5\n  max_size = 2\n  role ", "min_size"),
    "desired": ("  role ", "  desired_size = 50\n  max_size = 10\n  role ", "desired_size"),
    "arch": ("  role ", '  ami_type = "AL2023_x86_64_STANDARD"\n  role ', "architecture"),
    "label": ("  role ", '  labels = { "-bad" = "x" }\n  role ', "Invalid label key"),
    "effect": ("  role ", '  taints = [{ key = "a", value = "b", effect = "Sometimes" }]\n  role ', "Invalid taint effect"),
}


@pytest.mark.parametrize("case", sorted(BAD))
def test_bad_input_names_the_attribute(workspace, provider, aws, case):
    old, new, words = BAD[case]
    config = provider() + PLATFORM + group().replace(old, new, 1)
    workspace.write({"main.tf": config})
    result = workspace.plan()
    if case in ("zone", "instance", "arch"):
        # Checked against AWS once the platform exists.
        workspace.write({"main.tf": provider() + PLATFORM})
        workspace.apply()
        workspace.write({"main.tf": config})
        result = workspace.plan()
        workspace.write({"main.tf": provider() + PLATFORM})
        workspace.destroy()
    assert result.code == 1, result.output
    assert words in result.output, result.output


def test_spot_with_one_instance_type_warns(workspace, provider):
    config = provider() + PLATFORM + group(extra='  capacity_type = "SPOT"\n  instance_types = ["m6g.8xlarge"]\n').replace('role              = "critical"', 'role              = "non_critical_executor"')
    workspace.write({"main.tf": config})
    result = workspace.plan()
    assert "Spot with a single instance type" in result.output


WALKTHROUGH_PROFILE = PLATFORM.replace(
    '  availability_zones = ["eu-west-1a", "eu-west-1b", "eu-west-1c"]\n',
    '  availability_zones = ["eu-west-1a", "eu-west-1b", "eu-west-1c"]\n'
    '  virtual_clusters = { batchjob = { namespace = "batchjob" } }\n'
    '  execution_roles  = { jobs = { namespaces = ["batchjob"], policy = null, trust = "irsa" } }\n'
    '  job_profile "critical" {\n'
    '    virtual_cluster = "batchjob"\n'
    '    execution_role  = "jobs"\n'
    '    executor_cores  = 8\n'
    '    executor_memory = "28g"\n'
    '  }\n',
)


def test_sizing_warns_about_the_walkthrough_executor(workspace, provider, aws):
    workspace.write({"main.tf": provider() + WALKTHROUGH_PROFILE})
    workspace.apply()
    workspace.write({"main.tf": provider() + WALKTHROUGH_PROFILE + group(extra='  instance_types = ["m6g.xlarge"]\n')})
    result = workspace.plan()
    assert result.code == 2, result.output
    words = " ".join(result.output.split())
    assert "m6g.xlarge does not suit the critical pods" in words
    assert "8 cores, 28g" in words
    plan = workspace.plan_json()
    (change,) = [c for c in plan["resource_changes"] if c["address"] == "emreks_nodegroup.extra"]
    assert change["change"]["after"]["pods_per_node"] == {"m6g.xlarge": 0}
    workspace.write({"main.tf": provider() + WALKTHROUGH_PROFILE})
    workspace.destroy()
    assert aws.leftovers() == {}


def test_reference_critical_profile_fits_its_nodes(workspace, provider, aws):
    workspace.write({"main.tf": provider() + PLATFORM})
    workspace.apply()
    workspace.write({"main.tf": provider() + PLATFORM + group()})
    result = workspace.plan()
    assert result.code == 2, result.output
    assert "does not suit" not in result.output
    plan = workspace.plan_json()
    (change,) = [c for c in plan["resource_changes"] if c["address"] == "emreks_nodegroup.extra"]
    assert change["change"]["after"]["pods_per_node"] == {"m6gd.8xlarge": 4}
    workspace.write({"main.tf": provider() + PLATFORM})
    workspace.destroy()
    assert aws.leftovers() == {}
