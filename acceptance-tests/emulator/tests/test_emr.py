"""EMR on EKS (emr-containers) and EMR Studio."""

from __future__ import annotations

import base64
import json
from datetime import timedelta

import pytest
import requests
from botocore.exceptions import ClientError

from conftest import Server, cluster, eks_token, network, role, wait_for


@pytest.fixture(autouse=True)
def no_failing_endpoints(admin):
    """conftest's reset of the settings does not know fail_managed_endpoints."""
    yield
    admin("POST", "config", {"fail_managed_endpoints": []})


@pytest.fixture
def virtual_cluster(aws, server):
    cluster(aws, "spark")
    namespace = {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "spark-jobs"}}
    requests.post(
        f"{server.url}/k8s/spark/api/v1/namespaces",
        json=namespace,
        headers={"Authorization": f"Bearer {eks_token('spark')}"},
    ).raise_for_status()
    return aws("emr-containers").create_virtual_cluster(
        name="vc", containerProvider={"type": "EKS", "id": "spark", "info": {"eksInfo": {"namespace": "spark-jobs"}}}
    )["id"]


def test_virtual_cluster_needs_the_namespace_once(aws, virtual_cluster):
    emr = aws("emr-containers")
    provider = {"type": "EKS", "id": "spark", "info": {"eksInfo": {"namespace": "spark-jobs"}}}
    with pytest.raises(ClientError) as e:
        emr.create_virtual_cluster(name="again", containerProvider=provider)
    assert e.value.response["Error"]["Code"] == "ValidationException"
    emr.delete_virtual_cluster(id=virtual_cluster)
    assert emr.describe_virtual_cluster(id=virtual_cluster)["virtualCluster"]["state"] == "TERMINATED"
    emr.create_virtual_cluster(name="again", containerProvider=provider)  # moto alone refuses this
    missing = {"type": "EKS", "id": "spark", "info": {"eksInfo": {"namespace": "nowhere"}}}
    with pytest.raises(ClientError) as e:
        emr.create_virtual_cluster(name="x", containerProvider=missing)
    assert e.value.response["Error"]["Code"] == "ValidationException"


def test_virtual_clusters_are_found_again_by_eks_cluster(aws, server, virtual_cluster):
    emr = aws("emr-containers")
    cluster(aws, "other")
    requests.post(
        f"{server.url}/k8s/other/api/v1/namespaces",
        json={"metadata": {"name": "spark-jobs"}},
        headers={"Authorization": f"Bearer {eks_token('other')}"},
    ).raise_for_status()
    other = {"type": "EKS", "id": "other", "info": {"eksInfo": {"namespace": "spark-jobs"}}}
    on_other = emr.create_virtual_cluster(name="batchjob", containerProvider=other)["id"]

    def listed(**filters) -> list[tuple[str, str, str, str]]:
        pages = emr.get_paginator("list_virtual_clusters").paginate(**filters, PaginationConfig={"PageSize": 1})
        return sorted(
            (c["id"], c["name"], c["state"], c["containerProvider"]["info"]["eksInfo"]["namespace"])
            for page in pages
            for c in page["virtualClusters"]
        )

    spark = dict(containerProviderId="spark", containerProviderType="EKS")
    assert listed(**spark) == [(virtual_cluster, "vc", "RUNNING", "spark-jobs")]
    assert listed(containerProviderId="other", containerProviderType="EKS", states=["RUNNING"]) == [
        (on_other, "batchjob", "RUNNING", "spark-jobs")
    ]
    assert len(listed()) == 2 and listed(containerProviderId="nowhere") == []
    created = emr.describe_virtual_cluster(id=virtual_cluster)["virtualCluster"]["createdAt"]
    assert len(listed(createdAfter=created)) == 2 and listed(createdBefore=created - timedelta(seconds=1)) == []

    # Deleted, the namespace takes a new virtual cluster (of the same name); the old one stays listed as TERMINATED.
    emr.delete_virtual_cluster(id=virtual_cluster)
    assert listed(**spark, states=["RUNNING"]) == []
    again = emr.create_virtual_cluster(
        name="vc", containerProvider={"type": "EKS", "id": "spark", "info": {"eksInfo": {"namespace": "spark-jobs"}}}
    )["id"]
    assert listed(**spark, states=["RUNNING"]) == [(again, "vc", "RUNNING", "spark-jobs")]
    assert listed(**spark, states=["TERMINATED"]) == [(virtual_cluster, "vc", "TERMINATED", "spark-jobs")]
    assert len(listed(**spark)) == 2


