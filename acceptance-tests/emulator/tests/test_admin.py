"""The admin API: statistics, inventory, injected faults and settings."""

from __future__ import annotations

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
