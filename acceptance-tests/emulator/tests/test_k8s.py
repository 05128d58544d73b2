"""The Kubernetes API stand-in behind each EKS cluster's endpoint."""

from __future__ import annotations

import base64
import json
import time
from datetime import UTC, datetime, timedelta
from unittest import mock

import pytest
import requests

import boto3

from conftest import cluster, eks_token, network, role


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


def call_as(server, token: str, method: str = "GET", path: str = "/api/v1/namespaces", body=None, cluster="spark"):
    return requests.request(
        method, f"{server.url}/k8s/{cluster}{path}", json=body, headers={"Authorization": f"Bearer {token}"}
    )


def user_with_key(iam, name: str) -> tuple[str, dict]:
    arn = iam.create_user(UserName=name)["User"]["Arn"]
    key = iam.create_access_key(UserName=name)["AccessKey"]
    return arn, {"aws_access_key_id": key["AccessKeyId"], "aws_secret_access_key": key["SecretAccessKey"]}


def test_tokens_are_verified_as_eks_does(aws, server):
    cluster(aws, "spark")
    cluster(aws, "other")
    assert call_as(server, eks_token("spark")).status_code == 200
    refused = [
        eks_token("spark", credentials={"aws_access_key_id": "AKIDTESTING", "aws_secret_access_key": "wrong"}),
        eks_token("spark", expires=901),  # longer than EKS accepts
        eks_token("spark", signed_header="other"),  # bound to another cluster
        eks_token(None),  # bound to no cluster
        "k8s-aws-v1.bm90IGEgdXJs",
    ]
    for token in refused:
        response = call_as(server, token)
        assert response.status_code == 401, token
        assert response.json() == {
            "kind": "Status",
            "apiVersion": "v1",
            "metadata": {},
            "status": "Failure",
            "message": "Unauthorized",
            "reason": "Unauthorized",
            "code": 401,
        }
    # STS keeps a presigned GetCallerIdentity URL valid for 15 minutes
    # whatever X-Amz-Expires says (`aws eks get-token` signs with 60 s and
    # announces 14 minutes); past them, it is refused.
    short = eks_token("spark", expires=1)
    time.sleep(1.2)
    assert call_as(server, short).status_code == 200
    signed_long_ago = datetime.now(UTC) - timedelta(minutes=15, seconds=5)
    with mock.patch("botocore.auth.get_current_datetime", return_value=signed_long_ago.replace(tzinfo=None)):
        expired = eks_token("spark")
    assert call_as(server, expired).status_code == 401


def test_principals_need_an_access_entry_and_policies(aws, server):
    cluster(aws, "spark")
    iam, eks = aws("iam"), aws("eks")
    arn, credentials = user_with_key(iam, "analyst")
    token = eks_token("spark", credentials=credentials)
    assert call_as(server, token).status_code == 401  # STS knows them, the cluster does not
    eks.create_access_entry(clusterName="spark", principalArn=arn)
    forbidden = call_as(server, token)
    assert forbidden.status_code == 403
    assert forbidden.json()["reason"] == "Forbidden"
    assert forbidden.json()["message"] == (
        f'namespaces is forbidden: User "{arn}" cannot list resource "namespaces" in API group "" at the cluster scope'
    )
    call_as(server, eks_token("spark"), "POST", "/api/v1/namespaces", {"metadata": {"name": "team"}})
    eks.associate_access_policy(
        clusterName="spark",
        principalArn=arn,
        policyArn="arn:aws:eks::aws:cluster-access-policy/AmazonEKSEditPolicy",
        accessScope={"type": "namespace", "namespaces": ["team"]},
    )
    config = {"metadata": {"name": "c"}, "data": {"a": "1"}}
    assert call_as(server, token, "POST", "/api/v1/namespaces/team/configmaps", config).status_code == 201
    assert call_as(server, token, "GET", "/api/v1/namespaces/team").status_code == 200
    assert call_as(server, token, "POST", "/api/v1/namespaces/default/configmaps", config).status_code == 403
    assert call_as(server, token).status_code == 403  # listing namespaces is cluster-wide
    role = {"metadata": {"name": "r"}, "rules": []}
    assert call_as(server, token, "POST", "/apis/rbac.authorization.k8s.io/v1/namespaces/team/roles", role).status_code == 403
    eks.associate_access_policy(
        clusterName="spark",
        principalArn=arn,
        policyArn="arn:aws:eks::aws:cluster-access-policy/AmazonEKSViewPolicy",
        accessScope={"type": "cluster"},
    )
    assert call_as(server, token).status_code == 200
    assert call_as(server, token, "GET", "/api/v1/namespaces/default/secrets").status_code == 403  # view reads no secrets
    assert call_as(server, token, "DELETE", "/api/v1/namespaces/team").status_code == 403
    eks.delete_access_entry(clusterName="spark", principalArn=arn)
    assert call_as(server, token).status_code == 401


