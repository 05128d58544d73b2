"""Applies interrupted with SIGINT to Terraform's whole process group (what
Ctrl-C in a terminal or a cancelled CI job does) at several points, then
re-applied to convergence and destroyed with nothing left."""

import os
import signal
import subprocess
import time

import pytest

from conftest import ADMIN_ROLE
from harness.emulator import environment
from harness.terraform import TERRAFORM
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


def interrupted_apply(workspace, after: float) -> tuple[int, float, str]:
    """`terraform apply` in its own process group, sent SIGINT after `after` s."""
    env = environment()
    env["TF_CLI_CONFIG_FILE"] = str(workspace.cli_config)
    started = time.monotonic()
    process = subprocess.Popen(
        [str(TERRAFORM), f"-chdir={workspace.directory}", "apply", "-auto-approve", "-no-color"],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        env=env,
        start_new_session=True,
    )
    try:
        output, _ = process.communicate(timeout=after)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGINT)
        output, _ = process.communicate(timeout=300)
    return process.returncode, time.monotonic() - started, output


@pytest.mark.parametrize("after", [3, 10, 25])
def test_apply_interrupted_then_reapplied_and_destroyed(workspace, provider, aws, settings, capsys, after):
    aws.client("iam").create_user(UserName="analyst")
    aws.mark_baseline()
    settings({"latency": LATENCY})
    workspace.write({"main.tf": provider() + CONFIG})
    code, took, output = interrupted_apply(workspace, after)
    held = sum(len(v) for v in aws.leftovers().values())
    assert "panic" not in output.lower(), output

    reapplied = workspace.apply(check=False)
    assert reapplied.code == 0, f"interrupted apply ({code}):\n{output}\n\nre-apply:\n{reapplied.output}"
    assert workspace.plan().code == 0
    workspace.destroy()
    left = aws.leftovers()
    report(
        capsys,
        f"SIGINT after {after}s",
        {"interrupted apply exited": code, "after s": round(took, 1),
         "objects then": held, "objects left after destroy": sum(len(v) for v in left.values())},
    )
    assert left == {}
