"""The ownership marker, checked where names alone used to do: users may
not set `emreks:` tags, log groups and managed endpoints named like the
platform's but not carrying its marker survive destroy, and a notebook
user's access is revoked and granted by what AWS holds, not by what the
private state remembers. Through real Terraform against the emulator."""

import pytest

from test_nodegroup import group as nodegroup
from test_notebook_user import PLATFORM, endpoint, endpoints_named, user
from test_platform import platform

IDC = "arn:aws:sso:::instance/ssoins-1234567890abcdef"
SSO_PLATFORM = PLATFORM.replace(
    '    auth_mode       = "IAM"\n',
    f'    auth_mode        = "SSO"\n    idc_instance_arn = "{IDC}"\n',
)
TRUST = '{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"Service": "ec2.amazonaws.com"}, "Action": "sts:AssumeRole"}]}'


@pytest.mark.parametrize(
    "where",
    ["tags", "default_tags", "nodegroup"],
)
@pytest.mark.parametrize("key", ["emreks:owner", "emreks:anything"])
def test_provider_tag_keys_are_refused_at_plan(workspace, provider, aws, where, key):
    tagged = f'{{ "{key}" = "analytics-abcdefgh" }}'
    if where == "tags":
        config = provider() + platform(extra=f"  tags = {tagged}\n").replace('  tags               = { owner = "tests" }\n', "")
    elif where == "default_tags":
        config = provider(extra=f"  default_tags {{\n    tags = {tagged}\n  }}\n") + platform()
    else:
        config = provider() + platform() + nodegroup("batch", extra=f"  tags = {tagged}\n")
    workspace.write({"main.tf": config})
    planned = workspace.plan()
    assert planned.code == 1, planned.output
    words = " ".join(planned.output.split())
    assert "reserved" in words and key in words, words
    # Terraform points at the attribute's line in the configuration (for
    # the provider, `tags` inside its `default_tags` block).
    assert f'tags = {{ "{key}"' in words, words
    assert aws.stats().get("eks:CreateCluster") is None


def test_a_foreign_log_group_named_like_the_platforms_survives_destroy(workspace, provider, aws):
    logs = aws.client("logs")
    name = "/aws/emr-containers/analytics/notebook"
    logs.create_log_group(logGroupName=name, tags={"team": "theirs"})
    aws.mark_baseline()
    workspace.write({"main.tf": provider() + platform()})
    workspace.apply()
    # Not adopted: its tags are as they were.
    arn = logs.describe_log_groups(logGroupNamePrefix=name)["logGroups"][0]["arn"].removesuffix(":*")
    assert logs.list_tags_for_resource(resourceArn=arn)["tags"] == {"team": "theirs"}
    # The platform's own groups carry its marker.
    ours = "/aws/emr-containers/analytics/critical"
    ours_arn = logs.describe_log_groups(logGroupNamePrefix=ours)["logGroups"][0]["arn"].removesuffix(":*")
    assert logs.list_tags_for_resource(resourceArn=ours_arn)["tags"]["emreks:owner"].startswith("analytics-")

    # Destroy with a thin private state finds the groups by their marker too.
    workspace.run("state", "rm", "emreks_platform.p")
    workspace.run("import", "-no-color", "emreks_platform.p", "analytics")
    workspace.destroy()
    assert [g["logGroupName"] for g in logs.describe_log_groups(logGroupNamePrefix="/aws/emr-containers/")["logGroups"]] == [
        name
    ]
    assert aws.leftovers() == {}


@pytest.fixture
def people(aws):
    iam = aws.client("iam")
    iam.create_user(UserName="analyst")
    iam.create_role(RoleName="scientist", AssumeRolePolicyDocument=TRUST)
    aws.mark_baseline()
    return aws


def test_a_foreign_endpoint_named_like_a_users_is_neither_shared_nor_deleted(workspace, provider, people):
    aws = people
    workspace.write({"main.tf": provider() + PLATFORM})
    workspace.apply()
    emr = aws.client("emr-containers")
    vc = [
        v["id"]
        for v in emr.list_virtual_clusters(containerProviderId="analytics", states=["RUNNING"])["virtualClusters"]
        if v["name"] == "emrvcplatform"
    ][0]
    role = workspace.resource("emreks_platform.p")["execution_role_arns"]["notebooks"]
    foreign = emr.create_managed_endpoint(
        name="myendpoint",
        virtualClusterId=vc,
        type="JUPYTER_ENTERPRISE_GATEWAY",
        releaseLabel="emr-7.5.0-latest",
        executionRoleArn=role,
        tags={"team": "theirs"},
    )["id"]

    workspace.write({"main.tf": provider() + PLATFORM + user(endpoints=[endpoint("myendpoint")])})
    applied = workspace.apply(check=False)
    assert applied.code == 1
    assert foreign in applied.output and "analytics-" in applied.output, applied.output
    workspace.destroy("-target=emreks_notebook_user.analyst")
    described = emr.describe_managed_endpoint(id=foreign, virtualClusterId=vc)["endpoint"]
    assert described["state"] in ("ACTIVE", "CREATING")
    assert described["tags"] == {"team": "theirs"}
    emr.delete_managed_endpoint(id=foreign, virtualClusterId=vc)
    workspace.write({"main.tf": provider() + PLATFORM})
    workspace.destroy()
    assert aws.leftovers() == {}