def test_assumed_role_sessions_are_their_role(aws, server):
    iam = aws("iam")
    trust = {
        "Version": "2012-10-17",
        "Statement": [
            {"Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::123456789012:root"}, "Action": "sts:AssumeRole"}
        ],
    }
    role_arn = iam.create_role(RoleName="Admins", Path="/teams/", AssumeRolePolicyDocument=json.dumps(trust))["Role"][
        "Arn"
    ]
    session = aws("sts").assume_role(RoleArn=role_arn, RoleSessionName="alice")["Credentials"]
    credentials = {
        "aws_access_key_id": session["AccessKeyId"],
        "aws_secret_access_key": session["SecretAccessKey"],
        "aws_session_token": session["SessionToken"],
    }
    # The role creates a cluster: its bootstrap access entry is the role's (path and all), not the session's.
    as_role = boto3.client("eks", endpoint_url=server.url, region_name="us-east-1", **credentials)
    _, subnets = network(aws("ec2"))
    as_role.create_cluster(
        name="spark",
        roleArn=role(iam, "cluster"),
        resourcesVpcConfig={"subnetIds": subnets},
        accessConfig={"authenticationMode": "API"},
    )
    assert aws("eks").list_access_entries(clusterName="spark")["accessEntries"] == [role_arn]
    token = eks_token("spark", credentials=credentials)
    assert call_as(server, token, "POST", "/api/v1/namespaces", {"metadata": {"name": "x"}}).status_code == 201
    assert call_as(server, eks_token("spark")).status_code == 401  # the default user did not make this one


def test_groups_reach_rbac_and_aws_auth_maps_principals(aws, server):
    cluster(aws, "spark", accessConfig={"authenticationMode": "API_AND_CONFIG_MAP"})
    iam, eks = aws("iam"), aws("eks")
    reader_arn, reader = user_with_key(iam, "reader")
    eks.create_access_entry(clusterName="spark", principalArn=reader_arn, kubernetesGroups=["readers"])
    admin_token = eks_token("spark")
    binding = {
        "metadata": {"name": "readers"},
        "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "ClusterRole", "name": "view"},
        "subjects": [{"kind": "Group", "name": "readers"}],
    }
    call_as(server, admin_token, "POST", "/apis/rbac.authorization.k8s.io/v1/clusterrolebindings", binding)
    token = eks_token("spark", credentials=reader)
    assert call_as(server, token).status_code == 200
    assert call_as(server, token, "POST", "/api/v1/namespaces", {"metadata": {"name": "y"}}).status_code == 403
    mapped_arn, mapped = user_with_key(iam, "mapped")
    assert call_as(server, eks_token("spark", credentials=mapped)).status_code == 401
    aws_auth = {
        "metadata": {"name": "aws-auth", "namespace": "kube-system"},
        "data": {"mapUsers": f"- userarn: {mapped_arn}\n  username: mapped\n  groups: [system:masters]\n"},
    }
    call_as(server, admin_token, "POST", "/api/v1/namespaces/kube-system/configmaps", aws_auth)
    assert call_as(server, eks_token("spark", credentials=mapped), "DELETE", "/api/v1/namespaces/default").status_code == 200


def test_config_map_clusters_know_their_creator(aws, server):
    cluster(aws, "spark", accessConfig={"authenticationMode": "CONFIG_MAP"})
    assert call_as(server, eks_token("spark")).status_code == 200
    cluster(aws, "bare", accessConfig={"authenticationMode": "CONFIG_MAP", "bootstrapClusterCreatorAdminPermissions": False})
    assert call_as(server, eks_token("bare"), cluster="bare").status_code == 401


