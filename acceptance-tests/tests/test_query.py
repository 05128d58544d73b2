"""`terraform query` with the list resources (platforms, nodegroups,
notebook users): what one workspace made is found from another, and the
configuration `-generate-config-out` writes imports it by identity with a
clean plan."""

import json

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


def studio_platform(resource, name, cidr, auth):
    """A platform with a notebook Studio signing in with `auth`."""
    sso = '\n    idc_instance_arn = "arn:aws:sso:::instance/ssoins-1234567890abcdef"' if auth == "SSO" else ""
    return f'''
resource "emreks_platform" "{resource}" {{
  name               = "{name}"
  eks_admin_role_arn = "{ADMIN_ROLE}"
  vpc_cidr           = "{cidr}"
  availability_zones = ["eu-west-1a", "eu-west-1b"]
  virtual_clusters = {{
    emrvcplatform = {{ namespace = "dataanalysis" }}
  }}
  execution_roles = {{
    notebooks = {{ namespaces = ["dataanalysis"], policy = null, trust = "irsa" }}
  }}
  studio {{
    name             = "platform"
    auth_mode        = "{auth}"{sso}
    virtual_cluster  = "emrvcplatform"
  }}
}}
'''


def notebook_user(resource, platform, identity, kind, endpoints):
    listed = ", ".join(f'{{ name = "{e}", execution_role = "notebooks" }}' for e in endpoints)
    return f'''
resource "emreks_notebook_user" "{resource}" {{
  platform_id       = emreks_platform.{platform}.id
  identity_name     = "{identity}"
  identity_type     = "{kind}"
  managed_endpoints = [{listed}]
}}
'''


# A Studio signs in either with IAM or with IAM Identity Center, so the
# IAM user and the SSO group are users of two platforms.
NOTEBOOKS = (
    studio_platform("iam", "analytics", "10.0.0.0/16", "IAM")
    + studio_platform("sso", "science", "10.1.0.0/16", "SSO")
    + notebook_user("analyst", "iam", "analyst", "USER", ["e1"])
    + notebook_user("modeller", "iam", "modeller", "USER", [])
    + notebook_user("team", "sso", "data-team", "GROUP", [])
)

TRUST_ACCOUNT = {
    "Version": "2012-10-17",
    "Statement": [{"Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::123456789012:root"}, "Action": "sts:AssumeRole"}],
}

USERS_QUERY = '''
list "emreks_notebook_user" "analytics" {
  provider = emreks
  config {
    platform_id = "analytics"
  }
}
'''


def test_query_finds_notebook_users_of_one_platform_and_imports_them_clean(workspace, provider, aws, tmp_path):
    iam = aws.client("iam")
    iam.create_user(UserName="analyst")
    # An IAM role is an IAM-mode notebook user too, under identity_type USER.
    iam.create_role(RoleName="modeller", AssumeRolePolicyDocument=json.dumps(TRUST_ACCOUNT))
    # The platform's policy name on someone else's principal, for another
    # Studio: no proof of ownership, so no result.
    iam.create_user(UserName="intruder")
    foreign = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "elasticmapreduce:CreateStudioPresignedUrl", "Resource": "arn:aws:elasticmapreduce:eu-west-1:123456789012:studio/es-SOMEONEELSE"}]}
    iam.put_user_policy(UserName="intruder", PolicyName="emreks-notebooks-analytics", PolicyDocument=json.dumps(foreign))
    aws.mark_baseline()
    workspace.write({"main.tf": provider() + NOTEBOOKS})
    workspace.apply()
    # A mapping in the SSO platform's Studio made by hand, to a session
    # policy without the platform's marker: not one of its notebook users.
    emr = aws.client("emr")
    studio = workspace.resource("emreks_platform.sso")["studio_id"]
    outsider = iam.create_policy(PolicyName="outsiders-session", PolicyDocument=json.dumps(foreign))["Policy"]["Arn"]
    emr.create_studio_session_mapping(StudioId=studio, IdentityName="outsiders", IdentityType="GROUP", SessionPolicyArn=outsider)

    searcher = Workspace(tmp_path / "search", endpoint=aws.url)
    science = USERS_QUERY.replace('"analytics"', '"science"')
    searcher.write({"main.tf": provider(), "search.tfquery.hcl": USERS_QUERY + science})
    # Every list one item a page, as AWS may: each must be read to its end.
    aws.configure({"page_size": 1})
    try:
        assert iam.list_users()["IsTruncated"]
        found = searcher.run("query", "-no-color").output
    finally:
        aws.configure({"page_size": None})
    assert "notebook user USER analyst of platform analytics" in found, found
    assert "notebook user USER modeller of platform analytics" in found, found
    assert "notebook user GROUP data-team of platform science" in found, found
    # Each platform's list holds its own users only.
    assert found.count("notebook user ") == 3, found
    assert "intruder" not in found and "outsiders" not in found, found
    emr.delete_studio_session_mapping(StudioId=studio, IdentityName="outsiders", IdentityType="GROUP")
    iam.delete_policy(PolicyArn=outsider)

    searcher.write({"search.tfquery.hcl": USERS_QUERY})
    searcher.run("query", "-no-color", "-generate-config-out=generated.tf")
    generated = (searcher.directory / "generated.tf").read_text()
    assert generated.count('resource "emreks_notebook_user"') == 2, generated
    assert generated.count("import {") == 2 and "identity" in generated
    (searcher.directory / "search.tfquery.hcl").unlink()
    plan = searcher.plan_json()
    changes = [c["change"] for c in plan["resource_changes"]]
    assert len(changes) == 2, plan["resource_changes"]
    for change in changes:
        assert change["actions"] == ["no-op"], change
    names = sorted(c["importing"]["identity"]["identity_name"] for c in changes)
    assert names == ["analyst", "modeller"]
    searcher.apply()
    assert searcher.plan().code == 0
    workspace.destroy()
    assert aws.leftovers() == {}
