"""IAM (query protocol): policy documents checked against IAM's grammar and
quotas on every operation that stores one (iam_policy.py; moto's own,
looser and partly wrong checks are switched off), the conflicts and quotas
IAM enforces that moto skips (deleting an attached or versioned managed
policy, an 11th managed policy on a role, deleting an OpenID Connect
provider that does not exist), service-linked roles named, described and
refused as AWS does (moto names them `AWSServiceRoleFor<prefix>`, attaches
no policy and answers a second creation with EntityAlreadyExists), and
OpenID Connect providers created without a thumbprint list getting the
thumbprint IAM retrieves itself. Everything else is moto's."""

from __future__ import annotations

import json
from typing import Any

from moto.iam.responses import IamResponse

from . import iam_policy
from .extension import Call, Extension, operation
from .iam_policy import IDENTITY, MANAGED, TRUST
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


def install() -> None:
    """Switches moto's policy document checks off: every operation that
    stores a document is checked by iam_policy.py before moto sees it
    (moto's refuse valid documents, such as an inline policy in the 2008
    version or a trust policy allowing sts:SetContext)."""
    from moto.iam import policy_validation

    for validator in (policy_validation.IAMPolicyDocumentValidator, policy_validation.IAMTrustPolicyDocumentValidator):
        validator.validate = lambda self: None


def _delete_conflict(message: str) -> AwsError:
    return AwsError("DeleteConflict", message, 409)


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

    # ------------------------------------------------------------ documents

    @staticmethod
    def _principal_exists(call: Call):
        iam = call.backend("iam")

        def exists(arn: str) -> bool:
            return any(r.arn == arn for r in iam.roles.values()) or any(u.arn == arn for u in iam.users.values())

        return exists

    def _check_trust(self, call: Call, document: str) -> None:
        iam_policy.check(document, TRUST, call.account, self._principal_exists(call))
        iam_policy.check_size(
            document,
            iam_policy.TRUST_POLICY_SIZE,
            f"Cannot exceed quota for ACLSizePerRole: {iam_policy.TRUST_POLICY_SIZE}",
        )

    @staticmethod
    def _check_inline(document: str, name: str, existing: dict, limit: int, what: str) -> None:
        """An inline policy and the others of its role/user/group, together under `limit`."""
        iam_policy.check(document, IDENTITY)
        others = sum(iam_policy.size(str(d)) for n, d in existing.items() if n != name)
        if others + iam_policy.size(document) > limit:
            raise iam_policy.limit_exceeded(f"Maximum policy size of {limit} bytes exceeded for {what}")

    @staticmethod
    def _check_managed(document: str) -> None:
        iam_policy.check(document, MANAGED)
        iam_policy.check_size(
            document,
            iam_policy.MANAGED_POLICY_SIZE,
            f"Cannot exceed quota for PolicySize: {iam_policy.MANAGED_POLICY_SIZE}",
        )

    @operation("CreateRole")
    def create_role(self, call: Call) -> Any:
        self._check_trust(call, call.params["AssumeRolePolicyDocument"])
        return call.forward()

    @operation("UpdateAssumeRolePolicy")
    def update_assume_role_policy(self, call: Call) -> Any:
        call.backend("iam").get_role(call.params["RoleName"])  # NoSuchEntity first
        self._check_trust(call, call.params["PolicyDocument"])
        return call.forward()

    @operation("PutRolePolicy")
    def put_role_policy(self, call: Call) -> Any:
        p = call.params
        role = call.backend("iam").get_role(p["RoleName"])
        limit = iam_policy.ROLE_INLINE_SIZE
        self._check_inline(p["PolicyDocument"], p["PolicyName"], role.policies, limit, f"role {role.name}")
        return call.forward()

    @operation("PutUserPolicy")
    def put_user_policy(self, call: Call) -> Any:
        p = call.params
        user = call.backend("iam").get_user(p["UserName"])
        limit = iam_policy.USER_INLINE_SIZE
        self._check_inline(p["PolicyDocument"], p["PolicyName"], user.policies, limit, f"user {user.name}")
        return call.forward()

    @operation("PutGroupPolicy")
    def put_group_policy(self, call: Call) -> Any:
        p = call.params
        group = call.backend("iam").get_group(p["GroupName"])
        self._check_inline(p["PolicyDocument"], p["PolicyName"], group.policies, 5120, f"group {group.name}")
        return call.forward()

    @operation("CreatePolicy")
    def create_policy(self, call: Call) -> Any:
        self._check_managed(call.params["PolicyDocument"])
        return call.forward()

    @operation("CreatePolicyVersion")
    def create_policy_version(self, call: Call) -> Any:
        call.backend("iam").get_policy(call.params["PolicyArn"])  # NoSuchEntity first
        self._check_managed(call.params["PolicyDocument"])
        return call.forward()

    # ------------------------------------------------------------ conflicts and quotas

    @operation("DeletePolicy")
    def delete_policy(self, call: Call) -> Any:
        policy = call.backend("iam").get_policy(call.params["PolicyArn"])
        if policy.attachment_count > 0:
            raise _delete_conflict("Cannot delete a policy attached to entities.")
        if len(policy.versions) > 1:
            raise _delete_conflict(
                "This policy has more than one version. Before you delete a policy, you must delete the "
                "policy's versions. The default version is deleted with the policy."
            )
        return call.forward()

    @operation("AttachRolePolicy")
    def attach_role_policy(self, call: Call) -> Any:
        role = call.backend("iam").get_role(call.params["RoleName"])
        limit = iam_policy.MANAGED_POLICIES_PER_ROLE
        if call.params["PolicyArn"] not in role.managed_policies and len(role.managed_policies) >= limit:
            raise iam_policy.limit_exceeded(f"Cannot exceed quota for PoliciesPerRole: {limit}")
        return call.forward()

    @operation("DeleteOpenIDConnectProvider")
    def delete_open_id_connect_provider(self, call: Call) -> Any:
        call.backend("iam").get_open_id_connect_provider(call.params["OpenIDConnectProviderArn"])  # NoSuchEntity
        return call.forward()

    def inventory(self) -> dict[str, list[str]]:
        return {}  # IAM objects are counted by inventory.py
