"""The Kubernetes API stand-in behind each EKS cluster's endpoint."""

from __future__ import annotations

import base64
import json

import pytest
import requests

from conftest import cluster, eks_token


@pytest.fixture
def kube(aws, tmp_path):
    """kube(method, path, body=None, content_type=...) against cluster "spark" through the HTTPS
    endpoint EKS reports, trusting only the cluster's certificate authority."""
    created = cluster(aws, "spark")
    endpoint = created["endpoint"]
    assert endpoint.startswith("https://127.0.0.1:")
    ca_file = tmp_path / "ca.pem"
    ca_file.write_bytes(base64.b64decode(created["certificateAuthority"]["data"]))
    token = eks_token("spark")

    def call(method: str, path: str, body=None, content_type: str = "application/json", token: str = token):
        headers = {"Authorization": f"Bearer {token}", "Content-Type": content_type}
        data = body if isinstance(body, str) else None
        return requests.request(
            method, endpoint + path, json=None if data else body, data=data, headers=headers, verify=str(ca_file)
        )

    return call


def test_crud_with_kubernetes_errors(kube):
    namespace = {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "spark", "labels": {"team": "data"}}}
    created = kube("POST", "/api/v1/namespaces", namespace)
    assert created.status_code == 201
    meta = created.json()["metadata"]
    assert meta["uid"] and meta["resourceVersion"] and meta["creationTimestamp"].endswith("Z")
    conflict = kube("POST", "/api/v1/namespaces", namespace)
    assert conflict.status_code == 409
    assert conflict.json()["kind"] == "Status" and conflict.json()["reason"] == "AlreadyExists"
    missing = kube("GET", "/api/v1/namespaces/spark/configmaps/nope")
    assert (missing.status_code, missing.json()["reason"]) == (404, "NotFound")
    assert kube("POST", "/api/v1/namespaces/absent/configmaps", {"metadata": {"name": "x"}}).status_code == 404

    config = {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "defaults"}, "data": {"a": "1", "b": "2"}}
    assert kube("POST", "/api/v1/namespaces/spark/configmaps", config).status_code == 201
    patched = kube(
        "PATCH",
        "/api/v1/namespaces/spark/configmaps/defaults",
        {"data": {"a": None, "c": "3"}},
        "application/merge-patch+json",
    ).json()
    assert patched["data"] == {"b": "2", "c": "3"}
    replaced = kube("PUT", "/api/v1/namespaces/spark/configmaps/defaults", {**config, "data": {"z": "9"}}).json()
    assert replaced["data"] == {"z": "9"} and replaced["metadata"]["uid"] == patched["metadata"]["uid"]
    stale = {**config, "metadata": {"name": "defaults", "resourceVersion": patched["metadata"]["resourceVersion"]}}
    assert kube("PUT", "/api/v1/namespaces/spark/configmaps/defaults", stale).status_code == 409

    selected = kube("GET", "/api/v1/namespaces?labelSelector=team%3Ddata").json()
    assert selected["kind"] == "NamespaceList" and [n["metadata"]["name"] for n in selected["items"]] == ["spark"]


def test_server_side_apply_and_rbac_and_deployments(kube):
    kube("POST", "/api/v1/namespaces", {"metadata": {"name": "spark"}})
    role = (
        "apiVersion: rbac.authorization.k8s.io/v1\nkind: Role\nmetadata:\n  name: emr-containers\n  namespace: spark\n"
        "rules:\n- apiGroups: ['']\n  resources: [pods]\n  verbs: [get, list]\n"
    )
    path = "/apis/rbac.authorization.k8s.io/v1/namespaces/spark/roles/emr-containers"
    assert kube("PATCH", path, role, "application/apply-patch+yaml").status_code == 400  # no fieldManager
    assert kube("PATCH", path + "?fieldManager=tf", role, "application/apply-patch+yaml").status_code == 201
    again = kube(
        "PATCH",
        path + "?fieldManager=tf&force=true",
        role.replace("list]", "list, watch]"),
        "application/apply-patch+yaml",
    )
    assert again.status_code == 200 and again.json()["rules"][0]["verbs"] == ["get", "list", "watch"]
    binding = {
        "apiVersion": "rbac.authorization.k8s.io/v1",
        "kind": "ClusterRoleBinding",
        "metadata": {"name": "emr:admin"},
        "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "ClusterRole", "name": "edit"},
        "subjects": [{"kind": "User", "name": "emr-containers"}],
    }
    assert kube("POST", "/apis/rbac.authorization.k8s.io/v1/clusterrolebindings", binding).status_code == 201
    deployment = {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": "history"},
        "spec": {
            "replicas": 2,
            "selector": {"matchLabels": {"app": "h"}},
            "template": {"metadata": {"labels": {"app": "h"}}, "spec": {"containers": [{"name": "h", "image": "x"}]}},
        },
    }
    created = kube("POST", "/apis/apps/v1/namespaces/spark/deployments", deployment).json()
    assert created["status"]["readyReplicas"] == 2
    secret = {"apiVersion": "v1", "kind": "Secret", "metadata": {"name": "s"}, "stringData": {"k": "v"}}
    assert kube("POST", "/api/v1/namespaces/spark/secrets", secret).json()["data"] == {"k": "dg=="}
    # Deleting a namespace deletes what is in it.
    assert kube("DELETE", "/api/v1/namespaces/spark").json()["status"]["phase"] == "Terminating"
    assert kube("GET", "/apis/apps/v1/namespaces/spark/deployments/history").status_code == 404
    assert kube("GET", "/apis/rbac.authorization.k8s.io/v1/clusterrolebindings/emr:admin").status_code == 200


