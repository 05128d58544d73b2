"""Static EKS data: supported Kubernetes versions, the add-on catalogue that
DescribeAddonVersions serves, and the cluster access policies."""

from __future__ import annotations

import re

KUBERNETES_VERSIONS = ("1.29", "1.30", "1.31", "1.32", "1.33")
DEFAULT_KUBERNETES_VERSION = "1.33"

# name -> (type, requiresIamPermissions, [(version, first k8s, last k8s)], {k8s: default version}).
# Versions are listed newest first, as DescribeAddonVersions returns them.
_ALL = dict.fromkeys(KUBERNETES_VERSIONS)
ADDONS: dict[str, tuple[str, bool, list[tuple[str, str, str]], dict[str, str]]] = {
    "vpc-cni": (
        "networking",
        True,
        [
            ("v1.20.4-eksbuild.1", "1.29", "1.33"),
            ("v1.19.6-eksbuild.7", "1.29", "1.33"),
            ("v1.18.6-eksbuild.1", "1.29", "1.31"),
        ],
        {k: "v1.19.6-eksbuild.7" for k in _ALL},
    ),
    "coredns": (
        "networking",
        False,
        [
            ("v1.12.1-eksbuild.2", "1.33", "1.33"),
            ("v1.11.4-eksbuild.14", "1.32", "1.33"),
            ("v1.11.3-eksbuild.2", "1.29", "1.31"),
            ("v1.11.1-eksbuild.13", "1.29", "1.29"),
        ],
        {
            "1.29": "v1.11.1-eksbuild.13",
            "1.30": "v1.11.3-eksbuild.2",
            "1.31": "v1.11.3-eksbuild.2",
            "1.32": "v1.11.4-eksbuild.14",
            "1.33": "v1.12.1-eksbuild.2",
        },
    ),
    "kube-proxy": (
        "networking",
        False,
        [
            ("v1.33.0-eksbuild.2", "1.33", "1.33"),
            ("v1.32.3-eksbuild.7", "1.32", "1.32"),
            ("v1.31.7-eksbuild.7", "1.31", "1.31"),
            ("v1.30.11-eksbuild.5", "1.30", "1.30"),
            ("v1.29.15-eksbuild.5", "1.29", "1.29"),
            ("v1.29.10-eksbuild.3", "1.29", "1.29"),
        ],
        {
            "1.29": "v1.29.15-eksbuild.5",
            "1.30": "v1.30.11-eksbuild.5",
            "1.31": "v1.31.7-eksbuild.7",
            "1.32": "v1.32.3-eksbuild.7",
            "1.33": "v1.33.0-eksbuild.2",
        },
    ),
    "aws-ebs-csi-driver": (
        "storage",
        True,
        [
            ("v1.45.0-eksbuild.2", "1.29", "1.33"),
            ("v1.44.0-eksbuild.1", "1.29", "1.33"),
            ("v1.40.1-eksbuild.1", "1.29", "1.32"),
        ],
        {k: "v1.45.0-eksbuild.2" for k in _ALL},
    ),
    "eks-pod-identity-agent": (
        "security",
        False,
        [
            ("v1.3.7-eksbuild.2", "1.29", "1.33"),
            ("v1.3.4-eksbuild.1", "1.29", "1.32"),
        ],
        {k: "v1.3.7-eksbuild.2" for k in _ALL},
    ),
}

# Add-ons that run Deployments: their pods need nodes, so they are DEGRADED
# (InsufficientNumberOfReplicas) while the cluster has none. The others
# are DaemonSets, healthy with zero nodes (zero pods wanted).
NEEDS_NODES = ("coredns", "aws-ebs-csi-driver")

ACCESS_POLICY_NAMES = (
    "AmazonEKSAdminPolicy",
    "AmazonEKSAdminViewPolicy",
    "AmazonEKSClusterAdminPolicy",
    "AmazonEKSEditPolicy",
    "AmazonEKSViewPolicy",
    "AmazonEMRJobPolicy",
    "AmazonEKSSecretReaderPolicy",
    "AmazonEKSAutoNodePolicy",
)
ACCESS_POLICY_ARN = "arn:aws:eks::aws:cluster-access-policy/{}"
CLUSTER_ADMIN_POLICY_ARN = ACCESS_POLICY_ARN.format("AmazonEKSClusterAdminPolicy")
# The only access policy of an EC2 access entry: an Auto Mode node's role.
AUTO_NODE_POLICY_ARN = ACCESS_POLICY_ARN.format("AmazonEKSAutoNodePolicy")
# EKS Auto Mode's built-in node pools, the names computeConfig.nodePools accepts.
AUTO_MODE_NODE_POOLS = ("general-purpose", "system")


def _minor(version: str) -> tuple[int, ...]:
    return tuple(int(p) for p in version.split("."))


def version_tuple(addon_version: str) -> tuple[int, ...]:
    """Orders add-on versions: v1.19.6-eksbuild.7 -> (1, 19, 6, 7)."""
    return tuple(int(n) for n in re.findall(r"\d+", addon_version))


def compatible_kubernetes_versions(first: str, last: str) -> list[str]:
    return [v for v in KUBERNETES_VERSIONS if _minor(first) <= _minor(v) <= _minor(last)]


def is_compatible(addon: str, addon_version: str, kubernetes_version: str) -> bool:
    for version, first, last in ADDONS[addon][2]:
        if version == addon_version:
            return kubernetes_version in compatible_kubernetes_versions(first, last)
    return False


def default_version(addon: str, kubernetes_version: str) -> str:
    return ADDONS[addon][3][kubernetes_version]


def addon_versions(kubernetes_version: str | None, name: str | None, types: list[str] | None) -> list[dict]:
    """DescribeAddonVersions' `addons`: one entry per add-on, each compatibility
    marking whether that version is the default for that Kubernetes version."""
    out = []
    for addon, (kind, needs_iam, versions, defaults) in ADDONS.items():
        if (name and addon != name) or (types and kind not in types):
            continue
        infos = []
        for version, first, last in versions:
            k8s = compatible_kubernetes_versions(first, last)
            if kubernetes_version:
                k8s = [v for v in k8s if v == kubernetes_version]
            if not k8s:
                continue
            infos.append(
                {
                    "addonVersion": version,
                    "architecture": ["amd64", "arm64"],
                    "computeTypes": ["ec2"],
                    "compatibilities": [
                        {"clusterVersion": v, "platformVersions": ["*"], "defaultVersion": defaults[v] == version}
                        for v in k8s
                    ],
                    "requiresConfiguration": False,
                    "requiresIamPermissions": needs_iam,
                }
            )
        if infos:
            out.append(
                {
                    "addonName": addon,
                    "type": kind,
                    "addonVersions": infos,
                    "publisher": "eks",
                    "owner": "aws",
                    "defaultNamespace": "kube-system",
                }
            )
    return out


def next_minor(version: str) -> str:
    major, minor = _minor(version)
    return f"{major}.{minor + 1}"


def newer(a: str, b: str) -> bool:
    """Whether Kubernetes version a is newer than b."""
    return _minor(a) > _minor(b)
