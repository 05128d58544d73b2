"""EMR (elasticmapreduce, JSON protocol): EMR Studio and its session
mappings, which moto lacks, plus tagging of studios through AddTags and
RemoveTags (moto's only know clusters)."""

from __future__ import annotations

import hashlib
import string
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from moto.emr.responses import ElasticMapReduceResponse

from .extension import Call, Extension, operation, paginate, random_id, utcnow
from .protocol import AwsError


@dataclass
class Studio:
    studio_id: str
    studio_arn: str
    name: str
    auth_mode: str
    vpc_id: str
    subnet_ids: list[str]
    service_role: str
    workspace_security_group_id: str
    engine_security_group_id: str
    default_s3_location: str
    url: str
    tags: list[dict[str, str]]
    description: str | None = None
    user_role: str | None = None
    idp_auth_url: str | None = None
    idp_relay_state_parameter_name: str | None = None
    idc_instance_arn: str | None = None
    idc_user_assignment: str | None = None
    trusted_identity_propagation_enabled: bool | None = None
    encryption_key_arn: str | None = None
    creation_time: datetime = field(default_factory=utcnow)


@dataclass
class SessionMapping:
    studio_id: str
    identity_id: str
    identity_name: str | None
    identity_type: str
    session_policy_arn: str
    creation_time: datetime = field(default_factory=utcnow)
    last_modified_time: datetime = field(default_factory=utcnow)


class EmrState:
    def __init__(self) -> None:
        self.studios: dict[str, Studio] = {}
        self.mappings: dict[tuple[str, str, str], SessionMapping] = {}  # (studio, type, identity id)


def _invalid(message: str) -> AwsError:
    return AwsError("InvalidRequestException", message)