def test_managed_endpoint_lifecycle(aws, admin, virtual_cluster):
    admin("POST", "config", {"latency": {"emr-containers:managed-endpoint": 0.3}})
    emr = aws("emr-containers")
    executor = role(aws("iam"), "executor")
    created = emr.create_managed_endpoint(
        name="studio",
        virtualClusterId=virtual_cluster,
        type="JUPYTER_ENTERPRISE_GATEWAY",
        releaseLabel="emr-7.2.0-latest",
        executionRoleArn=executor,
        tags={"a": "b"},
    )
    endpoint_id = created["id"]
    assert (
        emr.describe_managed_endpoint(id=endpoint_id, virtualClusterId=virtual_cluster)["endpoint"]["state"]
        == "CREATING"
    )
    assert wait_for(
        lambda: (
            emr.describe_managed_endpoint(id=endpoint_id, virtualClusterId=virtual_cluster)["endpoint"]["state"]
            == "ACTIVE"
        )
    )
    listed = emr.list_managed_endpoints(virtualClusterId=virtual_cluster, states=["ACTIVE"])["endpoints"]
    assert [e["id"] for e in listed] == [endpoint_id]
    with pytest.raises(ClientError) as e:
        emr.delete_virtual_cluster(id=virtual_cluster)
    assert e.value.response["Error"]["Code"] == "ValidationException"
    emr.delete_managed_endpoint(id=endpoint_id, virtualClusterId=virtual_cluster)
    assert wait_for(
        lambda: (
            emr.describe_managed_endpoint(id=endpoint_id, virtualClusterId=virtual_cluster)["endpoint"]["state"]
            == "TERMINATED"
        )
    )
    with pytest.raises(ClientError) as e:
        emr.create_managed_endpoint(
            name="x",
            virtualClusterId=virtual_cluster,
            type="JUPYTER_ENTERPRISE_GATEWAY",
            releaseLabel="emr-0.0-nope",
            executionRoleArn=executor,
        )
    assert e.value.response["Error"]["Code"] == "ResourceNotFoundException"


def create_endpoint(aws, virtual_cluster: str, name: str, **extra) -> str:
    return aws("emr-containers").create_managed_endpoint(
        **{
            "name": name,
            "virtualClusterId": virtual_cluster,
            "type": "JUPYTER_ENTERPRISE_GATEWAY",
            "releaseLabel": "emr-7.2.0-latest",
            "executionRoleArn": "arn:aws:iam::123456789012:role/executor",
            **extra,
        }
    )["id"]


def endpoint_of(aws, virtual_cluster: str, endpoint_id: str) -> dict:
    return aws("emr-containers").describe_managed_endpoint(id=endpoint_id, virtualClusterId=virtual_cluster)[
        "endpoint"
    ]


def settled(aws, virtual_cluster: str, endpoint_id: str, state: str) -> dict:
    assert wait_for(lambda: endpoint_of(aws, virtual_cluster, endpoint_id)["state"] == state)
    return endpoint_of(aws, virtual_cluster, endpoint_id)


