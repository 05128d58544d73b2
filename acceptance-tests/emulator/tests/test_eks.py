"""EKS: what the extension adds to and corrects in moto."""

from __future__ import annotations

import base64
import json

import pytest
import requests
from botocore.exceptions import ClientError
from cryptography import x509

from conftest import cluster, eks_token, network, node_role, pod_role, role, wait_for


def error_code(e: pytest.ExceptionInfo) -> str:
    return e.value.response["Error"]["Code"]


def test_create_cluster_records_what_moto_drops(aws):
    created = cluster(
        aws,
        "c1",
        logging={"clusterLogging": [{"types": ["audit", "api"], "enabled": True}]},
        kubernetesNetworkConfig={"serviceIpv4Cidr": "10.100.0.0/16"},
        tags={"team": "data"},
        accessConfig={"authenticationMode": "API_AND_CONFIG_MAP"},
    )
    described = aws("eks").describe_cluster(name="c1")["cluster"]
    for seen in (created, described):
        assert seen["status"] == "ACTIVE"
        assert seen["version"] == "1.33"
        assert seen["accessConfig"] == {
            "authenticationMode": "API_AND_CONFIG_MAP",
            "bootstrapClusterCreatorAdminPermissions": True,
        }
        assert seen["logging"]["clusterLogging"] == [
            {"types": ["api", "audit"], "enabled": True},
            {"types": ["authenticator", "controllerManager", "scheduler"], "enabled": False},
        ]
        vpc = seen["resourcesVpcConfig"]
        assert (vpc["endpointPublicAccess"], vpc["endpointPrivateAccess"], vpc["publicAccessCidrs"]) == (
            True,
            False,
            ["0.0.0.0/0"],
        )
        assert vpc["vpcId"].startswith("vpc-") and vpc["clusterSecurityGroupId"].startswith("sg-")
        assert seen["kubernetesNetworkConfig"]["serviceIpv4Cidr"] == "10.100.0.0/16"
        assert seen["tags"] == {"team": "data"}
    x509.load_pem_x509_certificate(base64.b64decode(described["certificateAuthority"]["data"]))
    other = cluster(aws, "c2")
    assert other["identity"]["oidc"]["issuer"] != created["identity"]["oidc"]["issuer"]
    assert other["endpoint"].endswith("/k8s/c2")


def test_create_cluster_is_idempotent_per_client_request_token(aws):
    _, subnets = network(aws("ec2"))
    arn = role(aws("iam"), "r")
    eks = aws("eks")
    first = eks.create_cluster(
        name="c1", roleArn=arn, resourcesVpcConfig={"subnetIds": subnets}, clientRequestToken="t1"
    )
    again = eks.create_cluster(
        name="c1", roleArn=arn, resourcesVpcConfig={"subnetIds": subnets}, clientRequestToken="t1"
    )
    assert again["cluster"]["arn"] == first["cluster"]["arn"]
    with pytest.raises(ClientError) as e:
        eks.create_cluster(name="c1", roleArn=arn, resourcesVpcConfig={"subnetIds": subnets}, clientRequestToken="t2")
    assert error_code(e) == "ResourceInUseException"


def test_create_cluster_checks_its_subnets(aws):
    vpc, subnets = network(aws("ec2"))
    eks = aws("eks")
    arn = role(aws("iam"), "r")
    with pytest.raises(ClientError) as e:
        eks.create_cluster(name="c1", roleArn=arn, resourcesVpcConfig={"subnetIds": subnets[:1]})
    assert "at least two different AZs" in e.value.response["Error"]["Message"]
    with pytest.raises(ClientError) as e:
        eks.create_cluster(name="c1", roleArn=arn, resourcesVpcConfig={"subnetIds": ["subnet-0000", subnets[0]]})
    assert error_code(e) == "InvalidParameterException"


