"""What the emulator costs per request: starts one (harness.emulator), sets up
a small platform (a VPC with subnets, IAM roles, an ACTIVE EKS cluster with
nodegroups, a bucket, a virtual cluster), then times a mix of Describe/List/
Get calls and Kubernetes API GETs. Prints, per operation, the server-side
cost (from the emulator's `served ... in X ms` log lines) and the client's
round trip, median and p90, then the server process's CPU time over all
the calls.

    .venv/bin/python acceptance-tests/emulator/measure_requests.py [--rounds N]
"""

from __future__ import annotations

import argparse
import base64
import json
import os
import re
import statistics
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))  # makes `harness` importable

import boto3  # noqa: E402
import requests  # noqa: E402

from harness.emulator import Emulator  # noqa: E402

REGION = "eu-west-1"
CREDENTIALS = {"aws_access_key_id": "testing", "aws_secret_access_key": "testing"}
NODEGROUPS = 3

os.environ["NO_PROXY"] = os.environ["no_proxy"] = "127.0.0.1,localhost"
SERVED = re.compile(r" served (\S+) (\S+) (\S+) (\d+) in ([\d.]+) ms$")


def trust(service: str) -> str:
    statement = {"Effect": "Allow", "Principal": {"Service": service}, "Action": "sts:AssumeRole"}
    return json.dumps({"Version": "2012-10-17", "Statement": [statement]})