def test_managed_endpoint_has_a_security_group_in_the_cluster_vpc(aws, admin, virtual_cluster):
    ec2 = aws("ec2")
    eks_vpc = aws("eks").describe_cluster(name="spark")["cluster"]["resourcesVpcConfig"]
    endpoint_id = create_endpoint(aws, virtual_cluster, "studio")
    endpoint = settled(aws, virtual_cluster, endpoint_id, "ACTIVE")
    assert endpoint["subnetIds"] == eks_vpc["subnetIds"]
    assert endpoint["serverUrl"].startswith(f"https://{endpoint_id}.")
    pem = base64.b64decode(endpoint["certificateAuthority"]["certificateData"])
    assert pem.startswith(b"-----BEGIN CERTIFICATE-----")
    assert "failureReason" not in endpoint and "stateDetails" not in endpoint

    (group,) = ec2.describe_security_groups(GroupIds=[endpoint["securityGroup"]])["SecurityGroups"]
    assert (group["GroupName"], group["VpcId"]) == (f"emr-containers-{endpoint_id}", eks_vpc["vpcId"])
    inventory = admin("GET", "inventory")
    assert inventory["emr-containers:managed-endpoint"] == [endpoint_id]
    assert "ec2:security-group" not in inventory  # the endpoint's group is EMR's, not the client's

    # What the provider does for an EMR Studio: let its engine security group in.
    engine = ec2.create_security_group(GroupName="engine", Description="e", VpcId=eks_vpc["vpcId"])["GroupId"]
    ec2.authorize_security_group_ingress(
        GroupId=endpoint["securityGroup"],
        IpPermissions=[
            {"IpProtocol": "tcp", "FromPort": 18888, "ToPort": 18888, "UserIdGroupPairs": [{"GroupId": engine}]}
        ],
    )
    (group,) = ec2.describe_security_groups(GroupIds=[endpoint["securityGroup"]])["SecurityGroups"]
    assert [(p["FromPort"], p["UserIdGroupPairs"][0]["GroupId"]) for p in group["IpPermissions"]] == [(18888, engine)]

    aws("emr-containers").delete_managed_endpoint(id=endpoint_id, virtualClusterId=virtual_cluster)
    settled(aws, virtual_cluster, endpoint_id, "TERMINATED")
    with pytest.raises(ClientError) as e:
        ec2.describe_security_groups(GroupIds=[endpoint["securityGroup"]])
    assert e.value.response["Error"]["Code"] == "InvalidGroup.NotFound"
    rules = ec2.describe_security_group_rules(Filters=[{"Name": "group-id", "Values": [endpoint["securityGroup"]]}])
    assert rules["SecurityGroupRules"] == []
    assert "emr-containers:managed-endpoint" not in admin("GET", "inventory")


def test_managed_endpoint_with_a_certificate_arn(aws, virtual_cluster):
    certificate = "arn:aws:acm:us-east-1:123456789012:certificate/0b5c1d7e-aaaa-bbbb-cccc-123456789012"
    endpoint_id = create_endpoint(aws, virtual_cluster, "own-certificate", certificateArn=certificate)
    endpoint = endpoint_of(aws, virtual_cluster, endpoint_id)
    assert endpoint["certificateArn"] == certificate
    assert endpoint["certificateAuthority"] == {"certificateArn": certificate}


