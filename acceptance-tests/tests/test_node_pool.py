"""emreks_node_pool through real Terraform against the emulator: Spark
node pools (Karpenter NodePools on an Auto Mode NodeClass) on a platform
whose cluster runs EKS Auto Mode."""

import base64
import json

import boto3
import requests

from conftest import ADMIN_ROLE
from harness.terraform import REPO

CLUSTER = "analytics"


def platform(compute: str = "auto_mode") -> str:
    return f'''
resource "emreks_platform" "p" {{
  name               = "{CLUSTER}"
  eks_admin_role_arn = "{ADMIN_ROLE}"
  vpc_cidr           = "10.0.0.0/16"
  availability_zones = ["eu-west-1a", "eu-west-1b", "eu-west-1c"]
  compute            = "{compute}"
}}
'''


PLATFORM = platform()

ROLES = ["critical", "non_critical_driver", "non_critical_executor", "notebook_driver", "notebook_executor"]


def pools(extra: dict | None = None) -> str:
    """The five Spark pools, one per role; `extra` adds arguments by role."""
    out = ""
    for role in ROLES:
        name = role.replace("_", "-")
        out += f'''
resource "emreks_node_pool" "{role}" {{
  platform_id = emreks_platform.p.id
  name        = "spark-{name}"
  role        = "{role}"
{(extra or {}).get(role, "")}}}
'''
    return out


def kube(
    aws, method: str, path: str, body=None, cluster: str = CLUSTER, content_type: str = "application/json"
) -> requests.Response:
    """A request to the cluster's Kubernetes API as the platform's creator."""
    sts = boto3.client(
        "sts",
        region_name="eu-west-1",
        endpoint_url="https://sts.us-east-1.amazonaws.com",
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
    )
    sts.meta.events.register(
        "before-sign.sts.GetCallerIdentity", lambda request, **_: request.headers.__setitem__("x-k8s-aws-id", cluster)
    )
    url = sts.generate_presigned_url("get_caller_identity", ExpiresIn=60, HttpMethod="GET")
    token = "k8s-aws-v1." + base64.urlsafe_b64encode(url.encode()).decode().rstrip("=")
    return requests.request(
        method,
        f"{aws.url}/k8s/{cluster}{path}",
        data=None if body is None else json.dumps(body),
        headers={"Authorization": f"Bearer {token}", "Content-Type": content_type},
    )


NODE_POOLS = "/apis/karpenter.sh/v1/nodepools"
NODE_CLASSES = "/apis/eks.amazonaws.com/v1/nodeclasses"


def node_pool(aws, name: str) -> dict:
    found = kube(aws, "GET", f"{NODE_POOLS}/{name}")
    assert found.status_code == 200, found.text
    return found.json()


def requirement(pool: dict, key: str) -> dict:
    return next(r for r in pool["spec"]["template"]["spec"]["requirements"] if r["key"] == key)


def test_five_pools_apply_replan_update_drift_import_destroy(workspace, provider, aws):
    workspace.write({"main.tf": provider() + PLATFORM + pools()})
    applied = workspace.apply()
    # Notebook pools apply, but the plan says the notebooks run on nodegroups.
    assert "Notebooks on an Auto Mode platform run on emreks_nodegroup" in " ".join(applied.output.split())

    executors = workspace.resource("emreks_node_pool.non_critical_executor")
    assert executors["node_pool_names"] == ["spark-non-critical-executor", "spark-non-critical-executor-spot-amd64"]
    assert executors["consolidation_policy"] == "WhenEmptyOrUnderutilized"
    graviton = node_pool(aws, "spark-non-critical-executor")
    x86 = node_pool(aws, "spark-non-critical-executor-spot-amd64")
    assert graviton["spec"]["weight"] > x86["spec"]["weight"]
    assert requirement(graviton, "kubernetes.io/arch")["values"] == ["arm64"]
    assert requirement(graviton, "karpenter.sh/capacity-type")["values"] == ["spot"]
    assert graviton["spec"]["disruption"]["consolidateAfter"] == "360s"
    assert graviton["spec"]["template"]["spec"]["nodeClassRef"]["name"] == "spark-non-critical-executor"
    driver = node_pool(aws, "spark-non-critical-driver")
    assert driver["spec"]["disruption"]["consolidationPolicy"] == "WhenEmpty"
    assert driver["status"]["conditions"][0]["status"] == "True"  # its NodeClass exists
    node_class = kube(aws, "GET", f"{NODE_CLASSES}/spark-critical").json()
    auto_mode = aws.client("eks").describe_cluster(name=CLUSTER)["cluster"]["computeConfig"]
    assert node_class["spec"]["role"] == auto_mode["nodeRoleArn"].rsplit("/", 1)[-1]
    assert len(node_class["spec"]["subnetSelectorTerms"]) == 3  # every zone
    keys = [r["key"] for r in node_pool(aws, "spark-critical")["spec"]["template"]["spec"]["requirements"]]
    assert "topology.kubernetes.io/zone" not in keys  # all zones

    # Re-planned: nothing to do.
    assert workspace.plan().code == 0

    # Limits and instance families change in place.
    extra = {"critical": '  cpu_limit = 64\n  instance_families = ["m7gd", "m6gd"]\n'}
    workspace.write({"main.tf": provider() + PLATFORM + pools(extra)})
    plan = workspace.plan_json()
    actions = {c["address"]: c["change"]["actions"] for c in plan["resource_changes"]}
    assert actions["emreks_node_pool.critical"] == ["update"]
    workspace.apply()
    critical = node_pool(aws, "spark-critical")
    assert critical["spec"]["limits"]["cpu"] == "64"
    assert requirement(critical, "eks.amazonaws.com/instance-family")["values"] == ["m7gd", "m6gd"]
    assert workspace.plan().code == 0

    # Labels changed outside Terraform are put back.
    patched = kube(
        aws,
        "PATCH",
        f"{NODE_POOLS}/spark-critical",
        {"spec": {"template": {"metadata": {"labels": {"role": "anything"}}}}},
        content_type="application/merge-patch+json",
    )
    assert patched.status_code == 200, patched.text
    assert workspace.plan().code == 2
    workspace.apply()
    assert node_pool(aws, "spark-critical")["spec"]["template"]["metadata"]["labels"]["role"] == "critical"

    # A pool deleted outside Terraform is planned again.
    assert kube(aws, "DELETE", f"{NODE_POOLS}/spark-notebook-driver").status_code == 200
    plan = workspace.plan_json()
    actions = {c["address"]: c["change"]["actions"] for c in plan["resource_changes"]}
    assert actions["emreks_node_pool.notebook_driver"] == ["create"]
    workspace.apply()
    assert node_pool(aws, "spark-notebook-driver")["spec"]["template"]["metadata"]["labels"]["role"] == "notebook"

    # Imported: the next plan changes nothing.
    workspace.run("state", "rm", "emreks_node_pool.critical")
    workspace.run("import", "emreks_node_pool.critical", f"{CLUSTER}:spark-critical")
    assert workspace.plan().code == 0

    workspace.destroy()
    assert aws.leftovers() == {}


