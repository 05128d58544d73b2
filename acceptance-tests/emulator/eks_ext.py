"""EKS: the operations moto lacks (access entries, add-ons, pod identity
associations, cluster/nodegroup updates, tagging of every resource) and
corrections to the ones it has: moto drops or mis-defaults request members
of CreateCluster/CreateNodegroup, has no lifecycle, and creates no Auto
Scaling group for a nodegroup."""

from __future__ import annotations

import json
import logging
import re
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import yaml
from moto.eks.responses import EKSResponse

from . import eks_catalogue as catalogue
from . import iam_policy, k8s_auth
from .ec2_ext import sweep_terminated
from .k8s import Kind
from .extension import Call, Extension, new_uuid, operation, paginate, random_id, utcnow
from .protocol import AwsError
from .tls import CERTIFICATE_AUTHORITY_DATA

log = logging.getLogger("emulator")

LOG_TYPES = ("api", "audit", "authenticator", "controllerManager", "scheduler")
AUTH_MODES = ("CONFIG_MAP", "API_AND_CONFIG_MAP", "API")  # the only direction AWS allows changes in
ACCESS_ENTRY_TYPES = ("STANDARD", "EC2_LINUX", "EC2_WINDOWS", "FARGATE_LINUX", "EC2", "HYBRID_LINUX", "HYPERPOD_LINUX")
PRINCIPAL_ARN = re.compile(r"^arn:aws[a-z-]*:iam::(\d{12}):(role|user)/(?:.*/)?([^/]+)$")
USABLE = ("ACTIVE", "UPDATING")  # cluster states in which child resources can be managed
REPLICAS_ISSUE = {
    "code": "InsufficientNumberOfReplicas",
    "message": "The add-on is unhealthy because it doesn't have the desired number of replicas.",
    "resourceIds": [],
}


@dataclass
class AccessEntry:
    cluster_name: str
    principal_arn: str
    type: str
    username: str
    kubernetes_groups: list[str]
    tags: dict[str, str]
    access_entry_arn: str
    created_at: datetime = field(default_factory=utcnow)
    modified_at: datetime = field(default_factory=utcnow)
    policies: dict[str, dict] = field(default_factory=dict)  # policyArn -> AssociatedAccessPolicy


@dataclass
class Addon:
    addon_name: str
    cluster_name: str
    addon_version: str
    addon_arn: str
    tags: dict[str, str]
    service_account_role_arn: str | None = None
    configuration_values: str | None = None
    namespace_config: dict | None = None
    pod_identity_associations: list[str] = field(default_factory=list)  # association ARNs
    status: str = "CREATING"
    health: dict = field(default_factory=lambda: {"issues": []})
    owner: str = "aws"
    publisher: str = "eks"
    created_at: datetime = field(default_factory=utcnow)
    modified_at: datetime = field(default_factory=utcnow)


@dataclass
class PodIdentityAssociation:
    cluster_name: str
    namespace: str
    service_account: str
    role_arn: str
    association_id: str
    association_arn: str
    tags: dict[str, str]
    owner_arn: str | None = None
    disable_session_tags: bool = False
    target_role_arn: str | None = None
    external_id: str | None = None
    policy: str | None = None
    created_at: datetime = field(default_factory=utcnow)
    modified_at: datetime = field(default_factory=utcnow)


@dataclass
class Update:
    id: str
    type: str
    params: list[dict[str, str]]
    cluster: str
    nodegroup: str | None = None
    addon: str | None = None
    status: str = "InProgress"
    errors: list = field(default_factory=list)
    created_at: datetime = field(default_factory=utcnow)


class EksState:
    def __init__(self) -> None:
        self.access_entries: dict[tuple[str, str], AccessEntry] = {}
        self.addons: dict[tuple[str, str], Addon] = {}
        self.pod_identities: dict[str, PodIdentityAssociation] = {}  # by association id
        self.updates: dict[str, Update] = {}

    def drop_cluster(self, name: str) -> None:
        """What deleting a cluster deletes with it."""
        self.access_entries = {k: v for k, v in self.access_entries.items() if v.cluster_name != name}
        self.addons = {k: v for k, v in self.addons.items() if v.cluster_name != name}
        self.pod_identities = {k: v for k, v in self.pod_identities.items() if v.cluster_name != name}
        self.updates = {k: v for k, v in self.updates.items() if v.cluster != name}


def _normalized_logging(logging: dict | None) -> dict:
    """AWS answers with one enabled and one disabled group, whatever was sent."""
    enabled = set()
    for setup in (logging or {}).get("clusterLogging", []):
        types = set(setup.get("types", []))
        enabled = enabled | types if setup.get("enabled") else enabled - types
    groups = [
        {"types": [t for t in LOG_TYPES if t in enabled], "enabled": True},
        {"types": [t for t in LOG_TYPES if t not in enabled], "enabled": False},
    ]
    return {"clusterLogging": [g for g in groups if g["types"]]}


def auto_mode_enabled(cluster: Any) -> bool:
    """Whether EKS Auto Mode is on: its compute capability (the three capabilities go together).
    The hook the Kubernetes stand-in asks before serving Auto Mode's custom resources."""
    return bool((getattr(cluster, "compute_config", None) or {}).get("enabled"))


def _auto_mode_flags(compute: dict | None, network: dict | None, storage: dict | None) -> list[bool | None]:
    """The enabled flag of compute, load balancing and block storage as a request sets them (None: not sent)."""
    return [
        (compute or {}).get("enabled"),
        ((network or {}).get("elasticLoadBalancing") or {}).get("enabled"),
        ((storage or {}).get("blockStorage") or {}).get("enabled"),
    ]


AUTO_MODE_TOGETHER = (
    "For EKS Auto Mode, computeConfig.enabled, kubernetesNetworkConfig.elasticLoadBalancing.enabled and "
    "storageConfig.blockStorage.enabled must all be set, to the same value, in one request"
)
# What Auto Mode adds to the cluster's Kubernetes API: its two custom resource kinds, and with the
# built-in node pools those pools and the NodeClass they use.
NODE_POOLS = Kind("karpenter.sh", "v1", "nodepools", "NodePool", False)
NODE_CLASSES = Kind("eks.amazonaws.com", "v1", "nodeclasses", "NodeClass", False)
AUTO_MODE_KINDS = (NODE_POOLS, NODE_CLASSES)
BUILT_IN = {"app.kubernetes.io/managed-by": "eks"}


def _builtin_pool(name: str) -> dict:
    """A built-in NodePool as Auto Mode makes it: on-demand C, M and R instances on the `default`
    NodeClass; `system` tainted for critical add-ons only."""
    template: dict = {
        "metadata": {},
        "spec": {
            "nodeClassRef": {"group": "eks.amazonaws.com", "kind": "NodeClass", "name": "default"},
            "requirements": [
                {"key": "karpenter.sh/capacity-type", "operator": "In", "values": ["on-demand"]},
                {"key": "eks.amazonaws.com/instance-category", "operator": "In", "values": ["c", "m", "r"]},
                {"key": "kubernetes.io/os", "operator": "In", "values": ["linux"]},
            ],
            "expireAfter": "336h",
        },
    }
    if name == "system":
        template["spec"]["taints"] = [{"key": "CriticalAddonsOnly", "effect": "NoSchedule"}]
    return {
        "metadata": {"name": name, "labels": dict(BUILT_IN)},
        "spec": {
            "template": template,
            "disruption": {
                "consolidationPolicy": "WhenEmptyOrUnderutilized",
                "consolidateAfter": "30s",
                "budgets": [{"nodes": "10%"}],
            },
        },
    }