class EmrExtension(Extension):
    service = "emr"
    moto_response_class = ElasticMapReduceResponse

    def new_state(self) -> EmrState:
        return EmrState()

    # ------------------------------------------------------------ studios

    def _studio(self, call: Call) -> Studio:
        studio = self.state(call).studios.get(call.params["StudioId"])
        if studio is None:
            raise _invalid(f"Studio {call.params['StudioId']} does not exist.")
        return studio

    def _check_network(self, call: Call, vpc_id: str, subnet_ids: list[str], group_ids: list[str]) -> None:
        ec2 = call.backend("ec2")
        if vpc_id not in ec2.vpcs:
            raise _invalid(f"VPC {vpc_id} does not exist.")
        for subnet_id in subnet_ids:
            try:
                subnet = ec2.get_subnet(subnet_id)
            except Exception:  # moto's InvalidSubnetIdError
                raise _invalid(f"Subnet {subnet_id} does not exist.") from None
            if subnet.vpc_id != vpc_id:
                raise _invalid(f"Subnet {subnet_id} is not in VPC {vpc_id}.")
        for group_id in group_ids:
            group = ec2.get_security_group_from_id(group_id)
            if group is None or group.vpc_id != vpc_id:
                raise _invalid(f"Security group {group_id} does not exist in VPC {vpc_id}.")

    @operation("CreateStudio")
    def create_studio(self, call: Call) -> Any:
        p = call.params
        if p["AuthMode"] == "SSO" and not p.get("UserRole"):
            raise _invalid("UserRole is required for a studio in SSO auth mode.")
        if p["AuthMode"] == "IAM" and p.get("UserRole"):
            raise _invalid("UserRole can only be used with SSO auth mode.")
        self._check_network(
            call, p["VpcId"], p["SubnetIds"], [p["WorkspaceSecurityGroupId"], p["EngineSecurityGroupId"]]
        )
        studio_id = "es-" + random_id(25, string.ascii_uppercase + string.digits)
        studio = Studio(
            studio_id=studio_id,
            studio_arn=call.arn("elasticmapreduce", f"studio/{studio_id}"),
            name=p["Name"],
            auth_mode=p["AuthMode"],
            vpc_id=p["VpcId"],
            subnet_ids=p["SubnetIds"],
            service_role=p["ServiceRole"],
            workspace_security_group_id=p["WorkspaceSecurityGroupId"],
            engine_security_group_id=p["EngineSecurityGroupId"],
            default_s3_location=p["DefaultS3Location"],
            url=f"https://{studio_id.lower()}.emrstudio-prod.{call.region}.amazonaws.com",
            tags=p.get("Tags", []),
            description=p.get("Description"),
            user_role=p.get("UserRole"),
            idp_auth_url=p.get("IdpAuthUrl"),
            idp_relay_state_parameter_name=p.get("IdpRelayStateParameterName"),
            idc_instance_arn=p.get("IdcInstanceArn"),
            idc_user_assignment=p.get("IdcUserAssignment"),
            trusted_identity_propagation_enabled=p.get("TrustedIdentityPropagationEnabled"),
            encryption_key_arn=p.get("EncryptionKeyArn"),
        )
        self.state(call).studios[studio_id] = studio
        return {"StudioId": studio_id, "Url": studio.url}

    @operation("DescribeStudio")
    def describe_studio(self, call: Call) -> Any:
        return {"Studio": self._studio(call)}

    @operation("UpdateStudio")
    def update_studio(self, call: Call) -> Any:
        p = call.params
        studio = self._studio(call)
        if "SubnetIds" in p:
            self._check_network(call, studio.vpc_id, p["SubnetIds"], [])
        for member, attr in (
            ("Name", "name"),
            ("Description", "description"),
            ("SubnetIds", "subnet_ids"),
            ("DefaultS3Location", "default_s3_location"),
            ("EncryptionKeyArn", "encryption_key_arn"),
        ):
            if member in p:
                setattr(studio, attr, p[member])
        return {}

    @operation("ListStudios")
    def list_studios(self, call: Call) -> Any:
        page, marker = paginate(list(self.state(call).studios.values()), None, call.params.get("Marker"), default=50)
        return {"Studios": page, "Marker": marker}

    @operation("DeleteStudio")
    def delete_studio(self, call: Call) -> Any:
        studio = self._studio(call)
        state = self.state(call)
        del state.studios[studio.studio_id]
        state.mappings = {k: v for k, v in state.mappings.items() if v.studio_id != studio.studio_id}
        return {}

    # ------------------------------------------------------------ session mappings

    def _identity(self, call: Call) -> tuple[Studio, str, str | None]:
        """The studio and the mapped identity's id (derived from its name when only that is given)."""
        p = call.params
        studio = self._studio(call)
        if studio.auth_mode != "SSO":
            raise _invalid(f"Studio {studio.studio_id} uses IAM auth mode; session mappings need SSO.")
        if not p.get("IdentityId") and not p.get("IdentityName"):
            raise _invalid("Either IdentityId or IdentityName must be specified.")
        identity_id = p.get("IdentityId") or hashlib.sha1(p["IdentityName"].encode()).hexdigest()[:10] + "-identity"
        return studio, identity_id, p.get("IdentityName")

    def _mapping(self, call: Call) -> SessionMapping:
        studio, identity_id, _ = self._identity(call)
        mapping = self.state(call).mappings.get((studio.studio_id, call.params["IdentityType"], identity_id))
        if mapping is None:
            raise _invalid(
                f"Session mapping for {call.params['IdentityType']} {identity_id} "
                f"does not exist in studio {studio.studio_id}."
            )
        return mapping

    @staticmethod
    def _check_session_policy(call: Call) -> None:
        """A session policy is a managed policy of the account or AWS's: it must exist."""
        arn = call.params["SessionPolicyArn"]
        if not any(policy.arn == arn for policy in call.backend("iam").managed_policies.values()):
            raise _invalid(f"Session policy {arn} does not exist or is not an IAM managed policy.")

    @operation("CreateStudioSessionMapping")
    def create_studio_session_mapping(self, call: Call) -> Any:
        p = call.params
        studio, identity_id, identity_name = self._identity(call)
        self._check_session_policy(call)
        key = (studio.studio_id, p["IdentityType"], identity_id)
        if key in self.state(call).mappings:
            raise _invalid(
                f"Session mapping for {p['IdentityType']} {identity_id} already exists in studio {studio.studio_id}."
            )
        self.state(call).mappings[key] = SessionMapping(
            studio.studio_id, identity_id, identity_name, p["IdentityType"], p["SessionPolicyArn"]
        )
        return {}

    @operation("GetStudioSessionMapping")
    def get_studio_session_mapping(self, call: Call) -> Any:
        return {"SessionMapping": self._mapping(call)}

    @operation("UpdateStudioSessionMapping")
    def update_studio_session_mapping(self, call: Call) -> Any:
        mapping = self._mapping(call)
        self._check_session_policy(call)
        mapping.session_policy_arn = call.params["SessionPolicyArn"]
        mapping.last_modified_time = utcnow()
        return {}

    @operation("ListStudioSessionMappings")
    def list_studio_session_mappings(self, call: Call) -> Any:
        p = call.params
        found = [
            m
            for m in self.state(call).mappings.values()
            if p.get("StudioId") in (None, m.studio_id) and p.get("IdentityType") in (None, m.identity_type)
        ]
        page, marker = paginate(found, None, p.get("Marker"), default=50)
        return {"SessionMappings": page, "Marker": marker}

    @operation("DeleteStudioSessionMapping")
    def delete_studio_session_mapping(self, call: Call) -> Any:
        mapping = self._mapping(call)
        del self.state(call).mappings[(mapping.studio_id, mapping.identity_type, mapping.identity_id)]
        return {}

    # ------------------------------------------------------------ tags

    @operation("AddTags")
    def add_tags(self, call: Call) -> Any:
        studio = self.state(call).studios.get(call.params["ResourceId"])
        if studio is None:
            return call.forward()  # a cluster: moto's
        new = {t["Key"]: t.get("Value", "") for t in call.params["Tags"]}
        studio.tags = [t for t in studio.tags if t["Key"] not in new] + [{"Key": k, "Value": v} for k, v in new.items()]
        return {}

    @operation("RemoveTags")
    def remove_tags(self, call: Call) -> Any:
        studio = self.state(call).studios.get(call.params["ResourceId"])
        if studio is None:
            return call.forward()
        studio.tags = [t for t in studio.tags if t["Key"] not in call.params["TagKeys"]]
        return {}

    # ------------------------------------------------------------ admin

    def inventory(self) -> dict[str, list[str]]:
        out: dict[str, list[str]] = {}
        for state in self.states():
            out.setdefault("emr:studio", []).extend(state.studios)
            out.setdefault("emr:studio-session-mapping", []).extend("/".join(key) for key in state.mappings)
        return out
