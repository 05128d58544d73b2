"""A Kubernetes API stand-in for the EKS clusters held.

Each cluster's API is served at `/k8s/<cluster>/...` (the HTTPS `endpoint`
that DescribeCluster reports) and at the root (`/api/...`, `/apis/...`) for
tokens that name their cluster in an `x-k8s-aws-id` query parameter. Only EKS bearer
tokens are accepted: `k8s-aws-v1.` + base64url of a presigned STS
GetCallerIdentity URL, as `aws eks get-token` makes them, verified and
mapped to a principal and its permissions as EKS does (k8s_auth.py).
Objects live in one store per cluster name, created with the built-in
namespaces and roles of a fresh cluster and dropped when the EKS cluster is
deleted.
"""

from __future__ import annotations

import base64
import copy
import ipaddress
import json
import random
import re
import socket
import string
import uuid
from dataclasses import dataclass, field
from datetime import datetime, UTC
from typing import TYPE_CHECKING, Any

import yaml
from werkzeug.wrappers import Request, Response

from . import k8s_auth, k8s_auto_mode

if TYPE_CHECKING:
    from .app import Emulator

DNS_SUBDOMAIN = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$")
DNS_LABEL = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?$")


@dataclass(frozen=True)
class Kind:
    group: str
    version: str
    plural: str
    kind: str
    namespaced: bool
    # Served because a CustomResourceDefinition in the cluster defines it.
    custom: bool = False
    schema: Any = field(default=None, compare=False)

    @property
    def resource(self) -> str:
        """What the store keys the kind's objects by: the plural, for custom
        kinds too (a plural two groups define alike would share a key)."""
        return self.plural

    @property
    def api_version(self) -> str:
        return f"{self.group}/{self.version}" if self.group else self.version

    @property
    def group_version_path(self) -> str:
        return f"/apis/{self.group}/{self.version}" if self.group else f"/api/{self.version}"


RBAC = "rbac.authorization.k8s.io"
KINDS = [
    Kind("", "v1", "namespaces", "Namespace", False),
    Kind("", "v1", "serviceaccounts", "ServiceAccount", True),
    Kind("", "v1", "configmaps", "ConfigMap", True),
    Kind("", "v1", "secrets", "Secret", True),
    Kind(RBAC, "v1", "clusterroles", "ClusterRole", False),
    Kind(RBAC, "v1", "clusterrolebindings", "ClusterRoleBinding", False),
    Kind(RBAC, "v1", "roles", "Role", True),
    Kind(RBAC, "v1", "rolebindings", "RoleBinding", True),
    Kind("apps", "v1", "deployments", "Deployment", True),
    Kind("networking.k8s.io", "v1", "ingressclasses", "IngressClass", False),
    Kind("apiextensions.k8s.io", "v1", "customresourcedefinitions", "CustomResourceDefinition", False),
]
KIND_BY_PATH = {(k.group, k.version, k.plural): k for k in KINDS}
NAMESPACES = KIND_BY_PATH[("", "v1", "namespaces")]
CRDS = KIND_BY_PATH[("apiextensions.k8s.io", "v1", "customresourcedefinitions")]
SYSTEM_NAMESPACES = ("default", "kube-system", "kube-public", "kube-node-lease")
NAMESPACED = ["configmaps", "secrets", "serviceaccounts", "deployments", "pods", "services", "jobs"]
READ_VERBS = ["get", "list", "watch"]
# The built-in cluster roles, as far as the kinds served here go.
SYSTEM_CLUSTER_ROLES = {
    "cluster-admin": [{"apiGroups": ["*"], "resources": ["*"], "verbs": ["*"]}],
    "admin": [
        {"apiGroups": ["", "apps", "batch"], "resources": NAMESPACED, "verbs": ["*"]},
        {"apiGroups": ["rbac.authorization.k8s.io"], "resources": ["roles", "rolebindings"], "verbs": ["*"]},
        {"apiGroups": [""], "resources": ["namespaces"], "verbs": READ_VERBS},
    ],
    "edit": [
        {"apiGroups": ["", "apps", "batch"], "resources": NAMESPACED, "verbs": ["*"]},
        {"apiGroups": [""], "resources": ["namespaces"], "verbs": READ_VERBS},
    ],
    "view": [
        {"apiGroups": ["", "apps", "batch"], "resources": [k for k in NAMESPACED if k != "secrets"], "verbs": READ_VERBS},
        {"apiGroups": [""], "resources": ["namespaces"], "verbs": READ_VERBS},
    ],
}
VERBS = ["create", "delete", "get", "list", "patch", "update"]
SHORT_NAMES = {"namespaces": ["ns"], "serviceaccounts": ["sa"], "configmaps": ["cm"], "deployments": ["deploy"]}


