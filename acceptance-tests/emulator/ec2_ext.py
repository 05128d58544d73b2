"""EC2: NAT gateway lifecycle and the dependency checks AWS makes while a
network is torn down, which moto skips (it releases an Elastic IP a NAT
gateway still uses, deletes that gateway's subnet, detaches the VPC's
internet gateway under it) so that destroy-ordering bugs surface here."""

from __future__ import annotations

from typing import Any

from moto.ec2.responses import EC2Response
from moto.ec2.utils import add_tag_specification

from .extension import Call, Extension, operation
from .protocol import AwsError

LIVE = ("pending", "available", "deleting")  # NAT gateway states that hold their subnet and address


class Ec2Extension(Extension):
    service = "ec2"
    moto_response_class = EC2Response

    @staticmethod
    def _live_nat_gateways(call: Call) -> list[Any]:
        return [n for n in call.backend("ec2").nat_gateways.values() if n.state in LIVE]

    @operation("CreateNatGateway")
    def create_nat_gateway(self, call: Call) -> Any:
        p = call.params
        nat = call.backend("ec2").create_nat_gateway(
            subnet_id=p["SubnetId"],
            allocation_id=p.get("AllocationId"),
            tags=add_tag_specification(p.get("TagSpecifications", [])),
            connectivity_type=p.get("ConnectivityType", "public"),
        )
        nat.state = "pending"

        def available() -> None:
            if nat.state == "pending":
                nat.state = "available"

        call.later("ec2:nat-gateway", available)
        return {"NatGateway": nat}

    @operation("DeleteNatGateway")
    def delete_nat_gateway(self, call: Call) -> Any:
        ec2 = call.backend("ec2")
        nat = ec2.nat_gateways.get(call.params["NatGatewayId"])
        if nat is None or nat.state == "deleted":
            raise AwsError("NatGatewayNotFound", f"The Nat Gateway {call.params['NatGatewayId']} was not found")
        if nat.state != "deleting":
            nat.state = "deleting"

            def deleted() -> None:
                # What AWS gives back with the gateway: its address and network interface.
                for address in ec2.addresses:
                    if address.eni is nat._eni:
                        ec2.disassociate_address(address=address.public_ip)
                ec2.delete_network_interface(nat._eni.id)
                nat.state = "deleted"

            call.later("ec2:nat-gateway", deleted)
        return {"NatGatewayId": nat.id}

    @operation("ReleaseAddress")
    def release_address(self, call: Call) -> Any:
        ec2 = call.backend("ec2")
        p = call.params
        for nat in self._live_nat_gateways(call):
            for address in ec2.addresses:
                if address.eni is nat._eni and p.get("AllocationId", p.get("PublicIp")) in (
                    address.allocation_id,
                    address.public_ip,
                ):
                    raise AwsError("InvalidIPAddress.InUse", f"Address {address.public_ip} is in use by {nat.id}")
        return call.forward()

    @operation("DeleteSubnet")
    def delete_subnet(self, call: Call) -> Any:
        subnet_id = call.params["SubnetId"]
        if any(n.subnet_id == subnet_id for n in self._live_nat_gateways(call)):
            raise AwsError("DependencyViolation", f"The subnet '{subnet_id}' has dependencies and cannot be deleted.")
        return call.forward()

    @operation("DetachInternetGateway")
    def detach_internet_gateway(self, call: Call) -> Any:
        vpc_id = call.params["VpcId"]
        if any(n.vpc_id == vpc_id and n.connectivity_type == "public" for n in self._live_nat_gateways(call)):
            raise AwsError(
                "DependencyViolation",
                f"Network {vpc_id} has some mapped public address(es). "
                "Please unmap those public address(es) before detaching the gateway.",
            )
        return call.forward()
