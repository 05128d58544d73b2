"""The platform's Studio is replaced alone, never emptying the Workspace
bucket: a change of auth_mode, a Studio deleted outside Terraform, and the
refusal of an IAM Studio with an Identity Center instance, through real
Terraform against the emulator."""

from conftest import ADMIN_ROLE

IDC = "arn:aws:sso:::instance/ssoins-1234567890abcdef"
NOTEBOOK = "workspaces/e-1/notebook.ipynb"


def platform(auth_mode="IAM", idc=None):
    idc_line = f'    idc_instance_arn = "{idc}"\n' if idc else ""
    return f'''
resource "emreks_platform" "p" {{
  name               = "analytics"
  eks_admin_role_arn = "{ADMIN_ROLE}"
  vpc_cidr           = "10.0.0.0/16"
  availability_zones = ["eu-west-1a", "eu-west-1b"]
  virtual_clusters = {{
    notebooks = {{ namespace = "notebooks" }}
  }}
  studio {{
    name             = "platform"
    auth_mode        = "{auth_mode}"
{idc_line}    virtual_cluster  = "notebooks"
  }}
}}
'''


def workspace_bucket(aws, studio_id):
    location = aws.client("emr").describe_studio(StudioId=studio_id)["Studio"]["DefaultS3Location"]
    return location.removeprefix("s3://").split("/", 1)[0]


def write_notebook(aws, workspace):
    studio_id = workspace.resource("emreks_platform.p")["studio_id"]
    bucket = workspace_bucket(aws, studio_id)
    aws.client("s3").put_object(Bucket=bucket, Key=NOTEBOOK, Body=b'{"cells": []}')
    return studio_id, bucket


def notebook(aws, bucket):
    return aws.client("s3").get_object(Bucket=bucket, Key=NOTEBOOK)["Body"].read()


def test_auth_mode_change_replaces_the_studio_and_keeps_the_notebooks(workspace, provider, aws):
    workspace.write({"main.tf": provider() + platform("IAM")})
    workspace.apply()
    old_studio, bucket = write_notebook(aws, workspace)
    s3 = aws.client("s3")
    assert s3.get_bucket_versioning(Bucket=bucket)["Status"] == "Enabled"

    for mode, idc in (("SSO", IDC), ("IAM", None)):
        workspace.write({"main.tf": provider() + platform(mode, idc)})
        planned = workspace.plan()
        assert planned.code == 2, planned.output
        words = " ".join(planned.output.split())
        assert "Studio replaced" in words and "auth_mode" in words, words
        assert "notebooks" in words
        # The platform itself is updated in place, never replaced.
        changes = workspace.plan_json()["resource_changes"]
        (change,) = [c for c in changes if c["address"] == "emreks_platform.p"]
        assert change["change"]["actions"] == ["update"]
        workspace.apply()
        studio_id = workspace.resource("emreks_platform.p")["studio_id"]
        assert studio_id != old_studio
        described = aws.client("emr").describe_studio(StudioId=studio_id)["Studio"]
        assert described["AuthMode"] == mode
        assert workspace_bucket(aws, studio_id) == bucket
        assert notebook(aws, bucket) == b'{"cells": []}'
        assert [s["StudioId"] for s in aws.client("emr").list_studios()["Studios"]] == [studio_id]
        old_studio = studio_id

    # Back in IAM mode, the SSO user role is gone; nothing else was left behind.
    assert workspace.plan().code == 0
    workspace.destroy()
    assert aws.leftovers() == {}


def test_studio_deleted_outside_terraform_is_made_again_with_the_notebooks(workspace, provider, aws):
    workspace.write({"main.tf": provider() + platform("IAM")})
    workspace.apply()
    studio_id, bucket = write_notebook(aws, workspace)
    aws.client("emr").delete_studio(StudioId=studio_id)

    planned = workspace.plan()
    assert planned.code == 2, planned.output
    assert "Studio missing" in " ".join(planned.output.split())
    workspace.apply()
    new_id = workspace.resource("emreks_platform.p")["studio_id"]
    assert new_id and new_id != studio_id
    assert aws.client("emr").describe_studio(StudioId=new_id)["Studio"]["AuthMode"] == "IAM"
    assert notebook(aws, bucket) == b'{"cells": []}'
    assert workspace.plan().code == 0
    workspace.destroy()
    assert aws.leftovers() == {}


def test_iam_studio_with_an_identity_center_instance_is_refused_at_plan(workspace, provider, aws):
    workspace.write({"main.tf": provider() + platform("IAM", IDC)})
    planned = workspace.plan()
    assert planned.code == 1, planned.output
    words = " ".join(planned.output.split())
    assert "idc_instance_arn" in words and "auth_mode" in words, words
    assert aws.stats().get("eks:CreateCluster") is None
    assert aws.leftovers() == {}
