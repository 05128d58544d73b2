"""emreks_notebook_user through real Terraform against the emulator."""

import pytest

from conftest import ADMIN_ROLE
from harness.terraform import Workspace

PLATFORM = f'''
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
    notebooks = {{ namespaces = ["dataanalysis"], policy = null, trust = "irsa" }}
  }}
  studio {{
    name            = "platform"
    auth_mode       = "IAM"
    virtual_cluster = "emrvcplatform"
  }}
}}
'''


def endpoint(name, role="notebooks", release="null", overrides="null"):
    return f'{{ name = "{name}", release_label = {release}, execution_role = "{role}", configuration_overrides = {overrides} }}'


def user(resource="analyst", identity="analyst", endpoints=(), kind=None):
    kind_line = f'  identity_type = "{kind}"\n' if kind else ""
    listed = ",\n    ".join(endpoints)
    return f'''
resource "emreks_notebook_user" "{resource}" {{
  platform_id   = emreks_platform.p.id
  identity_name = "{identity}"
{kind_line}  managed_endpoints = [
    {listed}
  ]
}}

output "{resource}" {{
  value = emreks_notebook_user.{resource}
}}
'''


@pytest.fixture
def people(aws):
    iam = aws.client("iam")
    for name in ("analyst", "scientist"):
        iam.create_user(UserName=name)
    aws.mark_baseline()
    return aws


def endpoints_named(aws, values):
    emr = aws.client("emr-containers")
    vc = emr.list_virtual_clusters(containerProviderId="analytics", states=["RUNNING"])["virtualClusters"]
    (notebook_vc,) = [v["id"] for v in vc if v["name"] == "emrvcplatform"]
    listed = emr.list_managed_endpoints(virtualClusterId=notebook_vc, states=["ACTIVE", "CREATING"])["endpoints"]
    return notebook_vc, {e["name"]: e for e in listed}


def test_user_endpoints_in_place_drift_and_destroy(workspace, provider, people):
    aws = people
    workspace.write({"main.tf": provider() + PLATFORM + user(endpoints=[endpoint("myendpoint"), endpoint("second")])})
    workspace.apply()
    values = workspace.outputs()["analyst"]
    assert sorted(values["managed_endpoint_ids"]) == ["myendpoint", "second"]
    assert values["studio_login_url"].startswith("https://")
    vc, live = endpoints_named(aws, values)
    assert live["myendpoint"]["type"] == "JUPYTER_ENTERPRISE_GATEWAY"
    described = aws.client("emr-containers").describe_managed_endpoint(id=values["managed_endpoint_ids"]["myendpoint"], virtualClusterId=vc)["endpoint"]
    props = described["configurationOverrides"]["applicationConfiguration"][0]["properties"]
    assert props["spark.dynamicAllocation.maxExecutors"] == "20"
    policy = aws.client("iam").get_user_policy(UserName="analyst", PolicyName="emreks-notebooks-analytics")["PolicyDocument"]
    (own,) = [s for s in policy["Statement"] if s["Sid"] == "OwnEndpoints"]
    assert sorted(own["Resource"]) == sorted(values["managed_endpoint_arns"].values())
    assert workspace.plan().code == 0

    # Add one endpoint and remove another, in place.
    workspace.write({"main.tf": provider() + PLATFORM + user(endpoints=[endpoint("myendpoint"), endpoint("third")])})
    plan = workspace.plan_json()
    (change,) = [c for c in plan["resource_changes"] if c["address"] == "emreks_notebook_user.analyst"]
    assert change["change"]["actions"] == ["update"]
    workspace.apply()
    _, live = endpoints_named(aws, None)
    assert sorted(live) == ["myendpoint", "third"]
    assert workspace.plan().code == 0

    # Drift: an endpoint deleted outside Terraform comes back.
    values = workspace.outputs()["analyst"]
    aws.client("emr-containers").delete_managed_endpoint(id=values["managed_endpoint_ids"]["third"], virtualClusterId=vc)
    plan = workspace.plan_json()
    (change,) = [c for c in plan["resource_changes"] if c["address"] == "emreks_notebook_user.analyst"]
    assert change["change"]["actions"] == ["update"]
    workspace.apply()
    _, live = endpoints_named(aws, None)
    assert sorted(live) == ["myendpoint", "third"]

    workspace.destroy()
    assert aws.leftovers() == {}