def reimport(workspace, address, import_id):
    """Forgets the resource and imports it back: its private state is empty."""
    workspace.run("state", "rm", address)
    workspace.run("import", "-no-color", address, import_id)


def test_destroy_with_empty_private_state_revokes_an_iam_role(workspace, provider, people):
    aws = people
    config = PLATFORM + user("sci", "scientist", [endpoint("myendpoint")])
    workspace.write({"main.tf": provider() + config})
    workspace.apply()
    iam = aws.client("iam")
    assert iam.list_role_policies(RoleName="scientist")["PolicyNames"] == ["emreks-notebooks-analytics"]
    reimport(workspace, "emreks_notebook_user.sci", "analytics:USER:scientist")
    workspace.destroy("-target=emreks_notebook_user.sci")
    assert iam.list_role_policies(RoleName="scientist")["PolicyNames"] == []
    workspace.destroy()
    assert aws.leftovers() == {}


def test_destroy_with_empty_private_state_revokes_an_sso_group(workspace, provider, people):
    aws = people
    workspace.write({"main.tf": provider() + SSO_PLATFORM + user("team", "data-team", [endpoint("shared")], kind="GROUP")})
    workspace.apply()
    studio_id = workspace.resource("emreks_platform.p")["studio_id"]
    emr, iam = aws.client("emr"), aws.client("iam")
    mapping = emr.get_studio_session_mapping(StudioId=studio_id, IdentityName="data-team", IdentityType="GROUP")
    policy = mapping["SessionMapping"]["SessionPolicyArn"]
    assert {t["Key"] for t in iam.list_policy_tags(PolicyArn=policy)["Tags"]} >= {"emreks:owner"}
    reimport(workspace, "emreks_notebook_user.team", "analytics:GROUP:data-team")
    workspace.destroy("-target=emreks_notebook_user.team")
    assert emr.list_studio_session_mappings(StudioId=studio_id)["SessionMappings"] == []
    assert [p["Arn"] for p in iam.list_policies(Scope="Local")["Policies"] if p["Arn"] == policy] == []
    workspace.destroy()
    assert aws.leftovers() == {}


def test_a_failed_session_mapping_is_made_on_the_next_apply(workspace, provider, people):
    aws = people
    workspace.write({"main.tf": provider() + SSO_PLATFORM})
    workspace.apply()
    studio_id = workspace.resource("emreks_platform.p")["studio_id"]
    aws.configure({"faults": [{"operation": "emr:CreateStudioSessionMapping", "kind": "5xx", "count": 50}]})
    config = SSO_PLATFORM + user("team", "data-team", [endpoint("shared")], kind="GROUP")
    workspace.write({"main.tf": provider(extra="  max_retries = 1\n") + config})
    failed = workspace.apply(check=False)
    assert failed.code == 1
    assert "CreateStudioSessionMapping" in failed.output, failed.output
    aws.configure({"faults": []})
    emr = aws.client("emr")
    assert emr.list_studio_session_mappings(StudioId=studio_id)["SessionMappings"] == []

    workspace.apply()
    mappings = emr.list_studio_session_mappings(StudioId=studio_id)["SessionMappings"]
    assert [(m["IdentityName"], m["IdentityType"]) for m in mappings] == [("data-team", "GROUP")]
    assert workspace.plan().code == 0

    # An update checks the mapping too, rather than trusting the policy it recorded.
    emr.delete_studio_session_mapping(StudioId=studio_id, IdentityName="data-team", IdentityType="GROUP")
    config = SSO_PLATFORM + user("team", "data-team", [endpoint("shared"), endpoint("second")], kind="GROUP")
    workspace.write({"main.tf": provider() + config})
    workspace.apply()
    mappings = emr.list_studio_session_mappings(StudioId=studio_id)["SessionMappings"]
    assert [(m["IdentityName"], m["IdentityType"]) for m in mappings] == [("data-team", "GROUP")]
    workspace.destroy()
    assert aws.leftovers() == {}