def test_access_entries(aws):
    created = cluster(aws, "c1")
    eks = aws("eks")
    admin_role = role(aws("iam"), "admins")
    # The creator gets an entry of its own (bootstrapClusterCreatorAdminPermissions defaults to true).
    assert len(eks.list_access_entries(clusterName="c1")["accessEntries"]) == 1
    entry = eks.create_access_entry(clusterName="c1", principalArn=admin_role, kubernetesGroups=["spark-admins"])[
        "accessEntry"
    ]
    assert entry["type"] == "STANDARD"
    assert entry["username"] == "arn:aws:sts::123456789012:assumed-role/admins/{{SessionName}}"
    assert entry["accessEntryArn"].startswith("arn:aws:eks:us-east-1:123456789012:access-entry/c1/role/")
    with pytest.raises(ClientError) as e:
        eks.create_access_entry(clusterName="c1", principalArn=admin_role)
    assert error_code(e) == "ResourceInUseException"
    policy = "arn:aws:eks::aws:cluster-access-policy/AmazonEKSEditPolicy"
    associated = eks.associate_access_policy(
        clusterName="c1",
        principalArn=admin_role,
        policyArn=policy,
        accessScope={"type": "namespace", "namespaces": ["spark"]},
    )
    assert associated["associatedAccessPolicy"]["accessScope"] == {"type": "namespace", "namespaces": ["spark"]}
    listed = eks.list_associated_access_policies(clusterName="c1", principalArn=admin_role)["associatedAccessPolicies"]
    assert [p["policyArn"] for p in listed] == [policy]
    assert eks.list_access_entries(clusterName="c1", associatedPolicyArn=policy)["accessEntries"] == [admin_role]
    updated = eks.update_access_entry(clusterName="c1", principalArn=admin_role, kubernetesGroups=["other"])[
        "accessEntry"
    ]
    assert updated["kubernetesGroups"] == ["other"]
    eks.disassociate_access_policy(clusterName="c1", principalArn=admin_role, policyArn=policy)
    eks.delete_access_entry(clusterName="c1", principalArn=admin_role)
    with pytest.raises(ClientError) as e:
        eks.describe_access_entry(clusterName="c1", principalArn=admin_role)
    assert error_code(e) == "ResourceNotFoundException"
    assert created["accessConfig"]["authenticationMode"] == "API"


def test_access_entries_need_api_authentication(aws):
    cluster(aws, "c1", accessConfig={"authenticationMode": "CONFIG_MAP"})
    with pytest.raises(ClientError) as e:
        aws("eks").create_access_entry(clusterName="c1", principalArn=role(aws("iam"), "x"))
    assert error_code(e) == "InvalidRequestException"


def test_addon_catalogue_has_one_default_per_kubernetes_version(aws):
    addons = aws("eks").describe_addon_versions()["addons"]
    names = {a["addonName"] for a in addons}
    assert {"vpc-cni", "coredns", "kube-proxy", "aws-ebs-csi-driver", "eks-pod-identity-agent"} <= names
    for addon in addons:
        for k8s in ("1.29", "1.30", "1.31", "1.32", "1.33"):
            defaults = [
                v["addonVersion"]
                for v in addon["addonVersions"]
                for c in v["compatibilities"]
                if c["clusterVersion"] == k8s and c["defaultVersion"]
            ]
            assert len(defaults) == 1, (addon["addonName"], k8s, defaults)
    only = aws("eks").describe_addon_versions(kubernetesVersion="1.29", addonName="kube-proxy")["addons"]
    assert all(c["clusterVersion"] == "1.29" for v in only[0]["addonVersions"] for c in v["compatibilities"])


def test_addons(aws):
    cluster(aws, "c1", version="1.31")
    eks = aws("eks")
    addon = eks.create_addon(clusterName="c1", addonName="coredns", configurationValues='{"replicaCount": 3}')["addon"]
    # CoreDNS runs a Deployment: without nodes, it has no replicas.
    assert (addon["status"], addon["addonVersion"]) == ("DEGRADED", "v1.11.3-eksbuild.2")
    assert eks.list_addons(clusterName="c1")["addons"] == ["coredns"]
    with pytest.raises(ClientError) as e:
        eks.create_addon(clusterName="c1", addonName="coredns")
    assert error_code(e) == "ResourceInUseException"
    with pytest.raises(ClientError) as e:
        eks.create_addon(clusterName="c1", addonName="kube-proxy", addonVersion="v1.33.0-eksbuild.2")
    assert error_code(e) == "InvalidParameterException"
    update = eks.update_addon(clusterName="c1", addonName="coredns", configurationValues='{"replicaCount": 2}')[
        "update"
    ]
    described = eks.describe_update(name="c1", updateId=update["id"], addonName="coredns")["update"]
    assert (described["type"], described["status"]) == ("AddonUpdate", "Successful")
    assert (
        eks.describe_addon(clusterName="c1", addonName="coredns")["addon"]["configurationValues"]
        == '{"replicaCount": 2}'
    )
    eks.delete_addon(clusterName="c1", addonName="coredns")
    with pytest.raises(ClientError) as e:
        eks.describe_addon(clusterName="c1", addonName="coredns")
    assert error_code(e) == "ResourceNotFoundException"


