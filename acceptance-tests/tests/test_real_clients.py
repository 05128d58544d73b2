"""The platform through the clients its users run: the AWS CLI submits Spark
jobs with the platform's ready-made requests and with the walkthrough's long
form, and kubectl reaches the cluster through the exec credential `aws eks
update-kubeconfig` writes. Both talk to the emulator as they would to AWS
(AWS_ENDPOINT_URL, the same credentials Terraform gets)."""

import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

from harness.emulator import environment
from test_platform_emr import platform

REGION = "eu-west-1"
VENV_BIN = Path(sys.executable).parent


def kubectl_binary() -> str | None:
    return os.environ.get("KUBECTL") or shutil.which("kubectl")


def cli_env(aws, **extra) -> dict:
    env = environment()
    env.update(
        AWS_ENDPOINT_URL=aws.url,
        AWS_DEFAULT_REGION=REGION,
        AWS_PAGER="",
        PATH=f"{VENV_BIN}{os.pathsep}{env.get('PATH', '')}",  # `aws` of the venv, for kubectl's exec credential too
        NO_PROXY="127.0.0.1,localhost",
        no_proxy="127.0.0.1,localhost",
    )
    env.update(extra)
    return env


def run(args: list[str], env: dict, check: bool = True) -> subprocess.CompletedProcess:
    done = subprocess.run(args, capture_output=True, text=True, env=env, timeout=120)
    if check and done.returncode != 0:
        raise AssertionError(f"{' '.join(args)} exited {done.returncode}\n{done.stdout}\n{done.stderr}")
    return done


def aws_cli(env: dict, *args: str) -> dict:
    done = run([str(VENV_BIN / "aws"), *args, "--output", "json"], env)
    return json.loads(done.stdout) if done.stdout.strip() else {}


def wait_completed(env: dict, virtual_cluster: str, job_id: str) -> dict:
    deadline = time.monotonic() + 60
    while True:
        job = aws_cli(
            env, "emr-containers", "describe-job-run", "--id", job_id, "--virtual-cluster-id", virtual_cluster
        )["jobRun"]
        if job["state"] in ("COMPLETED", "FAILED", "CANCELLED") or time.monotonic() > deadline:
            return job
        time.sleep(0.5)


def test_aws_cli_runs_the_platform_jobs(workspace, provider, aws, tmp_path):
    workspace.write({"main.tf": provider() + platform(studio=False)})
    workspace.apply()
    values = workspace.outputs()["p"]
    env = cli_env(aws)

    # As the docs say: the profile's request, as it is.
    for profile, request in sorted(values["job_run_requests"].items()):
        path = tmp_path / f"{profile}.json"
        path.write_text(request)
        started = aws_cli(env, "emr-containers", "start-job-run", "--cli-input-json", f"file://{path}")
        assert started["virtualClusterId"] == json.loads(request)["virtualClusterId"]
        job = wait_completed(env, started["virtualClusterId"], started["id"])
        assert job["state"] == "COMPLETED", (profile, job)

    # The walkthrough's long form, with the platform's ids and pod templates.
    critical = json.loads(values["job_run_requests"]["critical"])
    templates = values["pod_template_uris"]
    overrides = {
        "applicationConfiguration": [
            {
                "classification": "spark-defaults",
                "properties": {
                    "spark.kubernetes.driver.podTemplateFile": templates["critical-driver"],
                    "spark.kubernetes.executor.podTemplateFile": templates["critical-executor"],
                },
            }
        ]
    }
    driver = {
        "sparkSubmitJobDriver": {
            "entryPoint": "local:///usr/lib/spark/examples/src/main/python/pi.py",
            "sparkSubmitParameters": "--conf spark.executor.instances=2 --conf spark.executor.memory=2G",
        }
    }
    started = aws_cli(
        env,
        "emr-containers",
        "start-job-run",
        "--virtual-cluster-id", values["virtual_cluster_ids"]["batchjob"],
        "--name", "pi",
        "--execution-role-arn", values["execution_role_arns"]["jobs"],
        "--release-label", critical["releaseLabel"],
        "--job-driver", json.dumps(driver),
        "--configuration-overrides", json.dumps(overrides),
    )
    job = wait_completed(env, started["virtualClusterId"], started["id"])
    assert (job["state"], job["name"]) == ("COMPLETED", "pi")
    assert job["configurationOverrides"]["applicationConfiguration"][0]["properties"] == overrides[
        "applicationConfiguration"
    ][0]["properties"]
    listed = aws_cli(env, "emr-containers", "list-job-runs", "--virtual-cluster-id", started["virtualClusterId"])
    assert len(listed["jobRuns"]) == 3  # critical, non_critical and pi on batchjob

    workspace.destroy()
    assert aws.leftovers() == {}


@pytest.mark.skipif(kubectl_binary() is None, reason="no kubectl on PATH (set KUBECTL to one)")
def test_kubectl_with_the_kubeconfig_aws_eks_writes(workspace, provider, aws, tmp_path):
    workspace.write({"main.tf": provider() + platform(studio=False)})
    workspace.apply()
    kubeconfig = tmp_path / "kubeconfig"
    env = cli_env(aws)
    run([str(VENV_BIN / "aws"), "eks", "update-kubeconfig", "--name", "analytics", "--kubeconfig", str(kubeconfig)], env)
    written = kubeconfig.read_text()
    assert "get-token" in written and "analytics" in written

    kubectl = [kubectl_binary(), "--kubeconfig", str(kubeconfig), "--request-timeout", "60s"]
    namespaces = json.loads(run([*kubectl, "get", "namespaces", "-o", "json"], env).stdout)
    names = {n["metadata"]["name"] for n in namespaces["items"]}
    assert {"batchjob", "dataanalysis", "kube-system", "default"} <= names

    # Someone the cluster does not know: STS knows them, EKS refuses them.
    iam = aws.client("iam")
    iam.create_user(UserName="stranger")
    key = iam.create_access_key(UserName="stranger")["AccessKey"]
    stranger = cli_env(aws, AWS_ACCESS_KEY_ID=key["AccessKeyId"], AWS_SECRET_ACCESS_KEY=key["SecretAccessKey"])
    refused = run([*kubectl, "get", "namespaces"], stranger, check=False)
    assert refused.returncode != 0
    assert "Unauthorized" in refused.stderr or "must be logged in" in refused.stderr, refused.stderr
    # With an access entry but no access policy: known, not allowed.
    aws.client("eks").create_access_entry(clusterName="analytics", principalArn=iam.get_user(UserName="stranger")["User"]["Arn"])
    forbidden = run([*kubectl, "get", "namespaces"], stranger, check=False)
    assert forbidden.returncode != 0 and "forbidden" in forbidden.stderr.lower(), forbidden.stderr
    aws.client("eks").delete_access_entry(
        clusterName="analytics", principalArn=iam.get_user(UserName="stranger")["User"]["Arn"]
    )
    iam.delete_access_key(UserName="stranger", AccessKeyId=key["AccessKeyId"])
    iam.delete_user(UserName="stranger")

    workspace.destroy()
    assert aws.leftovers() == {}
