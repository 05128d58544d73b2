"""Applies interrupted with SIGINT to Terraform's whole process group (what
Ctrl-C in a terminal or a cancelled CI job does) at several points, then
re-applied to convergence and destroyed with nothing left; and an apply
whose provider is killed outright, after which the next apply says what
exists and how to import it rather than clash on the name."""

import os
import signal
import subprocess
import time

import pytest

from conftest import ADMIN_ROLE
from harness.emulator import environment
from harness.terraform import TERRAFORM, provider_binary
from test_reliability import QUIET, report

# Waits as on AWS, scaled down: the cluster is the longest, as there.
LATENCY = {
    "eks:cluster": 8.0,
    "eks:nodegroup": 4.0,
    "eks:addon": 2.0,
    "emr-containers:managed-endpoint": 4.0,
    "ec2:nat-gateway": 2.0,
}


@pytest.fixture
def settings(aws):
    yield aws.configure
    aws.configure(QUIET)


CONFIG = f'''
resource "emreks_platform" "p" {{
  name               = "analytics"
  eks_admin_role_arn = "{ADMIN_ROLE}"
  vpc_cidr           = "10.0.0.0/16"
  availability_zones = ["eu-west-1a", "eu-west-1b"]
  virtual_clusters   = {{ batchjob = {{ namespace = "batchjob" }}, emrvcplatform = {{ namespace = "dataanalysis" }} }}
  execution_roles    = {{ jobs = {{ namespaces = ["batchjob", "dataanalysis"] }} }}
  job_profile "critical" {{
    virtual_cluster = "batchjob"
    execution_role  = "jobs"
  }}
  studio {{
    name            = "platform"
    auth_mode       = "IAM"
    virtual_cluster = "emrvcplatform"
  }}
}}

resource "emreks_nodegroup" "spark" {{
  for_each          = toset(["a", "b"])
  platform_id       = emreks_platform.p.id
  name              = "critical-${{each.key}}"
  role              = "critical"
  availability_zone = "eu-west-1${{each.key}}"
}}

resource "emreks_notebook_user" "analyst" {{
  platform_id       = emreks_platform.p.id
  identity_name     = "analyst"
  managed_endpoints = [{{ name = "shared", execution_role = "jobs" }}]
}}
'''


def start_apply(workspace) -> subprocess.Popen:
    """`terraform apply` in its own process group (as a terminal would run it)."""
    env = environment()
    env["TF_CLI_CONFIG_FILE"] = str(workspace.cli_config)
    return subprocess.Popen(
        [str(TERRAFORM), f"-chdir={workspace.directory}", "apply", "-auto-approve", "-no-color"],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        env=env,
        start_new_session=True,
    )


def interrupted_apply(workspace, when) -> tuple[int, float, str]:
    """`terraform apply`, its process group sent SIGINT after `when` s, or
    once `when()` holds (polled; at most two minutes)."""
    started = time.monotonic()
    process = start_apply(workspace)
    if callable(when):
        deadline = started + 120
        while process.poll() is None and not when() and time.monotonic() < deadline:
            time.sleep(0.1)
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGINT)
        output, _ = process.communicate(timeout=300)
        return process.returncode, time.monotonic() - started, output
    try:
        output, _ = process.communicate(timeout=when)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGINT)
        output, _ = process.communicate(timeout=300)
    return process.returncode, time.monotonic() - started, output


def cluster_role_exists(aws):
    """Whether the platform's cluster role was made (the network still is)."""
    iam = aws.client("iam")
    return lambda: any(
        "-eks-cluster-" in role["RoleName"]
        for role in iam.list_roles(PathPrefix="/emreks/analytics/")["Roles"]
    )


# Seconds after the start, or "role": as soon as the cluster role exists,
# while the network is still being made (where a fixed time may land
# before or after on a busy machine).
@pytest.mark.parametrize("after", [3, 10, 25, "role"])
def test_apply_interrupted_then_reapplied_and_destroyed(workspace, provider, aws, settings, capsys, after):
    aws.client("iam").create_user(UserName="analyst")
    aws.mark_baseline()
    settings({"latency": LATENCY})
    workspace.write({"main.tf": provider() + CONFIG})
    code, took, output = interrupted_apply(workspace, cluster_role_exists(aws) if after == "role" else after)
    held = sum(len(v) for v in aws.leftovers().values())
    assert "panic" not in output.lower(), output

    reapplied = workspace.apply(check=False)
    assert reapplied.code == 0, f"interrupted apply ({code}):\n{output}\n\nre-apply:\n{reapplied.output}"
    assert workspace.plan().code == 0
    workspace.destroy()
    left = aws.leftovers()
    report(
        capsys,
        f"SIGINT after {after}s" if after != "role" else "SIGINT once the cluster role exists",
        {"interrupted apply exited": code, "after s": round(took, 1),
         "objects then": held, "objects left after destroy": sum(len(v) for v in left.values())},
    )
    assert left == {}