def test_pod_templates_select_the_pools_and_drivers_are_not_disrupted(workspace, provider, aws):
    workspace.write({"main.tf": provider() + PLATFORM + pools()})
    workspace.apply()
    platform = workspace.resource("emreks_platform.p")
    s3 = aws.client("s3")
    for key, uri in platform["pod_template_uris"].items():
        bucket, _, object_key = uri.removeprefix("s3://").partition("/")
        pod = json.loads(s3.get_object(Bucket=bucket, Key=object_key)["Body"].read())
        role = {
            "critical-driver": "critical",
            "critical-executor": "critical",
            "shared-driver": "non_critical_driver",
            "shared-executor": "non_critical_executor",
            "notebook-driver": "notebook_driver",
            "notebook-executor": "notebook_executor",
        }[key]
        pool = node_pool(aws, f"spark-{role.replace('_', '-')}")
        labels = pool["spec"]["template"]["metadata"]["labels"]
        selector = pod["spec"]["nodeSelector"]
        arch = selector.pop("kubernetes.io/arch", None)
        assert selector.items() <= labels.items(), (key, selector, labels)
        if arch:
            assert requirement(pool, "kubernetes.io/arch")["values"] == [arch]
        tolerated = {(t["key"], t["value"], t["effect"]) for t in pod["spec"]["tolerations"]}
        for taint in pool["spec"]["template"]["spec"]["taints"]:
            assert (taint["key"], taint["value"], taint["effect"]) in tolerated, (key, taint)
        annotations = (pod.get("metadata") or {}).get("annotations") or {}
        if key.endswith("-driver"):
            assert annotations["karpenter.sh/do-not-disrupt"] == "true"
        else:
            assert "karpenter.sh/do-not-disrupt" not in annotations
        # Auto Mode nodes have no NVMe array at a host path: no executor
        # may ask for one, or it would never start.
        assert "volumes" not in pod["spec"], (key, pod["spec"].get("volumes"))
        assert "initContainers" not in pod["spec"], key
    workspace.destroy()
    assert aws.leftovers() == {}


def test_plan_warns_of_a_pool_too_small_and_refuses_a_platform_without_auto_mode(workspace, provider, aws):
    managed = platform("managed_nodegroups")
    workspace.write({"main.tf": provider() + managed})
    workspace.apply()
    small = {"critical": "  max_vcpus = 4\n"}
    workspace.write({"main.tf": provider() + managed + pools(small)})
    refused = workspace.plan()
    assert refused.code == 1
    text = " ".join(refused.output.split())
    assert "does not run on EKS Auto Mode" in text and 'compute = "auto_mode"' in text

    # Switched to Auto Mode first, the platform takes pools.
    workspace.write({"main.tf": provider() + PLATFORM})
    workspace.apply()
    workspace.write({"main.tf": provider() + PLATFORM + pools(small)})
    planned = workspace.plan()
    assert planned.code == 2, planned.output
    text = " ".join(planned.output.split())
    assert "No node of this pool fits the critical pods" in text
    assert "max_vcpus" in text
    workspace.destroy()
    assert aws.leftovers() == {}


def test_auto_mode_example_applies_replans_clean_and_destroys(workspace, aws):
    admin = aws.create_admin_role("PlatformAdminAutoMode")
    aws.mark_baseline()
    workspace.copy_from(REPO / "examples" / "auto-mode")
    variables = [
        f"-var=aws_endpoint={aws.url}",
        f"-var=kubernetes_endpoint={aws.url}",
        f"-var=eks_admin_role_arn={admin}",
    ]
    workspace.apply(*variables)
    assert workspace.plan(*variables).code == 0
    pools = workspace.outputs()["node_pools"]
    assert pools["non_critical_executor"] == [
        "spark-non-critical-executor",
        "spark-non-critical-executor-spot-amd64",
    ]
    assert node_pool(aws, "spark-critical")["spec"]["disruption"]["consolidationPolicy"] == "WhenEmpty"
    # Notebooks added to the running platform: a Studio, and the nodegroups they run on.
    variables.append("-var=notebooks=true")
    workspace.apply(*variables)
    assert workspace.plan(*variables).code == 0
    assert len(aws.leftovers()["eks:nodegroup"]) == 2
    workspace.destroy(*variables)
    assert aws.leftovers() == {}