def test_custom_resource_definitions_and_ingress_classes_are_validated(kube):
    crds = "/apis/apiextensions.k8s.io/v1/customresourcedefinitions"
    version = {"name": "v1beta1", "served": True, "storage": True, "schema": {"openAPIV3Schema": {"type": "object"}}}
    crd = {
        "apiVersion": "apiextensions.k8s.io/v1",
        "kind": "CustomResourceDefinition",
        "metadata": {"name": "targetgroupbindings.elbv2.k8s.aws"},
        "spec": {
            "group": "elbv2.k8s.aws",
            "names": {"kind": "TargetGroupBinding", "plural": "targetgroupbindings"},
            "scope": "Namespaced",
            "versions": [version],
        },
    }
    misnamed = {**crd, "metadata": {"name": "bindings.elbv2.k8s.aws"}}
    refused = kube("POST", crds, misnamed)
    assert refused.status_code == 422 and "spec.names.plural" in refused.json()["message"]
    no_storage = {**crd, "spec": {**crd["spec"], "versions": [{**version, "storage": False}]}}
    assert kube("POST", crds, no_storage).status_code == 422
    assert kube("POST", crds, crd).status_code == 201
    classes = "/apis/networking.k8s.io/v1/ingressclasses"
    no_controller = {"apiVersion": "networking.k8s.io/v1", "kind": "IngressClass", "metadata": {"name": "alb"}, "spec": {}}
    assert kube("POST", classes, no_controller).status_code == 422
    alb = {**no_controller, "spec": {"controller": "ingress.k8s.aws/alb"}}
    assert kube("POST", classes, alb).status_code == 201
    assert [c["metadata"]["name"] for c in kube("GET", classes).json()["items"]] == ["alb"]


NODE_POOLS = "/apis/karpenter.sh/v1/nodepools"
NODE_CLASSES = "/apis/eks.amazonaws.com/v1/nodeclasses"


def auto_mode_crds(kube) -> None:
    """Registers Auto Mode's NodePool and NodeClass through the API, as any CRD would be."""
    from emulator import k8s_auto_mode

    for crd in k8s_auto_mode.crds():
        created = kube("POST", "/apis/apiextensions.k8s.io/v1/customresourcedefinitions", crd)
        assert created.status_code == 201, created.text


def node_class(name: str = "spark", **spec) -> dict:
    return {
        "apiVersion": "eks.amazonaws.com/v1",
        "kind": "NodeClass",
        "metadata": {"name": name},
        "spec": {"role": "node-role", "subnetSelectorTerms": [{"id": "subnet-1"}], **spec},
    }


def node_pool(name: str = "executors", node_class_name: str = "spark", **spec) -> dict:
    return {
        "apiVersion": "karpenter.sh/v1",
        "kind": "NodePool",
        "metadata": {"name": name},
        "spec": {
            "template": {
                "metadata": {"labels": {"spark-role": "executor"}},
                "spec": {
                    "nodeClassRef": {"group": "eks.amazonaws.com", "kind": "NodeClass", "name": node_class_name},
                    "requirements": [{"key": "kubernetes.io/arch", "operator": "In", "values": ["arm64"]}],
                    "taints": [{"key": "role", "value": "shared", "effect": "NoSchedule"}],
                },
            },
            "disruption": {"consolidationPolicy": "WhenEmptyOrUnderutilized", "consolidateAfter": "90s"},
            "limits": {"cpu": "1000", "memory": "4000Gi"},
            **spec,
        },
    }


