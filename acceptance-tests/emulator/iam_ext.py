"""IAM (query protocol): service-linked roles named, described and refused as
AWS does (moto names them `AWSServiceRoleFor<prefix>`, attaches no policy and
answers a second creation with EntityAlreadyExists), and OpenID Connect
providers created without a thumbprint list getting the thumbprint IAM
retrieves itself. Everything else is moto's."""

from __future__ import annotations

import json
from typing import Any

from moto.iam.responses import IamResponse

from .extension import Call, Extension, operation
from .protocol import AwsError

# AWS service -> (role name, AWS-managed policy IAM attaches to it)
SERVICE_LINKED_ROLES = {
    "emr-containers.amazonaws.com": ("AWSServiceRoleForAmazonEMRContainers", "AmazonEMRContainersServiceRolePolicy"),
    "eks.amazonaws.com": ("AWSServiceRoleForAmazonEKS", "AmazonEKSServiceRolePolicy"),
    "eks-nodegroup.amazonaws.com": ("AWSServiceRoleForAmazonEKSNodegroup", "AWSServiceRoleForAmazonEKSNodegroup"),
    "eks-fargate.amazonaws.com": ("AWSServiceRoleForAmazonEKSForFargate", "AmazonEKSForFargateServiceRolePolicy"),
    "autoscaling.amazonaws.com": ("AWSServiceRoleForAutoScaling", "AutoScalingServiceRolePolicy"),
    "elasticmapreduce.amazonaws.com": ("AWSServiceRoleForEMRCleanup", "AmazonEMRCleanupPolicy"),
    "elasticloadbalancing.amazonaws.com": (
        "AWSServiceRoleForElasticLoadBalancing",
        "AWSElasticLoadBalancingServiceRolePolicy",
    ),
}
SERVICE_ROLE_PATH = "/aws-service-role/"
# The CA thumbprint IAM finds for the oidc.eks.<region>.amazonaws.com issuers.
EKS_OIDC_THUMBPRINT = "9e99a48a9960b14926bb7f3b02e22da2b0ab7280"


def _default_role_name(service: str) -> str:
    """AWSServiceRoleFor<Service>, as moto names what the table above lacks."""
    parts = service.split(".")
    name = parts[-3] if len(parts) >= 3 else parts[0]
    words = "".join(w.capitalize() for w in name.split("-"))
    return f"AWSServiceRoleFor{words}"


class IamExtension(Extension):
    service = "iam"
    moto_response_class = IamResponse

    @operation("CreateServiceLinkedRole")
    def create_service_linked_role(self, call: Call) -> Any:
        p = call.params
        service = p["AWSServiceName"]
        iam = call.backend("iam")
        name, policy = SERVICE_LINKED_ROLES.get(service, (_default_role_name(service), None))
        if p.get("CustomSuffix"):
            name = f"{name}_{p['CustomSuffix']}"
        if any(role.name == name for role in iam.roles.values()):
            raise AwsError(
                "InvalidInput",
                f"Service role name {name} has been taken in this account, please try a different suffix.",
                400,
            )
        trust = {
            "Version": "2012-10-17",
            "Statement": [{"Effect": "Allow", "Principal": {"Service": service}, "Action": "sts:AssumeRole"}],
        }
        role = iam.create_role(
            role_name=name,
            assume_role_policy_document=json.dumps(trust),
            path=f"{SERVICE_ROLE_PATH}{service}/",
            permissions_boundary=None,
            description=p.get("Description"),
            tags=[],
            max_session_duration="3600",
            linked_service=service,
        )
        policy_arn = f"arn:aws:iam::aws:policy{SERVICE_ROLE_PATH}{policy}"
        if policy and any(m.arn == policy_arn for m in iam.managed_policies.values()):
            iam.attach_role_policy(policy_arn, name)
        return {"Role": role}

    @operation("DeleteServiceLinkedRole")
    def delete_service_linked_role(self, call: Call) -> Any:
        iam = call.backend("iam")
        role = next((r for r in iam.roles.values() if r.name == call.params["RoleName"]), None)
        if role is None:
            raise AwsError("NoSuchEntity", f"The role with name {call.params['RoleName']} cannot be found.", 404)
        if not role.path.startswith(SERVICE_ROLE_PATH):
            raise AwsError(
                "InvalidInput", f"Role {role.name} is not a service-linked role and cannot be deleted this way.", 400
            )
        for arn in list(role.managed_policies):  # IAM deletes the role with its policies
            iam.detach_role_policy(arn, role.name)
        return call.forward()

    @operation("CreateOpenIDConnectProvider")
    def create_open_id_connect_provider(self, call: Call) -> Any:
        p = call.params
        url = p["Url"]
        address = url.split("://", 1)[-1].rstrip("/")
        iam = call.backend("iam")
        if any(provider.url == address for provider in iam.open_id_providers.values()):
            raise AwsError("EntityAlreadyExists", f"Provider with url {url} already exists.", 409)
        reply = call.forward()
        if reply.status < 300 and not p.get("ThumbprintList"):
            for provider in iam.open_id_providers.values():
                if provider.url == address:
                    provider.thumbprint_list = [EKS_OIDC_THUMBPRINT]
        return reply

    def inventory(self) -> dict[str, list[str]]:
        return {}  # IAM objects are counted by inventory.py