def test_managed_endpoints_fail_as_configured(aws, admin, server, virtual_cluster):
    admin(
        "POST",
        "config",
        {"latency": {"emr-containers:managed-endpoint": 0.2}, "fail_managed_endpoints": ["broken", "other"]},
    )
    assert admin("GET", "config")["fail_managed_endpoints"] == {
        "broken": "CLUSTER_UNAVAILABLE",
        "other": "CLUSTER_UNAVAILABLE",
    }
    broken = create_endpoint(aws, virtual_cluster, "broken")
    fine = create_endpoint(aws, virtual_cluster, "fine")
    assert endpoint_of(aws, virtual_cluster, broken)["state"] == "CREATING"
    failed = settled(aws, virtual_cluster, broken, "FAILED")
    assert failed["failureReason"] == "CLUSTER_UNAVAILABLE"
    assert failed["stateDetails"].startswith("Resource Ingress is not ready yet")
    assert settled(aws, virtual_cluster, fine, "ACTIVE").get("failureReason") is None

    admin("POST", "config", {"latency": {}, "fail_managed_endpoints": {"user": "USER_ERROR"}})
    user = settled(aws, virtual_cluster, create_endpoint(aws, virtual_cluster, "user"), "FAILED")
    assert user["failureReason"] == "USER_ERROR" and user["stateDetails"]

    # A FAILED endpoint is deleted like any other, its security group with it.
    emr = aws("emr-containers")
    emr.delete_managed_endpoint(id=broken, virtualClusterId=virtual_cluster)
    settled(aws, virtual_cluster, broken, "TERMINATED")
    with pytest.raises(ClientError):
        aws("ec2").describe_security_groups(GroupIds=[failed["securityGroup"]])
    assert sorted(admin("GET", "inventory")["emr-containers:managed-endpoint"]) == sorted([fine, user["id"]])

    for body in (
        {"fail_managed_endpoints": "broken"},
        {"fail_managed_endpoints": {"broken": "SOMETIMES"}},
        {"fail_managed_endpoints": [1]},
    ):
        assert requests.post(f"{server.url}/_emreks/config", json=body).status_code == 400
    assert admin("GET", "config")["fail_managed_endpoints"] == {"user": "USER_ERROR"}
    admin("POST", "config", {"fail_managed_endpoints": []})
    assert "fail_managed_endpoints" not in admin("GET", "config")


def test_failing_endpoints_from_the_config_file(tmp_path):
    config = tmp_path / "config.json"
    config.write_text(json.dumps({"fail_managed_endpoints": {"a": "INTERNAL_ERROR"}}))
    started = Server(tmp_path / "stderr.log", "--config", str(config))
    try:
        settings = requests.get(f"{started.url}/_emreks/config").json()
        assert settings["fail_managed_endpoints"] == {"a": "INTERNAL_ERROR"}
    finally:
        assert started.stop() == 0


def test_managed_endpoint_of_a_deleted_eks_cluster_fails(aws, admin, virtual_cluster):
    admin("POST", "config", {"latency": {"emr-containers:managed-endpoint": 0.3}})
    orphan = create_endpoint(aws, virtual_cluster, "orphan")
    aws("eks").delete_cluster(name="spark")
    endpoint = settled(aws, virtual_cluster, orphan, "FAILED")
    assert endpoint["failureReason"] == "CLUSTER_UNAVAILABLE"
    assert endpoint["stateDetails"] == "EKS cluster spark is not available."
    # The virtual cluster is ARRESTED now, and takes no new endpoint.
    emr = aws("emr-containers")
    assert emr.describe_virtual_cluster(id=virtual_cluster)["virtualCluster"]["state"] == "ARRESTED"
    with pytest.raises(ClientError) as e:
        create_endpoint(aws, virtual_cluster, "another")
    assert e.value.response["Error"]["Code"] == "ValidationException"
    emr.delete_managed_endpoint(id=orphan, virtualClusterId=virtual_cluster)
    settled(aws, virtual_cluster, orphan, "TERMINATED")
    emr.delete_virtual_cluster(id=virtual_cluster)
    assert emr.describe_virtual_cluster(id=virtual_cluster)["virtualCluster"]["state"] == "TERMINATED"


def test_managed_endpoint_tags(aws, virtual_cluster):
    emr = aws("emr-containers")
    endpoint_id = create_endpoint(aws, virtual_cluster, "shared", tags={"owner": "platform"})
    arn = endpoint_of(aws, virtual_cluster, endpoint_id)["arn"]
    assert arn.endswith(f":/virtualclusters/{virtual_cluster}/endpoints/{endpoint_id}")
    # One tag per user of a shared endpoint, each removed when its user goes.
    emr.tag_resource(resourceArn=arn, tags={"user:alice": "true"})
    emr.tag_resource(resourceArn=arn, tags={"user:bob": "true"})
    assert emr.list_tags_for_resource(resourceArn=arn)["tags"] == {
        "owner": "platform",
        "user:alice": "true",
        "user:bob": "true",
    }
    emr.untag_resource(resourceArn=arn, tagKeys=["user:alice", "absent"])
    assert emr.list_tags_for_resource(resourceArn=arn)["tags"] == {"owner": "platform", "user:bob": "true"}
    assert endpoint_of(aws, virtual_cluster, endpoint_id)["tags"] == {"owner": "platform", "user:bob": "true"}
    emr.untag_resource(resourceArn=arn, tagKeys=["owner", "user:bob"])
    assert emr.list_tags_for_resource(resourceArn=arn)["tags"] == {}
    with pytest.raises(ClientError) as e:
        emr.list_tags_for_resource(resourceArn=arn.replace(endpoint_id, "0" * 13))
    assert e.value.response["Error"]["Code"] == "ResourceNotFoundException"


