"""Object-valued arguments are nested attributes: their optional members may
be left out, as users write them."""

from conftest import ADMIN_ROLE

CONFIG = f'''
resource "emreks_platform" "p" {{
  name               = "analytics"
  eks_admin_role_arn = "{ADMIN_ROLE}"
  vpc_cidr           = "10.0.0.0/16"
  availability_zones = ["eu-west-1a", "eu-west-1b"]
  virtual_clusters = {{
    batchjob      = {{ namespace = "batchjob" }}
    emrvcplatform = {{ namespace = "dataanalysis" }}
  }}
  execution_roles = {{
    etl = {{ namespaces = ["batchjob", "dataanalysis"] }}
  }}
  studio {{
    name            = "platform"
    auth_mode       = "IAM"
    virtual_cluster = "emrvcplatform"
  }}
}}

resource "emreks_nodegroup" "critical_a" {{
  platform_id       = emreks_platform.p.id
  name              = "critical-a"
  role              = "critical"
  availability_zone = "eu-west-1a"
  taints            = [{{ key = "dedicated", effect = "NoSchedule" }}]
}}

resource "emreks_notebook_user" "analyst" {{
  platform_id       = emreks_platform.p.id
  identity_name     = "analyst"
  managed_endpoints = [{{ name = "ep", execution_role = "etl" }}]
}}
'''


def test_members_left_out_plan_and_apply(workspace, provider, aws):
    aws.client("iam").create_user(UserName="analyst")
    aws.mark_baseline()
    workspace.write({"main.tf": provider() + CONFIG})
    workspace.apply()
    assert workspace.plan().code == 0

    roles = workspace.resource("emreks_platform.p")["execution_roles"]
    assert roles["etl"]["policy"] is None and roles["etl"]["trust"] is None
    user = workspace.resource("emreks_notebook_user.analyst")
    assert user["managed_endpoints"][0]["release_label"] is None
    group = workspace.resource("emreks_nodegroup.critical_a")
    assert {"key": "dedicated", "value": "", "effect": "NO_SCHEDULE"} in group["resolved_taints"]

    workspace.destroy()
    assert aws.leftovers() == {}
