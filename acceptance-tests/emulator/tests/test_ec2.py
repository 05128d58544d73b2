"""EC2: NAT gateway lifecycle and the teardown order AWS enforces."""

from __future__ import annotations

import pytest
from botocore.exceptions import ClientError

from conftest import network, wait_for


def nat_state(ec2, nat: str) -> str:
    return ec2.describe_nat_gateways(NatGatewayIds=[nat])["NatGateways"][0]["State"]


def test_nat_gateway_holds_its_address_and_subnet_until_deleted(aws, admin):
    admin("POST", "config", {"latency": {"ec2:nat-gateway": 0.4}})
    ec2 = aws("ec2")
    vpc, (public, _) = network(ec2)
    igw = ec2.create_internet_gateway()["InternetGateway"]["InternetGatewayId"]
    ec2.attach_internet_gateway(InternetGatewayId=igw, VpcId=vpc)
    eip = ec2.allocate_address(Domain="vpc")["AllocationId"]
    nat = ec2.create_nat_gateway(SubnetId=public, AllocationId=eip)["NatGateway"]
    assert nat["State"] == "pending"
    assert wait_for(lambda: nat_state(ec2, nat["NatGatewayId"]) == "available")

    ec2.delete_nat_gateway(NatGatewayId=nat["NatGatewayId"])
    assert nat_state(ec2, nat["NatGatewayId"]) == "deleting"
    for refused, code in (
        (lambda: ec2.release_address(AllocationId=eip), "InvalidIPAddress.InUse"),
        (lambda: ec2.delete_subnet(SubnetId=public), "DependencyViolation"),
        (lambda: ec2.detach_internet_gateway(InternetGatewayId=igw, VpcId=vpc), "DependencyViolation"),
    ):
        with pytest.raises(ClientError) as e:
            refused()
        assert e.value.response["Error"]["Code"] == code

    assert wait_for(lambda: nat_state(ec2, nat["NatGatewayId"]) == "deleted")
    ec2.release_address(AllocationId=eip)
    ec2.detach_internet_gateway(InternetGatewayId=igw, VpcId=vpc)
    ec2.delete_subnet(SubnetId=public)