def test_shared_endpoint_outlives_one_user(workspace, provider, people):
    aws = people
    both = PLATFORM + user(endpoints=[endpoint("shared")]) + user("scientist", "scientist", [endpoint("shared")])
    workspace.write({"main.tf": provider() + both})
    workspace.apply()
    a, b = workspace.outputs()["analyst"], workspace.outputs()["scientist"]
    assert a["managed_endpoint_ids"]["shared"] == b["managed_endpoint_ids"]["shared"]

    workspace.write({"main.tf": provider() + PLATFORM + user("scientist", "scientist", [endpoint("shared")])})
    workspace.apply()
    _, live = endpoints_named(aws, None)
    assert list(live) == ["shared"], "the scientist still needs it"
    workspace.destroy()
    assert aws.leftovers() == {}


def apply_and_destroy_sharing_users(workspace, provider, aws, rounds):
    """Two users sharing an endpoint, applied and destroyed with Terraform's
    default parallelism (the users' destroys run at once), `rounds` times."""
    both = PLATFORM + user(endpoints=[endpoint("shared")]) + user("scientist", "scientist", [endpoint("shared")])
    workspace.write({"main.tf": provider() + both})
    for round in range(1, rounds + 1):
        workspace.apply()
        a, b = workspace.outputs()["analyst"], workspace.outputs()["scientist"]
        assert a["managed_endpoint_ids"]["shared"] == b["managed_endpoint_ids"]["shared"], f"round {round}"
        workspace.destroy()
        assert aws.leftovers() == {}, f"round {round}"


def test_users_sharing_an_endpoint_destroyed_at_once_leave_nothing(workspace, provider, people):
    apply_and_destroy_sharing_users(workspace, provider, people, rounds=3)


@pytest.mark.soak
def test_users_sharing_an_endpoint_destroyed_at_once_leave_nothing_20_times(workspace, provider, people):
    apply_and_destroy_sharing_users(workspace, provider, people, rounds=20)


def test_import(workspace, provider, people, tmp_path):
    aws = people
    config = PLATFORM + user(endpoints=[endpoint("myendpoint")])
    workspace.write({"main.tf": provider() + config})
    workspace.apply()
    imported = Workspace(tmp_path / "imported", endpoint=aws.url)
    imported.write({"main.tf": provider() + user(endpoints=[endpoint("myendpoint")]).replace("emreks_platform.p.id", '"analytics"')})
    imported.run("import", "-no-color", "emreks_notebook_user.analyst", "analytics:USER:analyst")
    result = imported.plan()
    assert result.code == 0, result.output
    workspace.destroy()
    assert aws.leftovers() == {}


def test_failed_endpoint_is_reported_with_its_details(workspace, provider, people):
    aws = people
    workspace.write({"main.tf": provider() + PLATFORM})
    workspace.apply()
    aws.configure({"fail_managed_endpoints": ["broken"]})
    workspace.write({"main.tf": provider() + PLATFORM + user(endpoints=[endpoint("broken")])})
    result = workspace.apply(check=False)
    assert result.code == 1
    words = " ".join(result.output.split())
    assert "FAILED" in words and "broken" in words
    aws.configure({"fail_managed_endpoints": []})
    workspace.destroy()
    assert aws.leftovers() == {}


BAD = {
    "group-in-iam-mode": (lambda: user(endpoints=[endpoint("e")], kind="GROUP"), "identity_type"),
    "long-name": (lambda: user(endpoints=[endpoint("x" * 65)]), "Invalid endpoint name"),
    "release": (lambda: user(endpoints=[endpoint("e", release='"emr-seven"')]), "release_label"),
    "role": (lambda: user(endpoints=[endpoint("e", role="nobody")]), "Unknown execution role"),
    "overrides": (lambda: user(endpoints=[endpoint("e", overrides='"{not json"')]), "configuration_overrides"),
}


@pytest.mark.parametrize("case", sorted(BAD))
def test_bad_input_names_the_attribute(workspace, provider, people, case):
    make, words = BAD[case]
    needs_platform = case in ("group-in-iam-mode", "role")
    if needs_platform:
        workspace.write({"main.tf": provider() + PLATFORM})
        workspace.apply()
    workspace.write({"main.tf": provider() + PLATFORM + make()})
    result = workspace.plan()
    if needs_platform:
        workspace.write({"main.tf": provider() + PLATFORM})
        workspace.destroy()
    assert result.code == 1, result.output
    assert words in result.output, result.output