def test_pod_identity_associations(aws):
    cluster(aws, "c1")
    eks = aws("eks")
    job_role = pod_role(aws("iam"), "spark-jobs")
    association = eks.create_pod_identity_association(
        clusterName="c1", namespace="spark", serviceAccount="driver", roleArn=job_role
    )["association"]
    association_id = association["associationId"]
    with pytest.raises(ClientError) as e:
        eks.create_pod_identity_association(
            clusterName="c1", namespace="spark", serviceAccount="driver", roleArn=job_role
        )
    assert error_code(e) == "ResourceInUseException"
    listed = eks.list_pod_identity_associations(clusterName="c1", namespace="spark")["associations"]
    assert [a["associationId"] for a in listed] == [association_id]
    other_role = pod_role(aws("iam"), "other")
    updated = eks.update_pod_identity_association(clusterName="c1", associationId=association_id, roleArn=other_role)
    assert updated["association"]["roleArn"] == other_role
    assert (
        eks.describe_pod_identity_association(clusterName="c1", associationId=association_id)["association"]["roleArn"]
        == other_role
    )
    eks.delete_pod_identity_association(clusterName="c1", associationId=association_id)
    assert eks.list_pod_identity_associations(clusterName="c1")["associations"] == []


def test_nodegroup_runs_on_a_real_auto_scaling_group(aws, admin):
    created = cluster(aws, "c1")
    eks, autoscaling = aws("eks"), aws("autoscaling")
    nodegroup = eks.create_nodegroup(
        clusterName="c1",
        nodegroupName="ng",
        subnets=created["resourcesVpcConfig"]["subnetIds"],
        nodeRole=node_role(aws("iam"), "nodes"),
        scalingConfig={"minSize": 1, "maxSize": 3, "desiredSize": 1},
    )["nodegroup"]
    group_name = nodegroup["resources"]["autoScalingGroups"][0]["name"]
    autoscaling.create_or_update_tags(
        Tags=[
            {
                "ResourceId": group_name,
                "ResourceType": "auto-scaling-group",
                "Key": "k8s.io/cluster-autoscaler/node-template/label/role",
                "Value": "spark",
                "PropagateAtLaunch": False,
            }
        ]
    )
    group = autoscaling.describe_auto_scaling_groups(AutoScalingGroupNames=[group_name])["AutoScalingGroups"][0]
    assert (group["MinSize"], group["MaxSize"], group["DesiredCapacity"]) == (1, 3, 1)
    assert {"eks:nodegroup-name", "k8s.io/cluster-autoscaler/node-template/label/role"} <= {
        t["Key"] for t in group["Tags"]
    }
    update = eks.update_nodegroup_config(clusterName="c1", nodegroupName="ng", scalingConfig={"desiredSize": 2})[
        "update"
    ]
    assert eks.describe_update(name="c1", updateId=update["id"], nodegroupName="ng")["update"]["status"] == "Successful"
    assert (
        autoscaling.describe_auto_scaling_groups(AutoScalingGroupNames=[group_name])["AutoScalingGroups"][0][
            "DesiredCapacity"
        ]
        == 2
    )
    with pytest.raises(ClientError) as e:
        eks.delete_cluster(name="c1")
    assert error_code(e) == "ResourceInUseException"
    eks.delete_nodegroup(clusterName="c1", nodegroupName="ng")
    assert autoscaling.describe_auto_scaling_groups(AutoScalingGroupNames=[group_name])["AutoScalingGroups"] == []
    # Nothing EKS made for the cluster and its nodes keeps the VPC from being deleted.
    eks.delete_cluster(name="c1")
    ec2 = aws("ec2")
    for subnet in created["resourcesVpcConfig"]["subnetIds"]:
        ec2.delete_subnet(SubnetId=subnet)
    ec2.delete_vpc(VpcId=created["resourcesVpcConfig"]["vpcId"])
    assert set(admin("GET", "inventory")) == {"iam:role"}


