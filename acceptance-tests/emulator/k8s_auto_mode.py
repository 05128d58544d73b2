"""What EKS Auto Mode adds to a cluster's Kubernetes API: the custom
resource definitions of Karpenter's `NodePool` (karpenter.sh/v1) and of
Auto Mode's `NodeClass` (eks.amazonaws.com/v1), the rules their API
refuses beyond the schema, and the controller's bookkeeping that clients
see: a NodeClass carries a termination finalizer and, once deleted, stays
until no NodePool refers to it; a NodePool's `NodeClassReady` condition.

The schemas hold the fields the provider and the AWS documentation use,
not Karpenter's whole schema; what they leave out is pruned, as the API
server prunes undeclared fields.
"""

from __future__ import annotations

import re
from typing import Any, Callable

# The store's keys of the kinds' objects (their plurals).
NODE_POOLS = "nodepools"
NODE_CLASSES = "nodeclasses"
TERMINATION_FINALIZER = "eks.amazonaws.com/termination"
DURATION = r"^(([0-9]+(s|m|h))+|Never)$"
OPERATORS = ["In", "NotIn", "Exists", "DoesNotExist", "Gt", "Lt"]
EFFECTS = ["NoSchedule", "PreferNoSchedule", "NoExecute"]

_STRING = {"type": "string"}
_STRINGS = {"type": "array", "items": _STRING}
_STRING_MAP = {"type": "object", "additionalProperties": _STRING}
_TAINTS = {
    "type": "array",
    "items": {
        "type": "object",
        "required": ["key", "effect"],
        "properties": {"key": _STRING, "value": _STRING, "effect": {"type": "string", "enum": EFFECTS}},
    },
}
_SELECTOR_TERMS = {
    "type": "array",
    "maxItems": 30,
    "items": {"type": "object", "properties": {"id": _STRING, "name": _STRING, "tags": _STRING_MAP}},
}

NODE_POOL_SCHEMA = {
    "type": "object",
    "properties": {
        "spec": {
            "type": "object",
            "required": ["template"],
            "properties": {
                "template": {
                    "type": "object",
                    "required": ["spec"],
                    "properties": {
                        "metadata": {
                            "type": "object",
                            "properties": {"labels": _STRING_MAP, "annotations": _STRING_MAP},
                        },
                        "spec": {
                            "type": "object",
                            "required": ["nodeClassRef", "requirements"],
                            "properties": {
                                "nodeClassRef": {
                                    "type": "object",
                                    "required": ["group", "kind", "name"],
                                    "properties": {"group": _STRING, "kind": _STRING, "name": _STRING},
                                },
                                "requirements": {
                                    "type": "array",
                                    "maxItems": 100,
                                    "items": {
                                        "type": "object",
                                        "required": ["key", "operator"],
                                        "properties": {
                                            "key": _STRING,
                                            "operator": {"type": "string", "enum": OPERATORS},
                                            "values": _STRINGS,
                                            "minValues": {"type": "integer", "minimum": 1, "maximum": 50},
                                        },
                                    },
                                },
                                "taints": _TAINTS,
                                "startupTaints": _TAINTS,
                                "expireAfter": {"type": "string", "pattern": DURATION},
                                "terminationGracePeriod": {"type": "string", "pattern": DURATION},
                            },
                        },
                    },
                },
                "disruption": {
                    "type": "object",
                    "properties": {
                        "consolidationPolicy": {"type": "string", "enum": ["WhenEmpty", "WhenEmptyOrUnderutilized"]},
                        "consolidateAfter": {"type": "string", "pattern": DURATION},
                        "budgets": {
                            "type": "array",
                            "maxItems": 50,
                            "items": {
                                "type": "object",
                                "required": ["nodes"],
                                "properties": {
                                    "nodes": {"type": "string", "pattern": r"^((100|[0-9]{1,2})%|[0-9]+)$"},
                                    "schedule": _STRING,
                                    "duration": {"type": "string", "pattern": r"^([0-9]+(m|h))+$"},
                                    "reasons": {
                                        "type": "array",
                                        "items": {"type": "string", "enum": ["Underutilized", "Empty", "Drifted"]},
                                    },
                                },
                            },
                        },
                    },
                },
                "limits": {"type": "object", "additionalProperties": {"x-kubernetes-int-or-string": True}},
                "weight": {"type": "integer", "minimum": 1, "maximum": 100},
            },
        },
        "status": {"type": "object", "x-kubernetes-preserve-unknown-fields": True},
    },
}

NODE_CLASS_SCHEMA = {
    "type": "object",
    "properties": {
        "spec": {
            "type": "object",
            "required": ["role"],
            "properties": {
                "role": _STRING,
                "subnetSelectorTerms": _SELECTOR_TERMS,
                "securityGroupSelectorTerms": _SELECTOR_TERMS,
                "ephemeralStorage": {
                    "type": "object",
                    "properties": {
                        "size": {"x-kubernetes-int-or-string": True, "type": "string", "pattern": r"^[0-9]+(Gi|G|Ti|T)$"},
                        "iops": {"type": "integer", "minimum": 3000, "maximum": 16000},
                        "throughput": {"type": "integer", "minimum": 125, "maximum": 1000},
                        "kmsKeyID": _STRING,
                    },
                },
                "tags": _STRING_MAP,
                "snatPolicy": {"type": "string", "enum": ["Random", "Disabled"]},
                "networkPolicy": {"type": "string", "enum": ["DefaultAllow", "DefaultDeny"]},
                "networkPolicyEventLogs": {"type": "string", "enum": ["Enabled", "Disabled"]},
            },
        },
        "status": {"type": "object", "x-kubernetes-preserve-unknown-fields": True},
    },
}


