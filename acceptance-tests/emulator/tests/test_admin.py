"""The admin API: statistics, inventory, injected faults and settings."""

from __future__ import annotations

import time

import pytest
import requests
from botocore.exceptions import ClientError

from conftest import cluster, eks_token, role

# One attempt in all, like the Rust SDK's max_attempts=1 (botocore's max_attempts counts retries only).
NO_RETRIES = {"mode": "standard", "total_max_attempts": 1}


def test_stats_count_calls_per_operation(aws, admin, server):
    ec2 = aws("ec2")
    ec2.create_vpc(CidrBlock="10.0.0.0/16")
    ec2.describe_vpcs()
    ec2.describe_vpcs()
    cluster(aws, "c1")
    headers = {"Authorization": f"Bearer {eks_token('c1')}"}
    for name in ("a", "b"):
        requests.post(f"{server.url}/k8s/c1/api/v1/namespaces", json={"metadata": {"name": name}}, headers=headers)
    stats = admin("GET", "stats")
    assert (
        stats["ec2:CreateVpc"],
        stats["ec2:DescribeVpcs"],
        stats["eks:CreateCluster"],
        stats["k8s:POST namespaces"],
    ) == (2, 2, 1, 2)
    admin("POST", "stats/reset")
    assert admin("GET", "stats") == {}


def test_inventory_tracks_what_clients_create_and_delete(aws, admin):
    assert admin("GET", "inventory") == {}
    ec2, iam, s3, logs = aws("ec2"), aws("iam"), aws("s3"), aws("logs")
    vpc = ec2.create_vpc(CidrBlock="10.1.0.0/16")["Vpc"]["VpcId"]
    public = ec2.create_subnet(VpcId=vpc, CidrBlock="10.1.1.0/24", AvailabilityZone="us-east-1a")["Subnet"]["SubnetId"]
    private = ec2.create_subnet(VpcId=vpc, CidrBlock="10.1.2.0/24", AvailabilityZone="us-east-1b")["Subnet"]["SubnetId"]
    igw = ec2.create_internet_gateway()["InternetGateway"]["InternetGatewayId"]
    ec2.attach_internet_gateway(InternetGatewayId=igw, VpcId=vpc)
    eip = ec2.allocate_address(Domain="vpc")["AllocationId"]
    nat = ec2.create_nat_gateway(SubnetId=public, AllocationId=eip)["NatGateway"]["NatGatewayId"]
    public_rt = ec2.create_route_table(VpcId=vpc)["RouteTable"]["RouteTableId"]
    ec2.create_route(RouteTableId=public_rt, DestinationCidrBlock="0.0.0.0/0", GatewayId=igw)
    public_assoc = ec2.associate_route_table(RouteTableId=public_rt, SubnetId=public)["AssociationId"]
    private_rt = ec2.create_route_table(VpcId=vpc)["RouteTable"]["RouteTableId"]
    ec2.create_route(RouteTableId=private_rt, DestinationCidrBlock="0.0.0.0/0", NatGatewayId=nat)
    private_assoc = ec2.associate_route_table(RouteTableId=private_rt, SubnetId=private)["AssociationId"]
    group = ec2.create_security_group(GroupName="nodes", Description="n", VpcId=vpc)["GroupId"]
    role(iam, "r")
    document = (
        '{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"}]}'
    )
    policy = iam.create_policy(PolicyName="p", PolicyDocument=document)["Policy"]["Arn"]
    s3.create_bucket(Bucket="logs-bucket")
    logs.create_log_group(logGroupName="/spark")

    inventory = admin("GET", "inventory")
    assert inventory == {
        "ec2:elastic-ip": [eip],
        "ec2:internet-gateway": [igw],
        "ec2:nat-gateway": [nat],
        "ec2:route-table": sorted([public_rt, private_rt]),
        "ec2:security-group": [group],
        "ec2:subnet": sorted([public, private]),
        "ec2:vpc": [vpc],
        "iam:policy": [policy],
        "iam:role": ["r"],
        "logs:log-group": ["/spark"],
        "s3:bucket": ["logs-bucket"],
    }

    ec2.disassociate_route_table(AssociationId=public_assoc)
    ec2.disassociate_route_table(AssociationId=private_assoc)
    ec2.delete_route_table(RouteTableId=public_rt)
    ec2.delete_route_table(RouteTableId=private_rt)
    ec2.delete_nat_gateway(NatGatewayId=nat)
    ec2.release_address(AllocationId=eip)
    ec2.detach_internet_gateway(InternetGatewayId=igw, VpcId=vpc)
    ec2.delete_internet_gateway(InternetGatewayId=igw)
    ec2.delete_security_group(GroupId=group)
    ec2.delete_subnet(SubnetId=public)
    ec2.delete_subnet(SubnetId=private)
    ec2.delete_vpc(VpcId=vpc)
    iam.delete_role(RoleName="r")
    iam.delete_policy(PolicyArn=policy)
    s3.delete_bucket(Bucket="logs-bucket")
    logs.delete_log_group(logGroupName="/spark")
    assert admin("GET", "inventory") == {}


