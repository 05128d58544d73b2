"""What clients created and is still held, by kind: the leak check of the
acceptance tests. moto's own defaults (each region's default VPC with its
subnets, gateway, route table, ACL and security group; every VPC's main
route table, default ACL and default security group; AWS-managed IAM
policies) and what AWS services own and delete by themselves (an EKS
cluster's security group, a nodegroup's launch template, an EMR on EKS
managed endpoint's security group, service-linked roles) are left out."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any

from moto.autoscaling.models import autoscaling_backends
from moto.ec2.models import ec2_backends
from moto.iam.models import iam_backends
from moto.logs.models import logs_backends
from moto.s3.models import s3_backends

# Tags AWS services put on the EC2 resources they manage themselves.
SERVICE_OWNED_TAGS = ("aws:eks:cluster-name", "eks:nodegroup-name", "aws:emr-containers:managed-endpoint-id")


def _backends(backend_dict: Any) -> Iterator[Any]:
    # dict.values bypasses BackendDict.__getitem__, which would create backends.
    for per_account in dict.values(backend_dict):
        yield from dict.values(per_account)


def _client_made(resource: Any) -> bool:
    tags = {tag["key"] for tag in resource.get_tags()}
    return not tags.intersection(SERVICE_OWNED_TAGS)


def _ec2(out: dict[str, list[str]]) -> None:
    for ec2 in _backends(ec2_backends):
        default_vpcs = {v.id for v in ec2.vpcs.values() if v.is_default}

        def add(kind: str, ids: Iterable[str]) -> None:
            out.setdefault(kind, []).extend(ids)

        add("ec2:vpc", (v.id for v in ec2.vpcs.values() if v.id not in default_vpcs))
        add("ec2:subnet", (s.id for zone in ec2.subnets.values() for s in zone.values() if not s.default_for_az))
        add(
            "ec2:internet-gateway",
            (g.id for g in ec2.internet_gateways.values() if not (g.vpc and g.vpc.id in default_vpcs)),
        )
        add("ec2:nat-gateway", (n.id for n in ec2.nat_gateways.values() if n.state != "deleted"))
        add("ec2:elastic-ip", (a.allocation_id or a.public_ip for a in ec2.addresses))
        add("ec2:route-table", (r.id for r in ec2.route_tables.values() if r.main_association_id is None))
        add("ec2:network-acl", (a.id for a in ec2.network_acls.values() if not a.default))
        add(
            "ec2:security-group",
            (
                g.id
                for groups in ec2.groups.values()
                for g in groups.values()
                if g.name != "default" and _client_made(g)
            ),
        )
        add("ec2:launch-template", (t.id for t in ec2.launch_templates.values() if _client_made(t)))


def _iam(out: dict[str, list[str]]) -> None:
    for iam in _backends(iam_backends):
        # A service-linked role is AWS's, account-wide, whoever asked for it first.
        out.setdefault("iam:role", []).extend(
            r.name for r in iam.roles.values() if not r.path.startswith("/aws-service-role/")
        )
        out.setdefault("iam:policy", []).extend(
            p.arn for p in iam.managed_policies.values() if ":aws:policy/" not in p.arn
        )
        out.setdefault("iam:instance-profile", []).extend(p.name for p in iam.instance_profiles.values())
        out.setdefault("iam:oidc-provider", []).extend(iam.open_id_providers)
        out.setdefault("iam:user", []).extend(iam.users)


def collect(extension_inventories: Iterable[dict[str, list[str]]]) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    _ec2(out)
    _iam(out)
    for s3 in _backends(s3_backends):
        out.setdefault("s3:bucket", []).extend(s3.buckets)
    for logs in _backends(logs_backends):
        out.setdefault("logs:log-group", []).extend(logs.groups)
    for autoscaling in _backends(autoscaling_backends):
        out.setdefault("autoscaling:group", []).extend(autoscaling.autoscaling_groups)
        out.setdefault("autoscaling:launch-configuration", []).extend(autoscaling.launch_configurations)
    for extra in extension_inventories:
        for kind, ids in extra.items():
            out.setdefault(kind, []).extend(ids)
    return {kind: sorted(ids) for kind, ids in sorted(out.items()) if ids}