class K8sError(Exception):
    def __init__(self, code: int, reason: str, message: str, details: dict | None = None):
        super().__init__(message)
        self.code, self.reason, self.message, self.details = code, reason, message, details


def _status(code: int, reason: str, message: str, details: dict | None = None) -> Response:
    body = {
        "kind": "Status",
        "apiVersion": "v1",
        "metadata": {},
        "status": "Failure",
        "message": message,
        "reason": reason,
        "code": code,
    }
    if details:
        body["details"] = details
    return _json(body, code)


def _json(body: Any, code: int = 200) -> Response:
    return Response(json.dumps(body), status=code, content_type="application/json")


def _timestamp() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _merge(target: Any, patch: Any) -> Any:
    """JSON merge patch (RFC 7386)."""
    if not isinstance(patch, dict):
        return patch
    out = dict(target) if isinstance(target, dict) else {}
    for key, value in patch.items():
        if value is None:
            out.pop(key, None)
        else:
            out[key] = _merge(out.get(key), value)
    return out


def _prune(target: Any, previous: Any, applied: Any) -> Any:
    """`target` without the fields a field manager applied before (`previous`)
    and no longer applies: what server-side apply removes."""
    if not (isinstance(target, dict) and isinstance(previous, dict) and isinstance(applied, dict)):
        return target
    out = dict(target)
    for key, value in previous.items():
        if key not in applied:
            out.pop(key, None)
        elif key in out:
            out[key] = _prune(out[key], value, applied[key])
    return out


def _details(kind: Kind, name: str) -> dict:
    details = {"name": name, "kind": kind.plural}
    if kind.group:
        details["group"] = kind.group
    return details


def token_cluster(authorization: str) -> tuple[str | None, bool]:
    """The cluster an EKS bearer token names in an `x-k8s-aws-id` query
    parameter for routing (or None), and whether it signs `x-k8s-aws-id` as a
    header (it must). Raises K8sError(401) if it is no EKS token."""
    try:
        _, query = k8s_auth.decode_token(authorization)
    except k8s_auth.Unauthorized:
        raise K8sError(401, "Unauthorized", "Unauthorized") from None
    signed_header = "x-k8s-aws-id" in query.get("X-Amz-SignedHeaders", "").split(";")
    if not signed_header:  # EKS's authenticator insists: the token must be bound to its cluster
        raise K8sError(401, "Unauthorized", "Unauthorized")
    return query.get("x-k8s-aws-id"), signed_header


VERB_BY_METHOD = {"POST": "create", "PUT": "update", "PATCH": "patch", "DELETE": "delete"}


def _forbidden(ident: k8s_auth.Identity, verb: str, kind: Kind, namespace: str | None, name: str | None) -> K8sError:
    what = f'{kind.plural} "{name}"' if name else kind.plural
    where = f'in the namespace "{namespace}"' if namespace else "at the cluster scope"
    message = (
        f'{what} is forbidden: User "{ident.username}" cannot {verb} resource "{kind.plural}" '
        f'in API group "{kind.group}" {where}'
    )
    return K8sError(403, "Forbidden", message, _details(kind, name or ""))