def test_inventory_lists_extension_objects(aws, admin):
    cluster(aws, "c1", accessConfig={"authenticationMode": "API", "bootstrapClusterCreatorAdminPermissions": False})
    aws("eks").create_addon(clusterName="c1", addonName="vpc-cni")
    inventory = admin("GET", "inventory")
    assert inventory["eks:cluster"] == ["c1"] and inventory["eks:addon"] == ["c1/vpc-cni"]
    assert "eks:access-entry" not in inventory


def test_throttle_fault_is_retried_through(aws, admin):
    admin("POST", "config", {"faults": [{"operation": "eks:ListClusters", "kind": "throttle", "count": 2}]})
    assert aws("eks").list_clusters()["clusters"] == []
    assert admin("GET", "stats")["eks:ListClusters"] == 3
    assert admin("GET", "config")["faults"] == []


def test_throttle_fault_with_no_retries_left(aws, admin):
    admin(
        "POST",
        "config",
        {
            "faults": [
                {"operation": "eks:ListClusters", "kind": "throttle", "count": 1},
                {"operation": "iam:*", "kind": "throttle", "count": 1},
            ]
        },
    )
    with pytest.raises(ClientError) as e:
        aws("eks", retries=NO_RETRIES).list_clusters()
    assert (e.value.response["Error"]["Code"], e.value.response["ResponseMetadata"]["HTTPStatusCode"]) == (
        "ThrottlingException",
        429,
    )
    with pytest.raises(ClientError) as e:  # query protocol: XML ErrorResponse
        aws("iam", retries=NO_RETRIES).list_roles()
    assert e.value.response["Error"]["Code"] == "Throttling"


def test_server_error_fault(aws, admin):
    admin("POST", "config", {"faults": [{"operation": "emr:ListStudios", "kind": "5xx", "count": 1}]})
    with pytest.raises(ClientError) as e:
        aws("emr", retries=NO_RETRIES).list_studios()
    assert e.value.response["ResponseMetadata"]["HTTPStatusCode"] == 500
    assert aws("emr").list_studios()["Studios"] == []


def test_bad_settings_are_refused(server, admin):
    for body in (
        {"latency": {"eks:clusters": 1}},
        {"faults": [{"operation": "eks:X", "kind": "slow", "count": 1}]},
        {"validate_moto_requests": "yes"},
        {"verbose": True},
    ):
        assert requests.post(f"{server.url}/_emreks/config", json=body).status_code == 400
    assert admin("GET", "config")["latency"] == {}


def test_settings_replace_what_they_name(admin):
    admin(
        "POST",
        "config",
        {"latency": {"eks:cluster": 1.5}, "faults": [{"operation": "ec2:*", "kind": "5xx", "count": 1}]},
    )
    admin("POST", "config", {"latency": {}})
    settings = admin("GET", "config")
    assert {k: settings[k] for k in ("latency", "faults", "validate_moto_requests")} == {
        "latency": {},
        "faults": [{"operation": "ec2:*", "kind": "5xx", "count": 1}],
        "validate_moto_requests": True,
    }
    assert "page_size" not in settings and "rate_limits" not in settings  # shown only while set


@pytest.mark.parametrize(
    "service, call, code, status",
    [
        ("eks", lambda c: c.list_clusters(), "ThrottlingException", 429),
        ("emr-containers", lambda c: c.list_virtual_clusters(), "ThrottlingException", 429),
        ("emr", lambda c: c.list_studios(), "ThrottlingException", 400),
        ("logs", lambda c: c.describe_log_groups(), "ThrottlingException", 400),
        ("iam", lambda c: c.list_roles(), "Throttling", 400),
        ("autoscaling", lambda c: c.describe_auto_scaling_groups(), "Throttling", 400),
        ("sts", lambda c: c.get_caller_identity(), "Throttling", 400),
        ("ec2", lambda c: c.describe_vpcs(), "RequestLimitExceeded", 503),
        ("s3", lambda c: c.list_buckets(), "SlowDown", 503),
    ],
)
def test_throttling_looks_like_each_service_s(aws, admin, service, call, code, status):
    admin("POST", "config", {"faults": [{"operation": "*", "kind": "throttle", "count": 1}]})
    client = aws(service, retries=NO_RETRIES)
    with pytest.raises(ClientError) as e:
        call(client)
    assert (e.value.response["Error"]["Code"], e.value.response["ResponseMetadata"]["HTTPStatusCode"]) == (code, status)
    # botocore's retry handler, like the Rust SDK's, takes it for throttling.
    from botocore.retries.standard import RetryContext, ThrottledRetryableChecker

    context = RetryContext(attempt_number=1, parsed_response=e.value.response, http_response=None)
    assert ThrottledRetryableChecker().is_retryable(context)


