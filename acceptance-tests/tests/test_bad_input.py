"""Input AWS would refuse, or that would overflow, is a plan-time error on
its attribute through real Terraform: never a panic, never a failure half
way through an apply."""

import pytest

from conftest import ADMIN_ROLE


def platform(extra: str = "", name: str = "analytics") -> str:
    return f'''
resource "emreks_platform" "p" {{
  name               = "{name}"
  eks_admin_role_arn = "{ADMIN_ROLE}"
  vpc_cidr           = "10.0.0.0/16"
  availability_zones = ["eu-west-1a", "eu-west-1b"]
  virtual_clusters   = {{ batch = {{ namespace = "batch" }} }}
{extra}}}
'''


NODEGROUP = '''
resource "emreks_nodegroup" "n" {
  platform_id       = "%s"
  name              = "%s"
  role              = "critical"
  availability_zone = "eu-west-1a"
}
'''

NOTEBOOK_USER = '''
resource "emreks_notebook_user" "u" {
  platform_id   = "%s"
  identity_name = "%s"
  identity_type = "GROUP"
}
'''


@pytest.mark.parametrize(
    "config, attribute, words",
    [
        (platform('  timeouts {\n    create = "9999999999999999h"\n  }\n'),
         'create = "9999999999999999h"', "longer than the longest timeout"),
        (platform('  execution_roles = { eks-cluster = { namespaces = ["batch"] } }\n'),
         "execution_roles", "like one of the platform's own roles"),
        (platform('  execution_roles = { "Data Eng (EU)" = { namespaces = ["batch"] } }\n'),
         "execution_roles", "not a valid execution role key"),
        (platform('  tooling {\n    max_size = 4294967296\n  }\n'),
         "max_size", "more than EKS takes"),
        (NODEGROUP % ("p" * 100, "n" * 40), "name", "more than EC2's 128"),
        (NOTEBOOK_USER % ("p" * 100, "Data Engineering Europe (all)"),
         "identity_name", "longer than IAM's 128"),
    ],
    ids=["timeout-overflow", "key-is-a-platform-role", "key-not-a-name", "size-overflow",
         "launch-template-name", "session-policy-name"],
)
def test_bad_input_is_a_plan_error_on_its_attribute(workspace, provider, aws, config, attribute, words):
    # `attribute`: what Terraform shows of the attribute the error points at.
    workspace.write({"main.tf": provider() + config})
    result = workspace.plan()
    # Terraform wraps diagnostics: compare with the lines joined.
    said = " ".join(result.output.split())
    assert result.code == 1, result.output
    assert "panic" not in said.lower(), result.output
    assert attribute in said and words in said, result.output
    assert aws.leftovers() == {}
