"""State written by the previous release reads with the current build: apply
with the release named in acceptance-tests/previous-release (built by
acceptance-tests/bin/build-previous-release), switch the same working
directory to the binary under test, and expect a plan with no changes, then
a clean destroy."""

from pathlib import Path

import pytest

from conftest import ADMIN_ROLE

PREVIOUS = Path(__file__).resolve().parents[2] / "target" / "previous-release" / "terraform-provider-emreks"

# Written as the previous release required: every member of an object
# attribute given, `null` where unused.
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
    jobs      = {{ namespaces = ["batchjob"], policy = null, trust = "irsa" }}
    notebooks = {{ namespaces = ["dataanalysis"], policy = null, trust = null }}
  }}
  job_profile "critical" {{
    virtual_cluster = "batchjob"
    execution_role  = "jobs"
  }}
  studio {{
    name            = "platform"
    auth_mode       = "IAM"
    virtual_cluster = "emrvcplatform"
  }}
  tags = {{ team = "data" }}
}}

resource "emreks_nodegroup" "critical_a" {{
  platform_id       = emreks_platform.p.id
  name              = "critical-a"
  role              = "critical"
  availability_zone = "eu-west-1a"
  taints            = [{{ key = "dedicated", value = "spark", effect = "NoSchedule" }}]
}}

resource "emreks_notebook_user" "analyst" {{
  platform_id   = emreks_platform.p.id
  identity_name = "analyst"
  managed_endpoints = [
    {{ name = "shared", release_label = null, execution_role = "notebooks", configuration_overrides = null }}
  ]
}}
'''


@pytest.fixture
def previous_release():
    if not PREVIOUS.is_file():
        pytest.fail(f"{PREVIOUS} is missing: run acceptance-tests/bin/build-previous-release (make test does)")
    return PREVIOUS


def test_state_of_the_previous_release_plans_clean(workspace, provider, aws, previous_release):
    aws.client("iam").create_user(UserName="analyst")
    aws.mark_baseline()
    workspace.write({"main.tf": provider() + CONFIG})
    workspace.use_binary(previous_release)
    workspace.apply()

    from harness.terraform import provider_binary

    workspace.use_binary(provider_binary())
    plan = workspace.plan()
    assert plan.code == 0, plan.output

    # The upgraded state is written back, and still plans clean.
    workspace.apply("-refresh-only")
    assert workspace.plan().code == 0
    workspace.destroy()
    assert aws.leftovers() == {}