def test_faults_at_a_rate_draw_per_call_and_repeat_with_their_seed(aws, admin):
    def run() -> list[bool]:
        admin("POST", "config", {"faults": [{"operation": "eks:ListClusters", "kind": "5xx", "rate": 0.3, "seed": 7}]})
        admin("POST", "stats/reset")
        eks = aws("eks", retries=NO_RETRIES)
        outcomes = []
        for _ in range(40):
            try:
                eks.list_clusters()
                outcomes.append(True)
            except ClientError as e:
                assert e.response["ResponseMetadata"]["HTTPStatusCode"] == 500
                outcomes.append(False)
        return outcomes

    first = run()
    assert 4 <= first.count(False) <= 20  # about 30% of 40
    assert admin("GET", "faults") == {"eks:ListClusters": {"5xx": first.count(False)}}
    assert run() == first  # same seed, same calls: same faults
    assert admin("GET", "config")["faults"] == [
        {"operation": "eks:ListClusters", "kind": "5xx", "rate": 0.3, "seed": 7}
    ]  # no count: armed until replaced


def test_a_call_retried_through_rate_faults_succeeds(aws, admin):
    # 20% throttling and 5% server errors on every operation: standard retries get through.
    admin(
        "POST",
        "config",
        {
            "faults": [
                {"operation": "*", "kind": "throttle", "rate": 0.2, "seed": 1},
                {"operation": "*", "kind": "5xx", "rate": 0.05, "seed": 2},
            ]
        },
    )
    ec2 = aws("ec2", retries={"mode": "standard", "max_attempts": 10})
    for i in range(15):
        ec2.create_vpc(CidrBlock=f"10.{i}.0.0/16")
    injected = admin("GET", "faults")
    assert injected["ec2:CreateVpc"].get("throttle", 0) > 0
    assert len(aws("ec2").describe_vpcs(Filters=[{"Name": "cidr", "Values": ["10.*"]}])["Vpcs"]) == 15
    admin("POST", "stats/reset")
    assert admin("GET", "faults") == {}


def test_a_count_with_a_rate_caps_the_faults(aws, admin):
    admin("POST", "config", {"faults": [{"operation": "iam:ListRoles", "kind": "throttle", "rate": 1, "count": 2}]})
    iam = aws("iam", retries=NO_RETRIES)
    for _ in range(2):
        with pytest.raises(ClientError):
            iam.list_roles()
    iam.list_roles()
    assert admin("GET", "config")["faults"] == []


def test_rate_limits_throttle_above_their_rate(aws, admin):
    admin("POST", "config", {"rate_limits": {"*": {"rate": 2, "burst": 5}, "eks:ListClusters": {"rate": 1, "burst": 1}}})
    assert admin("GET", "config")["rate_limits"]["*"] == {"rate": 2.0, "burst": 5.0}
    iam, eks = aws("iam", retries=NO_RETRIES), aws("eks", retries=NO_RETRIES)
    outcomes = []
    for _ in range(8):  # faster than 2 per second: the burst of 5, then throttled
        try:
            iam.list_roles()
            outcomes.append(True)
        except ClientError as e:
            assert e.response["Error"]["Code"] == "Throttling"
            outcomes.append(False)
    assert outcomes[:5] == [True] * 5 and False in outcomes[5:]
    aws("iam").list_users()  # a bucket per operation
    eks.list_clusters()
    with pytest.raises(ClientError) as e:
        eks.list_clusters()  # the more specific limit applies
    assert e.value.response["Error"]["Code"] == "ThrottlingException"
    assert admin("GET", "faults")["eks:ListClusters"] == {"rate_limit": 1}
    time.sleep(1.1)
    eks.list_clusters()  # refilled
    admin("POST", "config", {"rate_limits": {}})
    for _ in range(10):
        iam.list_roles()


def test_new_settings_are_checked(server, admin):
    for body in (
        {"faults": [{"operation": "*", "kind": "throttle", "rate": 1.5}]},
        {"faults": [{"operation": "*", "kind": "throttle", "rate": 0.5, "seed": "x"}]},
        {"faults": [{"operation": "*", "kind": "throttle", "rate": 0.5, "when": 3}]},
        {"rate_limits": {"*": {"rate": 0}}},
        {"rate_limits": {"ListClusters": {"rate": 1}}},
        {"page_size": 0},
        {"page_size": "5"},
        {"eni_release_seconds": -1},
    ):
        assert requests.post(f"{server.url}/_emreks/config", json=body).status_code == 400, body
    admin("POST", "config", {"page_size": 3, "eni_release_seconds": 1.5})
    settings = admin("GET", "config")
    assert (settings["page_size"], settings["eni_release_seconds"]) == (3, 1.5)