class ClusterStore:
    """The objects of one cluster, keyed by (plural, namespace or "", name)."""

    def __init__(self) -> None:
        self.objects: dict[tuple[str, str, str], dict] = {}
        self.system: set[tuple[str, str, str]] = set()  # built in, not created by a client
        self.applied: dict[tuple[str, str], dict] = {}  # (uid, field manager) -> its last applied configuration
        self._version = 0
        for name in SYSTEM_NAMESPACES:
            self.create(NAMESPACES, None, {"metadata": {"name": name}}, system=True)
        for name, rules in SYSTEM_CLUSTER_ROLES.items():
            role = {"metadata": {"name": name}, "rules": copy.deepcopy(rules)}
            self.create(KIND_BY_PATH[(RBAC, "v1", "clusterroles")], None, role, system=True)

    @property
    def resource_version(self) -> str:
        return str(self._version)

    def _next_version(self) -> str:
        self._version += 1
        return str(self._version)

    @staticmethod
    def _key(kind: Kind, namespace: str | None, name: str) -> tuple[str, str, str]:
        return kind.resource, namespace or "", name

    def kinds(self) -> list[Kind]:
        """The built-in kinds and those of the custom resource definitions held."""
        custom = []
        for (plural, _, _), crd in sorted(self.objects.items()):
            if plural != CRDS.plural or crd["metadata"].get("deletionTimestamp"):
                continue
            spec = crd["spec"]
            for version in spec["versions"]:
                if version.get("served", True):
                    custom.append(
                        Kind(
                            spec["group"],
                            version["name"],
                            spec["names"]["plural"],
                            spec["names"]["kind"],
                            spec["scope"] == "Namespaced",
                            custom=True,
                            schema=(version.get("schema") or {}).get("openAPIV3Schema"),
                        )
                    )
        return KINDS + custom

    def kind(self, group: str, version: str, plural: str) -> Kind | None:
        return next((k for k in self.kinds() if (k.group, k.version, k.plural) == (group, version, plural)), None)

    def get(self, kind: Kind, namespace: str | None, name: str) -> dict:
        obj = self.objects.get(self._key(kind, namespace, name))
        if obj is None:
            raise K8sError(404, "NotFound", f'{kind.plural} "{name}" not found', _details(kind, name))
        return obj

    def list(self, kind: Kind, namespace: str | None) -> list[dict]:
        return [
            o
            for (plural, ns, _), o in sorted(self.objects.items())
            if plural == kind.resource and (namespace is None or ns == namespace)
        ]

    def _check_body(self, kind: Kind, namespace: str | None, obj: Any) -> dict:
        if not isinstance(obj, dict):
            raise K8sError(400, "BadRequest", "the request body must be an object")
        if obj.get("apiVersion", kind.api_version) != kind.api_version or obj.get("kind", kind.kind) != kind.kind:
            raise K8sError(
                400,
                "BadRequest",
                f"the body is a {obj.get('apiVersion')}/{obj.get('kind')}, not a {kind.api_version}/{kind.kind}",
            )
        meta = obj.setdefault("metadata", {})
        if kind.namespaced:
            if meta.get("namespace", namespace) != namespace:
                raise K8sError(
                    400,
                    "BadRequest",
                    "the namespace of the provided object does not match the namespace sent on the request",
                )
            meta["namespace"] = namespace
        obj["apiVersion"], obj["kind"] = kind.api_version, kind.kind
        return obj

    def create(self, kind: Kind, namespace: str | None, obj: Any, system: bool = False) -> dict:
        obj = self._check_body(kind, namespace, obj)
        meta = obj["metadata"]
        if not meta.get("name") and meta.get("generateName"):
            meta["name"] = meta["generateName"] + "".join(random.choices(string.ascii_lowercase + string.digits, k=5))
        name = meta.get("name")
        pattern = DNS_LABEL if kind is NAMESPACES else DNS_SUBDOMAIN
        valid = bool(name) and (
            re.fullmatch(r"[^/%]+", name) if kind.group == RBAC else pattern.match(name) and len(name) <= 253
        )
        if not valid:
            raise K8sError(
                422,
                "Invalid",
                f'{kind.kind} "{name or ""}" is invalid: metadata.name: Invalid value',
                _details(kind, name or ""),
            )
        if kind.namespaced and self._key(NAMESPACES, None, namespace) not in self.objects:
            raise K8sError(404, "NotFound", f'namespaces "{namespace}" not found', _details(NAMESPACES, namespace))
        key = self._key(kind, namespace, name)
        if key in self.objects:
            raise K8sError(409, "AlreadyExists", f'{kind.plural} "{name}" already exists', _details(kind, name))
        meta.update(uid=str(uuid.uuid4()), creationTimestamp=_timestamp(), generation=1)
        meta.pop("deletionTimestamp", None)
        self._store(kind, key, obj)
        if system:
            self.system.add(key)
        if kind is NAMESPACES:
            # What the namespace controllers add to every new namespace.
            service_accounts = KIND_BY_PATH[("", "v1", "serviceaccounts")]
            configmaps = KIND_BY_PATH[("", "v1", "configmaps")]
            self.create(service_accounts, name, {"metadata": {"name": "default"}}, system=True)
            self.create(
                configmaps, name, {"metadata": {"name": "kube-root-ca.crt"}, "data": {"ca.crt": ""}}, system=True
            )
        self.reconcile()
        return obj

    def replace(self, kind: Kind, namespace: str | None, name: str, obj: Any) -> dict:
        current = self.get(kind, namespace, name)
        obj = self._check_body(kind, namespace, obj)
        meta = obj["metadata"]
        if meta.get("name", name) != name:
            raise K8sError(400, "BadRequest", "the name of the object does not match the name on the URL")
        if meta.get("resourceVersion") not in (None, current["metadata"]["resourceVersion"]):
            raise K8sError(
                409,
                "Conflict",
                f'Operation cannot be fulfilled on {kind.plural} "{name}": the object has been '
                "modified; please apply your changes to the latest version and try again",
                _details(kind, name),
            )
        old = current["metadata"]
        meta.update(
            name=name,
            uid=old["uid"],
            creationTimestamp=old["creationTimestamp"],
            generation=old["generation"] + (obj.get("spec") != current.get("spec")),
        )
        if old.get("deletionTimestamp"):
            meta["deletionTimestamp"] = old["deletionTimestamp"]
        key = self._key(kind, namespace, name)
        self._store(kind, key, obj)
        if meta.get("deletionTimestamp") and not meta.get("finalizers"):
            del self.objects[key]  # its last finalizer is gone: deleted now
        self.reconcile()
        return obj

    def patch(self, kind: Kind, namespace: str | None, name: str, patch: Any) -> dict:
        if not isinstance(patch, dict):
            raise K8sError(400, "BadRequest", "the patch must be an object")
        current = self.get(kind, namespace, name)
        merged = _merge(current, patch)
        merged["metadata"]["resourceVersion"] = patch.get("metadata", {}).get(
            "resourceVersion", current["metadata"]["resourceVersion"]
        )
        return self.replace(kind, namespace, name, merged)

    def apply(self, kind: Kind, namespace: str | None, name: str, config: Any, manager: str) -> tuple[dict, bool]:
        """Server-side apply by one field manager: creates the object, or merges
        the configuration into it and drops the fields this manager applied
        before and no longer does. Returns the object and whether it is new.
        (Fields are not tracked per manager otherwise: no conflicts.)"""
        if not isinstance(config, dict):
            raise K8sError(400, "BadRequest", "the apply configuration must be an object")
        if config.get("metadata", {}).get("name", name) != name:
            raise K8sError(400, "BadRequest", "the name of the object does not match the name on the URL")
        applied = copy.deepcopy(config)
        key = self._key(kind, namespace, name)
        if key not in self.objects:
            config.setdefault("metadata", {})["name"] = name
            obj, created = self.create(kind, namespace, config), True
        else:
            current = self.objects[key]
            previous = self.applied.get((current["metadata"]["uid"], manager), {})
            merged = _merge(_prune(current, previous, applied), config)
            merged["metadata"]["resourceVersion"] = current["metadata"]["resourceVersion"]
            obj, created = self.replace(kind, namespace, name, merged), False
        self.applied[(obj["metadata"]["uid"], manager)] = applied
        return obj, created

    def delete(self, kind: Kind, namespace: str | None, name: str) -> dict:
        obj = self.get(kind, namespace, name)
        key = self._key(kind, namespace, name)
        if obj["metadata"].get("finalizers"):
            # Kept, marked for deletion, until its finalizers are removed.
            if not obj["metadata"].get("deletionTimestamp"):
                obj["metadata"]["deletionTimestamp"] = _timestamp()
                obj["metadata"]["resourceVersion"] = self._next_version()
            self.reconcile()
            return obj
        del self.objects[key]
        self.system.discard(key)
        if kind is CRDS:
            # Its custom resources go with it.
            resource = obj["spec"]["names"]["plural"]
            for other in [k for k in self.objects if k[0] == resource]:
                del self.objects[other]
                self.system.discard(other)
        if kind is NAMESPACES:
            for other in [k for k in self.objects if k[1] == name]:
                del self.objects[other]
                self.system.discard(other)
            obj["status"] = {"phase": "Terminating"}
            obj["metadata"]["deletionTimestamp"] = _timestamp()
        self.reconcile()
        return obj

    @staticmethod
    def _validate(kind: Kind, obj: dict) -> None:
        """What the API server's validation refuses of the kinds that have rules beyond the name."""
        name = obj["metadata"].get("name", "")
        spec = obj.get("spec") or {}

        def invalid(field: str, why: str) -> K8sError:
            message = f'{kind.kind}.{kind.group} "{name}" is invalid: {field}: {why}'
            return K8sError(422, "Invalid", message, _details(kind, name))

        if kind.kind == "CustomResourceDefinition":
            names = spec.get("names") or {}
            if name != f"{names.get('plural')}.{spec.get('group')}":
                raise invalid("metadata.name", 'Invalid value: must be spec.names.plural+"."+spec.group')
            if spec.get("scope") not in ("Namespaced", "Cluster"):
                raise invalid("spec.scope", 'Unsupported value: supported values: "Cluster", "Namespaced"')
            if not names.get("kind"):
                raise invalid("spec.names.kind", "Required value")
            versions = spec.get("versions") or []
            if sum(1 for v in versions if v.get("storage")) != 1:
                raise invalid("spec.versions", "Invalid value: must have exactly one version marked as storage version")
            if any(not (v.get("schema") or {}).get("openAPIV3Schema") for v in versions):
                raise invalid("spec.versions[0].schema.openAPIV3Schema", "Required value: schemas are required")
        elif kind.kind == "IngressClass" and not spec.get("controller"):
            raise invalid("spec.controller", "Required value")
        elif kind.custom:
            if kind.schema:
                for key in [k for k in obj if k not in ("apiVersion", "kind", "metadata")]:
                    _check_schema((kind.schema.get("properties") or {}).get(key), obj, key, obj[key], invalid)
                _prune_unknown(kind.schema, obj, root=True)
            k8s_auto_mode.validate(kind.group, kind.kind, obj, invalid)

    def reconcile(self) -> None:
        """What the cluster's controllers do after a write (Auto Mode's, where its resources exist)."""
        for key in k8s_auto_mode.reconcile(self.objects, self._next_version):
            del self.objects[key]
            self.system.discard(key)

    def register_auto_mode(self) -> None:
        """The custom resource definitions of an Auto Mode cluster (NodePool, NodeClass), built in."""
        for crd in k8s_auto_mode.crds():
            if self._key(CRDS, None, crd["metadata"]["name"]) not in self.objects:
                self.create(CRDS, None, crd, system=True)

    def _store(self, kind: Kind, key: tuple[str, str, str], obj: dict) -> None:
        self._validate(kind, obj)
        obj["metadata"]["resourceVersion"] = self._next_version()
        if kind is NAMESPACES:
            obj["spec"] = {"finalizers": ["kubernetes"], **obj.get("spec", {})}
            obj["status"] = {"phase": "Active"}
        elif kind.kind == "Secret":
            data = dict(obj.get("data") or {})
            for k, v in (obj.pop("stringData", None) or {}).items():
                data[k] = base64.b64encode(str(v).encode()).decode()
            obj["data"] = data
            obj.setdefault("type", "Opaque")
        elif kind.kind == "Deployment":
            # Rolled out at once: every replica ready and available.
            spec = obj.setdefault("spec", {})
            replicas = spec.setdefault("replicas", 1)
            obj["status"] = {
                "observedGeneration": obj["metadata"]["generation"],
                "replicas": replicas,
                "updatedReplicas": replicas,
                "readyReplicas": replicas,
                "availableReplicas": replicas,
                "conditions": [
                    {"type": "Available", "status": "True", "reason": "MinimumReplicasAvailable"},
                    {"type": "Progressing", "status": "True", "reason": "NewReplicaSetAvailable"},
                ],
            }
        self.objects[key] = obj


