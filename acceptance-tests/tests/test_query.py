"""`terraform query` with the `emreks_platform` list resource: a platform
made in one workspace is found from another, and the configuration
`-generate-config-out` writes imports it by identity with a clean plan."""

from conftest import ADMIN_ROLE
from harness.terraform import Workspace

PLATFORM = f'''
resource "emreks_platform" "p" {{
  name               = "analytics"
  eks_admin_role_arn = "{ADMIN_ROLE}"
  vpc_cidr           = "10.0.0.0/16"
  availability_zones = ["eu-west-1a", "eu-west-1b"]
}}

resource "emreks_nodegroup" "critical" {{
  platform_id       = emreks_platform.p.id
  name              = "critical-a"
  role              = "critical"
  availability_zone = "eu-west-1a"
}}
'''

QUERY = '''
list "emreks_platform" "all" {
  provider = emreks
}

list "emreks_nodegroup" "groups" {
  provider = emreks
  config {
    platform_id = "analytics"
  }
}
'''

NOTHING = '''
list "emreks_platform" "none" {
  provider = emreks
  config {
    name_prefix = "zzz"
  }
}
'''


def test_query_finds_a_platform_and_generates_config_that_imports_clean(workspace, provider, aws, tmp_path):
    workspace.write({"main.tf": provider() + PLATFORM})
    workspace.apply()
    owned = workspace.resource("emreks_platform.p")
    # An EKS cluster the provider did not make is no result.
    eks = aws.client("eks")
    eks.create_cluster(
        name="someone-else",
        roleArn=owned["cluster_role_arn"],
        resourcesVpcConfig={"subnetIds": list(owned["subnet_ids_by_az"].values())},
    )

    searcher = Workspace(tmp_path / "search", endpoint=aws.url)
    searcher.write({"main.tf": provider(), "search.tfquery.hcl": QUERY})
    found = searcher.run("query", "-no-color")
    assert "emreks platform analytics" in found.output, found.output
    assert "nodegroup critical-a of platform analytics" in found.output
    assert "someone-else" not in found.output
    # The platform's own system nodegroup belongs to the platform.
    assert found.output.count("nodegroup ") == 1, found.output
    eks.delete_cluster(name="someone-else")
    searcher.write({"search.tfquery.hcl": NOTHING})
    assert "analytics" not in searcher.run("query", "-no-color").output
    searcher.write({"search.tfquery.hcl": QUERY})

    searcher.run("query", "-no-color", "-generate-config-out=generated.tf")
    generated = (searcher.directory / "generated.tf").read_text()
    assert 'resource "emreks_platform"' in generated and 'resource "emreks_nodegroup"' in generated
    assert generated.count("import {") == 2 and "identity" in generated
    (searcher.directory / "search.tfquery.hcl").unlink()
    plan = searcher.plan_json()
    changes = {c["type"]: c["change"] for c in plan["resource_changes"]}
    assert sorted(changes) == ["emreks_nodegroup", "emreks_platform"]
    for change in changes.values():
        assert change["actions"] == ["no-op"], change
    assert changes["emreks_platform"]["importing"]["identity"]["name"] == "analytics"
    assert changes["emreks_nodegroup"]["importing"]["identity"]["name"] == "critical-a"
    searcher.apply()
    assert searcher.plan().code == 0
    workspace.destroy()
