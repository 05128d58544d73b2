"""Terraform-native features through real Terraform against the emulator:
the `emreks_cluster_auth` ephemeral resource, the `emreks_platform` data
source, and resource identity."""

import json
import sys
import textwrap

from conftest import ADMIN_ROLE
from harness.terraform import Workspace

ZONES = '["eu-west-1a", "eu-west-1b", "eu-west-1c"]'


# A virtual cluster, an execution role and a job profile: what the data
# source's job requests come from.
JOBS = """
  virtual_clusters = {
    batchjob = { namespace = "batchjob" }
  }
  execution_roles = {
    jobs = { namespaces = ["batchjob"], policy = null, trust = "irsa" }
  }
  job_profile "critical" {
    virtual_cluster = "batchjob"
    execution_role  = "jobs"
  }
"""


def platform(name="analytics", extra=""):
    return f'''
resource "emreks_platform" "p" {{
  name               = "{name}"
  kubernetes_version = "1.31"
  eks_admin_role_arn = "{ADMIN_ROLE}"
  vpc_cidr           = "10.0.0.0/16"
  availability_zones = {ZONES}
{extra}}}
'''


# Calls the cluster's Kubernetes API the way the kubernetes provider would
# (endpoint, CA, bearer token) and records what it saw, never the token.
PROBE = textwrap.dedent(
    """
    import base64, json, os, ssl, sys, tempfile, urllib.error, urllib.parse, urllib.request

    token = os.environ["TOKEN"]
    ca = base64.b64decode(os.environ["CA"])
    with tempfile.NamedTemporaryFile("wb", suffix=".pem", delete=False) as f:
        f.write(ca)
    context = ssl.create_default_context(cafile=f.name)
    request = urllib.request.Request(
        os.environ["ENDPOINT"] + "/api/v1/namespaces/default",
        headers={"Authorization": "Bearer " + token},
    )
    try:
        with urllib.request.urlopen(request, context=context, timeout=30) as response:
            status = response.status
    except urllib.error.HTTPError as e:
        status = e.code
    url = base64.urlsafe_b64decode(token[len("k8s-aws-v1."):] + "==").decode()
    query = dict(urllib.parse.parse_qsl(urllib.parse.urlsplit(url).query))
    bad = base64.urlsafe_b64encode(b"https://sts.eu-west-1.amazonaws.com/?Action=GetCallerIdentity").decode()
    bad_request = urllib.request.Request(
        os.environ["ENDPOINT"] + "/api/v1/namespaces/default",
        headers={"Authorization": "Bearer k8s-aws-v1." + bad.rstrip("=")},
    )
    try:
        urllib.request.urlopen(bad_request, context=context, timeout=30)
        bad_status = 200
    except urllib.error.HTTPError as e:
        bad_status = e.code
    json.dump(
        {
            "status": status,
            "forged_status": bad_status,
            "prefix": token.startswith("k8s-aws-v1."),
            "host": urllib.parse.urlsplit(url).netloc,
            "action": query.get("Action"),
            "expires": query.get("X-Amz-Expires"),
            "signed_headers": query.get("X-Amz-SignedHeaders"),
            "expires_at": os.environ["EXPIRES_AT"],
            "endpoint": os.environ["ENDPOINT"],
        },
        open(sys.argv[1], "w"),
    )
    """
)


def cluster_auth_consumer(result_file, argument="platform_id = emreks_platform.p.id"):
    return f'''
ephemeral "emreks_cluster_auth" "c" {{
  {argument}
}}

locals {{
  # An ephemeral value may only flow into other ephemeral places.
  kube = {{
    host  = ephemeral.emreks_cluster_auth.c.endpoint
    token = ephemeral.emreks_cluster_auth.c.token
  }}
}}

resource "terraform_data" "probe" {{
  input = emreks_platform.p.id
  provisioner "local-exec" {{
    command = "{sys.executable} probe.py {result_file}"
    environment = {{
      ENDPOINT   = local.kube.host
      TOKEN      = local.kube.token
      CA         = ephemeral.emreks_cluster_auth.c.certificate_authority_data
      EXPIRES_AT = ephemeral.emreks_cluster_auth.c.expires_at
    }}
  }}
}}
'''