class EksExtension(Extension):
    service = "eks"
    moto_response_class = EKSResponse

    def new_state(self) -> EksState:
        return EksState()

    # ------------------------------------------------------------ helpers

    def _cluster(self, call: Call, name: str, usable: bool = False) -> Any:
        cluster = call.backend("eks").clusters.get(name)
        if cluster is None:
            raise AwsError("ResourceNotFoundException", f"No cluster found for name: {name}.", clusterName=name)
        if usable and cluster.status not in USABLE:
            raise AwsError("InvalidRequestException", f"Cluster '{name}' is not in ACTIVE status", clusterName=name)
        return cluster

    def _nodegroup(self, call: Call, cluster: Any, name: str) -> Any:
        nodegroup = cluster.nodegroups.get(name)
        if nodegroup is None:
            raise AwsError(
                "ResourceNotFoundException",
                f"No node group found for name: {name}.",
                clusterName=cluster.name,
                nodegroupName=name,
            )
        return nodegroup

    @staticmethod
    def _role(call: Call, arn: str) -> Any:
        return next((role for role in call.backend("iam").roles.values() if role.arn == arn), None)

    def _require_role(self, call: Call, arn: str, member: str) -> None:
        if self._role(call, arn) is None:
            raise AwsError("InvalidParameterException", f"The {member} {arn} does not exist or is not an IAM role")

    def _require_pod_role(self, call: Call, arn: str) -> None:
        """EKS Pod Identity assumes the role as pods.eks.amazonaws.com, with session tags."""
        self._require_role(call, arn, "roleArn")
        if not iam_policy.role_trusts(self._role(call, arn), "pods.eks.amazonaws.com", "sts:AssumeRole", "sts:TagSession"):
            raise AwsError(
                "InvalidParameterException",
                "Trust policy of the role provided is invalid. Follow the official documentation to resolve the issue.",
            )

    @staticmethod
    def has_nodes(cluster: Any) -> bool:
        """Whether an add-on's pods find nodes: a managed nodegroup of the cluster runs some, or EKS
        Auto Mode has a built-in node pool, which starts nodes for pending pods (the add-ons' pods
        tolerate the `system` pool's CriticalAddonsOnly taint)."""
        compute = getattr(cluster, "compute_config", None) or {}
        if compute.get("enabled") and compute.get("nodePools"):
            return True
        return any(
            n.status in ("ACTIVE", "UPDATING") and (n.scaling_config or {}).get("desiredSize", 0) > 0
            for n in cluster.nodegroups.values()
        )

    def _subnets(self, call: Call, subnet_ids: list[str]) -> list[Any]:
        ec2 = call.backend("ec2")
        subnets = []
        for subnet_id in subnet_ids:
            try:
                subnets.append(ec2.get_subnet(subnet_id))
            except Exception:  # moto's InvalidSubnetIdError
                raise AwsError(
                    "InvalidParameterException",
                    f"The subnet ID '{subnet_id}' does not exist "
                    "(Service: AmazonEC2; Status Code: 400; Error Code: InvalidSubnetID.NotFound)",
                ) from None
        return subnets

    def _update(self, call: Call, kind: str, params: list[dict], cluster: str, **target: str) -> Update:
        update = Update(new_uuid(), kind, params, cluster, **target)
        self.state(call).updates[update.id] = update
        return update

    # ------------------------------------------------------------ clusters

    @operation("CreateCluster")
    def create_cluster(self, call: Call) -> Any:
        p = call.params
        eks = call.backend("eks")
        existing = eks.clusters.get(p["name"])
        if (
            existing is not None
            and p.get("clientRequestToken")
            and existing.client_request_token == p["clientRequestToken"]
        ):
            return {"cluster": existing}
        version = p.get("version") or catalogue.DEFAULT_KUBERNETES_VERSION
        if version not in catalogue.KUBERNETES_VERSIONS:
            raise AwsError("InvalidParameterException", f"unsupported Kubernetes version {version}")
        role = self._role(call, p["roleArn"])
        if role is None or not iam_policy.role_trusts(role, "eks.amazonaws.com", "sts:AssumeRole"):
            raise AwsError(
                "InvalidParameterException",
                f"Role with arn: {p['roleArn']}, could not be assumed because it does not exist or the trusted "
                "entity is not correct",
                clusterName=p["name"],
            )
        self._check_auto_mode(call, p, role, None)
        vpc_request = p["resourcesVpcConfig"]
        subnets = self._subnets(call, vpc_request.get("subnetIds", []))
        if len({s.vpc_id for s in subnets}) > 1:
            raise AwsError("InvalidParameterException", "Subnets specified must belong to the same VPC")
        if len({s.availability_zone for s in subnets}) < 2:
            raise AwsError("InvalidParameterException", "Subnets specified must be in at least two different AZs")
        for group_id in vpc_request.get("securityGroupIds", []):
            if call.backend("ec2").get_security_group_from_id(group_id) is None:
                raise AwsError("InvalidParameterException", f"Security group(s) [{group_id}] do not exist")
        reply = call.forward()
        if reply.status >= 300:
            return reply
        cluster = eks.clusters[p["name"]]
        self._complete_cluster(call, cluster, version, subnets)
        self.emulator.k8s.store(cluster.name)  # its built-in objects date from now
        if auto_mode_enabled(cluster):
            self._auto_mode_started(call, cluster)
        # The control plane's cross-account network interfaces, in (up to four of) the cluster's subnets.
        vpc = cluster.resources_vpc_config
        self.emulator.extensions["ec2"].place_enis(
            call,
            f"eks-cluster/{cluster.arn}",
            vpc["subnetIds"][:4],
            [vpc["clusterSecurityGroupId"], *vpc["securityGroupIds"]],
            f"Amazon EKS {cluster.name}",
        )

        logs = call.backend("logs")

        def activate() -> None:
            if cluster.status == "CREATING":
                cluster.status = "ACTIVE"
                # With control-plane logging on, EKS writes to this group,
                # creating it (no retention, no tags) when missing; it is not
                # deleted with the cluster.
                group = f"/aws/eks/{cluster.name}/cluster"
                enabled = any(s["enabled"] for s in cluster.logging.get("clusterLogging", []))
                if enabled and group not in logs.groups:
                    logs.create_log_group(group, {})

        call.later("eks:cluster", activate)
        return {"cluster": cluster}

    def _complete_cluster(self, call: Call, cluster: Any, version: str, subnets: list[Any]) -> None:
        """Sets on moto's cluster what EKS reports and moto drops, defaults differently or lacks."""
        p = call.params
        vpc_request, access = p["resourcesVpcConfig"], p.get("accessConfig") or {}
        vpc_id = subnets[0].vpc_id
        # EKS creates this group and deletes it with the cluster.
        cluster_sg = call.backend("ec2").create_security_group(
            name=f"eks-cluster-sg-{cluster.name}-{random_id(10, '0123456789')}",
            description="EKS created security group applied to ENI that is attached to EKS Control Plane "
            "master nodes, as well as any managed workloads.",
            vpc_id=vpc_id,
            tags={"aws:eks:cluster-name": cluster.name, f"kubernetes.io/cluster/{cluster.name}": "owned"},
        )
        network = p.get("kubernetesNetworkConfig") or {}
        cluster.version = version
        cluster.status = "CREATING"
        cluster.endpoint = f"https://{call.host}/k8s/{cluster.name}"
        cluster.identity = {
            "oidc": {"issuer": f"https://oidc.eks.{call.region}.amazonaws.com/id/{random_id(32, '0123456789ABCDEF')}"}
        }
        cluster.certificate_authority = {"data": CERTIFICATE_AUTHORITY_DATA}
        cluster.resources_vpc_config = {
            "subnetIds": [s.id for s in subnets],
            "securityGroupIds": vpc_request.get("securityGroupIds", []),
            "clusterSecurityGroupId": cluster_sg.id,
            "vpcId": vpc_id,
            "endpointPublicAccess": vpc_request.get("endpointPublicAccess", True),
            "endpointPrivateAccess": vpc_request.get("endpointPrivateAccess", False),
            "publicAccessCidrs": vpc_request.get("publicAccessCidrs", ["0.0.0.0/0"]),
        }
        ip_family = network.get("ipFamily", "ipv4")
        enabled = bool((p.get("computeConfig") or {}).get("enabled"))
        cluster.compute_config = self._compute_config(p.get("computeConfig"), None)
        cluster.storage_config = {"blockStorage": {"enabled": enabled}}
        cluster.kubernetes_network_config = {
            "ipFamily": ip_family,
            "elasticLoadBalancing": {"enabled": enabled},
            **(
                {"serviceIpv6Cidr": "fd30:1c53:5f8a::/108"}
                if ip_family == "ipv6"
                else {"serviceIpv4Cidr": network.get("serviceIpv4Cidr", "172.20.0.0/16")}
            ),
        }
        cluster.logging = _normalized_logging(p.get("logging"))
        cluster.access_config = {
            "authenticationMode": access.get("authenticationMode", "CONFIG_MAP"),
            "bootstrapClusterCreatorAdminPermissions": access.get("bootstrapClusterCreatorAdminPermissions", True),
        }
        cluster.upgrade_policy = {"supportType": (p.get("upgradePolicy") or {}).get("supportType", "EXTENDED")}
        cluster.zonal_shift_config = p.get("zonalShiftConfig")
        cluster.deletion_protection = p.get("deletionProtection", False)
        cluster.health = {"issues": []}
        # The creator's IAM principal (an assumed role's role, path and all).
        cluster.creator_arn = k8s_auth.caller(call.access_key)[1]
        if (
            access.get("bootstrapClusterCreatorAdminPermissions", True)
            and cluster.access_config["authenticationMode"] != "CONFIG_MAP"
        ):
            creator = cluster.creator_arn
            entry = self._new_access_entry(call, cluster.name, creator, "STANDARD", [], None, {})
            entry.policies[catalogue.CLUSTER_ADMIN_POLICY_ARN] = {
                "policyArn": catalogue.CLUSTER_ADMIN_POLICY_ARN,
                "accessScope": {"type": "cluster", "namespaces": []},
                "associatedAt": utcnow(),
                "modifiedAt": utcnow(),
            }

    # ------------------------------------------------------------ EKS Auto Mode

    def _check_auto_mode(self, call: Call, p: dict, cluster_role: Any, current: Any) -> bool | None:
        """The rules EKS enforces on a request's Auto Mode members; returns the requested state (None:
        the request does not touch Auto Mode). `current` is the cluster, on UpdateClusterConfig."""
        flags = _auto_mode_flags(p.get("computeConfig"), p.get("kubernetesNetworkConfig"), p.get("storageConfig"))
        if all(f is None for f in flags):
            return None
        if len(set(flags)) > 1:
            raise AwsError("InvalidParameterException", AUTO_MODE_TOGETHER)
        enabled = bool(flags[0])
        compute = p.get("computeConfig") or {}
        pools, node_role = compute.get("nodePools") or [], compute.get("nodeRoleArn")
        if pools and not node_role:
            raise AwsError(
                "InvalidParameterException",
                "When Compute Config nodeRoleArn is null or empty, nodePool list cannot be populated.",
            )
        if node_role and not pools:
            raise AwsError(
                "InvalidParameterException",
                "When Compute Config nodeRoleArn is set, the nodePool list cannot be empty.",
            )
        for pool in pools:
            if pool not in catalogue.AUTO_MODE_NODE_POOLS or pools.count(pool) > 1:
                raise AwsError(
                    "InvalidParameterException",
                    f"Invalid node pool {pool}: the built-in node pools are "
                    f"{', '.join(catalogue.AUTO_MODE_NODE_POOLS)}, each named once",
                )
        if not enabled:
            if pools or node_role:
                raise AwsError(
                    "InvalidParameterException", "nodePools and nodeRoleArn cannot be set when computeConfig is disabled"
                )
            return False
        if node_role:
            role = self._role(call, node_role)
            if role is None or not iam_policy.role_trusts(role, "ec2.amazonaws.com", "sts:AssumeRole"):
                raise AwsError(
                    "InvalidParameterException",
                    f"The nodeRoleArn {node_role} does not exist or does not trust ec2.amazonaws.com",
                )
            if cluster_role is not None and role.arn == cluster_role.arn:
                raise AwsError("InvalidParameterException", "The nodeRoleArn cannot be the cluster's role")
        previous = (getattr(current, "compute_config", None) or {}).get("nodeRoleArn") if current else None
        if previous and node_role and node_role != previous:
            raise AwsError(
                "InvalidParameterException",
                "The nodeRoleArn cannot be changed after the compute capability of EKS Auto Mode is enabled",
            )
        # Auto Mode's capabilities act as the cluster role with session tags.
        if cluster_role is not None and not iam_policy.role_trusts(
            cluster_role, "eks.amazonaws.com", "sts:AssumeRole", "sts:TagSession"
        ):
            raise AwsError(
                "InvalidParameterException",
                "The cluster role's trust policy must allow sts:TagSession for EKS Auto Mode",
            )
        access = p.get("accessConfig") or (current.access_config if current else {})
        if (access or {}).get("authenticationMode", "CONFIG_MAP") == "CONFIG_MAP":
            raise AwsError(
                "InvalidParameterException",
                "EKS Auto Mode needs the authentication mode API or API_AND_CONFIG_MAP",
            )
        return True

    @staticmethod
    def _compute_config(request: dict | None, previous: dict | None) -> dict:
        """computeConfig as DescribeCluster shows it; the node role stays once set."""
        request = request or {}
        if not request.get("enabled"):
            return {"enabled": False}
        node_role = request.get("nodeRoleArn") or (previous or {}).get("nodeRoleArn")
        out: dict = {"enabled": True, "nodePools": list(request.get("nodePools") or [])}
        if node_role:
            out["nodeRoleArn"] = node_role
        return out

    def _auto_mode_started(self, call: Call, cluster: Any) -> None:
        """What enabling Auto Mode makes: the custom resource kinds, the built-in node pools with
        their NodeClass, and (with node pools) the node role's EC2 access entry."""
        store = self.emulator.k8s.store(cluster.name)
        store.register_auto_mode()  # the NodePool and NodeClass definitions, with their schemas
        self._sync_builtin_pools(cluster)
        compute = cluster.compute_config
        node_role = compute.get("nodeRoleArn")
        # Auto Mode launches its nodes with an instance profile of its own holding the node role,
        # so IAM refuses to delete that role until the profile goes (with the cluster, or Auto Mode).
        role = self._role(call, node_role) if node_role else None
        if role is not None and not getattr(cluster, "auto_mode_instance_profile", None):
            profile = f"eks-{call.region}-{cluster.name}-{random_id(8, '0123456789abcdef')}"[:128]
            call.backend("iam").create_instance_profile(profile, "/eks/", [role.name])
            cluster.auto_mode_instance_profile = profile
        state = self.state(call)
        if compute.get("nodePools") and node_role and (cluster.name, node_role) not in state.access_entries:
            entry = self._new_access_entry(call, cluster.name, node_role, "EC2", [], None, {})
            entry.policies[catalogue.AUTO_NODE_POLICY_ARN] = {
                "policyArn": catalogue.AUTO_NODE_POLICY_ARN,
                "accessScope": {"type": "cluster", "namespaces": []},
                "associatedAt": utcnow(),
                "modifiedAt": utcnow(),
            }

    @staticmethod
    def _drop_instance_profile(call: Call, cluster: Any) -> None:
        """Auto Mode's instance profile goes with the nodes it launched."""
        profile = getattr(cluster, "auto_mode_instance_profile", None)
        if profile and profile in call.backend("iam").instance_profiles:
            call.backend("iam").delete_instance_profile(profile, ignore_attached_roles=True)
        cluster.auto_mode_instance_profile = None

    def _sync_builtin_pools(self, cluster: Any) -> None:
        """The built-in NodePools (and the `default` NodeClass they use) as computeConfig.nodePools
        names them; none while Auto Mode is off."""
        store = self.emulator.k8s.store(cluster.name)
        compute = getattr(cluster, "compute_config", None) or {}
        wanted = set(compute.get("nodePools") or []) if compute.get("enabled") else set()
        for pool in catalogue.AUTO_MODE_NODE_POOLS:
            key = (NODE_POOLS.plural, "", pool)
            if pool in wanted and key not in store.objects:
                store.create(NODE_POOLS, None, _builtin_pool(pool), system=True)
            elif pool not in wanted and key in store.system:
                del store.objects[key]
                store.system.discard(key)
        class_key = (NODE_CLASSES.plural, "", "default")
        if wanted and class_key not in store.objects:
            node_class = {
                "metadata": {"name": "default", "labels": dict(BUILT_IN)},
                "spec": {
                    "role": (compute.get("nodeRoleArn") or "").rsplit("/", 1)[-1],
                    "subnetSelectorTerms": [],
                    "securityGroupSelectorTerms": [],
                    "ephemeralStorage": {"size": "80Gi"},
                },
            }
            store.create(NODE_CLASSES, None, node_class, system=True)
        elif not wanted and class_key in store.system:
            del store.objects[class_key]
            store.system.discard(class_key)

    @operation("DeleteCluster")
    def delete_cluster(self, call: Call) -> Any:
        cluster = self._cluster(call, call.params["name"])
        if cluster.nodegroups:
            raise AwsError(
                "ResourceInUseException",
                "Cluster has nodegroups attached",
                clusterName=cluster.name,
                nodegroupName=",".join(cluster.nodegroups),
            )
        if cluster.deletion_protection:
            raise AwsError(
                "InvalidRequestException",
                "Cluster has deletion protection enabled; disable it before deleting",
                clusterName=cluster.name,
            )
        if cluster.status != "DELETING":
            cluster.status = "DELETING"
            call.later("eks:cluster", lambda: self._remove_cluster(call, cluster))
        return {"cluster": cluster}

    def _remove_cluster(self, call: Call, cluster: Any) -> None:
        eks = call.backend("eks")
        if eks.clusters.get(cluster.name) is not cluster:
            return
        eks.delete_cluster(cluster.name)
        group_id = cluster.resources_vpc_config.get("clusterSecurityGroupId")

        def delete_group() -> None:
            # Once the network interfaces are released, the cluster's own security group goes.
            if group_id and call.backend("ec2").get_security_group_from_id(group_id) is not None:
                try:
                    call.backend("ec2").delete_security_group(group_id=group_id)
                except Exception as e:  # still referenced: left behind, in the way of deleting the VPC, as on AWS
                    log.warning("cluster security group %s of %s not deleted: %s", group_id, cluster.name, e)

        self.state(call).drop_cluster(cluster.name)
        self.emulator.k8s.drop_cluster(cluster.name)
        self._drop_instance_profile(call, cluster)
        self.emulator.extensions["ec2"].release_enis(call, f"eks-cluster/{cluster.arn}", then=delete_group)

    @operation("UpdateClusterConfig")
    def update_cluster_config(self, call: Call) -> Any:
        p = call.params
        cluster = self._cluster(call, p["name"])
        if cluster.status != "ACTIVE":
            raise AwsError(
                "ResourceInUseException",
                f"Cluster {cluster.name} is {cluster.status}; updates need it ACTIVE",
                clusterName=cluster.name,
            )
        requested = [m for m in p if m not in ("name", "clientRequestToken")]
        if not requested:
            raise AwsError("InvalidParameterException", "No changes requested", clusterName=cluster.name)
        auto_members = {"computeConfig", "kubernetesNetworkConfig", "storageConfig"}
        if set(requested) & auto_members and set(requested) <= auto_members:
            return self._update_auto_mode(call, cluster)
        if len(requested) > 1:
            raise AwsError(
                "InvalidParameterException", "Only one type of update can be allowed.", clusterName=cluster.name
            )
        member = requested[0]
        value = p[member]
        kind, params, apply = self._cluster_config_change(cluster, member, value)

        def apply_update() -> None:
            apply()
            update.status = "Successful"
            if cluster.status == "UPDATING":
                cluster.status = "ACTIVE"

        update = self._update(call, kind, params, cluster.name)
        cluster.status = "UPDATING"
        call.later("eks:cluster", apply_update)
        return {"update": update}

    def _update_auto_mode(self, call: Call, cluster: Any) -> Any:
        """Enables or disables EKS Auto Mode (all three capabilities at once), or changes its node pools."""
        p = call.params
        role = self._role(call, cluster.role_arn)
        enabled = self._check_auto_mode(call, p, role, cluster)
        if enabled is None:
            raise AwsError("InvalidParameterException", AUTO_MODE_TOGETHER, clusterName=cluster.name)
        new = self._compute_config(p.get("computeConfig"), cluster.compute_config)
        if new == cluster.compute_config:
            raise AwsError(
                "InvalidParameterException", "No changes needed for the computeConfig provided", clusterName=cluster.name
            )
        params = [
            {"type": "ComputeConfig", "value": json.dumps(new)},
            {"type": "StorageConfig", "value": json.dumps({"blockStorage": {"enabled": enabled}})},
            {"type": "KubernetesNetworkConfig", "value": json.dumps({"elasticLoadBalancing": {"enabled": enabled}})},
        ]
        update = self._update(call, "AutoModeUpdate", params, cluster.name)
        cluster.status = "UPDATING"

        def finish() -> None:
            cluster.compute_config = new
            cluster.storage_config = {"blockStorage": {"enabled": enabled}}
            cluster.kubernetes_network_config["elasticLoadBalancing"] = {"enabled": enabled}
            if enabled:
                self._auto_mode_started(call, cluster)
            else:
                # Disabling terminates the nodes Auto Mode runs and removes its built-in pools.
                self._sync_builtin_pools(cluster)
                self._drop_instance_profile(call, cluster)
            update.status = "Successful"
            if cluster.status == "UPDATING":
                cluster.status = "ACTIVE"

        call.later("eks:cluster", finish)
        return {"update": update}

    def _cluster_config_change(self, cluster: Any, member: str, value: Any) -> tuple[str, list[dict], Any]:
        """The update type, its params and the change itself, refusing no-op and forbidden changes."""

        def unchanged(what: str) -> AwsError:
            return AwsError(
                "InvalidParameterException", f"No changes needed for the {what} provided", clusterName=cluster.name
            )

        if member == "logging":
            new = _normalized_logging(value)
            if new == cluster.logging:
                raise unchanged("logging config")
            return (
                "LoggingUpdate",
                [{"type": "ClusterLogging", "value": json.dumps(new["clusterLogging"])}],
                lambda: setattr(cluster, "logging", new),
            )
        if member == "resourcesVpcConfig":
            current = cluster.resources_vpc_config
            new = {**current, **value}
            if new == current:
                raise unchanged("resourcesVpcConfig")
            names = {
                "endpointPublicAccess": "EndpointPublicAccess",
                "endpointPrivateAccess": "EndpointPrivateAccess",
                "publicAccessCidrs": "PublicAccessCidrs",
                "subnetIds": "Subnets",
                "securityGroupIds": "SecurityGroups",
            }
            params = [
                {"type": names[k], "value": json.dumps(v) if isinstance(v, (list, bool)) else str(v)}
                for k, v in value.items()
                if k in names
            ]
            kind = "VpcConfigUpdate" if {"subnetIds", "securityGroupIds"} & set(value) else "EndpointAccessUpdate"
            return kind, params, lambda: cluster.resources_vpc_config.update(value)
        if member == "accessConfig":
            mode = value.get("authenticationMode")
            current = cluster.access_config["authenticationMode"]
            if mode is None or mode == current:
                raise unchanged("accessConfig")
            if AUTH_MODES.index(mode) < AUTH_MODES.index(current):
                raise AwsError(
                    "InvalidParameterException",
                    f"Unsupported authentication mode update from {current} to {mode}",
                    clusterName=cluster.name,
                )
            return (
                "AccessConfigUpdate",
                [{"type": "AuthenticationMode", "value": mode}],
                lambda: cluster.access_config.update(authenticationMode=mode),
            )
        if member == "upgradePolicy":
            if value == cluster.upgrade_policy:
                raise unchanged("upgradePolicy")
            return (
                "UpgradePolicyUpdate",
                [{"type": "UpgradePolicy", "value": json.dumps(value)}],
                lambda: setattr(cluster, "upgrade_policy", value),
            )
        if member == "deletionProtection":
            if value == cluster.deletion_protection:
                raise unchanged("deletionProtection")
            return (
                "DeletionProtectionUpdate",
                [{"type": "DeletionProtection", "value": json.dumps(value)}],
                lambda: setattr(cluster, "deletion_protection", value),
            )
        if member == "zonalShiftConfig":
            return (
                "ZonalShiftConfigUpdate",
                [{"type": "ZonalShiftConfig", "value": json.dumps(value)}],
                lambda: setattr(cluster, "zonal_shift_config", value),
            )
        raise AwsError(
            "InvalidParameterException",
            f"Updating {member} is not supported by this emulator",
            clusterName=cluster.name,
        )

    @operation("UpdateClusterVersion")
    def update_cluster_version(self, call: Call) -> Any:
        cluster = self._cluster(call, call.params["name"])
        version = call.params["version"]
        if cluster.status != "ACTIVE":
            raise AwsError(
                "ResourceInUseException",
                f"Cluster {cluster.name} is {cluster.status}; updates need it ACTIVE",
                clusterName=cluster.name,
            )
        if version not in catalogue.KUBERNETES_VERSIONS or version != catalogue.next_minor(cluster.version):
            raise AwsError(
                "InvalidParameterException",
                f"Unsupported Kubernetes minor version update from {cluster.version} to {version}",
                clusterName=cluster.name,
            )
        update = self._update(
            call,
            "VersionUpdate",
            [{"type": "Version", "value": version}, {"type": "PlatformVersion", "value": "eks.1"}],
            cluster.name,
        )
        cluster.status = "UPDATING"

        def finish() -> None:
            cluster.version = version
            cluster.platformVersion = "eks.1"
            update.status = "Successful"
            if cluster.status == "UPDATING":
                cluster.status = "ACTIVE"

        call.later("eks:cluster", finish)
        return {"update": update}

    # ------------------------------------------------------------ nodegroups

    @operation("CreateNodegroup")
    def create_nodegroup(self, call: Call) -> Any:
        p = call.params
        cluster = self._cluster(call, p["clusterName"])
        existing = cluster.nodegroups.get(p["nodegroupName"])
        if (
            existing is not None
            and p.get("clientRequestToken")
            and existing.client_request_token == p["clientRequestToken"]
        ):
            return {"nodegroup": existing}
        self._subnets(call, p["subnets"])
        role = self._role(call, p["nodeRole"])
        if role is None or not iam_policy.role_trusts(role, "ec2.amazonaws.com", "sts:AssumeRole"):
            raise AwsError(
                "InvalidParameterException",
                "Following required service principals [ec2.amazonaws.com] were not found in the trust "
                f"relationships of nodeRole {p['nodeRole']}",
                clusterName=cluster.name,
                nodegroupName=p["nodegroupName"],
            )
        version = p.get("version") or cluster.version
        if catalogue.newer(version, cluster.version):
            raise AwsError(
                "InvalidParameterException",
                f"Nodegroup version {version} is newer than cluster version {cluster.version}",
                clusterName=cluster.name,
            )
        scaling = {"minSize": 1, "maxSize": 2, "desiredSize": 2, **(p.get("scalingConfig") or {})}
        self._check_scaling(scaling, cluster.name)
        reply = call.forward()
        if reply.status >= 300:
            return reply
        nodegroup = cluster.nodegroups[p["nodegroupName"]]
        launch_template = p.get("launchTemplate")
        # moto shares its default dicts between nodegroups and fills members AWS leaves out.
        nodegroup.scaling_config = scaling
        nodegroup.version = version
        nodegroup.release_version = p.get("releaseVersion") or f"{version}.0-20250610"
        nodegroup.disk_size = p.get("diskSize") or (None if launch_template else 20)
        nodegroup.instance_types = p.get("instanceTypes") or (None if launch_template else ["t3.medium"])
        nodegroup.ami_type = p.get("amiType") or ("CUSTOM" if launch_template else "AL2023_x86_64_STANDARD")
        nodegroup.remote_access = p.get("remoteAccess")
        nodegroup.update_config = p.get("updateConfig") or {"maxUnavailable": 1}
        nodegroup.labels = dict(p.get("labels") or {})
        nodegroup.taints = list(p.get("taints") or [])
        nodegroup.health = {"issues": []}
        nodegroup.status = "CREATING"
        nodegroup.resources = {
            "autoScalingGroups": [{"name": self._create_auto_scaling_group(call, cluster, nodegroup)}]
        }
        if p.get("remoteAccess") and not p["remoteAccess"].get("sourceSecurityGroups"):
            nodegroup.resources["remoteAccessSecurityGroup"] = "sg-" + random_id(17, "0123456789abcdef")
        if cluster.access_config["authenticationMode"] != "CONFIG_MAP":
            # EKS grants the node role access to the cluster by itself.
            if (cluster.name, p["nodeRole"]) not in self.state(call).access_entries and PRINCIPAL_ARN.match(
                p["nodeRole"]
            ):
                self._new_access_entry(call, cluster.name, p["nodeRole"], "EC2_LINUX", [], None, {})

        def activate() -> None:
            if nodegroup.status == "CREATING":
                nodegroup.status = "ACTIVE"

        call.later("eks:nodegroup", activate)
        return {"nodegroup": nodegroup}

    @staticmethod
    def _check_scaling(scaling: dict, cluster: str) -> None:
        low, high, desired = scaling["minSize"], scaling["maxSize"], scaling["desiredSize"]
        if high < 1 or low > high or not low <= desired <= high:
            raise AwsError(
                "InvalidParameterException",
                f"Invalid scaling config: minSize {low}, desiredSize {desired}, maxSize {high}; "
                "need minSize <= desiredSize <= maxSize and maxSize >= 1",
                clusterName=cluster,
            )

    def _create_auto_scaling_group(self, call: Call, cluster: Any, nodegroup: Any) -> str:
        """The group EKS runs a managed nodegroup with, on a launch template EKS owns."""
        name = f"eks-{nodegroup.nodegroup_name}-{nodegroup.uuid}"
        owner_tags = {"eks:cluster-name": cluster.name, "eks:nodegroup-name": nodegroup.nodegroup_name}
        template = call.backend("ec2").create_launch_template(
            name=f"eks-{nodegroup.uuid}",
            description="EKS managed nodegroup launch template",
            template_data={
                "InstanceType": (nodegroup.instance_types or ["t3.medium"])[0],
                "ImageId": "ami-0eks00000000000000",
            },
            tag_spec={"launch-template": owner_tags},
        )
        tags = {
            **owner_tags,
            "k8s.io/cluster-autoscaler/enabled": "true",
            f"k8s.io/cluster-autoscaler/{cluster.name}": "owned",
            f"kubernetes.io/cluster/{cluster.name}": "owned",
        }
        call.backend("autoscaling").create_auto_scaling_group(
            name=name,
            availability_zones=[],
            desired_capacity=nodegroup.scaling_config["desiredSize"],
            max_size=nodegroup.scaling_config["maxSize"],
            min_size=nodegroup.scaling_config["minSize"],
            launch_config_name=None,
            launch_template={"LaunchTemplateId": template.id, "Version": "1"},
            vpc_zone_identifier=",".join(nodegroup.subnets),
            default_cooldown=None,
            health_check_period=None,
            health_check_type="EC2",
            load_balancers=[],
            target_group_arns=[],
            placement_group=None,
            termination_policies=[],
            tags=[
                {
                    "ResourceId": name,
                    "ResourceType": "auto-scaling-group",
                    "Key": k,
                    "Value": v,
                    "PropagateAtLaunch": "true",
                }
                for k, v in tags.items()
            ],
        )
        nodegroup.launch_template_id = template.id
        return name

    @operation("DeleteNodegroup")
    def delete_nodegroup(self, call: Call) -> Any:
        cluster = self._cluster(call, call.params["clusterName"])
        nodegroup = self._nodegroup(call, cluster, call.params["nodegroupName"])
        if nodegroup.status != "DELETING":
            nodegroup.status = "DELETING"
            call.later("eks:nodegroup", lambda: self._remove_nodegroup(call, cluster, nodegroup))
        return {"nodegroup": nodegroup}

    def _remove_nodegroup(self, call: Call, cluster: Any, nodegroup: Any) -> None:
        if cluster.nodegroups.get(nodegroup.nodegroup_name) is not nodegroup:
            return
        call.backend("eks").delete_nodegroup(cluster.name, nodegroup.nodegroup_name)
        autoscaling = call.backend("autoscaling")
        for group in nodegroup.resources["autoScalingGroups"]:
            if group["name"] in autoscaling.autoscaling_groups:
                autoscaling.delete_auto_scaling_group(group["name"])
        sweep_terminated(call.backend("ec2"))  # the nodes' network interfaces go with them
        if nodegroup.launch_template_id in call.backend("ec2").launch_templates:
            call.backend("ec2").delete_launch_template(None, nodegroup.launch_template_id)

    @operation("UpdateNodegroupConfig")
    def update_nodegroup_config(self, call: Call) -> Any:
        p = call.params
        cluster = self._cluster(call, p["clusterName"])
        nodegroup = self._nodegroup(call, cluster, p["nodegroupName"])
        if nodegroup.status != "ACTIVE":
            raise AwsError(
                "ResourceInUseException",
                f"Nodegroup {nodegroup.nodegroup_name} is {nodegroup.status}; updates need it ACTIVE",
                clusterName=cluster.name,
                nodegroupName=nodegroup.nodegroup_name,
            )
        scaling = p.get("scalingConfig")
        if scaling:
            self._check_scaling({**nodegroup.scaling_config, **scaling}, cluster.name)
        reply = call.forward()
        if reply.status >= 300:
            return reply
        params = []
        for key, kind in (("minSize", "MinSize"), ("maxSize", "MaxSize"), ("desiredSize", "DesiredSize")):
            if scaling and key in scaling:
                params.append({"type": kind, "value": str(scaling[key])})
        for member, key, kind in (
            ("labels", "addOrUpdateLabels", "LabelsToAdd"),
            ("labels", "removeLabels", "LabelsToRemove"),
            ("taints", "addOrUpdateTaints", "TaintsToAdd"),
            ("taints", "removeTaints", "TaintsToRemove"),
        ):
            if key in (p.get(member) or {}):
                params.append({"type": kind, "value": json.dumps(p[member][key])})
        if p.get("updateConfig"):
            params += [{"type": k[0].upper() + k[1:], "value": str(v)} for k, v in p["updateConfig"].items()]
        if p.get("nodeRepairConfig"):
            params.append({"type": "NodeRepairConfig", "value": json.dumps(p["nodeRepairConfig"])})
        if scaling:
            group = call.backend("autoscaling").autoscaling_groups[nodegroup.resources["autoScalingGroups"][0]["name"]]
            group.min_size = nodegroup.scaling_config["minSize"]
            group.max_size = nodegroup.scaling_config["maxSize"]
            call.backend("autoscaling").set_desired_capacity(group.name, nodegroup.scaling_config["desiredSize"])
        return {"update": self._nodegroup_update(call, cluster, nodegroup, "ConfigUpdate", params, lambda: None)}

    def _nodegroup_update(
        self, call: Call, cluster: Any, nodegroup: Any, kind: str, params: list, apply: Any
    ) -> Update:
        update = self._update(call, kind, params, cluster.name, nodegroup=nodegroup.nodegroup_name)
        nodegroup.status = "UPDATING"

        def finish() -> None:
            apply()
            update.status = "Successful"
            nodegroup.modified_at = utcnow()
            if nodegroup.status == "UPDATING":
                nodegroup.status = "ACTIVE"

        call.later("eks:nodegroup", finish)
        return update

    @operation("UpdateNodegroupVersion")
    def update_nodegroup_version(self, call: Call) -> Any:
        p = call.params
        cluster = self._cluster(call, p["clusterName"])
        nodegroup = self._nodegroup(call, cluster, p["nodegroupName"])
        if nodegroup.status != "ACTIVE":
            raise AwsError(
                "ResourceInUseException",
                f"Nodegroup {nodegroup.nodegroup_name} is {nodegroup.status}; updates need it ACTIVE",
                clusterName=cluster.name,
                nodegroupName=nodegroup.nodegroup_name,
            )
        version = p.get("version") or cluster.version
        if catalogue.newer(version, cluster.version) or catalogue.newer(nodegroup.version, version):
            raise AwsError(
                "InvalidParameterException",
                f"Cannot update nodegroup from {nodegroup.version} to {version} on a {cluster.version} cluster",
                clusterName=cluster.name,
                nodegroupName=nodegroup.nodegroup_name,
            )
        release = p.get("releaseVersion") or f"{version}.0-20250610"
        params = [{"type": "Version", "value": version}, {"type": "ReleaseVersion", "value": release}]

        def apply() -> None:
            nodegroup.version = version
            nodegroup.release_version = release

        return {"update": self._nodegroup_update(call, cluster, nodegroup, "VersionUpdate", params, apply)}

    # ------------------------------------------------------------ updates

    @operation("DescribeUpdate")
    def describe_update(self, call: Call) -> Any:
        p = call.params
        self._cluster(call, p["name"])
        update = self.state(call).updates.get(p["updateId"])
        if update is None or (update.cluster, update.nodegroup, update.addon) != (
            p["name"],
            p.get("nodegroupName"),
            p.get("addonName"),
        ):
            raise AwsError(
                "ResourceNotFoundException", f"No update found for ID: {p['updateId']}", clusterName=p["name"]
            )
        return {"update": update}

    @operation("ListUpdates")
    def list_updates(self, call: Call) -> Any:
        p = call.params
        self._cluster(call, p["name"])
        ids = [
            u.id
            for u in self.state(call).updates.values()
            if (u.cluster, u.nodegroup, u.addon) == (p["name"], p.get("nodegroupName"), p.get("addonName"))
        ]
        page, token = paginate(ids, p.get("maxResults"), p.get("nextToken"))
        return {"updateIds": page, "nextToken": token}

    # ------------------------------------------------------------ access entries

    def _new_access_entry(
        self, call: Call, cluster: str, principal: str, kind: str, groups: list[str], username: str | None, tags: dict
    ) -> AccessEntry:
        match = PRINCIPAL_ARN.match(principal)
        account, resource_type, name = match.groups() if match else (call.account, "user", principal.rsplit("/", 1)[-1])
        if username is None:
            if kind.startswith("EC2"):
                username = "system:node:{{EC2PrivateDNSName}}"
            elif resource_type == "role":
                username = f"arn:aws:sts::{account}:assumed-role/{name}/{{{{SessionName}}}}"
            else:
                username = principal
        entry = AccessEntry(
            cluster_name=cluster,
            principal_arn=principal,
            type=kind,
            username=username,
            kubernetes_groups=groups,
            tags=tags,
            access_entry_arn=call.arn("eks", f"access-entry/{cluster}/{resource_type}/{account}/{name}/{new_uuid()}"),
        )
        self.state(call).access_entries[(cluster, principal)] = entry
        return entry

    def _access_cluster(self, call: Call) -> Any:
        cluster = self._cluster(call, call.params["clusterName"], usable=True)
        if cluster.access_config["authenticationMode"] == "CONFIG_MAP":
            raise AwsError(
                "InvalidRequestException",
                "The cluster's authentication mode must be set to one of "
                "[API, API_AND_CONFIG_MAP] to perform this operation.",
                clusterName=cluster.name,
            )
        return cluster

    def _access_entry(self, call: Call) -> AccessEntry:
        self._cluster(call, call.params["clusterName"])
        entry = self.state(call).access_entries.get((call.params["clusterName"], call.params["principalArn"]))
        if entry is None:
            raise AwsError(
                "ResourceNotFoundException",
                "The specified principalArn could not be found. "
                "You can view your available access entries with 'list-access-entries'.",
                clusterName=call.params["clusterName"],
            )
        return entry

    @staticmethod
    def _check_groups(kind: str, groups: list[str]) -> None:
        if groups and kind != "STANDARD":
            raise AwsError(
                "InvalidParameterException", f"kubernetesGroups can only be set on STANDARD access entries, not {kind}"
            )
        for group in groups:
            if group.startswith("system:"):
                raise AwsError(
                    "InvalidParameterException",
                    f"The kubernetes group name {group} is invalid, it cannot start with system:",
                )

    @operation("CreateAccessEntry")
    def create_access_entry(self, call: Call) -> Any:
        p = call.params
        cluster = self._access_cluster(call)
        principal, kind = p["principalArn"], p.get("type", "STANDARD")
        # AWS's own words for each refusal.
        if not PRINCIPAL_ARN.match(principal):
            raise AwsError("InvalidParameterException", "The principalArn parameter format is not valid")
        if "/aws-service-role/" in principal:
            raise AwsError(
                "InvalidParameterException",
                "The caller is not allowed to modify access entries with a principalArn value of a Service Linked Role",
            )
        iam = call.backend("iam")
        if principal not in [*(r.arn for r in iam.roles.values()), *(u.arn for u in iam.users.values())]:
            raise AwsError("InvalidParameterException", "The specified principalArn is invalid: invalid principal.")
        if kind not in ACCESS_ENTRY_TYPES:
            raise AwsError("InvalidParameterException", f"The access entry type {kind} is not valid")
        groups = p.get("kubernetesGroups", [])
        self._check_groups(kind, groups)

        def create() -> Any:
            if (cluster.name, principal) in self.state(call).access_entries:
                raise AwsError(
                    "ResourceInUseException",
                    "The specified access entry resource is already in use on this cluster.",
                    clusterName=cluster.name,
                )
            entry = self._new_access_entry(
                call, cluster.name, principal, kind, groups, p.get("username"), p.get("tags", {})
            )
            return {"accessEntry": entry}

        return self.idempotent(call, "clientRequestToken", create)

    @operation("DescribeAccessEntry")
    def describe_access_entry(self, call: Call) -> Any:
        return {"accessEntry": self._access_entry(call)}

    @operation("ListAccessEntries")
    def list_access_entries(self, call: Call) -> Any:
        p = call.params
        self._cluster(call, p["clusterName"])
        entries = [e for (c, _), e in self.state(call).access_entries.items() if c == p["clusterName"]]
        if p.get("associatedPolicyArn"):
            entries = [e for e in entries if p["associatedPolicyArn"] in e.policies]
        page, token = paginate([e.principal_arn for e in entries], p.get("maxResults"), p.get("nextToken"))
        return {"accessEntries": page, "nextToken": token}

    @operation("UpdateAccessEntry")
    def update_access_entry(self, call: Call) -> Any:
        entry = self._access_entry(call)
        p = call.params
        if "kubernetesGroups" in p:
            self._check_groups(entry.type, p["kubernetesGroups"])
            entry.kubernetes_groups = p["kubernetesGroups"]
        if "username" in p:
            entry.username = p["username"]
        entry.modified_at = utcnow()
        return {"accessEntry": entry}

    @operation("DeleteAccessEntry")
    def delete_access_entry(self, call: Call) -> Any:
        entry = self._access_entry(call)
        del self.state(call).access_entries[(entry.cluster_name, entry.principal_arn)]
        return {}

    @operation("AssociateAccessPolicy")
    def associate_access_policy(self, call: Call) -> Any:
        p = call.params
        entry = self._access_entry(call)
        names = [catalogue.ACCESS_POLICY_ARN.format(n) for n in catalogue.ACCESS_POLICY_NAMES]
        if p["policyArn"] not in names:
            raise AwsError(
                "ResourceNotFoundException",
                f"The specified policy {p['policyArn']} could not be found.",
                clusterName=entry.cluster_name,
            )
        auto_node = p["policyArn"] == catalogue.AUTO_NODE_POLICY_ARN
        if entry.type == "EC2" and not auto_node:
            raise AwsError(
                "InvalidRequestException",
                "Only AmazonEKSAutoNodePolicy can be associated with EC2 access entries",
                clusterName=entry.cluster_name,
            )
        if entry.type != "EC2" and (auto_node or entry.type != "STANDARD"):
            raise AwsError(
                "InvalidRequestException",
                "Access policies can only be associated with STANDARD access entries"
                + (" (AmazonEKSAutoNodePolicy with EC2 ones)" if auto_node else ""),
                clusterName=entry.cluster_name,
            )
        scope = p["accessScope"]
        namespaces = scope.get("namespaces", [])
        if scope.get("type") == "namespace" and not namespaces:
            raise AwsError("InvalidParameterException", "namespaces must be specified for a namespace access scope")
        if scope.get("type") == "cluster" and namespaces:
            raise AwsError("InvalidParameterException", "namespaces cannot be specified for a cluster access scope")
        now = utcnow()
        previous = entry.policies.get(p["policyArn"])
        association = {
            "policyArn": p["policyArn"],
            "accessScope": {"type": scope.get("type"), "namespaces": namespaces},
            "associatedAt": previous["associatedAt"] if previous else now,
            "modifiedAt": now,
        }
        entry.policies[p["policyArn"]] = association
        return {
            "clusterName": entry.cluster_name,
            "principalArn": entry.principal_arn,
            "associatedAccessPolicy": association,
        }

    @operation("DisassociateAccessPolicy")
    def disassociate_access_policy(self, call: Call) -> Any:
        entry = self._access_entry(call)
        if entry.policies.pop(call.params["policyArn"], None) is None:
            raise AwsError(
                "ResourceNotFoundException",
                f"The policy {call.params['policyArn']} is not associated with {entry.principal_arn}",
                clusterName=entry.cluster_name,
            )
        return {}

    @operation("ListAssociatedAccessPolicies")
    def list_associated_access_policies(self, call: Call) -> Any:
        entry = self._access_entry(call)
        page, token = paginate(
            list(entry.policies.values()), call.params.get("maxResults"), call.params.get("nextToken")
        )
        return {
            "clusterName": entry.cluster_name,
            "principalArn": entry.principal_arn,
            "associatedAccessPolicies": page,
            "nextToken": token,
        }

    @operation("ListAccessPolicies")
    def list_access_policies(self, call: Call) -> Any:
        policies = [{"name": n, "arn": catalogue.ACCESS_POLICY_ARN.format(n)} for n in catalogue.ACCESS_POLICY_NAMES]
        page, token = paginate(policies, call.params.get("maxResults"), call.params.get("nextToken"))
        return {"accessPolicies": page, "nextToken": token}

    # ------------------------------------------------------------ add-ons

    def _addon(self, call: Call) -> Addon:
        cluster = self._cluster(call, call.params["clusterName"])
        addon = self.state(call).addons.get((cluster.name, call.params["addonName"]))
        if addon is None:
            raise AwsError(
                "ResourceNotFoundException",
                f"No addon: {call.params['addonName']} found in cluster: {cluster.name}",
                clusterName=cluster.name,
                addonName=call.params["addonName"],
            )
        return self._health(addon, cluster)

    def _health(self, addon: Addon, cluster: Any) -> Addon:
        """An add-on whose pods need nodes is DEGRADED while the cluster has none, ACTIVE once it has."""
        if addon.status in ("ACTIVE", "DEGRADED") and addon.addon_name in catalogue.NEEDS_NODES:
            healthy = self.has_nodes(cluster)
            addon.status = "ACTIVE" if healthy else "DEGRADED"
            addon.health = {"issues": [] if healthy else [dict(REPLICAS_ISSUE)]}
        return addon

    @staticmethod
    def _check_configuration(values: str | None) -> None:
        if values is None:
            return
        try:
            parsed = yaml.safe_load(values)
        except yaml.YAMLError as e:
            raise AwsError("InvalidParameterException", f"configurationValues is not valid JSON or YAML: {e}") from None
        if parsed is not None and not isinstance(parsed, dict):
            raise AwsError("InvalidParameterException", "configurationValues must be a JSON or YAML object")

    def _check_addon_version(self, name: str, version: str, cluster: Any) -> None:
        if not catalogue.is_compatible(name, version, cluster.version):
            raise AwsError(
                "InvalidParameterException",
                f"Addon version specified is not supported: {name} {version} on Kubernetes {cluster.version}",
                clusterName=cluster.name,
                addonName=name,
            )

    def _addon_pod_identities(self, call: Call, addon: Addon, cluster: Any, specs: list[dict]) -> None:
        """Replaces the pod identity associations the add-on owns."""
        state = self.state(call)
        for association_id in [
            a.association_id for a in state.pod_identities.values() if a.owner_arn == addon.addon_arn
        ]:
            del state.pod_identities[association_id]
        namespace = (addon.namespace_config or {}).get("namespace", "kube-system")
        addon.pod_identity_associations = [
            self._new_pod_identity(
                call, cluster.name, namespace, spec["serviceAccount"], spec["roleArn"], {}, addon.addon_arn
            ).association_arn
            for spec in specs
        ]

    @operation("CreateAddon")
    def create_addon(self, call: Call) -> Any:
        p = call.params
        cluster = self._cluster(call, p["clusterName"], usable=True)
        name = p["addonName"]
        if name not in catalogue.ADDONS:
            raise AwsError(
                "InvalidParameterException",
                f"Addon {name} specified is not supported",
                clusterName=cluster.name,
                addonName=name,
            )
        version = p.get("addonVersion") or catalogue.default_version(name, cluster.version)
        self._check_addon_version(name, version, cluster)
        self._check_configuration(p.get("configurationValues"))
        for spec in p.get("podIdentityAssociations", []):
            self._require_pod_role(call, spec["roleArn"])

        def create() -> Any:
            state = self.state(call)
            if (cluster.name, name) in state.addons:
                raise AwsError(
                    "ResourceInUseException", "Addon already exists.", clusterName=cluster.name, addonName=name
                )
            addon = Addon(
                addon_name=name,
                cluster_name=cluster.name,
                addon_version=version,
                addon_arn=call.arn("eks", f"addon/{cluster.name}/{name}/{new_uuid()}"),
                tags=p.get("tags", {}),
                service_account_role_arn=p.get("serviceAccountRoleArn"),
                configuration_values=p.get("configurationValues"),
                namespace_config=p.get("namespaceConfig"),
            )
            state.addons[(cluster.name, name)] = addon
            self._addon_pod_identities(call, addon, cluster, p.get("podIdentityAssociations", []))

            def activate() -> None:
                if addon.status == "CREATING":
                    addon.status = "ACTIVE"
                    self._health(addon, cluster)

            call.later("eks:addon", activate)
            return {"addon": addon}

        return self.idempotent(call, "clientRequestToken", create)

    @operation("DescribeAddon")
    def describe_addon(self, call: Call) -> Any:
        return {"addon": self._addon(call)}

    @operation("ListAddons")
    def list_addons(self, call: Call) -> Any:
        p = call.params
        self._cluster(call, p["clusterName"])
        names = [n for (c, n) in self.state(call).addons if c == p["clusterName"]]
        page, token = paginate(names, p.get("maxResults"), p.get("nextToken"))
        return {"addons": page, "nextToken": token}

    @operation("UpdateAddon")
    def update_addon(self, call: Call) -> Any:
        p = call.params
        addon = self._addon(call)
        cluster = self._cluster(call, p["clusterName"])
        if addon.status not in ("ACTIVE", "DEGRADED"):
            raise AwsError(
                "ResourceInUseException",
                f"Addon {addon.addon_name} is {addon.status}; updates need it ACTIVE",
                clusterName=cluster.name,
                addonName=addon.addon_name,
            )
        version = p.get("addonVersion", addon.addon_version)
        self._check_addon_version(addon.addon_name, version, cluster)
        if catalogue.version_tuple(version) < catalogue.version_tuple(addon.addon_version):
            raise AwsError(
                "InvalidParameterException",
                f"Updating addon {addon.addon_name} from {addon.addon_version} to the older {version} is not supported",
                clusterName=cluster.name,
                addonName=addon.addon_name,
            )
        self._check_configuration(p.get("configurationValues"))
        for spec in p.get("podIdentityAssociations", []):
            self._require_pod_role(call, spec["roleArn"])
        names = {
            "addonVersion": "AddonVersion",
            "serviceAccountRoleArn": "ServiceAccountRoleArn",
            "resolveConflicts": "ResolveConflicts",
            "configurationValues": "ConfigurationValues",
        }
        params = [{"type": kind, "value": p[member]} for member, kind in names.items() if member in p]
        if "podIdentityAssociations" in p:
            params.append({"type": "PodIdentityAssociations", "value": json.dumps(p["podIdentityAssociations"])})
        update = self._update(call, "AddonUpdate", params, cluster.name, addon=addon.addon_name)
        addon.status = "UPDATING"

        def finish() -> None:
            addon.addon_version = version
            if "serviceAccountRoleArn" in p:
                addon.service_account_role_arn = p["serviceAccountRoleArn"] or None
            if "configurationValues" in p:
                addon.configuration_values = p["configurationValues"] or None
            if "podIdentityAssociations" in p:
                self._addon_pod_identities(call, addon, cluster, p["podIdentityAssociations"])
            addon.modified_at = utcnow()
            update.status = "Successful"
            if addon.status == "UPDATING":
                addon.status = "ACTIVE"
                self._health(addon, cluster)

        call.later("eks:addon", finish)
        return {"update": update}

    @operation("DeleteAddon")
    def delete_addon(self, call: Call) -> Any:
        addon = self._addon(call)
        if addon.status != "DELETING":
            addon.status = "DELETING"

            def remove() -> None:
                state = self.state(call)
                if state.addons.get((addon.cluster_name, addon.addon_name)) is addon:
                    del state.addons[(addon.cluster_name, addon.addon_name)]
                    for association_id in [
                        a.association_id for a in state.pod_identities.values() if a.owner_arn == addon.addon_arn
                    ]:
                        del state.pod_identities[association_id]

            call.later("eks:addon", remove)
        return {"addon": addon}

    @operation("DescribeAddonVersions")
    def describe_addon_versions(self, call: Call) -> Any:
        p = call.params
        addons = catalogue.addon_versions(p.get("kubernetesVersion"), p.get("addonName"), p.get("types"))
        if p.get("owners") and "aws" not in p["owners"] or p.get("publishers") and "eks" not in p["publishers"]:
            addons = []
        page, token = paginate(addons, p.get("maxResults"), p.get("nextToken"))
        return {"addons": page, "nextToken": token}

    # ------------------------------------------------------------ pod identity associations

    def _new_pod_identity(
        self,
        call: Call,
        cluster: str,
        namespace: str,
        service_account: str,
        role_arn: str,
        tags: dict,
        owner_arn: str | None = None,
    ) -> PodIdentityAssociation:
        state = self.state(call)
        for other in state.pod_identities.values():
            if (other.cluster_name, other.namespace, other.service_account) == (cluster, namespace, service_account):
                raise AwsError(
                    "ResourceInUseException", f"Association already exists: {other.association_id}", clusterName=cluster
                )
        association_id = "a-" + random_id(17)
        association = PodIdentityAssociation(
            cluster_name=cluster,
            namespace=namespace,
            service_account=service_account,
            role_arn=role_arn,
            association_id=association_id,
            association_arn=call.arn("eks", f"podidentityassociation/{cluster}/{association_id}"),
            tags=tags,
            owner_arn=owner_arn,
        )
        state.pod_identities[association_id] = association
        return association

    def _pod_identity(self, call: Call) -> PodIdentityAssociation:
        self._cluster(call, call.params["clusterName"])
        association = self.state(call).pod_identities.get(call.params["associationId"])
        if association is None or association.cluster_name != call.params["clusterName"]:
            raise AwsError(
                "ResourceNotFoundException",
                f"No association found for id: {call.params['associationId']}",
                clusterName=call.params["clusterName"],
            )
        return association

    def _apply_target_role(self, association: PodIdentityAssociation, target_role_arn: str | None) -> None:
        association.target_role_arn = target_role_arn or None
        association.external_id = new_uuid() if association.target_role_arn else None

    @operation("CreatePodIdentityAssociation")
    def create_pod_identity_association(self, call: Call) -> Any:
        p = call.params
        cluster = self._cluster(call, p["clusterName"], usable=True)
        self._require_pod_role(call, p["roleArn"])

        def create() -> Any:
            association = self._new_pod_identity(
                call, cluster.name, p["namespace"], p["serviceAccount"], p["roleArn"], p.get("tags", {})
            )
            association.disable_session_tags = p.get("disableSessionTags", False)
            association.policy = p.get("policy")
            self._apply_target_role(association, p.get("targetRoleArn"))
            return {"association": association}

        return self.idempotent(call, "clientRequestToken", create)

    @operation("DescribePodIdentityAssociation")
    def describe_pod_identity_association(self, call: Call) -> Any:
        return {"association": self._pod_identity(call)}

    @operation("ListPodIdentityAssociations")
    def list_pod_identity_associations(self, call: Call) -> Any:
        p = call.params
        self._cluster(call, p["clusterName"])
        found = [
            a
            for a in self.state(call).pod_identities.values()
            if a.cluster_name == p["clusterName"]
            and p.get("namespace") in (None, a.namespace)
            and p.get("serviceAccount") in (None, a.service_account)
        ]
        page, token = paginate(found, p.get("maxResults"), p.get("nextToken"))
        summaries = [
            {
                "clusterName": a.cluster_name,
                "namespace": a.namespace,
                "serviceAccount": a.service_account,
                "associationArn": a.association_arn,
                "associationId": a.association_id,
                "ownerArn": a.owner_arn,
            }
            for a in page
        ]
        return {"associations": summaries, "nextToken": token}

    @operation("UpdatePodIdentityAssociation")
    def update_pod_identity_association(self, call: Call) -> Any:
        p = call.params
        association = self._pod_identity(call)
        if "roleArn" in p:
            self._require_pod_role(call, p["roleArn"])
            association.role_arn = p["roleArn"]
        if "disableSessionTags" in p:
            association.disable_session_tags = p["disableSessionTags"]
        if "policy" in p:
            association.policy = p["policy"] or None
        if "targetRoleArn" in p:
            self._apply_target_role(association, p["targetRoleArn"])
        association.modified_at = utcnow()
        return {"association": association}

    @operation("DeletePodIdentityAssociation")
    def delete_pod_identity_association(self, call: Call) -> Any:
        association = self._pod_identity(call)
        del self.state(call).pod_identities[association.association_id]
        return {"association": association}

    # ------------------------------------------------------------ tags

    def _tagged(self, call: Call, arn: str) -> Any:
        """Any EKS resource by ARN: moto's clusters and nodegroups or our own objects."""
        for cluster in call.backend("eks").clusters.values():
            if cluster.arn == arn:
                return cluster
            for nodegroup in cluster.nodegroups.values():
                if nodegroup.arn == arn:
                    return nodegroup
        state = self.state(call)
        for item in (*state.addons.values(), *state.access_entries.values(), *state.pod_identities.values()):
            if arn in (
                getattr(item, "addon_arn", None),
                getattr(item, "access_entry_arn", None),
                getattr(item, "association_arn", None),
            ):
                return item
        raise AwsError("NotFoundException", f"Resource was not found: {arn}")

    @operation("TagResource")
    def tag_resource(self, call: Call) -> Any:
        self._tagged(call, call.params["resourceArn"]).tags.update(call.params["tags"])
        return {}

    @operation("UntagResource")
    def untag_resource(self, call: Call) -> Any:
        tags = self._tagged(call, call.params["resourceArn"]).tags
        for key in call.params["tagKeys"]:
            tags.pop(key, None)
        return {}

    @operation("ListTagsForResource")
    def list_tags_for_resource(self, call: Call) -> Any:
        return {"tags": self._tagged(call, call.params["resourceArn"]).tags}

    # ------------------------------------------------------------ admin

    def cluster_state(self, cluster: Any) -> EksState | None:
        """The extension's state (access entries, ...) of the account and region holding `cluster`."""
        parts = cluster.arn.split(":")
        return self._states.get((parts[4], parts[3]))

    def find_cluster(self, name: str) -> Any:
        """The EKS cluster of that name in any account and region, or None."""
        from moto.eks.models import eks_backends

        for per_account in eks_backends.values():
            for backend in per_account.values():
                if name in backend.clusters:
                    return backend.clusters[name]
        return None

    def inventory(self) -> dict[str, list[str]]:
        from moto.eks.models import eks_backends

        out: dict[str, list[str]] = {}
        for per_account in eks_backends.values():
            for backend in per_account.values():
                for cluster in backend.clusters.values():
                    out.setdefault("eks:cluster", []).append(cluster.name)
                    out.setdefault("eks:nodegroup", []).extend(f"{cluster.name}/{n}" for n in cluster.nodegroups)
        for state in self.states():
            out.setdefault("eks:access-entry", []).extend(f"{c}/{p}" for c, p in state.access_entries)
            out.setdefault("eks:addon", []).extend(f"{c}/{n}" for c, n in state.addons)
            out.setdefault("eks:pod-identity-association", []).extend(
                f"{a.cluster_name}/{a.association_id}" for a in state.pod_identities.values()
            )
        return out