RBAC_PATH = "/apis/rbac.authorization.k8s.io/v1"
RBAC_REF = {"apiGroup": "rbac.authorization.k8s.io"}
SUBJECTS = [{"kind": "ServiceAccount", "name": "driver", "namespace": "batch"}]
# What the provider applies, in order: (path, manifest).
MANIFESTS = [
    ("/api/v1/namespaces/batch", {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "batch"}}),
    (
        "/api/v1/namespaces/batch/serviceaccounts/driver",
        {
            "apiVersion": "v1",
            "kind": "ServiceAccount",
            "metadata": {
                "name": "driver",
                "namespace": "batch",
                "annotations": {"eks.amazonaws.com/role-arn": "arn:aws:iam::123456789012:role/emreks/p/driver"},
            },
        },
    ),
    (
        f"{RBAC_PATH}/clusterroles/emr-containers",
        {
            "apiVersion": "rbac.authorization.k8s.io/v1",
            "kind": "ClusterRole",
            "metadata": {"name": "emr-containers"},
            "rules": [{"apiGroups": [""], "resources": ["nodes"], "verbs": ["get", "list"]}],
        },
    ),
    (
        f"{RBAC_PATH}/clusterrolebindings/emr-containers",
        {
            "apiVersion": "rbac.authorization.k8s.io/v1",
            "kind": "ClusterRoleBinding",
            "metadata": {"name": "emr-containers"},
            "roleRef": {**RBAC_REF, "kind": "ClusterRole", "name": "emr-containers"},
            "subjects": [{"kind": "User", "name": "emr-containers"}],
        },
    ),
    (
        f"{RBAC_PATH}/namespaces/batch/roles/emr-containers",
        {
            "apiVersion": "rbac.authorization.k8s.io/v1",
            "kind": "Role",
            "metadata": {"name": "emr-containers", "namespace": "batch"},
            "rules": [{"apiGroups": [""], "resources": ["pods"], "verbs": ["*"]}],
        },
    ),
    (
        f"{RBAC_PATH}/namespaces/batch/rolebindings/emr-containers",
        {
            "apiVersion": "rbac.authorization.k8s.io/v1",
            "kind": "RoleBinding",
            "metadata": {"name": "emr-containers", "namespace": "batch"},
            "roleRef": {**RBAC_REF, "kind": "Role", "name": "emr-containers"},
            "subjects": SUBJECTS,
        },
    ),
    (
        "/apis/apps/v1/namespaces/batch/deployments/history",
        {
            "apiVersion": "apps/v1",
            "kind": "Deployment",
            "metadata": {"name": "history", "namespace": "batch", "labels": {"app": "history"}},
            "spec": {
                "replicas": 1,
                "selector": {"matchLabels": {"app": "history"}},
                "template": {
                    "metadata": {"labels": {"app": "history"}},
                    "spec": {"containers": [{"name": "history", "image": "spark:3.5"}]},
                },
            },
        },
    ),
]
APPLY = "?fieldManager=terraform-provider-emreks&force=true"