def test_sso_group_gets_a_session_mapping(workspace, provider, people):
    aws = people
    sso = PLATFORM.replace(
        '    auth_mode       = "IAM"\n',
        '    auth_mode        = "SSO"\n    idc_instance_arn = "arn:aws:sso:::instance/ssoins-1234567890abcdef"\n',
    )
    workspace.write({"main.tf": provider() + sso + user("team", "data-team", [endpoint("shared")], kind="GROUP")})
    workspace.apply()
    studio_id = workspace.resource("emreks_platform.p")["studio_id"]
    mappings = aws.client("emr").list_studio_session_mappings(StudioId=studio_id)["SessionMappings"]
    assert [(m["IdentityName"], m["IdentityType"]) for m in mappings] == [("data-team", "GROUP")]
    mapping = aws.client("emr").get_studio_session_mapping(StudioId=studio_id, IdentityName="data-team", IdentityType="GROUP")
    policy_arn = mapping["SessionMapping"]["SessionPolicyArn"]
    assert "/emreks/analytics/" in policy_arn
    workspace.destroy()
    assert aws.leftovers() == {}


def test_endpoint_is_open_to_the_studio_engines(workspace, provider, people):
    aws = people
    workspace.write({"main.tf": provider() + PLATFORM + user(endpoints=[endpoint("myendpoint")])})
    workspace.apply()
    values = workspace.outputs()["analyst"]
    engine = workspace.resource("emreks_platform.p")["studio_engine_security_group_id"]
    vc, _ = endpoints_named(aws, values)
    described = aws.client("emr-containers").describe_managed_endpoint(
        id=values["managed_endpoint_ids"]["myendpoint"], virtualClusterId=vc
    )["endpoint"]
    group = aws.client("ec2").describe_security_groups(GroupIds=[described["securityGroup"]])["SecurityGroups"][0]
    sources = [(p["FromPort"], pair["GroupId"]) for p in group["IpPermissions"] for pair in p["UserIdGroupPairs"]]
    assert (18888, engine) in sources
    workspace.destroy()
    assert aws.leftovers() == {}


@pytest.fixture
def one_item_pages(aws):
    """Every list answered one item a page, as AWS may: a reader of the
    first page only misses the rest."""
    aws.configure({"page_size": 1})
    yield
    aws.configure({"page_size": None})


def test_sso_user_updated_six_times_keeps_within_policy_versions(workspace, provider, people, one_item_pages):
    """IAM keeps five versions of a managed policy: each update of the
    session policy must make room rather than fail with LimitExceeded (the
    versions listed one a page, so the default one is found on any page)."""
    aws = people
    sso = PLATFORM.replace(
        '    auth_mode       = "IAM"\n',
        '    auth_mode        = "SSO"\n    idc_instance_arn = "arn:aws:sso:::instance/ssoins-1234567890abcdef"\n',
    )
    iam = aws.client("iam")
    for step in range(7):
        # Each step moves the user to a new endpoint, so the session policy changes.
        workspace.write({"main.tf": provider() + sso + user("team", "data-team", [endpoint(f"e{step}")], kind="GROUP")})
        workspace.apply()
        studio_id = workspace.resource("emreks_platform.p")["studio_id"]
        mapping = aws.client("emr").get_studio_session_mapping(
            StudioId=studio_id, IdentityName="data-team", IdentityType="GROUP"
        )
        policy_arn = mapping["SessionMapping"]["SessionPolicyArn"]
        pages = iam.get_paginator("list_policy_versions").paginate(PolicyArn=policy_arn)
        versions = [v for page in pages for v in page["Versions"]]
        assert len(versions) == min(step + 1, 5), versions
        (default,) = [v["VersionId"] for v in versions if v["IsDefaultVersion"]]
        document = iam.get_policy_version(PolicyArn=policy_arn, VersionId=default)["PolicyVersion"]["Document"]
        endpoint_arn = workspace.resource("emreks_notebook_user.team")["managed_endpoint_arns"][f"e{step}"]
        assert endpoint_arn in str(document)
    workspace.destroy()
    assert aws.leftovers() == {}