def test_each_nodegroup_keeps_its_own_scaling_config(aws, admin):
    created = cluster(aws, "c1")
    eks, subnets, nodes = aws("eks"), created["resourcesVpcConfig"]["subnetIds"], node_role(aws("iam"), "nodes")
    sent = {
        "given": {"minSize": 0, "maxSize": 5, "desiredSize": 0},
        "other": {"minSize": 3, "maxSize": 9, "desiredSize": 4},
        "default": None,
    }
    for name, scaling in sent.items():
        extra = {"scalingConfig": scaling} if scaling else {}
        eks.create_nodegroup(clusterName="c1", nodegroupName=name, subnets=subnets, nodeRole=nodes, **extra)
    sent["default"] = {"minSize": 1, "maxSize": 2, "desiredSize": 2}  # EKS's defaults

    def described() -> dict:
        return {
            n: eks.describe_nodegroup(clusterName="c1", nodegroupName=n)["nodegroup"]["scalingConfig"] for n in sent
        }

    assert described() == sent
    assert sorted(eks.list_nodegroups(clusterName="c1")["nodegroups"]) == sorted(sent)
    admin("POST", "config", {"latency": {"eks:nodegroup": 0.3}})
    for name, scaling in (("given", {"minSize": 1, "maxSize": 6, "desiredSize": 2}), ("default", {"desiredSize": 1})):
        update = eks.update_nodegroup_config(clusterName="c1", nodegroupName=name, scalingConfig=scaling)["update"]
        assert update["type"] == "ConfigUpdate" and update["status"] == "InProgress"
        assert eks.describe_nodegroup(clusterName="c1", nodegroupName=name)["nodegroup"]["status"] == "UPDATING"
        assert eks.list_updates(name="c1", nodegroupName=name)["updateIds"] == [update["id"]]
        assert wait_for(
            lambda: eks.describe_update(name="c1", nodegroupName=name, updateId=update["id"])["update"]["status"]
            == "Successful"
        )
        assert eks.describe_nodegroup(clusterName="c1", nodegroupName=name)["nodegroup"]["status"] == "ACTIVE"
        sent[name] = {**sent[name], **scaling}
        assert described() == sent
    with pytest.raises(ClientError) as e:  # a nodegroup update is found through its nodegroup only
        eks.describe_update(name="c1", updateId=update["id"])
    assert error_code(e) == "ResourceNotFoundException"


def test_cluster_updates(aws):
    cluster(aws, "c1", version="1.32", accessConfig={"authenticationMode": "CONFIG_MAP"})
    eks = aws("eks")
    update = eks.update_cluster_config(name="c1", accessConfig={"authenticationMode": "API_AND_CONFIG_MAP"})["update"]
    assert eks.describe_update(name="c1", updateId=update["id"])["update"]["type"] == "AccessConfigUpdate"
    assert eks.describe_cluster(name="c1")["cluster"]["accessConfig"]["authenticationMode"] == "API_AND_CONFIG_MAP"
    with pytest.raises(ClientError) as e:
        eks.update_cluster_config(name="c1", accessConfig={"authenticationMode": "CONFIG_MAP"})
    assert error_code(e) == "InvalidParameterException"
    with pytest.raises(ClientError) as e:
        eks.update_cluster_config(
            name="c1", logging={"clusterLogging": []}, resourcesVpcConfig={"endpointPrivateAccess": True}
        )
    assert e.value.response["Error"]["Message"] == "Only one type of update can be allowed."
    eks.update_cluster_config(
        name="c1", resourcesVpcConfig={"endpointPrivateAccess": True, "publicAccessCidrs": ["10.0.0.0/8"]}
    )
    vpc = eks.describe_cluster(name="c1")["cluster"]["resourcesVpcConfig"]
    assert (vpc["endpointPrivateAccess"], vpc["publicAccessCidrs"]) == (True, ["10.0.0.0/8"])
    with pytest.raises(ClientError) as e:
        eks.update_cluster_version(name="c1", version="1.29")
    assert error_code(e) == "InvalidParameterException"
    update = eks.update_cluster_version(name="c1", version="1.33")["update"]
    assert eks.describe_update(name="c1", updateId=update["id"])["update"]["status"] == "Successful"
    assert eks.describe_cluster(name="c1")["cluster"]["version"] == "1.33"


def test_tags_on_every_resource(aws):
    cluster(aws, "c1")
    eks = aws("eks")
    addon_arn = eks.create_addon(clusterName="c1", addonName="vpc-cni", tags={"a": "1"})["addon"]["addonArn"]
    eks.tag_resource(resourceArn=addon_arn, tags={"b": "2"})
    eks.untag_resource(resourceArn=addon_arn, tagKeys=["a"])
    assert eks.list_tags_for_resource(resourceArn=addon_arn)["tags"] == {"b": "2"}


def test_deleting_a_cluster_deletes_what_belongs_to_it(aws, admin):
    cluster(aws, "c1")
    eks = aws("eks")
    eks.create_addon(clusterName="c1", addonName="vpc-cni")
    eks.create_pod_identity_association(
        clusterName="c1", namespace="n", serviceAccount="s", roleArn=pod_role(aws("iam"), "x")
    )
    eks.delete_cluster(name="c1")
    inventory = admin("GET", "inventory")
    assert not any(kind.startswith("eks:") for kind in inventory), inventory