def test_custom_resources_of_any_registered_definition_are_served(kube, admin):
    widgets = "/apis/example.com/v1/namespaces/spark/widgets"
    assert kube("GET", widgets).status_code == 404  # no such kind yet
    crd = {
        "apiVersion": "apiextensions.k8s.io/v1",
        "kind": "CustomResourceDefinition",
        "metadata": {"name": "widgets.example.com"},
        "spec": {
            "group": "example.com",
            "names": {"kind": "Widget", "plural": "widgets"},
            "scope": "Namespaced",
            "versions": [
                {
                    "name": "v1",
                    "served": True,
                    "storage": True,
                    "schema": {
                        "openAPIV3Schema": {
                            "type": "object",
                            "properties": {
                                "spec": {
                                    "type": "object",
                                    "required": ["size"],
                                    "properties": {"size": {"type": "integer", "minimum": 1}},
                                }
                            },
                        }
                    },
                }
            ],
        },
    }
    assert kube("POST", "/apis/apiextensions.k8s.io/v1/customresourcedefinitions", crd).status_code == 201
    kube("POST", "/api/v1/namespaces", {"metadata": {"name": "spark"}})
    widget = {"apiVersion": "example.com/v1", "kind": "Widget", "metadata": {"name": "w"}, "spec": {"size": 2, "x": 1}}
    created = kube("POST", widgets, widget)
    assert created.status_code == 201, created.text
    assert created.json()["spec"] == {"size": 2}  # undeclared fields are pruned
    assert kube("POST", widgets, widget).status_code == 409
    assert kube("POST", widgets, {**widget, "metadata": {"name": "v"}, "spec": {}}).status_code == 422
    refused = kube("POST", widgets, {**widget, "metadata": {"name": "v"}, "spec": {"size": 0}})
    assert refused.status_code == 422 and "spec.size" in refused.json()["message"]
    version = created.json()["metadata"]["resourceVersion"]
    patched = kube("PATCH", widgets + "/w", {"spec": {"size": 3}}, "application/merge-patch+json").json()
    assert patched["spec"]["size"] == 3 and patched["metadata"]["resourceVersion"] != version
    replaced = kube("PUT", widgets + "/w", {**widget, "spec": {"size": 4}, "metadata": {"name": "w"}}).json()
    assert replaced["spec"]["size"] == 4 and replaced["metadata"]["generation"] == 3
    assert [w["metadata"]["name"] for w in kube("GET", widgets).json()["items"]] == ["w"]
    assert kube("GET", widgets + "/absent").status_code == 404
    discovered = kube("GET", "/apis/example.com/v1").json()
    assert [r["kind"] for r in discovered["resources"]] == ["Widget"]
    assert admin("GET", "inventory")["k8s:spark/widgets"] == ["spark/w"]
    assert kube("DELETE", widgets + "/w").status_code == 200
    assert kube("GET", widgets + "/w").status_code == 404
    # Deleting the definition deletes its objects and stops serving the kind.
    kube("POST", widgets, widget)
    kube("DELETE", "/apis/apiextensions.k8s.io/v1/customresourcedefinitions/widgets.example.com")
    assert kube("GET", widgets).status_code == 404
    assert "k8s:spark/widgets" not in admin("GET", "inventory")


def test_node_pools_and_node_classes_are_validated_as_karpenter_does(kube):
    auto_mode_crds(kube)
    assert kube("POST", NODE_CLASSES, node_class()).status_code == 201
    no_role = node_class("bare")
    del no_role["spec"]["role"]
    assert kube("POST", NODE_CLASSES, no_role).status_code == 422
    assert kube("POST", NODE_POOLS, node_pool()).status_code == 201

    def refused(pool: dict, field: str) -> None:
        answer = kube("POST", NODE_POOLS, pool)
        assert answer.status_code == 422, answer.text
        assert field in answer.json()["message"], answer.json()["message"]

    pool = node_pool("bad")
    pool["spec"]["template"]["spec"]["requirements"] = [{"key": "kubernetes.io/arch", "operator": "Within"}]
    refused(pool, "spec.template.spec.requirements[0].operator")
    pool["spec"]["template"]["spec"]["requirements"] = [{"key": "kubernetes.io/arch", "operator": "In"}]
    refused(pool, "spec.template.spec.requirements[0]")
    pool["spec"]["template"]["spec"]["requirements"] = [
        {"key": "eks.amazonaws.com/instance-generation", "operator": "Gt", "values": ["six"]}
    ]
    refused(pool, "requirements[0]")
    pool = node_pool("bad")
    del pool["spec"]["template"]["spec"]["nodeClassRef"]["name"]
    refused(pool, "spec.template.spec.nodeClassRef.name")
    refused(node_pool("bad", disruption={"consolidationPolicy": "Always"}), "spec.disruption.consolidationPolicy")
    refused(node_pool("bad", disruption={"consolidateAfter": "ten minutes"}), "spec.disruption.consolidateAfter")
    refused(node_pool("bad", weight=101), "spec.weight")
    # A pool whose NodeClass does not exist is accepted, but not ready.
    orphan = kube("POST", NODE_POOLS, node_pool("orphan", "absent")).json()
    assert orphan["status"]["conditions"][0] == {
        "type": "NodeClassReady",
        "status": "False",
        "reason": "NodeClassNotFound",
    }
    ready = kube("GET", NODE_POOLS + "/executors").json()
    assert ready["status"]["conditions"][0]["status"] == "True"


