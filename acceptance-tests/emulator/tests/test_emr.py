"""EMR on EKS (emr-containers) and EMR Studio."""

from __future__ import annotations

from datetime import timedelta

import pytest
import requests
from botocore.exceptions import ClientError

from conftest import cluster, eks_token, network, role, wait_for


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

    policy = "arn:aws:iam::123456789012:policy/session"
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