def test_lifecycle_latency(aws, admin):
    admin("POST", "config", {"latency": {"eks:cluster": 0.6, "eks:addon": 0.3}})
    eks = aws("eks")
    assert cluster(aws, "c1")["status"] == "CREATING"
    with pytest.raises(ClientError) as e:
        eks.create_addon(clusterName="c1", addonName="vpc-cni")
    assert error_code(e) == "InvalidRequestException"
    assert wait_for(lambda: eks.describe_cluster(name="c1")["cluster"]["status"] == "ACTIVE")
    assert eks.create_addon(clusterName="c1", addonName="vpc-cni")["addon"]["status"] == "CREATING"
    assert wait_for(lambda: eks.describe_addon(clusterName="c1", addonName="vpc-cni")["addon"]["status"] == "ACTIVE")
    assert eks.delete_cluster(name="c1")["cluster"]["status"] == "DELETING"
    assert eks.describe_cluster(name="c1")["cluster"]["status"] == "DELETING"

    def gone() -> bool:
        try:
            eks.describe_cluster(name="c1")
            return False
        except eks.exceptions.ResourceNotFoundException:
            return True

    assert wait_for(gone)


@pytest.mark.parametrize(
    "principal, message",
    [
        ("arn:aws:iam::123456789012:role/NotCreated", "The specified principalArn is invalid: invalid principal."),
        ("arn:aws:sts::123456789012:assumed-role/Admin/me", "The principalArn parameter format is not valid"),
        (
            "arn:aws:iam::123456789012:role/aws-service-role/emr-containers.amazonaws.com/AWSServiceRoleForAmazonEMRContainers",
            "not allowed to modify access entries with a principalArn value of a Service Linked Role",
        ),
    ],
)
def test_access_entry_principal_must_be_an_existing_iam_principal(aws, principal, message):
    cluster(aws, "c1")
    with pytest.raises(ClientError) as e:
        aws("eks").create_access_entry(clusterName="c1", principalArn=principal)
    assert error_code(e) == "InvalidParameterException" and message in e.value.response["Error"]["Message"]


def trust(service: str, actions) -> str:
    return json.dumps(
        {
            "Version": "2012-10-17",
            "Statement": [{"Effect": "Allow", "Principal": {"Service": service}, "Action": actions}],
        }
    )


def test_cluster_role_must_exist_and_trust_eks(aws):
    _, subnets = network(aws("ec2"))
    iam, eks = aws("iam"), aws("eks")
    ec2_role = node_role(iam, "looks-like-nodes")
    for arn in ("arn:aws:iam::123456789012:role/absent", ec2_role):
        with pytest.raises(ClientError) as e:
            eks.create_cluster(name="c1", roleArn=arn, resourcesVpcConfig={"subnetIds": subnets})
        assert error_code(e) == "InvalidParameterException"
        assert e.value.response["Error"]["Message"] == (
            f"Role with arn: {arn}, could not be assumed because it does not exist or the trusted entity is not correct"
        )
        assert e.value.response["clusterName"] == "c1"
    assert eks.list_clusters()["clusters"] == []
    tagged = iam.create_role(
        RoleName="tagging", AssumeRolePolicyDocument=trust("eks.amazonaws.com", ["sts:AssumeRole", "sts:TagSession"])
    )["Role"]["Arn"]
    eks.create_cluster(name="c1", roleArn=tagged, resourcesVpcConfig={"subnetIds": subnets})


def test_node_role_must_trust_ec2(aws):
    created = cluster(aws, "c1")
    eks = aws("eks")
    cluster_role = role(aws("iam"), "not-for-nodes")
    with pytest.raises(ClientError) as e:
        eks.create_nodegroup(
            clusterName="c1", nodegroupName="ng", subnets=created["resourcesVpcConfig"]["subnetIds"], nodeRole=cluster_role
        )
    assert error_code(e) == "InvalidParameterException"
    assert e.value.response["Error"]["Message"] == (
        "Following required service principals [ec2.amazonaws.com] were not found in the trust relationships "
        f"of nodeRole {cluster_role}"
    )
    assert eks.list_nodegroups(clusterName="c1")["nodegroups"] == []