def _check_schema(schema: dict | None, parent: Any, path: str, value: Any, invalid: Any) -> None:
    """What a structural OpenAPI schema refuses: types, required fields,
    enums, patterns and bounds. Fields it does not declare are pruned
    (`_prune_unknown`), not refused, as the API server does."""
    if schema is None:
        return
    kind = schema.get("type")
    types = {
        "object": dict,
        "array": list,
        "string": str,
        "boolean": bool,
        "integer": int,
        "number": (int, float),
    }
    if schema.get("x-kubernetes-int-or-string"):
        if not isinstance(value, (int, str)) or isinstance(value, bool):
            raise invalid(path, f"Invalid value: {json.dumps(value)}: must be an integer or a string")
    elif kind in types and (not isinstance(value, types[kind]) or (kind != "boolean" and isinstance(value, bool))):
        raise invalid(path, f'Invalid value: "{type(value).__name__}": {path} in body must be of type {kind}')
    if "enum" in schema and value not in schema["enum"]:
        allowed = ", ".join(json.dumps(v) for v in schema["enum"])
        raise invalid(path, f"Unsupported value: {json.dumps(value)}: supported values: {allowed}")
    if isinstance(value, str) and "pattern" in schema and not re.search(schema["pattern"], value):
        raise invalid(path, f'Invalid value: "{value}": {path} in body should match \'{schema["pattern"]}\'')
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        if "minimum" in schema and value < schema["minimum"]:
            raise invalid(path, f"Invalid value: {value}: {path} in body should be greater than or equal to {schema['minimum']}")
        if "maximum" in schema and value > schema["maximum"]:
            raise invalid(path, f"Invalid value: {value}: {path} in body should be less than or equal to {schema['maximum']}")
    if isinstance(value, dict):
        for required in schema.get("required", []):
            if value.get(required) in (None, ""):
                raise invalid(f"{path}.{required}", "Required value")
        properties = schema.get("properties") or {}
        extra = schema.get("additionalProperties")
        for key, member in value.items():
            sub = properties.get(key) if properties else (extra if isinstance(extra, dict) else None)
            _check_schema(sub, value, f"{path}.{key}", member, invalid)
    if isinstance(value, list):
        if "maxItems" in schema and len(value) > schema["maxItems"]:
            raise invalid(path, f"Too many: {len(value)}: must have at most {schema['maxItems']} items")
        if "minItems" in schema and len(value) < schema["minItems"]:
            raise invalid(path, f"Invalid value: {path} in body should have at least {schema['minItems']} items")
        for index, member in enumerate(value):
            _check_schema(schema.get("items"), value, f"{path}[{index}]", member, invalid)


