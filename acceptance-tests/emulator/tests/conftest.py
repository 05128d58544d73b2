"""Starts the emulator through its `serve` launcher once per test session,
and resets it before every test."""

from __future__ import annotations

import base64
import json
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import boto3
import pytest
import requests
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.config import Config
from botocore.credentials import Credentials

SERVE = Path(__file__).resolve().parents[1] / "serve"
REGION = "us-east-1"
CREDENTIALS = {"aws_access_key_id": "AKIDTESTING", "aws_secret_access_key": "testing"}

os.environ["NO_PROXY"] = os.environ["no_proxy"] = "127.0.0.1,localhost"
sys.path.insert(0, str(SERVE.parent.parent))  # makes `emulator` importable for in-process tests


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Server:
    """A `serve` process in the foreground of the test."""

    def __init__(self, log: Path, *args: str) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log = log
        with open(log, "w") as stderr:  # a file, not a pipe nobody drains
            self.process = subprocess.Popen(
                [str(SERVE), "--port", str(self.port), *args], stdout=subprocess.PIPE, stderr=stderr, text=True
            )
        self.ready_line = self.process.stdout.readline().strip()
        if self.ready_line != f"emulator ready at {self.url}":
            self.process.kill()
            raise RuntimeError(f"serve did not start: {self.ready_line!r}\n{log.read_text()}")

    def stop(self, signum: int = signal.SIGTERM) -> int:
        self.process.send_signal(signum)
        try:
            return self.process.wait(timeout=30)
        finally:
            self.process.stdout.close()


@pytest.fixture(scope="session")
def server(tmp_path_factory):
    log = tmp_path_factory.mktemp("emulator") / "stderr.log"
    started = Server(log)
    yield started
    assert started.stop() == 0
    assert "Traceback" not in log.read_text(), log.read_text()


@pytest.fixture(autouse=True)
def fresh(server):
    requests.post(f"{server.url}/_emreks/reset").raise_for_status()
    config = {
        "latency": {},
        "faults": [],
        "validate_moto_requests": True,
        "page_size": None,
        "rate_limits": {},
        "fail_job_runs": [],
        # Released at once: tests of the release window set their own.
        "eni_release_seconds": 0,
    }
    requests.post(f"{server.url}/_emreks/config", json=config).raise_for_status()


@pytest.fixture
def aws(server):
    """aws("eks") -> a boto3 client of the emulator; extra keyword arguments go to botocore's Config."""

    def client(service: str, **config):
        return boto3.client(
            service,
            endpoint_url=server.url,
            region_name=REGION,
            config=Config(**{"retries": {"mode": "standard", "max_attempts": 3}, **config}),
            **CREDENTIALS,
        )

    return client


@pytest.fixture
def admin(server):
    """admin("GET", "inventory") -> the parsed JSON answer of the admin API."""

    def call(method: str, path: str, body=None):
        response = requests.request(method, f"{server.url}/_emreks/{path}", json=body)
        response.raise_for_status()
        return response.json()

    return call


@pytest.fixture
def signed(server):
    """signed(service, method, path, body, headers) -> requests.Response of a SigV4-signed raw request."""

    def send(service: str, method: str, path: str, body: bytes | str = b"", headers: dict | None = None):
        request = AWSRequest(method=method, url=server.url + path, data=body, headers=headers or {})
        SigV4Auth(
            Credentials(CREDENTIALS["aws_access_key_id"], CREDENTIALS["aws_secret_access_key"]), service, REGION
        ).add_auth(request)
        prepared = request.prepare()
        return requests.request(method, prepared.url, data=prepared.body, headers=dict(prepared.headers))

    return send


def eks_token(
    cluster: str | None,
    as_query_parameter: bool = False,
    credentials: dict | None = None,
    expires: int = 60,
    signed_header: str | None = None,
) -> str:
    """A bearer token made the way `aws eks get-token` makes it: a presigned
    STS GetCallerIdentity URL signed with an x-k8s-aws-id header (of
    `signed_header`, the cluster by default). `as_query_parameter` also
    names the cluster in a query parameter, after signing, for the root routing."""
    sts = boto3.client(
        "sts", region_name=REGION, endpoint_url="https://sts.us-east-1.amazonaws.com", **(credentials or CREDENTIALS)
    )

    def add_header(request, **_):
        if signed_header or cluster:
            request.headers["x-k8s-aws-id"] = signed_header or cluster

    sts.meta.events.register("before-sign.sts.GetCallerIdentity", add_header)
    url = sts.generate_presigned_url("get_caller_identity", ExpiresIn=expires, HttpMethod="GET")
    if cluster and as_query_parameter:
        url += f"&x-k8s-aws-id={cluster}"
    return "k8s-aws-v1." + base64.urlsafe_b64encode(url.encode()).decode().rstrip("=")


def network(ec2, cidr: str = "10.0.0.0/16") -> tuple[str, list[str]]:
    """A VPC with subnets in two availability zones."""
    vpc = ec2.create_vpc(CidrBlock=cidr)["Vpc"]["VpcId"]
    prefix = cidr.rsplit(".", 2)[0]
    subnets = [
        ec2.create_subnet(VpcId=vpc, CidrBlock=f"{prefix}.{i}.0/24", AvailabilityZone=f"{REGION}{zone}")["Subnet"][
            "SubnetId"
        ]
        for i, zone in ((1, "a"), (2, "b"))
    ]
    return vpc, subnets


def role(iam, name: str, service: str = "eks.amazonaws.com", actions: list[str] | str = "sts:AssumeRole") -> str:
    """A role that `service` may assume (EKS's cluster role by default)."""
    trust = {
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Principal": {"Service": service}, "Action": actions}],
    }
    return iam.create_role(RoleName=name, AssumeRolePolicyDocument=json.dumps(trust))["Role"]["Arn"]


def node_role(iam, name: str) -> str:
    return role(iam, name, "ec2.amazonaws.com")


def pod_role(iam, name: str) -> str:
    """A role for EKS Pod Identity."""
    return role(iam, name, "pods.eks.amazonaws.com", ["sts:AssumeRole", "sts:TagSession"])


def cluster(aws, name: str = "spark", **extra) -> dict:
    """An EKS cluster (in a new VPC) with API authentication."""
    _, subnets = network(aws("ec2"))
    arn = role(aws("iam"), f"{name}-cluster")
    extra.setdefault("accessConfig", {"authenticationMode": "API"})
    return aws("eks").create_cluster(name=name, roleArn=arn, resourcesVpcConfig={"subnetIds": subnets}, **extra)[
        "cluster"
    ]


def wait_for(predicate, timeout: float = 10.0):
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value or time.monotonic() > deadline:
            return value
        time.sleep(0.1)