def test_provider_applies_reads_and_deletes_each_kind(kube, admin):
    def apply(path: str, manifest: dict) -> requests.Response:
        body = json.dumps(manifest, separators=(",", ":"))  # JSON, as the provider sends it
        return kube("PATCH", path + APPLY, body, "application/apply-patch+yaml")

    for path, manifest in MANIFESTS:
        created = apply(path, manifest)
        assert created.status_code == 201, created.text
        assert created.json()["metadata"]["name"] == manifest["metadata"]["name"]
        assert apply(path, manifest).status_code == 200  # unchanged: applied again
        read = kube("GET", path)
        assert read.status_code == 200 and read.json()["kind"] == manifest["kind"]
        assert read.json()["metadata"]["uid"] == created.json()["metadata"]["uid"]
    assert len(admin("GET", "inventory")["k8s:spark/namespaces"]) == 1
    for path, manifest in reversed(MANIFESTS):
        deleted = kube("DELETE", path + "?propagationPolicy=Background")
        assert deleted.status_code == 200, deleted.text
        assert kube("GET", path).status_code == 404
        assert kube("DELETE", path + "?propagationPolicy=Background").status_code == 404
    assert not any(kind.startswith("k8s:") for kind in admin("GET", "inventory"))


def test_server_side_apply_drops_what_its_manager_no_longer_applies(kube):
    path, manifest = MANIFESTS[1]
    kube("PATCH", MANIFESTS[0][0] + APPLY, MANIFESTS[0][1], "application/apply-patch+yaml")
    labelled = {**manifest, "metadata": {**manifest["metadata"], "labels": {"a": "1", "b": "2"}}}
    assert kube("PATCH", path + APPLY, labelled, "application/apply-patch+yaml").status_code == 201
    # Another manager's change stays; what this manager stops applying goes.
    kube("PATCH", path, {"metadata": {"labels": {"c": "3"}}}, "application/merge-patch+json")
    labelled["metadata"]["labels"] = {"a": "1"}
    applied = kube("PATCH", path + APPLY, labelled, "application/apply-patch+yaml").json()
    assert applied["metadata"]["labels"] == {"a": "1", "c": "3"}
    assert applied["metadata"]["annotations"] == manifest["metadata"]["annotations"]
    del labelled["metadata"]["annotations"]
    applied = kube("PATCH", path + APPLY, labelled, "application/apply-patch+yaml").json()
    assert "annotations" not in applied["metadata"]
    # Deleting the namespace deletes the service account in it.
    assert kube("DELETE", MANIFESTS[0][0] + "?propagationPolicy=Background").json()["status"]["phase"] == "Terminating"
    assert kube("GET", MANIFESTS[0][0]).status_code == 404 and kube("GET", path).status_code == 404


def test_tokens(aws, server, kube):
    assert kube("GET", "/api/v1/namespaces").status_code == 200
    assert kube("GET", "/api/v1/namespaces", token=eks_token(None)).status_code == 401  # no x-k8s-aws-id
    assert requests.get(f"{server.url}/k8s/spark/api/v1/namespaces").status_code == 401  # plain HTTP works too
    # A token naming another cluster (a signed header's value cannot be seen, a query parameter's can).
    assert kube("GET", "/api/v1/namespaces", token=eks_token("other", as_query_parameter=True)).status_code == 401
    # At the root, the cluster is the one the token names in a query parameter.
    root = requests.get(
        f"{server.url}/api/v1/namespaces/default",
        headers={"Authorization": f"Bearer {eks_token('spark', as_query_parameter=True)}"},
    )
    assert root.status_code == 200
    unknown = requests.get(
        f"{server.url}/api/v1/namespaces",
        headers={"Authorization": f"Bearer {eks_token('nowhere', as_query_parameter=True)}"},
    )
    assert unknown.status_code == 403


def test_each_cluster_has_its_own_store_dropped_with_it(aws, server, admin, kube):
    kube("POST", "/api/v1/namespaces", {"metadata": {"name": "only-in-spark"}})
    cluster(aws, "other")
    headers = {"Authorization": f"Bearer {eks_token('other')}"}
    assert requests.get(f"{server.url}/k8s/other/api/v1/namespaces/only-in-spark", headers=headers).status_code == 404
    assert admin("GET", "inventory")["k8s:spark/namespaces"] == ["only-in-spark"]
    aws("eks").delete_cluster(name="spark")
    assert kube("GET", "/api/v1/namespaces").status_code == 403
    assert not any(kind.startswith("k8s:") for kind in admin("GET", "inventory"))