def no_token_in(text):
    return "k8s-aws-v1." not in text and "X-Amz-Signature" not in text


def test_cluster_auth_token_is_accepted_and_never_stored(workspace, provider, aws, tmp_path):
    result_file = tmp_path / "probe.json"
    workspace.write(
        {
            "main.tf": provider() + platform() + cluster_auth_consumer(result_file),
            "probe.py": PROBE,
        }
    )
    applied = workspace.apply()
    assert no_token_in(applied.output), "the token was printed by terraform apply"

    seen = json.loads(result_file.read_text())
    cluster = aws.client("eks").describe_cluster(name="analytics")["cluster"]
    # The Kubernetes stand-in verified the signature, expiry and cluster binding.
    assert seen["status"] == 200
    assert seen["forged_status"] == 401
    assert seen["endpoint"] == cluster["endpoint"]
    # The token `aws eks get-token` gives: a presigned STS GetCallerIdentity
    # URL good for 60 seconds, bound to the cluster by a signed header.
    assert seen["prefix"] is True
    assert seen["host"] == "sts.eu-west-1.amazonaws.com"
    assert seen["action"] == "GetCallerIdentity"
    assert seen["expires"] == "60"
    assert "x-k8s-aws-id" in seen["signed_headers"].split(";")
    assert seen["expires_at"].endswith("Z") and seen["expires_at"][:2] == "20"

    state_file = (workspace.directory / "terraform.tfstate").read_text()
    assert no_token_in(state_file), "the token is in terraform.tfstate"
    # Only the dependency on it is recorded, never an object.
    assert [r["type"] for r in json.loads(state_file)["resources"]] == ["emreks_platform", "terraform_data"]
    assert no_token_in(json.dumps(workspace.state())), "the token is in terraform show -json"

    # A plan opens the ephemeral resource again and stores nothing either.
    plan = workspace.plan_json()
    assert no_token_in(json.dumps(plan)), "the token is in the plan"
    assert no_token_in((workspace.directory / "terraform.tfstate").read_text())

    workspace.destroy()
    assert aws.leftovers() == {}


def test_cluster_auth_of_a_missing_cluster_waits_and_two_names_are_refused(workspace, provider, aws, tmp_path):
    # Terraform opens ephemeral resources at plan too: a cluster that does
    # not exist yet gives unknown values and says so, and nothing is made.
    workspace.write(
        {
            "main.tf": provider()
            + platform()
            + cluster_auth_consumer(tmp_path / "probe.json", 'name = "elsewhere"'),
            "probe.py": PROBE,
        }
    )
    planned = workspace.plan()
    assert planned.code == 2
    text = " ".join(planned.output.split())
    assert "EKS cluster not found" in text and "otherwise check `name`" in text

    both = cluster_auth_consumer(
        tmp_path / "probe.json", 'platform_id = "analytics"\n  name = "analytics"'
    )
    workspace.write({"main.tf": provider() + platform() + both})
    failed = workspace.plan()
    assert failed.code == 1
    assert "Conflicting arguments" in failed.output
    assert aws.leftovers() == {}