def test_pod_identity_role_must_trust_pods_with_session_tags(aws):
    cluster(aws, "c1")
    eks, iam = aws("eks"), aws("iam")
    without_tags = role(iam, "no-tags", "pods.eks.amazonaws.com")
    for arn in (role(iam, "irsa-like"), without_tags):
        with pytest.raises(ClientError) as e:
            eks.create_pod_identity_association(clusterName="c1", namespace="n", serviceAccount="s", roleArn=arn)
        assert error_code(e) == "InvalidParameterException"
        assert e.value.response["Error"]["Message"].startswith("Trust policy of the role provided is invalid.")
        with pytest.raises(ClientError) as e:
            eks.create_addon(
                clusterName="c1",
                addonName="aws-ebs-csi-driver",
                podIdentityAssociations=[{"serviceAccount": "ebs-csi-controller-sa", "roleArn": arn}],
            )
        assert error_code(e) == "InvalidParameterException"
    wildcard = role(iam, "wildcard", "pods.eks.amazonaws.com", "sts:*")
    eks.create_pod_identity_association(clusterName="c1", namespace="n", serviceAccount="s", roleArn=wildcard)


def test_addons_with_deployments_are_degraded_until_nodes_run(aws, admin):
    created = cluster(aws, "c1", version="1.31")
    eks = aws("eks")
    for name in ("coredns", "aws-ebs-csi-driver", "vpc-cni", "kube-proxy", "eks-pod-identity-agent"):
        eks.create_addon(clusterName="c1", addonName=name)

    def health() -> dict:
        return {
            n: (a["status"], [i["code"] for i in a["health"]["issues"]])
            for n in eks.list_addons(clusterName="c1")["addons"]
            for a in [eks.describe_addon(clusterName="c1", addonName=n)["addon"]]
        }

    degraded = ("DEGRADED", ["InsufficientNumberOfReplicas"])
    assert health() == {
        "coredns": degraded,
        "aws-ebs-csi-driver": degraded,
        "vpc-cni": ("ACTIVE", []),
        "kube-proxy": ("ACTIVE", []),
        "eks-pod-identity-agent": ("ACTIVE", []),
    }
    subnets, nodes = created["resourcesVpcConfig"]["subnetIds"], node_role(aws("iam"), "nodes")
    eks.create_nodegroup(  # no nodes yet
        clusterName="c1", nodegroupName="empty", subnets=subnets, nodeRole=nodes,
        scalingConfig={"minSize": 0, "maxSize": 2, "desiredSize": 0},
    )
    assert health()["coredns"] == degraded
    admin("POST", "config", {"latency": {"eks:nodegroup": 0.3}})
    eks.create_nodegroup(clusterName="c1", nodegroupName="system", subnets=subnets, nodeRole=nodes)
    assert health()["coredns"] == degraded  # CREATING: nodes not ready yet
    assert wait_for(lambda: health()["coredns"] == ("ACTIVE", []))
    assert all(h == ("ACTIVE", []) for h in health().values())
    eks.delete_nodegroup(clusterName="c1", nodegroupName="system")
    assert wait_for(lambda: health()["aws-ebs-csi-driver"] == degraded)


# ------------------------------------------------------------ EKS Auto Mode


def auto_mode(enabled: bool, node_role: str | None = None, pools: list[str] | None = None) -> dict:
    """The three members that turn EKS Auto Mode on or off together."""
    compute: dict = {"enabled": enabled}
    if node_role:
        compute.update(nodeRoleArn=node_role, nodePools=pools or ["system", "general-purpose"])
    return {
        "computeConfig": compute,
        "kubernetesNetworkConfig": {"elasticLoadBalancing": {"enabled": enabled}},
        "storageConfig": {"blockStorage": {"enabled": enabled}},
    }


def auto_cluster_role(iam, name: str) -> str:
    return role(iam, name, actions=["sts:AssumeRole", "sts:TagSession"])


def crd_names(aws, name: str) -> set[str]:
    described = aws("eks").describe_cluster(name=name)["cluster"]
    headers = {"Authorization": f"Bearer {eks_token(name)}"}
    reply = requests.get(
        described["endpoint"] + "/apis/apiextensions.k8s.io/v1/customresourcedefinitions", headers=headers, verify=False
    )
    assert reply.status_code == 200, reply.text
    return {item["metadata"]["name"] for item in reply.json()["items"]}