def test_list_managed_endpoints_by_state_and_type(aws, admin, virtual_cluster):
    emr = aws("emr-containers")
    active = create_endpoint(aws, virtual_cluster, "active")
    gone = create_endpoint(aws, virtual_cluster, "gone")
    emr.delete_managed_endpoint(id=gone, virtualClusterId=virtual_cluster)
    admin("POST", "config", {"latency": {"emr-containers:managed-endpoint": 5}})
    creating = create_endpoint(aws, virtual_cluster, "creating")

    def listed(**filters) -> list[str]:
        pages = emr.get_paginator("list_managed_endpoints").paginate(
            virtualClusterId=virtual_cluster, **filters, PaginationConfig={"PageSize": 1}
        )
        return sorted(e["id"] for page in pages for e in page["endpoints"])

    assert listed(states=["ACTIVE", "CREATING"]) == sorted([active, creating])
    assert listed(states=["CREATING"]) == [creating]
    assert listed(states=["TERMINATED"]) == [gone]
    assert listed(types=["JUPYTER_ENTERPRISE_GATEWAY"], states=["ACTIVE", "CREATING"]) == sorted([active, creating])
    assert listed(types=["OTHER"]) == []
    assert listed() == sorted([active, gone, creating])


def test_job_templates_and_job_runs(aws, admin, virtual_cluster):
    emr = aws("emr-containers")
    executor = role(aws("iam"), "executor")
    template = emr.create_job_template(
        name="etl",
        jobTemplateData={
            "executionRoleArn": executor,
            "releaseLabel": "${Release}",
            "jobDriver": {"sparkSubmitJobDriver": {"entryPoint": "s3://code/${Script}"}},
            "parameterConfiguration": {
                "Release": {"type": "STRING", "defaultValue": "emr-7.2.0-latest"},
                "Script": {"type": "STRING"},
            },
        },
    )
    described = emr.describe_job_template(id=template["id"])["jobTemplate"]
    assert described["name"] == "etl" and described["createdBy"].endswith("user/moto")
    assert [t["id"] for t in emr.list_job_templates()["templates"]] == [template["id"]]

    admin("POST", "config", {"latency": {"emr-containers:job-run": 0.2}})
    job = emr.start_job_run(
        virtualClusterId=virtual_cluster,
        name="run",
        jobTemplateId=template["id"],
        jobTemplateParameters={"Script": "etl.py"},
    )
    seen = []

    def completed() -> bool:
        state = emr.describe_job_run(id=job["id"], virtualClusterId=virtual_cluster)["jobRun"]["state"]
        if not seen or seen[-1] != state:
            seen.append(state)
        return state == "COMPLETED"

    assert wait_for(completed)
    assert (
        seen[0] == "PENDING"
        and seen[-1] == "COMPLETED"
        and seen == sorted(seen, key=["PENDING", "SUBMITTED", "RUNNING", "COMPLETED"].index)
    )
    run = emr.describe_job_run(id=job["id"], virtualClusterId=virtual_cluster)["jobRun"]
    assert run["jobDriver"]["sparkSubmitJobDriver"]["entryPoint"] == "s3://code/etl.py"
    emr.delete_job_template(id=template["id"])
    with pytest.raises(ClientError):
        emr.describe_job_template(id=template["id"])


