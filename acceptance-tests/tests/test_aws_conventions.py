"""What users copy from the hashicorp/aws provider and the walkthrough works
as written: the `default_tags` block, the EKS spelling of taint effects, the
walkthrough's managed endpoint name, and GPU nodegroups on an NVIDIA AMI."""

import shutil

import pytest

from conftest import ADMIN_ROLE
from harness.terraform import REPO

PLATFORM = f'''
resource "emreks_platform" "p" {{
  name               = "analytics"
  eks_admin_role_arn = "{ADMIN_ROLE}"
  vpc_cidr           = "10.0.0.0/16"
  availability_zones = ["eu-west-1a", "eu-west-1b"]
}}
'''


def custom_group(name, instance_type, ami_line="", effect="NO_SCHEDULE"):
    return f'''
resource "emreks_nodegroup" "{name}" {{
  platform_id       = emreks_platform.p.id
  name              = "{name}"
  role              = "custom"
  availability_zone = "eu-west-1a"
  instance_types    = ["{instance_type}"]
{ami_line}  taints            = [{{ key = "nvidia.com/gpu", effect = "{effect}" }}]
}}

output "{name}" {{
  value = emreks_nodegroup.{name}
}}
'''


def test_default_tags_map_form_is_answered_with_the_block_form(workspace, provider):
    workspace.write({"main.tf": provider(extra='  default_tags = { team = "data" }\n') + PLATFORM})
    result = workspace.plan()
    assert result.code == 1
    assert "default_tags" in result.output and "block" in result.output


def test_gpu_instance_type_on_a_standard_ami_fails_the_plan(workspace, provider):
    workspace.write({"main.tf": provider() + PLATFORM + custom_group("gpu", "g5.xlarge")})
    result = workspace.plan()
    assert result.code == 1
    assert "ami_type" in result.output and "AL2023_x86_64_NVIDIA" in result.output
    workspace.write({"main.tf": provider() + PLATFORM + custom_group("gpu", "g5.xlarge", '  ami_type          = "BOTTLEROCKET_x86_64"\n')})
    result = workspace.plan()
    assert result.code == 1
    assert "BOTTLEROCKET_x86_64" in result.output and "NVIDIA" in result.output


def test_gpu_nodegroup_on_an_nvidia_ami_type(workspace, provider, aws):
    config = PLATFORM + custom_group("gpu", "g5.xlarge", '  ami_type          = "AL2023_x86_64_NVIDIA"\n')
    workspace.write({"main.tf": provider() + config})
    workspace.apply()
    values = workspace.outputs()["gpu"]
    group = aws.client("eks").describe_nodegroup(clusterName="analytics", nodegroupName="gpu")["nodegroup"]
    assert group["amiType"] == "AL2023_x86_64_NVIDIA"
    assert {"key": "nvidia.com/gpu", "effect": "NO_SCHEDULE"} in [
        {k: t[k] for k in ("key", "effect")} for t in group["taints"]
    ]
    assert values["ami_type"] == "AL2023_x86_64_NVIDIA"
    assert workspace.plan().code == 0
    workspace.destroy()
    assert aws.leftovers() == {}


def test_kubernetes_taint_spelling_still_works_with_a_deprecation_warning(workspace, provider):
    workspace.write({"main.tf": provider() + PLATFORM + custom_group("big", "r6i.2xlarge", effect="NoSchedule")})
    result = workspace.run("validate", "-no-color")
    assert "Deprecated taint effect spelling" in result.output and "NO_SCHEDULE" in result.output
    workspace.write({"main.tf": provider() + PLATFORM + custom_group("big", "r6i.2xlarge")})
    result = workspace.run("validate", "-no-color")
    assert "Deprecated" not in result.output


@pytest.fixture
def analyst(aws):
    aws.client("iam").create_user(UserName="analyst")
    aws.mark_baseline()
    return aws


def test_managed_endpoint_named_as_the_walkthrough_names_it(workspace, provider, analyst):
    config = f'''
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
    name      = "platform"
    auth_mode = "IAM"
  }}
}}

resource "emreks_notebook_user" "analyst" {{
  platform_id       = emreks_platform.p.id
  identity_name     = "analyst"
  managed_endpoints = [{{ name = "platform-myendpoint", execution_role = "notebooks" }}]
}}

output "analyst" {{
  value = emreks_notebook_user.analyst
}}
'''
    workspace.write({"main.tf": provider() + config})
    workspace.apply()
    values = workspace.outputs()["analyst"]
    assert list(values["managed_endpoint_ids"]) == ["platform-myendpoint"]
    emr = analyst.client("emr-containers")
    (vc,) = emr.list_virtual_clusters(containerProviderId="analytics", states=["RUNNING"])["virtualClusters"]
    listed = emr.list_managed_endpoints(virtualClusterId=vc["id"], states=["ACTIVE"])["endpoints"]
    assert [e["name"] for e in listed] == ["platform-myendpoint"]
    assert workspace.plan().code == 0
    workspace.destroy()
    assert analyst.leftovers() == {}


def module_call(extra):
    return f'''
module "spark" {{
  source             = "./modules/spark-platform"
  name               = "risk"
  admin_role_arn     = "{ADMIN_ROLE}"
  availability_zones = ["eu-west-1a", "eu-west-1b"]
  node_roles         = ["critical"]
{extra}}}
'''


def planned_platform(workspace):
    plan = workspace.plan_json()
    (change,) = [c for c in plan["resource_changes"] if c["address"] == "module.spark.emreks_platform.this"]
    return change["change"]["after"]


def test_example_module_takes_the_network_choices(workspace, provider, aws):
    shutil.copytree(REPO / "examples" / "modules", workspace.directory / "modules")
    workspace.write({"main.tf": provider() + module_call('  vpc_cidr           = "10.20.0.0/16"\n')})
    workspace.run("init", "-backend=false", "-no-color")
    after = planned_platform(workspace)
    assert after["vpc_cidr"] == "10.20.0.0/16"
    assert after["subnet_ids"] is None

    ec2 = aws.client("ec2")
    vpc = ec2.create_vpc(CidrBlock="10.30.0.0/16")["Vpc"]["VpcId"]
    subnets = [
        ec2.create_subnet(VpcId=vpc, CidrBlock=f"10.30.{i}.0/24", AvailabilityZone=zone)["Subnet"]["SubnetId"]
        for i, zone in enumerate(["eu-west-1a", "eu-west-1b"])
    ]
    listed = ", ".join(f'"{s}"' for s in subnets)
    workspace.write({"main.tf": provider() + module_call(f"  subnet_ids         = [{listed}]\n")})
    after = planned_platform(workspace)
    assert after["subnet_ids"] == subnets
    assert after["vpc_cidr"] is None and after["availability_zones"] is None

    workspace.write({"main.tf": provider() + module_call(f'  subnet_ids         = ["{subnets[0]}"]\n')})
    result = workspace.plan()
    assert result.code == 1 and "one subnet per availability zone" in result.output