def test_data_source_reads_a_platform_another_workspace_owns(workspace, provider, aws, tmp_path):
    workspace.write({"main.tf": provider() + platform(extra=JOBS) + 'output "p" {\n  value = emreks_platform.p\n}\n'})
    workspace.apply()
    owned = workspace.outputs()["p"]

    reader = Workspace(tmp_path / "team", endpoint=aws.url)
    reader.write(
        {
            "main.tf": provider()
            + '''
data "emreks_platform" "shared" {
  name = "analytics"
}

output "shared" {
  value = data.emreks_platform.shared
}
'''
        }
    )
    reader.apply()
    shared = reader.outputs()["shared"]
    cluster = aws.client("eks").describe_cluster(name="analytics")["cluster"]
    for key in (
        "id",
        "cluster_arn",
        "cluster_endpoint",
        "vpc_id",
        "subnet_ids_by_az",
        "node_role_arn",
        "oidc_provider_arn",
        "assets_bucket",
        "pod_template_uris",
        "log_group_names",
        "virtual_cluster_ids",
        "execution_role_arns",
        "job_run_requests",
        "release_label",
        "kubernetes_version",
    ):
        assert shared[key] == owned[key], key
    assert shared["certificate_authority_data"] == cluster["certificateAuthority"]["data"]
    assert shared["virtual_cluster_ids"] and shared["job_run_requests"] and shared["pod_template_uris"]
    request = json.loads(next(iter(shared["job_run_requests"].values())))
    assert request["virtualClusterId"] in shared["virtual_cluster_ids"].values()
    # Reading creates and changes nothing, and the reader's state owns nothing.
    assert reader.plan().code == 0
    assert reader.state()["values"]["root_module"]["resources"][0]["mode"] == "data"

    # An EKS cluster that is no platform is refused, naming the argument.
    eks = aws.client("eks")
    eks.create_cluster(
        name="foreign",
        roleArn=owned["cluster_role_arn"],
        resourcesVpcConfig={"subnetIds": list(owned["subnet_ids_by_az"].values())},
    )
    reader.write({"main.tf": provider() + 'data "emreks_platform" "x" {\n  name = "foreign"\n}\n'})
    refused = reader.plan()
    assert refused.code == 1
    text = " ".join(refused.output.split())
    assert "Not an emreks platform" in text and 'with data.emreks_platform.x' in text
    reader.write({"main.tf": provider() + 'data "emreks_platform" "x" {\n  name = "nowhere"\n}\n'})
    missing = reader.plan()
    assert missing.code == 1 and "No such platform" in missing.output
    reader.write({"main.tf": provider() + 'ephemeral "emreks_cluster_auth" "x" {\n  platform_id = "foreign"\n}\n'})
    refused = reader.plan()
    assert refused.code == 1
    assert "Not an emreks platform" in refused.output
    reader.write({"main.tf": provider() + 'ephemeral "emreks_cluster_auth" "x" {\n  name = "foreign"\n}\n'})
    by_name = reader.plan()  # any EKS cluster by its name (2: the old output goes)
    assert by_name.code == 2 and "Error" not in by_name.output
    eks.delete_cluster(name="foreign")

    workspace.destroy()


NODEGROUP = """
resource "emreks_nodegroup" "critical" {
  platform_id       = emreks_platform.p.id
  name              = "critical-a"
  role              = "critical"
  availability_zone = "eu-west-1a"
}
"""


def test_import_by_identity_then_no_change_plan(workspace, provider, aws, tmp_path):
    workspace.write({"main.tf": provider() + platform() + NODEGROUP})
    workspace.apply()
    state = json.loads((workspace.directory / "terraform.tfstate").read_text())
    identities = {r["type"]: r["instances"][0] for r in state["resources"]}
    assert identities["emreks_platform"]["identity"] == {"name": "analytics", "region": "eu-west-1"}
    assert identities["emreks_platform"]["identity_schema_version"] == 0
    assert identities["emreks_nodegroup"]["identity"] == {"platform_id": "analytics", "name": "critical-a"}

    # A second configuration takes the platform and its nodegroup over by
    # their identities alone.
    adopter = Workspace(tmp_path / "adopt", endpoint=aws.url)
    adopter.write(
        {
            "main.tf": provider()
            + platform()
            + NODEGROUP
            + '''
import {
  to       = emreks_platform.p
  identity = { name = "analytics" }
}

import {
  to       = emreks_nodegroup.critical
  identity = { platform_id = "analytics", name = "critical-a" }
}
'''
        }
    )
    planned = adopter.plan_json()
    changes = {c["address"]: c["change"] for c in planned["resource_changes"]}
    for address in ("emreks_platform.p", "emreks_nodegroup.critical"):
        assert changes[address]["actions"] == ["no-op"], (address, changes[address]["actions"])
    assert changes["emreks_platform.p"]["importing"]["identity"] == {"name": "analytics", "region": "eu-west-1"}
    adopter.apply()
    assert adopter.plan().code == 0
    adopted = json.loads((adopter.directory / "terraform.tfstate").read_text())
    assert {r["type"]: r["instances"][0]["identity"] for r in adopted["resources"]} == {
        kind: instance["identity"] for kind, instance in identities.items()
    }

    # An identity in another region than the provider's is refused.
    adopter.run("state", "rm", "emreks_platform.p", "emreks_nodegroup.critical")
    text = (adopter.directory / "main.tf").read_text()
    (adopter.directory / "main.tf").write_text(
        text.replace('identity = { name = "analytics" }', 'identity = { name = "analytics", region = "us-east-1" }')
    )
    refused = adopter.plan()
    assert refused.code == 1
    assert "configured for" in " ".join(refused.output.split())

    workspace.destroy()
    assert aws.leftovers() == {}


