"""What EMR on EKS documents for interactive endpoints, said at plan time
rather than by an endpoint that ends FAILED: notebook nodes must be x86 (no
ARM Amazon Linux AMIs), and a Studio's gateway pods may land on the tooling
nodes."""

from conftest import ADMIN_ROLE


def test_arm_notebook_nodegroup_is_refused_at_plan(workspace, provider):
    workspace.write({"main.tf": provider() + '''
resource "emreks_nodegroup" "n" {
  platform_id       = "analytics"
  name              = "notebook-exec-a"
  role              = "notebook_executor"
  availability_zone = "eu-west-1a"
  ami_type          = "AL2023_ARM_64_STANDARD"
}
'''})
    plan = workspace.plan()
    assert plan.code == 1
    output = " ".join(plan.output.split())
    assert "Notebook nodes must be x86" in output
    assert "ami_type" in output and "AL2023_x86_64_STANDARD" in output


def test_arm_tooling_with_a_studio_warns_at_plan(workspace, provider):
    workspace.write({"main.tf": provider() + f'''
resource "emreks_platform" "p" {{
  name                         = "arm-tooling"
  eks_admin_role_arn           = "{ADMIN_ROLE}"
  vpc_cidr                     = "10.0.0.0/16"
  availability_zones           = ["eu-west-1a", "eu-west-1b"]
  endpoint_public_access_cidrs = ["127.0.0.1/32"]
  virtual_clusters             = {{ notebooks = {{ namespace = "notebooks" }} }}

  tooling {{
    instance_types = ["t4g.medium"]
    ami_type       = "AL2023_ARM_64_STANDARD"
  }}

  studio {{
    name      = "s"
    auth_mode = "IAM"
  }}
}}
'''})
    plan = workspace.plan()
    assert plan.code == 2, plan.output
    output = " ".join(plan.output.split())
    assert "Warning: ARM tooling nodes with a Studio" in output
    assert "ami_type" in output