def _prune_unknown(schema: dict | None, value: Any, root: bool = False) -> None:
    """Drops the fields a structural schema does not declare (metadata and
    the type fields stay at the root), as the API server prunes them."""
    if not isinstance(schema, dict) or schema.get("x-kubernetes-preserve-unknown-fields"):
        return
    if isinstance(value, dict):
        properties = schema.get("properties")
        if properties is not None:
            for key in list(value):
                if key in properties:
                    _prune_unknown(properties[key], value[key])
                elif not (root and key in ("apiVersion", "kind", "metadata")):
                    del value[key]
        elif isinstance(schema.get("additionalProperties"), dict):
            for member in value.values():
                _prune_unknown(schema["additionalProperties"], member)
    elif isinstance(value, list):
        for member in value:
            _prune_unknown(schema.get("items"), member)


def _selected(obj: dict, labels: str | None, fields: str | None) -> bool:
    """Equality-based label and field selectors (a=b, a==b, a!=b, a, !a)."""
    have = obj["metadata"].get("labels") or {}
    for term in filter(None, (labels or "").split(",")):
        term = term.strip()
        if "!=" in term:
            key, value = term.split("!=", 1)
            if have.get(key.strip()) == value.strip():
                return False
        elif "=" in term:
            key, value = term.replace("==", "=").split("=", 1)
            if have.get(key.strip()) != value.strip():
                return False
        elif term.startswith("!"):
            if term[1:] in have:
                return False
        elif " " in term:
            raise K8sError(400, "BadRequest", f"unsupported label selector: {term}")
        elif term not in have:
            return False
    fields_of = {"metadata.name": obj["metadata"].get("name"), "metadata.namespace": obj["metadata"].get("namespace")}
    for term in filter(None, (fields or "").split(",")):
        key, _, value = term.replace("==", "=").partition("=")
        if fields_of.get(key) != value:
            return False
    return True


