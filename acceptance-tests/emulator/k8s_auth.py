"""Who a Kubernetes request comes from, and what EKS lets them do.

Authentication, as EKS's authenticator does it: the bearer token is
`k8s-aws-v1.` + base64url of a presigned STS GetCallerIdentity URL. The
signature is computed again (SigV4, with the secret the emulator knows for
the access key: moto's IAM access keys and STS session credentials, and
`testing` for any other key, the convention of moto's fake credentials),
with `x-k8s-aws-id` bound to the cluster being called when it is a signed
header; `X-Amz-Expires` may not exceed 900 seconds, and the token expires
15 minutes after it was signed whatever that parameter says (STS does not
honour it on presigned GetCallerIdentity URLs: `aws eks get-token` signs
with 60 and announces 14 minutes). The principal is the caller STS reports for the key, an
assumed-role session standing for its role. Any failure is 401.

Authorization, as EKS maps principals: an access entry (API and
API_AND_CONFIG_MAP modes), else the `aws-auth` ConfigMap's mapRoles and
mapUsers (CONFIG_MAP and API_AND_CONFIG_MAP), else the cluster creator
when the cluster was made with bootstrapClusterCreatorAdminPermissions in
CONFIG_MAP mode; a principal none of them names gets 401. A mapped one is
allowed what its access policies allow within their scope
(AmazonEKSClusterAdminPolicy, AmazonEKSAdminPolicy, AmazonEKSEditPolicy,
AmazonEKSViewPolicy, AmazonEKSAdminViewPolicy) and what RBAC bindings held
in the cluster grant its username or groups (`system:masters` is all);
otherwise 403.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
from dataclasses import dataclass, field
from datetime import datetime, timedelta, UTC
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qsl, quote, urlsplit

import yaml
from moto.backends import get_backend
from moto.iam.models import get_account_id_from

if TYPE_CHECKING:
    from .k8s import ClusterStore

TOKEN_PREFIX = "k8s-aws-v1."
MAX_EXPIRES = 900  # seconds: what the EKS authenticator accepts
CLOCK_SKEW = timedelta(minutes=5)
DEFAULT_SECRET = "testing"  # of every access key moto did not issue
EMPTY_SHA256 = hashlib.sha256(b"").hexdigest()
POLICY_ARN = "arn:aws:eks::aws:cluster-access-policy/"

READ = ("get", "list", "watch")
WRITE = ("create", "update", "patch", "delete", "deletecollection")
RBAC_KINDS = ("roles", "rolebindings", "clusterroles", "clusterrolebindings")


class Unauthorized(Exception):
    pass


@dataclass
class Identity:
    principal_arn: str  # the IAM role or user
    caller_arn: str  # as STS reports it (an assumed-role session for a role)
    username: str = ""
    groups: list[str] = field(default_factory=list)
    policies: list[dict] = field(default_factory=list)  # associated access policies


def decode_token(authorization: str) -> tuple[str, dict[str, str]]:
    """The presigned URL of an EKS bearer token and its query parameters."""
    if not authorization.startswith("Bearer " + TOKEN_PREFIX):
        raise Unauthorized("not an EKS token")
    encoded = authorization[len("Bearer " + TOKEN_PREFIX) :].strip()
    try:
        url = base64.urlsafe_b64decode(encoded + "=" * (-len(encoded) % 4)).decode()
    except ValueError:
        raise Unauthorized("the token is not base64url") from None
    query = dict(parse_qsl(urlsplit(url).query, keep_blank_values=True))
    needed = {"X-Amz-Credential", "X-Amz-Date", "X-Amz-Signature", "X-Amz-SignedHeaders", "X-Amz-Expires"}
    if query.get("Action") != "GetCallerIdentity" or not needed <= set(query):
        raise Unauthorized("the token is not a presigned GetCallerIdentity URL")
    return url, query


def _secret(access_key: str) -> str:
    """The secret the emulator knows for an access key."""
    account = get_account_id_from(access_key)
    for assumed in get_backend("sts")[account]["aws"].assumed_roles:
        if assumed.access_key_id == access_key:
            return assumed.secret_access_key
    iam = get_backend("iam")[account]["aws"]
    key = iam.access_keys.get(access_key) if hasattr(iam, "access_keys") else None
    if key is not None:
        return key.secret_access_key
    return DEFAULT_SECRET


def _sign(key: bytes, message: str) -> bytes:
    return hmac.new(key, message.encode(), hashlib.sha256).digest()


def _canonical_query(pairs: list[tuple[str, str]]) -> str:
    encoded = sorted((quote(k, safe="-_.~"), quote(v, safe="-_.~")) for k, v in pairs)
    return "&".join(f"{k}={v}" for k, v in encoded)


def verify(url: str, query: dict[str, str], cluster: str) -> str:
    """Checks the token's signature, expiry and date; returns its access key."""
    parts = urlsplit(url)
    try:
        signed_at = datetime.strptime(query["X-Amz-Date"], "%Y%m%dT%H%M%SZ").replace(tzinfo=UTC)
        expires = int(query["X-Amz-Expires"])
    except ValueError:
        raise Unauthorized("bad X-Amz-Date or X-Amz-Expires") from None
    now = datetime.now(UTC)
    if not 0 < expires <= MAX_EXPIRES:
        raise Unauthorized(f"X-Amz-Expires must be between 1 and {MAX_EXPIRES}")
    if now > signed_at + timedelta(seconds=MAX_EXPIRES):
        raise Unauthorized("the token has expired")
    if signed_at > now + CLOCK_SKEW:
        raise Unauthorized("the token is dated in the future")
    credential = query["X-Amz-Credential"].split("/")
    if len(credential) != 5 or credential[3] != "sts" or credential[4] != "aws4_request":
        raise Unauthorized("the token is not signed for STS")
    access_key, date, region = credential[0], credential[1], credential[2]
    if date != query["X-Amz-Date"][:8]:
        raise Unauthorized("the credential scope's date is not the signature's")
    signed_headers = query["X-Amz-SignedHeaders"].split(";")
    header_values = {"host": parts.netloc, "x-k8s-aws-id": cluster}
    if any(h not in header_values for h in signed_headers):
        raise Unauthorized("the token signs headers EKS does not send")
    canonical_headers = "".join(f"{h}:{header_values[h]}\n" for h in signed_headers)
    pairs = [(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if k != "X-Amz-Signature"]
    candidates = [pairs]
    if any(k == "x-k8s-aws-id" for k, _ in pairs):
        # Routing at the root: the cluster named after signing (see k8s.py).
        candidates.append([(k, v) for k, v in pairs if k != "x-k8s-aws-id"])
    key = _sign(("AWS4" + _secret(access_key)).encode(), date)
    key = _sign(_sign(_sign(key, region), "sts"), "aws4_request")
    scope = "/".join(credential[1:])
    for candidate in candidates:
        for payload in (EMPTY_SHA256, "UNSIGNED-PAYLOAD"):
            canonical = "\n".join(
                ["GET", parts.path or "/", _canonical_query(candidate), canonical_headers, ";".join(signed_headers), payload]
            )
            to_sign = "\n".join(
                ["AWS4-HMAC-SHA256", query["X-Amz-Date"], scope, hashlib.sha256(canonical.encode()).hexdigest()]
            )
            if hmac.compare_digest(hmac.new(key, to_sign.encode(), hashlib.sha256).hexdigest(), query["X-Amz-Signature"]):
                return access_key
    raise Unauthorized("the token's signature does not match")


def caller(access_key: str) -> tuple[str, str]:
    """(the caller ARN STS reports for the key, the IAM principal it stands for)."""
    account = get_account_id_from(access_key)
    sts = get_backend("sts")[account]["aws"]
    for assumed in sts.assumed_roles:
        if assumed.access_key_id == access_key:
            return assumed.arn, assumed.role_arn
    _, arn, _ = sts.get_caller_identity(access_key, "us-east-1")
    match = re.match(r"^arn:(aws[a-z-]*):sts::(\d{12}):user/(.+)$", arn)
    return arn, (f"arn:{match[1]}:iam::{match[2]}:user/{match[3]}" if match else arn)


def _without_path(arn: str) -> str:
    """arn:aws:iam::1:role/a/b/name -> arn:aws:iam::1:role/name (how aws-auth names roles)."""
    return re.sub(r"^(arn:[^:]+:iam::\d{12}:(?:role|user)/)(?:.*/)?([^/]+)$", r"\1\2", arn)


def identity(cluster: Any, eks_state: Any, store: ClusterStore, principal: str, caller_arn: str) -> Identity | None:
    """How EKS maps `principal` into the cluster, or None (401)."""
    mode = cluster.access_config.get("authenticationMode", "CONFIG_MAP")
    if mode != "CONFIG_MAP":
        entry = eks_state.access_entries.get((cluster.name, principal)) if eks_state else None
        if entry is not None:
            session = caller_arn.rsplit("/", 1)[-1]
            username = entry.username.replace("{{SessionName}}", session).replace("{{SessionNameRaw}}", session)
            groups = list(entry.kubernetes_groups)
            if entry.type.startswith("EC2"):
                groups.append("system:nodes")
            return Identity(principal, caller_arn, username, groups, list(entry.policies.values()))
    if mode != "API":
        mapped = _aws_auth(store, principal)
        if mapped is not None:
            return Identity(principal, caller_arn, *mapped)
        if getattr(cluster, "creator_arn", None) == principal and mode == "CONFIG_MAP" and cluster.access_config.get(
            "bootstrapClusterCreatorAdminPermissions", True
        ):
            return Identity(principal, caller_arn, "kubernetes-admin", ["system:masters"])
    return None


def _aws_auth(store: ClusterStore, principal: str) -> tuple[str, list[str]] | None:
    config = store.objects.get(("configmaps", "kube-system", "aws-auth"))
    if config is None:
        return None
    data = config.get("data") or {}
    for field_name, arn_key in (("mapRoles", "rolearn"), ("mapUsers", "userarn")):
        try:
            entries = yaml.safe_load(data.get(field_name) or "[]") or []
        except yaml.YAMLError:
            continue
        for entry in entries if isinstance(entries, list) else []:
            if isinstance(entry, dict) and entry.get(arn_key) in (principal, _without_path(principal)):
                return str(entry.get("username", principal)), list(entry.get("groups") or [])
    return None


# ---------------------------------------------------------------- authorization

# What each access policy allows: (verbs, resources it excludes, whether it reaches cluster-scoped kinds).
ACCESS_POLICIES = {
    "AmazonEKSClusterAdminPolicy": ("*", (), True),
    "AmazonEKSAdminPolicy": ("*", ("clusterroles", "clusterrolebindings"), False),
    "AmazonEKSEditPolicy": (READ + WRITE, RBAC_KINDS, False),
    "AmazonEKSViewPolicy": (READ, ("secrets",), False),
    "AmazonEKSAdminViewPolicy": (READ, (), True),
}


def allowed(ident: Identity, store: ClusterStore, verb: str, group: str, plural: str, namespace: str | None, name: str | None) -> bool:
    if "system:masters" in ident.groups:
        return True
    for association in ident.policies:
        if _policy_allows(association, verb, plural, namespace, name):
            return True
    return _rbac_allows(ident, store, verb, group, plural, namespace, name)


def _policy_allows(association: dict, verb: str, plural: str, namespace: str | None, name: str | None) -> bool:
    policy = association["policyArn"].removeprefix(POLICY_ARN)
    if policy not in ACCESS_POLICIES:
        return False
    verbs, excluded, cluster_scoped_writes = ACCESS_POLICIES[policy]
    if verbs != "*" and verb not in verbs:
        return False
    if plural in excluded:
        return False
    scope = association.get("accessScope") or {}
    namespaces = scope.get("namespaces") or []
    if plural == "namespaces":
        # Every policy reads namespaces (a namespace scope, only its own); only
        # cluster-wide administration makes or deletes them.
        if verb in READ:
            return scope.get("type") == "cluster" or (name is not None and name in namespaces)
        return scope.get("type") == "cluster" and cluster_scoped_writes and verbs == "*"
    if namespace is None:  # a cluster-scoped kind
        return scope.get("type") == "cluster" and (cluster_scoped_writes or verb in READ and policy != "AmazonEKSViewPolicy")
    return scope.get("type") == "cluster" or namespace in namespaces


def _rule_allows(rule: dict, verb: str, group: str, plural: str, name: str | None) -> bool:
    def matches(values: Any, value: str) -> bool:
        return isinstance(values, list) and ("*" in values or value in values)

    if not (matches(rule.get("verbs"), verb) and matches(rule.get("apiGroups"), group)):
        return False
    if not matches(rule.get("resources"), plural):
        return False
    names = rule.get("resourceNames")
    return not names or (name is not None and name in names)


def _rbac_allows(ident: Identity, store: ClusterStore, verb: str, group: str, plural: str, namespace: str | None, name: str | None) -> bool:
    def bound(binding: dict) -> bool:
        for subject in binding.get("subjects") or []:
            if subject.get("kind") == "Group" and subject.get("name") in ident.groups:
                return True
            if subject.get("kind") == "User" and subject.get("name") == ident.username:
                return True
        return False

    def rules(ref: dict, binding_namespace: str | None) -> list[dict]:
        kind = "clusterroles" if ref.get("kind") == "ClusterRole" else "roles"
        role_namespace = (binding_namespace or "") if kind == "roles" else ""
        role = store.objects.get((kind, role_namespace, ref.get("name", "")))
        return (role or {}).get("rules") or []

    for (plural_key, ns, _), binding in store.objects.items():
        if plural_key == "clusterrolebindings" and bound(binding):
            if any(_rule_allows(r, verb, group, plural, name) for r in rules(binding.get("roleRef") or {}, None)):
                return True
        if plural_key == "rolebindings" and namespace is not None and ns == namespace and bound(binding):
            if any(_rule_allows(r, verb, group, plural, name) for r in rules(binding.get("roleRef") or {}, ns)):
                return True
    return False