def test_auto_mode_cluster_shows_its_three_capabilities_and_node_role_entry(aws):
    _, subnets = network(aws("ec2"))
    iam = aws("iam")
    nodes = node_role(iam, "auto-nodes")
    created = aws("eks").create_cluster(
        name="auto",
        roleArn=auto_cluster_role(iam, "auto-cluster"),
        resourcesVpcConfig={"subnetIds": subnets},
        accessConfig={"authenticationMode": "API"},
        **auto_mode(True, nodes),
    )["cluster"]
    described = aws("eks").describe_cluster(name="auto")["cluster"]
    for seen in (created, described):
        assert seen["computeConfig"] == {
            "enabled": True,
            "nodePools": ["system", "general-purpose"],
            "nodeRoleArn": nodes,
        }
        assert seen["storageConfig"] == {"blockStorage": {"enabled": True}}
        assert seen["kubernetesNetworkConfig"]["elasticLoadBalancing"] == {"enabled": True}
    # EKS gives the built-in pools' node role its EC2 access entry itself.
    entry = aws("eks").describe_access_entry(clusterName="auto", principalArn=nodes)["accessEntry"]
    assert entry["type"] == "EC2"
    policies = aws("eks").list_associated_access_policies(clusterName="auto", principalArn=nodes)
    assert [p["policyArn"] for p in policies["associatedAccessPolicies"]] == [
        "arn:aws:eks::aws:cluster-access-policy/AmazonEKSAutoNodePolicy"
    ]
    assert {"nodepools.karpenter.sh", "nodeclasses.eks.amazonaws.com"} <= crd_names(aws, "auto")
    # The node role sits in Auto Mode's instance profile: IAM keeps it until the cluster goes.
    with pytest.raises(ClientError) as e:
        iam.delete_role(RoleName="auto-nodes")
    assert error_code(e) == "DeleteConflict"
    aws("eks").delete_cluster(name="auto")
    wait_for(lambda: "auto" not in aws("eks").list_clusters()["clusters"])
    assert not iam.list_instance_profiles_for_role(RoleName="auto-nodes")["InstanceProfiles"]
    # A cluster without Auto Mode reports it off.
    plain = cluster(aws, "plain")
    assert plain["computeConfig"] == {"enabled": False}
    assert plain["storageConfig"] == {"blockStorage": {"enabled": False}}
    assert plain["kubernetesNetworkConfig"]["elasticLoadBalancing"] == {"enabled": False}
    assert "nodepools.karpenter.sh" not in crd_names(aws, "plain")


@pytest.mark.parametrize(
    "members, message",
    [
        ({"computeConfig": {"enabled": True}}, "must all be set"),
        (
            {**auto_mode(True), "storageConfig": {"blockStorage": {"enabled": False}}},
            "must all be set",
        ),
        (
            {**auto_mode(True), "computeConfig": {"enabled": True, "nodePools": ["system"]}},
            "nodeRoleArn is null or empty",
        ),
        (
            {**auto_mode(True), "computeConfig": {"enabled": True, "nodePools": ["spark"], "nodeRoleArn": "NODES"}},
            "Invalid node pool spark",
        ),
    ],
)
def test_auto_mode_rules_on_create(aws, members, message):
    _, subnets = network(aws("ec2"))
    iam = aws("iam")
    nodes = node_role(iam, "nodes")
    members = json.loads(json.dumps(members).replace("NODES", nodes))
    with pytest.raises(ClientError) as e:
        aws("eks").create_cluster(
            name="auto",
            roleArn=auto_cluster_role(iam, "auto-cluster"),
            resourcesVpcConfig={"subnetIds": subnets},
            accessConfig={"authenticationMode": "API"},
            **members,
        )
    assert error_code(e) == "InvalidParameterException"
    assert message in e.value.response["Error"]["Message"]


def test_auto_mode_needs_tag_session_in_the_cluster_role_trust(aws):
    _, subnets = network(aws("ec2"))
    iam = aws("iam")
    with pytest.raises(ClientError) as e:
        aws("eks").create_cluster(
            name="auto",
            roleArn=role(iam, "plain-trust"),
            resourcesVpcConfig={"subnetIds": subnets},
            accessConfig={"authenticationMode": "API"},
            **auto_mode(True, node_role(iam, "nodes")),
        )
    assert "sts:TagSession" in e.value.response["Error"]["Message"]