class KubernetesApi:
    def __init__(self, emulator: Emulator) -> None:
        self.emulator = emulator
        self.stores: dict[str, ClusterStore] = {}

    @staticmethod
    def serves(request: Request) -> bool:
        path = request.path
        return path.startswith("/k8s/") or path in ("/api", "/apis", "/version") or path.startswith(("/api/", "/apis/"))

    def store(self, cluster: str) -> ClusterStore:
        if cluster not in self.stores:
            self.stores[cluster] = ClusterStore()
        return self.stores[cluster]

    def namespace_exists(self, cluster: str, namespace: str) -> bool:
        return (NAMESPACES.plural, "", namespace) in self.store(cluster).objects

    def enable_auto_mode(self, cluster: str) -> None:
        """Serves Auto Mode's NodePool and NodeClass on the cluster (EKS calls this for an Auto Mode cluster)."""
        self.store(cluster).register_auto_mode()

    def drop_cluster(self, cluster: str) -> None:
        self.stores.pop(cluster, None)

    def reset(self) -> None:
        self.stores.clear()

    def inventory(self) -> dict[str, list[str]]:
        out: dict[str, list[str]] = {}
        for cluster, store in self.stores.items():
            for key in sorted(store.objects):
                if key not in store.system:
                    plural, namespace, name = key
                    out.setdefault(f"k8s:{cluster}/{plural}", []).append(f"{namespace}/{name}" if namespace else name)
        return out

    # ------------------------------------------------------------ requests

    def handle(self, request: Request) -> Response:
        try:
            self._check_reachable(request)
            return self._handle(request)
        except K8sError as e:
            return _status(e.code, e.reason, e.message, e.details)

    def _handle(self, request: Request) -> Response:
        path = request.path
        path_cluster = None
        if path.startswith("/k8s/"):
            path_cluster, _, rest = path[len("/k8s/") :].partition("/")
            path = "/" + rest
        authorization = request.headers.get("Authorization", "")
        named, _ = token_cluster(authorization)
        if path_cluster and named and named != path_cluster:
            raise K8sError(401, "Unauthorized", "Unauthorized: the token is for another cluster")
        cluster_name = path_cluster or named
        if cluster_name is None:
            raise K8sError(
                401,
                "Unauthorized",
                "Unauthorized: the token names no cluster; "
                "use the cluster's endpoint or an x-k8s-aws-id query parameter",
            )
        cluster = self.emulator.eks.find_cluster(cluster_name)
        if cluster is None or cluster.status in ("CREATING", "DELETING"):
            raise K8sError(403, "Forbidden", f"cluster {cluster_name} does not exist or is not ACTIVE")
        ident = self._authenticate(authorization, cluster)
        if path == "/version":
            major, minor = cluster.version.split(".")
            return _json(
                {
                    "major": major,
                    "minor": minor,
                    "gitVersion": f"v{cluster.version}.0-eks-emulator",
                    "platform": "linux/amd64",
                }
            )
        store = self.store(cluster_name)
        discovery = self._discovery(store, path)
        if discovery is not None:
            return _json(discovery)
        kind, namespace, name = self._resource(store, path)
        verb = VERB_BY_METHOD.get(request.method) or ("get" if name else "list")
        if request.method == "GET" and request.args.get("watch") in ("true", "1"):
            verb = "watch"
        if not k8s_auth.allowed(ident, self.store(cluster_name), verb, kind.group, kind.plural, namespace, name):
            raise _forbidden(ident, verb, kind, namespace, name)
        fault = self.emulator.record(f"k8s:{request.method} {kind.plural}")
        if fault:
            return (
                _status(429, "TooManyRequests", "injected throttle")
                if fault == "throttle"
                else _status(500, "InternalError", "injected fault")
            )
        return self._serve(request, self.store(cluster_name), kind, namespace, name)

    def _check_reachable(self, request: Request) -> None:
        """Drops the connection unanswered when the caller cannot reach the
        cluster's endpoint: private only while the runner is outside the VPC,
        or public to CIDRs that leave the caller's address out."""
        path_cluster = request.path[len("/k8s/") :].partition("/")[0] if request.path.startswith("/k8s/") else None
        name = path_cluster or token_cluster(request.headers.get("Authorization", ""))[0]
        cluster = self.emulator.eks.find_cluster(name) if name else None
        if cluster is None or not getattr(cluster, "resources_vpc_config", None):
            return
        config = cluster.resources_vpc_config
        if config.get("endpointPrivateAccess") and self.emulator.settings.runner_in_vpc:
            return
        if config.get("endpointPublicAccess"):
            caller = ipaddress.ip_address(request.remote_addr or "127.0.0.1")
            cidrs = config.get("publicAccessCidrs") or ["0.0.0.0/0"]
            if any(caller in ipaddress.ip_network(cidr, strict=False) for cidr in cidrs):
                return
        connection = request.environ.get("werkzeug.socket")
        if connection is not None:
            try:
                connection.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
        raise ConnectionAbortedError(f"the Kubernetes API of {name} is not reachable from this caller")

    def _authenticate(self, authorization: str, cluster: Any) -> k8s_auth.Identity:
        """The identity EKS maps the token's principal to on `cluster`; 401 if none."""
        try:
            url, query = k8s_auth.decode_token(authorization)
            access_key = k8s_auth.verify(url, query, cluster.name)
        except k8s_auth.Unauthorized:
            raise K8sError(401, "Unauthorized", "Unauthorized") from None
        caller_arn, principal = k8s_auth.caller(access_key)
        eks_state = self.emulator.eks.cluster_state(cluster)
        ident = k8s_auth.identity(cluster, eks_state, self.store(cluster.name), principal, caller_arn)
        if ident is None:  # authenticated by STS, but unknown to the cluster
            raise K8sError(401, "Unauthorized", "Unauthorized")
        return ident

    @staticmethod
    def _discovery(store: ClusterStore, path: str) -> dict | None:
        path = path.rstrip("/")
        kinds = store.kinds()
        if path == "/api":
            return {"kind": "APIVersions", "versions": ["v1"], "serverAddressByClientCIDRs": []}
        if path == "/apis":
            groups = sorted({(k.group, k.version) for k in kinds if k.group})
            return {
                "kind": "APIGroupList",
                "apiVersion": "v1",
                "groups": [
                    {
                        "name": g,
                        "versions": [{"groupVersion": f"{g}/{v}", "version": v}],
                        "preferredVersion": {"groupVersion": f"{g}/{v}", "version": v},
                    }
                    for g, v in groups
                ],
            }
        kinds = [k for k in kinds if k.group_version_path == path]
        if kinds:
            return {
                "kind": "APIResourceList",
                "apiVersion": "v1",
                "groupVersion": kinds[0].api_version,
                "resources": [
                    {
                        "name": k.plural,
                        "singularName": k.kind.lower(),
                        "namespaced": k.namespaced,
                        "kind": k.kind,
                        "verbs": VERBS,
                        **({"shortNames": SHORT_NAMES[k.plural]} if k.plural in SHORT_NAMES else {}),
                    }
                    for k in kinds
                ],
            }
        return None

    @staticmethod
    def _resource(store: ClusterStore, path: str) -> tuple[Kind, str | None, str | None]:
        parts = path.strip("/").split("/")
        not_found = K8sError(404, "NotFound", "the server could not find the requested resource")
        if parts[0] == "api" and len(parts) >= 3:
            group, version, tail = "", parts[1], parts[2:]
        elif parts[0] == "apis" and len(parts) >= 4:
            group, version, tail = parts[1], parts[2], parts[3:]
        else:
            raise not_found
        namespace = None
        if tail[0] == "namespaces" and len(tail) >= 3:
            namespace, tail = tail[1], tail[2:]
        if len(tail) > 2:
            raise not_found  # subresources are not served
        kind = store.kind(group, version, tail[0])
        name = tail[1] if len(tail) == 2 else None
        if (
            kind is None
            or (namespace is not None and not kind.namespaced)
            or (kind.namespaced and name and namespace is None)
        ):
            raise not_found
        return kind, namespace, name

    def _serve(
        self, request: Request, store: ClusterStore, kind: Kind, namespace: str | None, name: str | None
    ) -> Response:
        method = request.method
        if name is None:
            if method == "GET":
                if request.args.get("watch") in ("true", "1"):
                    raise K8sError(400, "BadRequest", "watch is not supported by this emulator")
                items = [
                    o
                    for o in store.list(kind, namespace)
                    if _selected(o, request.args.get("labelSelector"), request.args.get("fieldSelector"))
                ]
                return _json(
                    {
                        "apiVersion": kind.api_version,
                        "kind": f"{kind.kind}List",
                        "metadata": {"resourceVersion": store.resource_version},
                        "items": items,
                    }
                )
            if method == "POST" and (namespace is not None or not kind.namespaced):
                return _json(store.create(kind, namespace, self._body(request)), 201)
            raise K8sError(405, "MethodNotAllowed", f"{method} is not supported on this collection")
        if method == "GET":
            return _json(store.get(kind, namespace, name))
        if method == "PUT":
            return _json(store.replace(kind, namespace, name, self._body(request)))
        if method == "DELETE":
            return _json(store.delete(kind, namespace, name))
        if method == "PATCH":
            content_type = request.mimetype
            if content_type == "application/apply-patch+yaml":
                if not request.args.get("fieldManager"):
                    raise K8sError(400, "BadRequest", "fieldManager is required for apply requests")
                obj, created = store.apply(
                    kind, namespace, name, self._body(request), request.args["fieldManager"]
                )
                return _json(obj, 201 if created else 200)
            if content_type in ("application/merge-patch+json", "application/strategic-merge-patch+json"):
                return _json(store.patch(kind, namespace, name, self._body(request)))
            raise K8sError(415, "UnsupportedMediaType", f"the patch content type {content_type} is not supported")
        raise K8sError(405, "MethodNotAllowed", f"{method} is not supported")

    @staticmethod
    def _body(request: Request) -> Any:
        data = request.get_data()
        try:
            if request.mimetype.endswith("yaml"):
                # Clients mostly send JSON even then (kubectl, client-go, kube-rs): not all JSON is YAML 1.1.
                try:
                    return json.loads(data)
                except ValueError:
                    return yaml.safe_load(data)
            return json.loads(data)
        except (ValueError, yaml.YAMLError) as e:
            raise K8sError(400, "BadRequest", f"the request body is not valid: {e}") from None