def test_emr_containers_tags(aws, virtual_cluster):
    emr = aws("emr-containers")
    arn = emr.describe_virtual_cluster(id=virtual_cluster)["virtualCluster"]["arn"]
    emr.tag_resource(resourceArn=arn, tags={"team": "data"})
    assert emr.list_tags_for_resource(resourceArn=arn)["tags"] == {"team": "data"}


def test_studio_and_session_mappings(aws):
    ec2, emr = aws("ec2"), aws("emr")
    vpc, subnets = network(ec2)
    workspace = ec2.create_security_group(GroupName="workspace", Description="w", VpcId=vpc)["GroupId"]
    engine = ec2.create_security_group(GroupName="engine", Description="e", VpcId=vpc)["GroupId"]
    common = dict(
        VpcId=vpc,
        SubnetIds=subnets,
        ServiceRole="arn:aws:iam::123456789012:role/studio",
        WorkspaceSecurityGroupId=workspace,
        EngineSecurityGroupId=engine,
        DefaultS3Location="s3://studio/",
    )
    created = emr.create_studio(
        Name="s",
        AuthMode="SSO",
        UserRole="arn:aws:iam::123456789012:role/user",
        Tags=[{"Key": "a", "Value": "1"}],
        **common,
    )
    studio_id = created["StudioId"]
    assert created["Url"].startswith("https://")
    emr.update_studio(StudioId=studio_id, Description="analytics")
    studio = emr.describe_studio(StudioId=studio_id)["Studio"]
    assert (studio["Description"], studio["AuthMode"], studio["VpcId"]) == ("analytics", "SSO", vpc)
    assert [s["StudioId"] for s in emr.list_studios()["Studios"]] == [studio_id]
    emr.add_tags(ResourceId=studio_id, Tags=[{"Key": "b", "Value": "2"}])
    emr.remove_tags(ResourceId=studio_id, TagKeys=["a"])
    assert emr.describe_studio(StudioId=studio_id)["Studio"]["Tags"] == [{"Key": "b", "Value": "2"}]

    # Session policies are managed policies that must exist (AWS's own ones too).
    document = '{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:*", "Resource": "*"}]}'
    policy = aws("iam").create_policy(PolicyName="session", PolicyDocument=document)["Policy"]["Arn"]
    aws("iam").create_policy(PolicyName="session2", PolicyDocument=document)
    with pytest.raises(ClientError) as e:
        emr.create_studio_session_mapping(
            StudioId=studio_id, IdentityName="data-team", IdentityType="GROUP", SessionPolicyArn=policy + "-missing"
        )
    assert e.value.response["Error"]["Code"] == "InvalidRequestException"
    emr.create_studio_session_mapping(
        StudioId=studio_id,
        IdentityName="admins",
        IdentityType="GROUP",
        SessionPolicyArn="arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess",
    )
    emr.delete_studio_session_mapping(StudioId=studio_id, IdentityName="admins", IdentityType="GROUP")
    emr.create_studio_session_mapping(
        StudioId=studio_id, IdentityName="data-team", IdentityType="GROUP", SessionPolicyArn=policy
    )
    with pytest.raises(ClientError) as e:
        emr.create_studio_session_mapping(
            StudioId=studio_id, IdentityName="data-team", IdentityType="GROUP", SessionPolicyArn=policy
        )
    assert e.value.response["Error"]["Code"] == "InvalidRequestException"
    emr.update_studio_session_mapping(
        StudioId=studio_id, IdentityName="data-team", IdentityType="GROUP", SessionPolicyArn=policy + "2"
    )
    mapping = emr.get_studio_session_mapping(StudioId=studio_id, IdentityName="data-team", IdentityType="GROUP")[
        "SessionMapping"
    ]
    assert mapping["SessionPolicyArn"] == policy + "2"
    assert len(emr.list_studio_session_mappings(StudioId=studio_id)["SessionMappings"]) == 1
    emr.delete_studio_session_mapping(StudioId=studio_id, IdentityName="data-team", IdentityType="GROUP")
    emr.delete_studio(StudioId=studio_id)
    with pytest.raises(ClientError) as e:
        emr.describe_studio(StudioId=studio_id)
    assert e.value.response["Error"]["Code"] == "InvalidRequestException"
    with pytest.raises(ClientError) as e:
        emr.create_studio(Name="iam", AuthMode="IAM", **{**common, "SubnetIds": ["subnet-missing"]})
    assert e.value.response["Error"]["Code"] == "InvalidRequestException"