def spark_job(label, name, extra=""):
    return f'''
action "emreks_spark_job" "{label}" {{
  config {{
    platform_id           = emreks_platform.p.id
    profile               = "critical"
    name                  = "{name}"
    entry_point_arguments = ["10"]
    spark_properties      = {{ "spark.sql.shuffle.partitions" = "8" }}
{extra}  }}
}}
'''


def job_runs(aws):
    emr = aws.client("emr-containers")
    runs = []
    for cluster in emr.list_virtual_clusters()["virtualClusters"]:
        for run in emr.list_job_runs(virtualClusterId=cluster["id"])["jobRuns"]:
            runs.append(emr.describe_job_run(virtualClusterId=cluster["id"], id=run["id"])["jobRun"])
    return runs


def test_spark_job_action_invoked_completes_or_fails_with_the_reason(workspace, provider, aws):
    # Each step of a run takes 5 s, so the polls (1 s, then every few
    # seconds) see every state.
    aws.configure(
        {
            "fail_job_runs": {"broken": {"failureReason": "USER_ERROR", "stateDetails": "ExitCode: 1. ZeroDivisionError"}},
            "latency": {"emr-containers:job-run": 5},
        }
    )
    workspace.write(
        {"main.tf": provider() + platform(extra=JOBS) + spark_job("pi", "pi-run") + spark_job("broken", "broken")}
    )
    workspace.apply()
    assert job_runs(aws) == []  # an action runs only when invoked

    ran = workspace.apply("-invoke=action.emreks_spark_job.pi")
    text = " ".join(ran.output.split())
    for state in ("PENDING", "SUBMITTED", "RUNNING", "COMPLETED"):
        assert f": {state}" in text, state
    (run,) = job_runs(aws)
    assert run["name"] == "pi-run" and run["state"] == "COMPLETED"
    driver = run["jobDriver"]["sparkSubmitJobDriver"]
    assert driver["entryPoint"].endswith("pi.py") and driver["entryPointArguments"] == ["10"]
    properties = run["configurationOverrides"]["applicationConfiguration"][0]["properties"]
    assert properties["spark.sql.shuffle.partitions"] == "8"
    assert properties["spark.kubernetes.driver.podTemplateFile"].endswith("critical-driver.yaml")
    assert workspace.plan().code == 0  # nothing of the run in the state

    failed = workspace.apply("-invoke=action.emreks_spark_job.broken", check=False)
    assert failed.code != 0
    text = " ".join(failed.output.split())
    assert "Spark job failed" in text and "USER_ERROR" in text and "ZeroDivisionError" in text

    workspace.destroy()
    aws.configure({"fail_job_runs": {}, "latency": {}})


def test_spark_job_action_triggered_after_create(workspace, provider, aws):
    workspace.write(
        {
            "main.tf": provider()
            + platform(
                extra=JOBS
                + """
  lifecycle {
    action_trigger {
      events  = [after_create]
      actions = [action.emreks_spark_job.smoke]
    }
  }
"""
            )
            + spark_job("smoke", "smoke-test").replace("emreks_platform.p.id", '"analytics"')
        }
    )
    applied = workspace.apply()
    assert "COMPLETED" in applied.output
    (run,) = job_runs(aws)
    assert run["name"] == "smoke-test" and run["state"] == "COMPLETED"
    # An update does not trigger it again.
    assert workspace.plan().code == 0
    workspace.destroy()