def test_a_node_class_in_use_is_kept_until_its_node_pools_are_gone(kube, admin):
    auto_mode_crds(kube)
    kube("POST", NODE_CLASSES, node_class())
    created = kube("GET", NODE_CLASSES + "/spark").json()
    assert created["metadata"]["finalizers"] == ["eks.amazonaws.com/termination"]
    kube("POST", NODE_POOLS, node_pool())
    deleting = kube("DELETE", NODE_CLASSES + "/spark")
    assert deleting.status_code == 200 and deleting.json()["metadata"]["deletionTimestamp"]
    assert kube("GET", NODE_CLASSES + "/spark").json()["metadata"]["deletionTimestamp"]
    # The pool sees its class going.
    assert kube("GET", NODE_POOLS + "/executors").json()["status"]["conditions"][0]["status"] == "False"
    assert kube("DELETE", NODE_POOLS + "/executors").status_code == 200
    assert kube("GET", NODE_CLASSES + "/spark").status_code == 404
    # Unused, it goes at once.
    kube("POST", NODE_CLASSES, node_class("unused"))
    assert kube("DELETE", NODE_CLASSES + "/unused").status_code == 200
    assert kube("GET", NODE_CLASSES + "/unused").status_code == 404
    assert not [k for k in admin("GET", "inventory") if k.startswith("k8s:spark/node")]


def test_auto_mode_clusters_hold_the_definitions_built_in():
    from emulator import k8s

    store = k8s.ClusterStore()
    store.register_auto_mode()
    store.register_auto_mode()  # once only
    assert store.kind("karpenter.sh", "v1", "nodepools").kind == "NodePool"
    assert store.kind("eks.amazonaws.com", "v1", "nodeclasses").namespaced is False
    assert all(key in store.system for key in store.objects)


def test_an_auto_mode_cluster_serves_its_built_in_pools_and_validates_new_ones(aws, tmp_path):
    from conftest import node_role

    _, subnets = network(aws("ec2"))
    iam = aws("iam")
    nodes = node_role(iam, "auto-nodes")
    auto = {"enabled": True, "nodeRoleArn": nodes, "nodePools": ["system", "general-purpose"]}
    created = aws("eks").create_cluster(
        name="auto",
        roleArn=role(iam, "auto-cluster", actions=["sts:AssumeRole", "sts:TagSession"]),
        resourcesVpcConfig={"subnetIds": subnets},
        accessConfig={"authenticationMode": "API"},
        computeConfig=auto,
        kubernetesNetworkConfig={"elasticLoadBalancing": {"enabled": True}},
        storageConfig={"blockStorage": {"enabled": True}},
    )["cluster"]
    ca_file = tmp_path / "ca.pem"
    ca_file.write_bytes(base64.b64decode(created["certificateAuthority"]["data"]))

    def call(method: str, path: str, body=None) -> requests.Response:
        headers = {"Authorization": f"Bearer {eks_token('auto')}"}
        return requests.request(method, created["endpoint"] + path, json=body, headers=headers, verify=str(ca_file))

    built_in = call("GET", NODE_POOLS).json()
    assert [p["metadata"]["name"] for p in built_in["items"]] == ["general-purpose", "system"]
    assert all(p["status"]["conditions"][0]["status"] == "True" for p in built_in["items"])
    assert call("GET", NODE_CLASSES + "/default").json()["metadata"]["finalizers"] == [
        "eks.amazonaws.com/termination"
    ]
    # The definitions Auto Mode brings validate new pools as Karpenter's do.
    assert call("POST", NODE_CLASSES, node_class()).status_code == 201
    assert call("POST", NODE_POOLS, node_pool(disruption={"consolidationPolicy": "Always"})).status_code == 422
    assert call("POST", NODE_POOLS, node_pool()).status_code == 201