GOOD_LABELS = [
    "emr-7.9.0-latest",
    "emr-7.2.0-20240610",
    "emr-6.15.0-java17-latest",
    "emr-6.12.0-java11-20230701",
    "emr-6.14.0-java17-al2023-latest",
    "emr-7.1.0-spark-rapids-latest",
    "emr-6.14.0-spark-rapids-java17-al2023-20231005",
    "emr-5.36.0-latest",
]
BAD_LABELS = [
    "emr-5.x",
    "emr-5.31.0-latest",  # EMR on EKS starts at 5.32.0 and 6.2.0
    "emr-6.1.0-latest",
    "emr-7.9.0",  # no -latest or date
    "emr-7.9.0-2024",
    "emr-7.9.0-20241340",
    "emr-7.9.0-java8-latest",
    "emr-5.36.0-java17-latest",
    "emr-9.0.0-latest",
    "emr-seven",
]


def start(aws, virtual_cluster: str, label: str, name: str = "job") -> dict:
    return aws("emr-containers").start_job_run(
        virtualClusterId=virtual_cluster,
        name=name,
        executionRoleArn="arn:aws:iam::123456789012:role/jobs",
        releaseLabel=label,
        jobDriver={"sparkSubmitJobDriver": {"entryPoint": "s3://code/etl.py"}},
    )


def test_release_labels_emr_on_eks_runs(aws, virtual_cluster):
    for label in GOOD_LABELS:
        start(aws, virtual_cluster, label)
    for label in BAD_LABELS:
        with pytest.raises(ClientError) as e:
            start(aws, virtual_cluster, label)
        assert e.value.response["Error"]["Code"] == "ResourceNotFoundException", label
        with pytest.raises(ClientError) as e:
            aws("emr-containers").create_job_template(
                name="t",
                jobTemplateData={
                    "executionRoleArn": "arn:aws:iam::123456789012:role/jobs",
                    "releaseLabel": label,
                    "jobDriver": {"sparkSubmitJobDriver": {"entryPoint": "s3://code/etl.py"}},
                },
            )
        assert e.value.response["Error"]["Code"] == "ResourceNotFoundException", label
    # Interactive endpoints need 6.7.0 or later.
    with pytest.raises(ClientError) as e:
        create_endpoint(aws, virtual_cluster, "old", releaseLabel="emr-6.6.0-latest")
    assert e.value.response["Error"]["Code"] == "ValidationException"
    with pytest.raises(ClientError) as e:
        create_endpoint(aws, virtual_cluster, "bad", releaseLabel="emr-5.x")
    assert e.value.response["Error"]["Code"] == "ResourceNotFoundException"