def test_auto_mode_is_enabled_and_disabled_in_place(aws):
    _, subnets = network(aws("ec2"))
    iam, eks = aws("iam"), aws("eks")
    nodes = node_role(iam, "nodes")
    eks.create_cluster(
        name="switch",
        roleArn=auto_cluster_role(iam, "switch-cluster"),
        resourcesVpcConfig={"subnetIds": subnets},
        accessConfig={"authenticationMode": "API"},
    )
    wait_for(lambda: eks.describe_cluster(name="switch")["cluster"]["status"] == "ACTIVE")
    # One capability alone is refused, as is mixing Auto Mode with another kind of update.
    with pytest.raises(ClientError) as e:
        eks.update_cluster_config(name="switch", computeConfig={"enabled": True})
    assert "must all be set" in e.value.response["Error"]["Message"]
    with pytest.raises(ClientError) as e:
        eks.update_cluster_config(name="switch", upgradePolicy={"supportType": "STANDARD"}, **auto_mode(True, nodes))
    assert "Only one type of update" in e.value.response["Error"]["Message"]

    update = eks.update_cluster_config(name="switch", **auto_mode(True, nodes, ["system"]))["update"]
    assert update["type"] == "AutoModeUpdate"
    wait_for(lambda: eks.describe_cluster(name="switch")["cluster"]["status"] == "ACTIVE")
    described = eks.describe_cluster(name="switch")["cluster"]
    assert described["computeConfig"] == {"enabled": True, "nodePools": ["system"], "nodeRoleArn": nodes}
    assert described["storageConfig"] == {"blockStorage": {"enabled": True}}
    assert eks.describe_access_entry(clusterName="switch", principalArn=nodes)["accessEntry"]["type"] == "EC2"
    assert "nodeclasses.eks.amazonaws.com" in crd_names(aws, "switch")

    # The node role stays what it was once set.
    with pytest.raises(ClientError) as e:
        eks.update_cluster_config(name="switch", **auto_mode(True, node_role(iam, "other-nodes"), ["system"]))
    assert "cannot be changed" in e.value.response["Error"]["Message"]
    with pytest.raises(ClientError) as e:
        eks.update_cluster_config(name="switch", **auto_mode(True, nodes, ["system"]))
    assert "No changes needed" in e.value.response["Error"]["Message"]

    # Disabling is allowed (AWS: destructive, it terminates the nodes Auto Mode runs).
    eks.update_cluster_config(name="switch", **auto_mode(False))
    wait_for(lambda: eks.describe_cluster(name="switch")["cluster"]["status"] == "ACTIVE")
    described = eks.describe_cluster(name="switch")["cluster"]
    assert described["computeConfig"] == {"enabled": False}
    assert not iam.list_instance_profiles_for_role(RoleName="nodes")["InstanceProfiles"]
    assert described["kubernetesNetworkConfig"]["elasticLoadBalancing"] == {"enabled": False}


def test_auto_mode_built_in_pools_run_the_add_ons_pods(aws):
    """Managed nodegroups may run beside Auto Mode with the add-ons they need; CoreDNS is healthy
    without them, on a node Auto Mode starts."""
    _, subnets = network(aws("ec2"))
    iam, eks = aws("iam"), aws("eks")
    nodes = node_role(iam, "auto-nodes")
    eks.create_cluster(
        name="auto",
        roleArn=auto_cluster_role(iam, "auto-cluster"),
        resourcesVpcConfig={"subnetIds": subnets},
        accessConfig={"authenticationMode": "API"},
        **auto_mode(True, nodes, ["system"]),
    )
    wait_for(lambda: eks.describe_cluster(name="auto")["cluster"]["status"] == "ACTIVE")
    for name in ("coredns", "vpc-cni", "kube-proxy", "eks-pod-identity-agent"):
        eks.create_addon(clusterName="auto", addonName=name)
    addon = eks.describe_addon(clusterName="auto", addonName="coredns")["addon"]
    assert (addon["status"], addon["health"]["issues"]) == ("ACTIVE", [])
    eks.create_nodegroup(
        clusterName="auto", nodegroupName="notebooks", subnets=subnets, nodeRole=node_role(iam, "managed"),
        scalingConfig={"minSize": 0, "maxSize": 2, "desiredSize": 0},
    )
    assert wait_for(
        lambda: eks.describe_nodegroup(clusterName="auto", nodegroupName="notebooks")["nodegroup"]["status"] == "ACTIVE"
    )


def test_ec2_access_entries_take_only_the_auto_node_policy(aws):
    cluster(aws, "c1")
    iam, eks = aws("iam"), aws("eks")
    nodes = node_role(iam, "custom-nodes")
    eks.create_access_entry(clusterName="c1", principalArn=nodes, type="EC2")
    auto_node = "arn:aws:eks::aws:cluster-access-policy/AmazonEKSAutoNodePolicy"
    eks.associate_access_policy(
        clusterName="c1", principalArn=nodes, policyArn=auto_node, accessScope={"type": "cluster"}
    )
    with pytest.raises(ClientError) as e:
        eks.associate_access_policy(
            clusterName="c1",
            principalArn=nodes,
            policyArn="arn:aws:eks::aws:cluster-access-policy/AmazonEKSViewPolicy",
            accessScope={"type": "cluster"},
        )
    assert error_code(e) == "InvalidRequestException"
