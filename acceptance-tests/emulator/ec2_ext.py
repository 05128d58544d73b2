"""EC2: NAT gateway lifecycle, the network interfaces AWS services place in
a client's subnets, and the dependency checks AWS makes while a network is
torn down, which moto skips (it releases an Elastic IP a NAT gateway still
uses, deletes that gateway's subnet, detaches the VPC's internet gateway
under it, deletes a subnet or VPC that network interfaces are still in, a
VPC with its security groups or attached gateway, a security group that
another group's rules or a network interface still use) so that
destroy-ordering bugs surface here.

Service network interfaces: an EKS cluster's control plane gets
cross-account interfaces in its subnets ("Amazon EKS <cluster>"), an EMR on
EKS managed endpoint's load balancer gets some too ("ELB app/..."). Both are
requester-managed and carry their owner's security groups. When the owner
is deleted AWS releases them `eni_release_seconds` later (a setting,
default 2 s), and only then deletes the security group it made for the
owner: until then the subnets, the VPC and those groups cannot be deleted,
as on AWS, and a client must retry. They never count as the client's in the
inventory: while their owner lives the owner is listed, and once it is gone
they go by themselves.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from moto.ec2.responses import EC2Response
from moto.ec2.utils import add_tag_specification

from .extension import Call, Extension, operation, random_id
from .protocol import AwsError

log = logging.getLogger("emulator")
LIVE = ("pending", "available", "deleting")  # NAT gateway states that hold their subnet and address


# Who a service network interface is for: "eks-cluster/<name>", "emr-endpoint/<id>".
Owner = str


def _dependency(message: str) -> AwsError:
    return AwsError("DependencyViolation", message)


def sweep_terminated(ec2: Any) -> None:
    """Deletes the network interfaces of terminated instances, as EC2 does
    (moto leaves them behind, in use, when an Auto Scaling group goes)."""
    for eni in list(ec2.enis.values()):
        if eni.instance is not None and getattr(eni.instance, "state", None) == "terminated":
            ec2.enis.pop(eni.id, None)


class Ec2State:
    def __init__(self) -> None:
        self.service_enis: dict[str, Owner] = {}  # network interface id -> owner


class Ec2Extension(Extension):
    service = "ec2"
    moto_response_class = EC2Response

    def new_state(self) -> Ec2State:
        return Ec2State()

    # ------------------------------------------------------------ service network interfaces

    def place_enis(
        self, call: Call, owner: Owner, subnet_ids: list[str], group_ids: list[str], description: str
    ) -> list[str]:
        """Network interfaces an AWS service creates in a client's subnets for `owner`."""
        ec2 = call.backend("ec2")
        ids = []
        for subnet_id in subnet_ids:
            eni = ec2.create_network_interface(
                subnet=subnet_id, private_ip_address=None, group_ids=[g for g in group_ids if g], description=description
            )
            eni.requester_managed = True
            eni.requester_id = "AROAEKSSERVICE" + random_id(8, "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789")
            eni.status = "in-use"
            self.state(call).service_enis[eni.id] = owner
            ids.append(eni.id)
        return ids

    def release_enis(self, call: Call, owner: Owner, then: Callable[[], None] | None = None) -> None:
        """Deletes `owner`'s network interfaces after `eni_release_seconds`, then runs `then`."""
        state = self.state(call)

        def release() -> None:
            ec2 = call.backend("ec2")
            for eni_id in [e for e, o in state.service_enis.items() if o == owner]:
                ec2.enis.pop(eni_id, None)
                del state.service_enis[eni_id]
            if then is not None:
                then()

        self.emulator.scheduler.after(self.emulator.settings.eni_release_seconds, release)

    def service_eni_ids(self) -> set[str]:
        return {eni for state in self.states() for eni in state.service_enis}

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
        ec2 = call.backend("ec2")
        sweep_terminated(ec2)
        if any(n.subnet_id == subnet_id for n in self._live_nat_gateways(call)) or any(
            eni.subnet.id == subnet_id for eni in ec2.enis.values()
        ):
            raise _dependency(f"The subnet '{subnet_id}' has dependencies and cannot be deleted.")
        return call.forward()

    @operation("DeleteVpc")
    def delete_vpc(self, call: Call) -> Any:
        vpc_id = call.params["VpcId"]
        ec2 = call.backend("ec2")
        sweep_terminated(ec2)
        dependencies = (
            any(eni.subnet.vpc_id == vpc_id for eni in ec2.enis.values())
            or any(g.vpc_id == vpc_id and g.name != "default" for g in ec2.groups.get(vpc_id, {}).values())
            or any(g.vpc and g.vpc.id == vpc_id for g in ec2.internet_gateways.values())
            or any(a.vpc_id == vpc_id and not a.default for a in ec2.network_acls.values())
            or any(n.vpc_id == vpc_id for n in self._live_nat_gateways(call))
        )
        if dependencies:
            raise _dependency(f"The vpc '{vpc_id}' has dependencies and cannot be deleted.")
        return call.forward()

    @operation("DeleteLaunchTemplate")
    def delete_launch_template(self, call: Call) -> Any:
        # AWS has a code for a missing id and one for a missing name; moto
        # answers the first as the second and the second as a missing parameter.
        templates = call.backend("ec2").launch_templates
        template_id, name = call.params.get("LaunchTemplateId"), call.params.get("LaunchTemplateName")
        if template_id is not None and template_id not in templates:
            raise AwsError("InvalidLaunchTemplateId.NotFound", f"Launch template {template_id} does not exist.")
        if name is not None and all(t.name != name for t in templates.values()):
            raise AwsError("InvalidLaunchTemplateName.NotFoundException", f"Launch template {name} does not exist.")
        return call.forward()

    @operation("DeleteSecurityGroup")
    def delete_security_group(self, call: Call) -> Any:
        ec2 = call.backend("ec2")
        group_id = call.params.get("GroupId")
        if group_id is None:
            return call.forward()  # by name: the default VPC's, left to moto
        group = ec2.get_security_group_from_id(group_id)
        if group is None:
            return call.forward()
        sweep_terminated(ec2)
        referenced = any(
            (rule.source_group or {}).get("GroupId") == group_id
            for groups in ec2.groups.values()
            for other in groups.values()
            if other.id != group_id
            for rule in (*other.ingress_rules, *other.egress_rules)
        )
        in_use = any(
            group_id in [getattr(g, "id", g) for g in eni.group_set] for eni in ec2.enis.values()
        )
        if referenced or in_use:
            raise _dependency(f"resource {group_id} has a dependent object")
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

    def inventory(self) -> dict[str, list[str]]:
        """Network interfaces a client created itself (not a service's, an
        instance's or a NAT gateway's: those go with their owner)."""
        from moto.ec2.models import ec2_backends

        service = self.service_eni_ids()
        out: dict[str, list[str]] = {}
        for per_account in dict.values(ec2_backends):
            for ec2 in dict.values(per_account):
                sweep_terminated(ec2)
                nat_enis = {id(n._eni) for n in ec2.nat_gateways.values() if getattr(n, "_eni", None) is not None}
                out.setdefault("ec2:network-interface", []).extend(
                    eni.id
                    for eni in ec2.enis.values()
                    if eni.id not in service and eni.instance is None and id(eni) not in nat_enis
                )
        return out
