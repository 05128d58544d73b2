"""EC2: NAT gateway lifecycle and the teardown order AWS enforces."""

from __future__ import annotations

import pytest
from botocore.exceptions import ClientError

from conftest import cluster, network, wait_for


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


def code(e: pytest.ExceptionInfo) -> str:
    return e.value.response["Error"]["Code"]


def test_security_group_referenced_by_another_group_is_not_deleted(aws):
    ec2 = aws("ec2")
    vpc, _ = network(ec2)
    engine = ec2.create_security_group(GroupName="engine", Description="e", VpcId=vpc)["GroupId"]
    workspace = ec2.create_security_group(GroupName="workspace", Description="w", VpcId=vpc)["GroupId"]
    ec2.authorize_security_group_egress(
        GroupId=workspace,
        IpPermissions=[{"IpProtocol": "tcp", "FromPort": 18888, "ToPort": 18888, "UserIdGroupPairs": [{"GroupId": engine}]}],
    )
    with pytest.raises(ClientError) as e:
        ec2.delete_security_group(GroupId=engine)
    assert (code(e), e.value.response["Error"]["Message"]) == (
        "DependencyViolation",
        f"resource {engine} has a dependent object",
    )
    ec2.delete_security_group(GroupId=workspace)  # the referencing group goes first
    ec2.delete_security_group(GroupId=engine)


def test_vpc_with_dependencies_is_not_deleted(aws):
    ec2 = aws("ec2")
    vpc, subnets = network(ec2)
    group = ec2.create_security_group(GroupName="g", Description="g", VpcId=vpc)["GroupId"]
    igw = ec2.create_internet_gateway()["InternetGateway"]["InternetGatewayId"]
    ec2.attach_internet_gateway(InternetGatewayId=igw, VpcId=vpc)
    eni = ec2.create_network_interface(SubnetId=subnets[0], Groups=[group])["NetworkInterface"]["NetworkInterfaceId"]

    def refused(delete, message):
        with pytest.raises(ClientError) as e:
            delete()
        assert (code(e), e.value.response["Error"]["Message"]) == ("DependencyViolation", message)

    vpc_message = f"The vpc '{vpc}' has dependencies and cannot be deleted."
    refused(lambda: ec2.delete_subnet(SubnetId=subnets[0]), f"The subnet '{subnets[0]}' has dependencies and cannot be deleted.")
    refused(lambda: ec2.delete_security_group(GroupId=group), f"resource {group} has a dependent object")
    ec2.delete_network_interface(NetworkInterfaceId=eni)
    for subnet in subnets:
        ec2.delete_subnet(SubnetId=subnet)
    refused(lambda: ec2.delete_vpc(VpcId=vpc), vpc_message)  # a security group of its own
    ec2.delete_security_group(GroupId=group)
    refused(lambda: ec2.delete_vpc(VpcId=vpc), vpc_message)  # an attached internet gateway
    ec2.detach_internet_gateway(InternetGatewayId=igw, VpcId=vpc)
    ec2.delete_vpc(VpcId=vpc)


def test_eks_network_interfaces_are_released_after_the_cluster(aws, admin):
    admin("POST", "config", {"eni_release_seconds": 0.6})
    created = cluster(aws, "c1")
    ec2 = aws("ec2")
    vpc = created["resourcesVpcConfig"]
    enis = ec2.describe_network_interfaces(Filters=[{"Name": "vpc-id", "Values": [vpc["vpcId"]]}])["NetworkInterfaces"]
    assert sorted(e["SubnetId"] for e in enis) == sorted(vpc["subnetIds"])
    for eni in enis:
        assert eni["Description"] == "Amazon EKS c1"
        assert eni["RequesterManaged"] is True and eni["Status"] == "in-use"
        assert [g["GroupId"] for g in eni["Groups"]] == [vpc["clusterSecurityGroupId"]]
    assert "ec2:network-interface" not in admin("GET", "inventory")  # EKS's, listed as the cluster

    aws("eks").delete_cluster(name="c1")
    with pytest.raises(ClientError) as e:  # the interfaces outlive the cluster for a while, as on AWS
        ec2.delete_subnet(SubnetId=vpc["subnetIds"][0])
    assert code(e) == "DependencyViolation"
    assert "ec2:network-interface" not in admin("GET", "inventory")  # going by themselves: no leak

    remaining = list(vpc["subnetIds"])

    def subnets_deleted() -> bool:  # what a client must do: retry while DependencyViolation
        try:
            while remaining:
                ec2.delete_subnet(SubnetId=remaining[0])
                remaining.pop(0)
            return True
        except ClientError as e:
            assert e.response["Error"]["Code"] == "DependencyViolation"
            return False

    assert wait_for(subnets_deleted, timeout=5)
    assert ec2.describe_network_interfaces()["NetworkInterfaces"] == []
    with pytest.raises(ClientError):  # EKS deletes its cluster security group after the interfaces
        ec2.describe_security_groups(GroupIds=[vpc["clusterSecurityGroupId"]])
    ec2.delete_vpc(VpcId=vpc["vpcId"])


def test_client_network_interfaces_are_in_the_inventory(aws, admin):
    ec2 = aws("ec2")
    _, subnets = network(ec2)
    eni = ec2.create_network_interface(SubnetId=subnets[0])["NetworkInterface"]["NetworkInterfaceId"]
    assert admin("GET", "inventory")["ec2:network-interface"] == [eni]


def test_deleting_a_missing_launch_template_names_its_id(aws):
    """By id, AWS answers InvalidLaunchTemplateId.NotFound (by name, the
    name's own code)."""
    ec2 = aws("ec2")
    made = ec2.create_launch_template(LaunchTemplateName="tooling", LaunchTemplateData={})["LaunchTemplate"]
    ec2.delete_launch_template(LaunchTemplateId=made["LaunchTemplateId"])
    with pytest.raises(ClientError) as gone:
        ec2.delete_launch_template(LaunchTemplateId=made["LaunchTemplateId"])
    assert gone.value.response["Error"]["Code"] == "InvalidLaunchTemplateId.NotFound"
    with pytest.raises(ClientError) as unnamed:
        ec2.delete_launch_template(LaunchTemplateName="tooling")
    assert unnamed.value.response["Error"]["Code"] == "InvalidLaunchTemplateName.NotFoundException"