def _crd(group: str, kind: str, plural: str, schema: dict) -> dict:
    return {
        "apiVersion": "apiextensions.k8s.io/v1",
        "kind": "CustomResourceDefinition",
        "metadata": {"name": f"{plural}.{group}"},
        "spec": {
            "group": group,
            "names": {"kind": kind, "plural": plural, "singular": kind.lower(), "listKind": f"{kind}List"},
            "scope": "Cluster",
            "versions": [{"name": "v1", "served": True, "storage": True, "schema": {"openAPIV3Schema": schema}}],
        },
    }


def crds() -> list[dict]:
    """The custom resource definitions an Auto Mode cluster holds."""
    return [
        _crd("karpenter.sh", "NodePool", "nodepools", NODE_POOL_SCHEMA),
        _crd("eks.amazonaws.com", "NodeClass", "nodeclasses", NODE_CLASS_SCHEMA),
    ]


def _check_node_pool(obj: dict, invalid: Callable[[str, str], Exception]) -> None:
    """Karpenter's validation rules beyond the schema (its CEL rules)."""
    template = obj["spec"]["template"]
    for index, requirement in enumerate(template["spec"].get("requirements") or []):
        path = f"spec.template.spec.requirements[{index}]"
        operator, values = requirement["operator"], requirement.get("values") or []
        if operator == "In" and not values:
            raise invalid(path, "Invalid value: requirements with operator 'In' must have a value defined")
        if operator in ("Exists", "DoesNotExist") and values:
            raise invalid(path, f"Invalid value: requirements with operator '{operator}' must not have values")
        if operator in ("Gt", "Lt") and (len(values) != 1 or not re.fullmatch(r"[0-9]+", values[0])):
            raise invalid(
                path, f"Invalid value: requirements with operator '{operator}' must have a single positive integer value"
            )
        if requirement.get("minValues") and len(values) < requirement["minValues"] and operator == "In":
            raise invalid(path, "Invalid value: requirements with 'minValues' must have at least that many values")
    labels = (template.get("metadata") or {}).get("labels") or {}
    if "karpenter.sh/nodepool" in labels:
        raise invalid("spec.template.metadata.labels", 'Invalid value: label "karpenter.sh/nodepool" is restricted')
    ref = template["spec"]["nodeClassRef"]
    if ref.get("group") == "eks.amazonaws.com" and ref.get("kind") != "NodeClass":
        raise invalid("spec.template.spec.nodeClassRef.kind", 'Unsupported value: supported values: "NodeClass"')


RULES: dict[tuple[str, str], Callable[[dict, Callable[[str, str], Exception]], None]] = {
    ("karpenter.sh", "NodePool"): _check_node_pool,
}


def _class_of(pool: dict) -> str | None:
    ref = ((pool.get("spec") or {}).get("template") or {}).get("spec", {}).get("nodeClassRef") or {}
    if ref.get("group") == "eks.amazonaws.com" and ref.get("kind") == "NodeClass":
        return ref.get("name")
    return None


def reconcile(objects: dict[tuple[str, str, str], dict], next_version: Callable[[], str]) -> list[tuple[str, str, str]]:
    """Auto Mode's controller after a write: finalizers on the NodeClasses,
    a deleted NodeClass released once no NodePool refers to it, each
    NodePool's `NodeClassReady` condition. Returns the keys of objects
    whose last finalizer went (the caller deletes them)."""
    pools = {key: obj for key, obj in objects.items() if key[0] == NODE_POOLS}
    classes = {key: obj for key, obj in objects.items() if key[0] == NODE_CLASSES}
    referenced = {_class_of(pool) for pool in pools.values()}
    released = []
    for key, node_class in classes.items():
        meta = node_class["metadata"]
        finalizers = list(meta.get("finalizers") or [])
        if meta.get("deletionTimestamp"):
            if key[2] not in referenced and TERMINATION_FINALIZER in finalizers:
                finalizers.remove(TERMINATION_FINALIZER)
                meta["finalizers"] = finalizers
                meta["resourceVersion"] = next_version()
            if not finalizers:
                released.append(key)
        elif TERMINATION_FINALIZER not in finalizers:
            meta["finalizers"] = finalizers + [TERMINATION_FINALIZER]
            meta["resourceVersion"] = next_version()
    live = {key[2] for key, obj in classes.items() if not obj["metadata"].get("deletionTimestamp")}
    for pool in pools.values():
        ready = _class_of(pool) in live
        condition = {
            "type": "NodeClassReady",
            "status": "True" if ready else "False",
            "reason": "NodeClassReady" if ready else "NodeClassNotFound",
        }
        if (pool.get("status") or {}).get("conditions") != [condition]:
            pool["status"] = {**(pool.get("status") or {}), "conditions": [condition]}
            pool["metadata"]["resourceVersion"] = next_version()
    return released


def validate(group: str, kind: str, obj: dict, invalid: Callable[[str, str], Any]) -> None:
    rules = RULES.get((group, kind))
    if rules:
        rules(obj, invalid)
