"""The whole platform of the reference walkthrough from one emreks_platform,
through real Terraform against the emulator."""

import json

import pytest

from conftest import ADMIN_ROLE

JOB_POLICY = json.dumps(
    {
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Action": ["s3:GetObject"], "Resource": "arn:aws:s3:::my-data/*"}],
    },
    separators=(",", ":"),
)


def platform(extra="", retention=30, desired=2, job_trust="irsa", studio=True, name="analytics", job_policy=JOB_POLICY):
    studio_block = '''
  studio {
    name            = "platform"
    auth_mode       = "IAM"
    virtual_cluster = "emrvcplatform"
  }
''' if studio else ""
    return f'''
resource "emreks_platform" "p" {{
  name               = "{name}"
  kubernetes_version = "1.31"
  eks_admin_role_arn = "{ADMIN_ROLE}"
  vpc_cidr           = "10.0.0.0/16"
  availability_zones = ["eu-west-1a", "eu-west-1b", "eu-west-1c"]
  log_retention_days = {retention}

  virtual_clusters = {{
    batchjob      = {{ namespace = "batchjob" }}
    emrvcplatform = {{ namespace = "dataanalysis" }}
  }}
  execution_roles = {{
    jobs      = {{ namespaces = ["batchjob"], policy = {json.dumps(job_policy)}, trust = "{job_trust}" }}
    notebooks = {{ namespaces = ["dataanalysis"], policy = null, trust = "irsa" }}
  }}

  tooling {{
    desired_size = {desired}
  }}

  job_profile "critical" {{
    virtual_cluster = "batchjob"
    execution_role  = "jobs"
  }}
  job_profile "non_critical" {{
    virtual_cluster = "batchjob"
    execution_role  = "jobs"
  }}
  job_profile "notebook" {{
    virtual_cluster = "emrvcplatform"
    execution_role  = "notebooks"
  }}
{studio_block}{extra}}}

output "p" {{
  value = emreks_platform.p
}}
'''


def resource_change(plan, address="emreks_platform.p"):
    (change,) = [c for c in plan["resource_changes"] if c["address"] == address]
    return change["change"]


def test_full_platform_create_update_drift_destroy(workspace, provider, aws):
    workspace.write({"main.tf": provider() + platform()})
    workspace.apply()
    values = workspace.outputs()["p"]

    # EMR on EKS: virtual clusters on their namespaces, execution roles.
    vc_ids = values["virtual_cluster_ids"]
    assert sorted(vc_ids) == ["batchjob", "emrvcplatform"]
    emr = aws.client("emr-containers")
    described = emr.describe_virtual_cluster(id=vc_ids["batchjob"])["virtualCluster"]
    assert described["state"] == "RUNNING"
    assert described["containerProvider"]["info"]["eksInfo"]["namespace"] == "batchjob"
    inventory = aws.leftovers()
    namespaces = inventory["k8s:analytics/namespaces"]
    assert {"batchjob", "dataanalysis"} <= {n.split("/")[-1] for n in namespaces}

    iam = aws.client("iam")
    role_name = values["execution_role_arns"]["jobs"].split("/")[-1]
    trust = iam.get_role(RoleName=role_name)["Role"]["AssumeRolePolicyDocument"]
    statement = trust["Statement"][0]
    assert statement["Action"] == "sts:AssumeRoleWithWebIdentity"
    (subject,) = [v for k, v in statement["Condition"]["StringLike"].items() if k.endswith(":sub")]
    assert subject.startswith("system:serviceaccount:batchjob:emr-containers-sa-*-*-123456789012-")
    policies = iam.list_role_policies(RoleName=role_name)["PolicyNames"]
    assert sorted(policies) == ["emreks-baseline", "emreks-user"]

    # Assets: pod templates, with executors pinned to their driver's zone.
    bucket = values["assets_bucket"]
    s3 = aws.client("s3")
    executor = values["pod_template_uris"]["critical-executor"]
    assert executor == f"s3://{bucket}/analytics/pod-template/critical-executor.yaml"
    body = s3.get_object(Bucket=bucket, Key="analytics/pod-template/critical-executor.yaml")["Body"].read()
    template = json.loads(body)
    assert template["spec"]["nodeSelector"]["role"] == "critical"
    affinity = template["spec"]["affinity"]["podAffinity"]["requiredDuringSchedulingIgnoredDuringExecution"][0]
    assert affinity["topologyKey"] == "topology.kubernetes.io/zone"
    assert affinity["matchLabelKeys"] == ["spark-app-selector"]
    assert len(values["pod_template_uris"]) == 6
    # Notebook pods (interactive endpoints' kernels) select x86 nodes: EMR on
    # EKS interactive endpoints do not support ARM Amazon Linux AMIs.
    for key in ("notebook-driver", "notebook-executor"):
        uri = values["pod_template_uris"][key]
        body = s3.get_object(Bucket=bucket, Key=uri.removeprefix(f"s3://{bucket}/"))["Body"].read()
        assert json.loads(body)["spec"]["nodeSelector"]["kubernetes.io/arch"] == "amd64"
    assert "kubernetes.io/arch" not in template["spec"]["nodeSelector"]
    encryption = s3.get_bucket_encryption(Bucket=bucket)["ServerSideEncryptionConfiguration"]
    assert encryption["Rules"][0]["ApplyServerSideEncryptionByDefault"]["SSEAlgorithm"] == "AES256"

    # Logs, system capacity, add-ons, autoscaler.
    logs = aws.client("logs")
    group = values["log_group_names"]["critical"]
    assert group == "/aws/emr-containers/analytics/critical"
    assert logs.describe_log_groups(logGroupNamePrefix=group)["logGroups"][0]["retentionInDays"] == 30
    eks = aws.client("eks")
    tooling = eks.describe_nodegroup(clusterName="analytics", nodegroupName=values["tooling_nodegroup_name"])["nodegroup"]
    assert tooling["labels"]["role"] == "tooling"
    assert tooling["scalingConfig"] == {"minSize": 2, "maxSize": 10, "desiredSize": 2}
    assert sorted(values["addon_versions"]) == sorted(eks.list_addons(clusterName="analytics")["addons"])
    assert len(values["addon_versions"]) == 5
    deployments = inventory["k8s:analytics/deployments"]
    assert "kube-system/cluster-autoscaler" in deployments

    # The Studio.
    studio = aws.client("emr").describe_studio(StudioId=values["studio_id"])["Studio"]
    assert studio["AuthMode"] == "IAM" and studio["Url"] == values["studio_url"]

    # The ready-made request runs as it is.
    request = json.loads(values["job_run_requests"]["critical"])
    assert request["virtualClusterId"] == vc_ids["batchjob"]
    assert request["executionRoleArn"] == values["execution_role_arns"]["jobs"]
    properties = request["configurationOverrides"]["applicationConfiguration"][0]["properties"]
    assert properties["spark.kubernetes.executor.podTemplateFile"] == executor
    assert properties["spark.dynamicAllocation.shuffleTracking.enabled"] == "true"
    run = emr.start_job_run(**request)
    assert run["virtualClusterId"] == vc_ids["batchjob"]
    job = emr.describe_job_run(id=run["id"], virtualClusterId=vc_ids["batchjob"])["jobRun"]
    assert job["releaseLabel"] == "emr-7.9.0-latest"

    # A second plan changes nothing.
    assert workspace.plan().code == 0

    # In place: log retention and tooling size.
    workspace.write({"main.tf": provider() + platform(retention=7, desired=3)})
    change = resource_change(workspace.plan_json())
    assert change["actions"] == ["update"]
    workspace.apply()
    assert logs.describe_log_groups(logGroupNamePrefix=group)["logGroups"][0]["retentionInDays"] == 7
    values = workspace.outputs()["p"]
    tooling = eks.describe_nodegroup(clusterName="analytics", nodegroupName=values["tooling_nodegroup_name"])["nodegroup"]
    assert tooling["scalingConfig"]["desiredSize"] == 3
    assert workspace.plan().code == 0

    # Drift: a virtual cluster and a log group deleted outside Terraform.
    emr.delete_virtual_cluster(id=vc_ids["batchjob"])
    logs.delete_log_group(logGroupName=group)
    change = resource_change(workspace.plan_json())
    assert change["actions"] == ["update"]
    assert "batchjob" not in change["before"]["virtual_cluster_ids"]
    workspace.apply()
    values = workspace.outputs()["p"]
    assert emr.describe_virtual_cluster(id=values["virtual_cluster_ids"]["batchjob"])["virtualCluster"]["state"] == "RUNNING"
    assert logs.describe_log_groups(logGroupNamePrefix=group)["logGroups"]
    assert workspace.plan().code == 0

    workspace.destroy()
    assert aws.leftovers() == {}


def test_import_yields_a_no_change_plan(workspace, provider, aws, tmp_path):
    from harness.terraform import Workspace

    workspace.write({"main.tf": provider() + platform(studio=True)})
    workspace.apply()

    imported = Workspace(tmp_path / "imported", endpoint=aws.url)
    imported.write({"main.tf": provider() + platform(studio=True)})
    imported.run("import", "-no-color", "emreks_platform.p", "analytics")
    result = imported.plan()
    assert result.code == 0, result.output

    imported.destroy()
    assert aws.leftovers() == {}


def test_replacement_is_explained_and_leaves_nothing_behind(workspace, provider, aws):
    workspace.write({"main.tf": provider() + platform(studio=False)})
    workspace.apply()
    workspace.write({"main.tf": provider() + platform(studio=False).replace('"eu-west-1c"', '"eu-west-1b", "eu-west-1c"').replace('["eu-west-1a", "eu-west-1b", "eu-west-1b", "eu-west-1c"]', '["eu-west-1a", "eu-west-1c"]')})
    change = resource_change(workspace.plan_json())
    assert change["actions"] == ["delete", "create"]
    assert ["availability_zones"] in change["replace_paths"]
    workspace.apply()
    assert len(aws.leftovers()["ec2:vpc"]) == 1
    workspace.destroy()
    assert aws.leftovers() == {}


def _namespaces(config, replacement):
    start = config.index("  virtual_clusters = {")
    end = config.index("  execution_roles")
    config = config[:start] + replacement + config[end:]
    return config.replace('["batchjob"]', "[]").replace('["dataanalysis"]', "[]")


BAD_INPUTS = {
    "namespace": (lambda: _namespaces(platform(studio=False), '  virtual_clusters = { a = { namespace = "Bad_NS" } }\n'), "namespace"),
    "duplicate": (
        lambda: _namespaces(platform(studio=False), '  virtual_clusters = { a = { namespace = "same" }, b = { namespace = "same" } }\n'),
        "Duplicate namespace",
    ),
    "policy": (lambda: platform(job_policy="{not json"), "Invalid policy"),
    "release": (lambda: platform().replace("  log_retention_days", '  release_label = "emr-seven"\n  log_retention_days'), "release_label"),
    "retention": (lambda: platform(retention=42), "log_retention_days"),
    "sso": (lambda: platform().replace('auth_mode       = "IAM"', 'auth_mode       = "SSO"'), "idc_instance_arn"),
    "profile": (lambda: platform().replace('job_profile "notebook"', 'job_profile "urgent"'), "Unknown job profile"),
    "cidr": (lambda: platform().replace("10.0.0.0/16", "10.0.0.0/33"), "vpc_cidr"),
    "zone": (lambda: platform().replace("eu-west-1c", "mars-1a"), "availability_zones"),
}


@pytest.mark.parametrize("case", sorted(BAD_INPUTS))
def test_bad_input_names_the_attribute(workspace, provider, case):
    make, words = BAD_INPUTS[case]
    workspace.write({"main.tf": provider() + make()})
    result = workspace.plan()
    assert result.code == 1, result.output
    assert words in result.output, result.output