def wait_until(predicate, what: str, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise RuntimeError(f"{what} did not happen in {timeout} s")
        time.sleep(0.2)


def eks_token(cluster: str) -> str:
    """A bearer token as `aws eks get-token` makes it: a presigned STS
    GetCallerIdentity URL bound to the cluster by a signed x-k8s-aws-id header."""
    sts = boto3.client("sts", region_name=REGION, endpoint_url=f"https://sts.{REGION}.amazonaws.com", **CREDENTIALS)

    def bind(request, **_):
        request.headers["x-k8s-aws-id"] = cluster

    sts.meta.events.register("before-sign.sts.GetCallerIdentity", bind)
    url = sts.generate_presigned_url("get_caller_identity", ExpiresIn=60, HttpMethod="GET")
    return "k8s-aws-v1." + base64.urlsafe_b64encode(url.encode()).decode().rstrip("=")


def set_up(emulator: Emulator, workdir: Path) -> dict:
    """A platform-like state; returns the names and ids the calls need."""
    ec2, iam, eks = emulator.client("ec2"), emulator.client("iam"), emulator.client("eks")
    vpc = ec2.create_vpc(CidrBlock="10.0.0.0/16")["Vpc"]["VpcId"]
    subnets = [
        ec2.create_subnet(VpcId=vpc, CidrBlock=f"10.0.{i}.0/24", AvailabilityZone=f"{REGION}{zone}")
        for i, zone in enumerate("abc", start=1)
    ]
    subnets = [s["Subnet"]["SubnetId"] for s in subnets]
    group = ec2.create_security_group(VpcId=vpc, GroupName="measure", Description="measure")["GroupId"]
    cluster_role = iam.create_role(RoleName="measure-cluster", AssumeRolePolicyDocument=trust("eks.amazonaws.com"))
    iam.attach_role_policy(RoleName="measure-cluster", PolicyArn="arn:aws:iam::aws:policy/AmazonEKSClusterPolicy")
    node_role = iam.create_role(RoleName="measure-node", AssumeRolePolicyDocument=trust("ec2.amazonaws.com"))
    iam.put_role_policy(
        RoleName="measure-node",
        PolicyName="inline",
        PolicyDocument=json.dumps(
            {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"}]}
        ),
    )
    eks.create_cluster(
        name="measure",
        roleArn=cluster_role["Role"]["Arn"],
        resourcesVpcConfig={"subnetIds": subnets, "securityGroupIds": [group]},
        accessConfig={"authenticationMode": "API"},
    )
    wait_until(lambda: eks.describe_cluster(name="measure")["cluster"]["status"] == "ACTIVE", "cluster ACTIVE")
    nodegroups = [f"ng-{i}" for i in range(NODEGROUPS)]
    for name in nodegroups:
        eks.create_nodegroup(
            clusterName="measure",
            nodegroupName=name,
            nodeRole=node_role["Role"]["Arn"],
            subnets=subnets,
            scalingConfig={"minSize": 0, "maxSize": 2, "desiredSize": 0},
        )
    for name in nodegroups:
        wait_until(
            lambda name=name: eks.describe_nodegroup(clusterName="measure", nodegroupName=name)["nodegroup"]["status"]
            == "ACTIVE",
            f"nodegroup {name} ACTIVE",
        )
    s3 = emulator.client("s3")
    s3.create_bucket(Bucket="measure-logs", CreateBucketConfiguration={"LocationConstraint": REGION})
    s3.put_object(Bucket="measure-logs", Key="pod-templates/driver.yaml", Body=b"kind: Pod\n")
    active = eks.describe_cluster(name="measure")["cluster"]
    ca_file = workdir / "ca.pem"
    ca_file.write_bytes(base64.b64decode(active["certificateAuthority"]["data"]))
    session = requests.Session()  # as Kubernetes clients do, one kept-alive connection
    session.headers["Authorization"] = f"Bearer {eks_token('measure')}"
    kube = {"endpoint": active["endpoint"], "session": session, "ca": str(ca_file)}
    created = k8s(kube, "POST", "/api/v1/namespaces", {"metadata": {"name": "spark"}})
    created.raise_for_status()
    virtual = emulator.client("emr-containers").create_virtual_cluster(
        name="measure",
        containerProvider={"id": "measure", "type": "EKS", "info": {"eksInfo": {"namespace": "spark"}}},
    )["id"]
    return {"vpc": vpc, "subnets": subnets, "group": group, "nodegroups": nodegroups, "virtual": virtual, "kube": kube}


def k8s(kube: dict, method: str, path: str, body: dict | None = None) -> requests.Response:
    # verify per request: a session's own gives way to REQUESTS_CA_BUNDLE
    return kube["session"].request(method, kube["endpoint"] + path, json=body, verify=kube["ca"])


def calls(emulator: Emulator, ids: dict) -> list[tuple[str, object]]:
    """(label, call) pairs: what a platform's apply and refresh poll most."""
    ec2, eks, iam = emulator.client("ec2"), emulator.client("eks"), emulator.client("iam")
    s3, emr, sts = emulator.client("s3"), emulator.client("emr-containers"), emulator.client("sts")
    logs = emulator.client("logs")
    kube, vpc = ids["kube"], ids["vpc"]
    out = [
        ("ec2:DescribeVpcs", lambda: ec2.describe_vpcs(VpcIds=[ids["vpc"]])),
        ("ec2:DescribeSubnets", lambda: ec2.describe_subnets(Filters=[{"Name": "vpc-id", "Values": [vpc]}])),
        ("ec2:DescribeSecurityGroups", lambda: ec2.describe_security_groups(GroupIds=[ids["group"]])),
        ("ec2:DescribeRouteTables", lambda: ec2.describe_route_tables(Filters=[{"Name": "vpc-id", "Values": [vpc]}])),
        ("ec2:DescribeNatGateways", lambda: ec2.describe_nat_gateways()),
        ("ec2:DescribeNetworkInterfaces", lambda: ec2.describe_network_interfaces()),
        ("eks:ListClusters", lambda: eks.list_clusters()),
        ("eks:DescribeCluster", lambda: eks.describe_cluster(name="measure")),
        ("eks:ListNodegroups", lambda: eks.list_nodegroups(clusterName="measure")),
        ("eks:DescribeNodegroup", lambda: eks.describe_nodegroup(clusterName="measure", nodegroupName="ng-0")),
        ("eks:ListAccessEntries", lambda: eks.list_access_entries(clusterName="measure")),
        ("eks:ListAddons", lambda: eks.list_addons(clusterName="measure")),
        ("iam:GetRole", lambda: iam.get_role(RoleName="measure-node")),
        ("iam:ListAttachedRolePolicies", lambda: iam.list_attached_role_policies(RoleName="measure-cluster")),
        ("iam:ListRolePolicies", lambda: iam.list_role_policies(RoleName="measure-node")),
        ("iam:GetRolePolicy", lambda: iam.get_role_policy(RoleName="measure-node", PolicyName="inline")),
        ("s3:HeadBucket", lambda: s3.head_bucket(Bucket="measure-logs")),
        ("s3:GetBucketVersioning", lambda: s3.get_bucket_versioning(Bucket="measure-logs")),
        ("s3:ListObjectsV2", lambda: s3.list_objects_v2(Bucket="measure-logs", Prefix="pod-templates/")),
        ("emr-containers:ListVirtualClusters", lambda: emr.list_virtual_clusters()),
        ("emr-containers:DescribeVirtualCluster", lambda: emr.describe_virtual_cluster(id=ids["virtual"])),
        ("emr-containers:ListManagedEndpoints", lambda: emr.list_managed_endpoints(virtualClusterId=ids["virtual"])),
        ("sts:GetCallerIdentity", lambda: sts.get_caller_identity()),
        ("logs:DescribeLogGroups", lambda: logs.describe_log_groups(logGroupNamePrefix="/aws/eks/")),
    ]
    for path in (
        "/api/v1/namespaces",
        "/api/v1/namespaces/spark",
        "/api/v1/namespaces/spark/serviceaccounts",
        "/apis/rbac.authorization.k8s.io/v1/clusterroles",
    ):
        out.append((f"k8s GET {path}", lambda path=path: k8s(kube, "GET", path).raise_for_status()))
    return out


def served_costs(log_text: str) -> dict[str, list[float]]:
    """Server-side cost (ms) of each request in the log, by operation (AWS) or method and path (Kubernetes)."""
    costs: dict[str, list[float]] = defaultdict(list)
    for line in log_text.splitlines():
        match = SERVED.search(line)
        if not match:
            continue
        what, method, path, _, ms = match.groups()
        label = f"k8s {method} {path.split('/k8s/measure', 1)[-1]}" if what == "k8s" else what
        costs[label].append(float(ms))
    return costs


def cpu_seconds(pid: int) -> float:
    """User and system CPU time of a process so far (Linux), all its threads."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=40, help="times each call is made (default 40)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        workdir = Path(tmp)
        log_path = workdir / "emulator.log"
        with Emulator(log_path=log_path, verbose=True) as emulator:
            ids = set_up(emulator, workdir)
            mix = calls(emulator, ids)
            for _, call in mix:  # warm: each client's first call builds its models
                call()
            emulator.reset_stats()
            start_offset = log_path.stat().st_size
            cpu_before = cpu_seconds(emulator.process.pid)
            round_trips: dict[str, list[float]] = defaultdict(list)
            for _ in range(args.rounds):
                for label, call in mix:
                    started = time.perf_counter()
                    call()
                    round_trips[label].append((time.perf_counter() - started) * 1e3)
            cpu = cpu_seconds(emulator.process.pid) - cpu_before
            time.sleep(0.2)  # the last log lines
            with open(log_path) as f:
                f.seek(start_offset)
                served = served_costs(f.read())
    print(f"{'operation':<56} {'server ms':>19} {'round trip ms':>19}")
    print(f"{'':<56} {'median':>9} {'p90':>9} {'median':>9} {'p90':>9}")
    all_served, all_trips = [], []
    for label, _ in mix:
        server = served.get(label, [])
        trips = round_trips[label]
        all_served += server
        all_trips += trips
        cells = (
            f"{statistics.median(server):9.2f} {percentile(server, 0.9):9.2f}" if server else f"{'-':>9} {'-':>9}"
        )
        print(f"{label:<56} {cells} {statistics.median(trips):9.2f} {percentile(trips, 0.9):9.2f}")
    print(
        f"{'all calls':<56} {statistics.median(all_served):9.2f} {percentile(all_served, 0.9):9.2f}"
        f" {statistics.median(all_trips):9.2f} {percentile(all_trips, 0.9):9.2f}"
    )
    print(f"server total {sum(all_served):.0f} ms over {len(all_served)} requests")
    # HTTP parsing and connection threads included, which run outside the lock.
    print(f"server process CPU {cpu * 1e3:.0f} ms, {cpu * 1e3 / len(all_trips):.2f} ms per request")
    return 0


if __name__ == "__main__":
    sys.exit(main())