def test_job_runs_fail_as_configured(aws, admin, server, virtual_cluster):
    emr = aws("emr-containers")
    admin(
        "POST",
        "config",
        {
            "latency": {"emr-containers:job-run": 0.1},
            "fail_job_runs": {"broken": {"failureReason": "USER_ERROR", "stateDetails": "Job failed: exit code 1"}},
        },
    )
    broken = start(aws, virtual_cluster, "emr-7.9.0-latest", name="broken")["id"]
    fine = start(aws, virtual_cluster, "emr-7.9.0-latest", name="fine")["id"]

    def state(job_id: str) -> str:
        return emr.describe_job_run(id=job_id, virtualClusterId=virtual_cluster)["jobRun"]["state"]

    assert wait_for(lambda: state(broken) in ("FAILED", "COMPLETED") and state(fine) in ("FAILED", "COMPLETED"))
    failed = emr.describe_job_run(id=broken, virtualClusterId=virtual_cluster)["jobRun"]
    assert (failed["state"], failed["failureReason"], failed["stateDetails"]) == (
        "FAILED",
        "USER_ERROR",
        "Job failed: exit code 1",
    )
    assert "finishedAt" in failed
    assert state(fine) == "COMPLETED"
    admin("POST", "config", {"latency": {}, "fail_job_runs": ["again"]})
    assert admin("GET", "config")["fail_job_runs"] == {"again": {"failureReason": "USER_ERROR"}}
    again = emr.describe_job_run(id=start(aws, virtual_cluster, "emr-7.9.0-latest", name="again")["id"], virtualClusterId=virtual_cluster)
    assert again["jobRun"]["state"] == "FAILED" and again["jobRun"]["stateDetails"]
    for body in (
        {"fail_job_runs": {"x": {"failureReason": "BAD_LUCK"}}},
        {"fail_job_runs": {"x": "USER_ERROR"}},
        {"fail_job_runs": "x"},
    ):
        assert requests.post(f"{server.url}/_emreks/config", json=body).status_code == 400


def test_virtual_cluster_of_a_deleted_namespace_is_arrested(aws, server, virtual_cluster):
    emr = aws("emr-containers")
    requests.delete(
        f"{server.url}/k8s/spark/api/v1/namespaces/spark-jobs", headers={"Authorization": f"Bearer {eks_token('spark')}"}
    ).raise_for_status()
    assert emr.describe_virtual_cluster(id=virtual_cluster)["virtualCluster"]["state"] == "ARRESTED"
    listed = emr.list_virtual_clusters(containerProviderId="spark", states=["ARRESTED"])["virtualClusters"]
    assert [c["id"] for c in listed] == [virtual_cluster]
    with pytest.raises(ClientError) as e:
        start(aws, virtual_cluster, "emr-7.9.0-latest")
    assert e.value.response["Error"]["Code"] == "ValidationException"
    emr.delete_virtual_cluster(id=virtual_cluster)


def test_endpoint_load_balancer_holds_its_security_group_for_a_while(aws, admin, virtual_cluster):
    admin("POST", "config", {"eni_release_seconds": 0.5})
    ec2, emr = aws("ec2"), aws("emr-containers")
    endpoint_id = create_endpoint(aws, virtual_cluster, "studio")
    endpoint = settled(aws, virtual_cluster, endpoint_id, "ACTIVE")
    enis = ec2.describe_network_interfaces(
        Filters=[{"Name": "group-id", "Values": [endpoint["securityGroup"]]}]
    )["NetworkInterfaces"]
    assert enis and all(e["Description"].startswith(f"ELB app/emr-containers-{endpoint_id}/") for e in enis)
    vpc = aws("eks").describe_cluster(name="spark")["cluster"]["resourcesVpcConfig"]["vpcId"]
    engine = ec2.create_security_group(GroupName="engine", Description="e", VpcId=vpc)["GroupId"]
    ec2.authorize_security_group_ingress(
        GroupId=endpoint["securityGroup"],
        IpPermissions=[{"IpProtocol": "tcp", "FromPort": 18888, "ToPort": 18888, "UserIdGroupPairs": [{"GroupId": engine}]}],
    )
    emr.delete_managed_endpoint(id=endpoint_id, virtualClusterId=virtual_cluster)
    settled(aws, virtual_cluster, endpoint_id, "TERMINATED")
    with pytest.raises(ClientError) as e:  # the endpoint's group, and its rule, outlive it a while
        ec2.delete_security_group(GroupId=engine)
    assert e.value.response["Error"]["Code"] == "DependencyViolation"

    def deleted() -> bool:
        try:
            ec2.delete_security_group(GroupId=engine)
            return True
        except ClientError:
            return False

    assert wait_for(deleted, timeout=5)
    assert "ec2:security-group" not in admin("GET", "inventory")