def provider_processes(group: int) -> list[int]:
    """Ids of the provider's processes in one process group."""
    binary = str(provider_binary())
    found = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as stat:
                # Fields after the command (which may hold spaces): state, ppid, pgrp.
                pgrp = int(stat.read().rsplit(")", 1)[1].split()[2])
            exe = os.readlink(f"/proc/{entry}/exe")
        except (OSError, ValueError, IndexError):
            continue
        if pgrp == group and exe == binary:
            found.append(int(entry))
    return found


def apply_with_provider_killed(workspace, condition, poll: float = 0.05) -> tuple[subprocess.Popen, list[int], str]:
    """`terraform apply` with the provider alone SIGKILLed (Terraform lives
    on) once `condition()` holds, polled every `poll` s for at most two
    minutes: the apply, the ids of the killed processes (none when the
    condition never held) and what the apply said."""
    process = start_apply(workspace)
    killed: list[int] = []
    try:
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline and process.poll() is None:
            if condition():
                killed = provider_processes(process.pid)
                for pid in killed:
                    os.kill(pid, signal.SIGKILL)
                break
            time.sleep(poll)
        output, _ = process.communicate(timeout=300)
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGKILL)
    return process, killed, output


def test_provider_killed_mid_apply_then_imported_and_destroyed(workspace, provider, aws, settings, capsys):
    """SIGKILL on the provider alone once CreateCluster went out: Terraform
    records nothing of the platform, so the next apply must not clash on
    the cluster's name but say it exists, carries this platform's tag, and
    how to import it; imported, the platform converges and destroys clean."""
    aws.client("iam").create_user(UserName="analyst")
    aws.mark_baseline()
    settings({"latency": LATENCY})
    workspace.write({"main.tf": provider() + CONFIG})
    eks = aws.client("eks")
    process, killed, output = apply_with_provider_killed(workspace, lambda: "analytics" in eks.list_clusters()["clusters"], poll=0.2)
    assert killed, f"no provider process to kill; apply said:\n{output}"
    assert process.returncode != 0, output
    held = sum(len(v) for v in aws.leftovers().values())

    reapplied = workspace.apply(check=False)
    # Terraform wraps diagnostics: compare with the lines joined.
    said = " ".join(reapplied.output.split())
    assert reapplied.code != 0, reapplied.output
    assert "ResourceInUseException" not in said, reapplied.output
    assert "terraform import" in said, reapplied.output
    assert "emreks:platform = analytics" in said, reapplied.output
    # Nothing new was made by the refused apply.
    assert sum(len(v) for v in aws.leftovers().values()) == held

    workspace.run("import", "-no-color", "emreks_platform.p", "analytics")
    workspace.apply()
    assert workspace.plan().code == 0
    workspace.destroy()
    left = aws.leftovers()
    report(
        capsys,
        "provider killed once the cluster was asked for",
        {"objects then": held, "objects left after destroy": sum(len(v) for v in left.values())},
    )
    assert left == {}


def test_provider_killed_before_the_cluster_then_reapplied_leaves_nothing(workspace, provider, aws, settings, capsys):
    """SIGKILL on the provider alone once the cluster role exists, before
    CreateCluster: Terraform records nothing, and the next apply draws a new
    suffix. It removes what the killed create made (marked for this
    platform name with the old suffix, and no cluster), says so, and
    converges; destroy then leaves nothing."""
    aws.client("iam").create_user(UserName="analyst")
    aws.mark_baseline()
    # The create asks for the cluster once the network's subnets and public
    # routes exist: a throttled AssociateRouteTable (one call per 10 s, which
    # the provider retries) keeps it from CreateCluster while the test kills.
    settings({"latency": LATENCY, "rate_limits": {"ec2:AssociateRouteTable": {"rate": 0.1, "burst": 1}}})
    workspace.write({"main.tf": provider() + CONFIG})
    role_made = cluster_role_exists(aws)
    _, killed, output = apply_with_provider_killed(workspace, role_made, poll=0.1)
    assert killed, f"no provider process to kill; apply said:\n{output}"
    assert "analytics" not in aws.client("eks").list_clusters()["clusters"], "killed after CreateCluster"
    settings({"rate_limits": {}})
    held = aws.leftovers()
    assert held.get("iam:role"), held

    reapplied = workspace.apply(check=False)
    said = " ".join(reapplied.output.split())
    assert reapplied.code == 0, reapplied.output
    assert "Leftovers of an interrupted create removed" in said, reapplied.output
    assert "IAM role analytics-eks-cluster-" in said, reapplied.output
    assert len(aws.leftovers()["ec2:vpc"]) == 1, "the killed create's VPC was removed"
    assert workspace.plan().code == 0
    workspace.destroy()
    left = aws.leftovers()
    report(
        capsys,
        "provider killed once the cluster role existed",
        {"objects then": sum(len(v) for v in held.values()), "objects left after destroy": sum(len(v) for v in left.values())},
    )
    assert left == {}
