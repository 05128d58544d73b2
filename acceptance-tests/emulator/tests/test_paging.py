"""Paging at a small `page_size`: every list operation the provider uses
pages, whether the extension or moto serves it, and boto3's paginators
read every page."""

from __future__ import annotations

import json

import pytest

from conftest import cluster, network, node_role, role

PAGE = 2
POLICY = json.dumps({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:*", "Resource": "*"}]})


@pytest.fixture
def small_pages(admin):
    admin("POST", "config", {"page_size": PAGE})


def read_all(client, operation: str, key: str, **params) -> tuple[list, int]:
    """Every item over every page, and how many pages it took."""
    pages = list(client.get_paginator(operation).paginate(**params))
    return [item for page in pages for item in page.get(key, [])], len(pages)


def first_page(client, operation: str, key: str, **params) -> list:
    return getattr(client, operation)(**params).get(key, [])


def test_iam_lists_page(aws, small_pages):
    iam = aws("iam")
    for i in range(5):
        role(iam, f"r{i}")
        iam.put_role_policy(RoleName="r0", PolicyName=f"p{i}", PolicyDocument=POLICY)
        arn = iam.create_policy(PolicyName=f"m{i}", PolicyDocument=POLICY)["Policy"]["Arn"]
        iam.attach_role_policy(RoleName="r0", PolicyArn=arn)
        iam.create_instance_profile(InstanceProfileName=f"ip{i}")
        iam.add_role_to_instance_profile(InstanceProfileName=f"ip{i}", RoleName="r0")
    for _ in range(3):
        iam.create_policy_version(PolicyArn=arn, PolicyDocument=POLICY)
    cases = [
        ("list_roles", "Roles", {}, 5),
        ("list_role_policies", "PolicyNames", {"RoleName": "r0"}, 5),
        ("list_attached_role_policies", "AttachedPolicies", {"RoleName": "r0"}, 5),
        ("list_instance_profiles_for_role", "InstanceProfiles", {"RoleName": "r0"}, 5),
        ("list_policies", "Policies", {"Scope": "Local"}, 5),
        ("list_policy_versions", "Versions", {"PolicyArn": arn}, 4),
    ]
    for operation, key, params, count in cases:
        assert len(first_page(iam, operation, key, **params)) == PAGE, operation
        items, pages = read_all(iam, operation, key, **params)
        assert (len(items), pages) == (count, (count + PAGE - 1) // PAGE), operation
        assert len({json.dumps(i, sort_keys=True, default=str) for i in items}) == count, operation
    truncated = iam.list_roles()
    assert truncated["IsTruncated"] is True and truncated["Marker"]
    # A smaller MaxItems than the page size is honoured.
    assert len(iam.list_roles(MaxItems=1)["Roles"]) == 1


def test_ec2_describes_page_when_asked_to(aws, small_pages):
    ec2 = aws("ec2")
    vpcs = [ec2.create_vpc(CidrBlock=f"10.{i}.0.0/16")["Vpc"]["VpcId"] for i in range(5)]
    for i, vpc in enumerate(vpcs):
        ec2.create_subnet(VpcId=vpc, CidrBlock=f"10.{i}.1.0/24")
        ec2.create_security_group(GroupName=f"g{i}", Description="g", VpcId=vpc)
    mine = [{"Name": "vpc-id", "Values": vpcs}]
    for operation, key in (
        ("describe_vpcs", "Vpcs"),
        ("describe_subnets", "Subnets"),
        ("describe_security_groups", "SecurityGroups"),
        ("describe_route_tables", "RouteTables"),
    ):
        assert len(first_page(ec2, operation, key, Filters=mine, MaxResults=5)) == PAGE, operation
        items, pages = read_all(ec2, operation, key, Filters=mine, PaginationConfig={"PageSize": 5})
        expected = 10 if key == "SecurityGroups" else 5  # each VPC's default group too
        assert (len(items), pages) == (expected, (expected + PAGE - 1) // PAGE), operation
    # The nodegroups' instance type checks page too.
    types = [{"Name": "instance-type", "Values": ["m5.xlarge", "m5.2xlarge", "r5.xlarge", "c5.xlarge", "t3.medium"]}]
    for operation, key, params in (
        ("describe_instance_type_offerings", "InstanceTypeOfferings", {"LocationType": "region", "Filters": types}),
        ("describe_instance_types", "InstanceTypes", {"Filters": types}),
    ):
        assert len(first_page(ec2, operation, key, MaxResults=5, **params)) == PAGE, operation
        items, pages = read_all(ec2, operation, key, PaginationConfig={"PageSize": 5}, **params)
        assert (len(items), pages) == (5, 3), operation
    # Without MaxResults EC2 answers everything, as AWS does; with IDs it never pages.
    assert len(ec2.describe_vpcs(Filters=mine)["Vpcs"]) == 5
    assert len(ec2.describe_vpcs(VpcIds=vpcs)["Vpcs"]) == 5


def test_eks_emr_logs_autoscaling_s3_lists_page(aws, admin, small_pages):
    for name in ("a", "b", "c"):
        cluster(aws, name)
    eks = aws("eks")
    assert len(first_page(eks, "list_clusters", "clusters")) == PAGE
    assert read_all(eks, "list_clusters", "clusters")[0] == ["a", "b", "c"]
    created = eks.describe_cluster(name="a")["cluster"]
    nodes = node_role(aws("iam"), "nodes")
    for name in ("n1", "n2", "n3"):
        eks.create_nodegroup(
            clusterName="a", nodegroupName=name, subnets=created["resourcesVpcConfig"]["subnetIds"], nodeRole=nodes
        )
        eks.create_addon(clusterName=name.replace("n1", "a").replace("n2", "b").replace("n3", "c"), addonName="vpc-cni")
    assert sorted(read_all(eks, "list_nodegroups", "nodegroups", clusterName="a")[0]) == ["n1", "n2", "n3"]
    asg = aws("autoscaling")
    assert len(first_page(asg, "describe_auto_scaling_groups", "AutoScalingGroups")) == PAGE
    assert len(read_all(asg, "describe_auto_scaling_groups", "AutoScalingGroups")[0]) == 3
    logs = aws("logs")
    for i in range(5):
        logs.create_log_group(logGroupName=f"/spark/{i}")
    assert len(first_page(logs, "describe_log_groups", "logGroups")) == PAGE
    assert len(read_all(logs, "describe_log_groups", "logGroups", logGroupNamePrefix="/spark")[0]) == 5
    s3 = aws("s3", s3={"addressing_style": "path"})
    s3.create_bucket(Bucket="assets")
    s3.put_bucket_versioning(Bucket="assets", VersioningConfiguration={"Status": "Enabled"})
    for i in range(4):
        s3.put_object(Bucket="assets", Key=f"k{i}", Body=b"x")
        s3.put_object(Bucket="assets", Key=f"k{i}", Body=b"y")
    s3.delete_object(Bucket="assets", Key="k0")
    listed = s3.list_objects_v2(Bucket="assets")
    assert (len(listed["Contents"]), listed["KeyCount"], listed["IsTruncated"]) == (PAGE, PAGE, True)
    assert [o["Key"] for o in read_all(s3, "list_objects_v2", "Contents", Bucket="assets")[0]] == ["k1", "k2", "k3"]
    pages = list(s3.get_paginator("list_object_versions").paginate(Bucket="assets"))
    versions = [v for p in pages for v in p.get("Versions", [])]
    markers = [m for p in pages for m in p.get("DeleteMarkers", [])]
    assert (len(versions), len(markers), len(pages)) == (8, 1, 5)


def test_extension_lists_page(aws, server, small_pages):
    from conftest import eks_token
    import requests

    cluster(aws, "spark")
    for namespace in ("n1", "n2", "n3"):
        requests.post(
            f"{server.url}/k8s/spark/api/v1/namespaces",
            json={"metadata": {"name": namespace}},
            headers={"Authorization": f"Bearer {eks_token('spark')}"},
        ).raise_for_status()
    emr = aws("emr-containers")
    ids = [
        emr.create_virtual_cluster(
            name=n, containerProvider={"type": "EKS", "id": "spark", "info": {"eksInfo": {"namespace": n}}}
        )["id"]
        for n in ("n1", "n2", "n3")
    ]
    assert len(first_page(emr, "list_virtual_clusters", "virtualClusters")) == PAGE
    assert sorted(c["id"] for c in read_all(emr, "list_virtual_clusters", "virtualClusters")[0]) == sorted(ids)
    for i in range(3):
        emr.start_job_run(
            virtualClusterId=ids[0],
            name=f"j{i}",
            executionRoleArn="arn:aws:iam::123456789012:role/jobs",
            releaseLabel="emr-7.9.0-latest",
            jobDriver={"sparkSubmitJobDriver": {"entryPoint": "s3://code/etl.py"}},
        )
    assert len(first_page(emr, "list_job_runs", "jobRuns", virtualClusterId=ids[0])) == PAGE
    assert len(read_all(emr, "list_job_runs", "jobRuns", virtualClusterId=ids[0])[0]) == 3
    eks = aws("eks")
    for principal in ("a", "b", "c"):
        eks.create_access_entry(clusterName="spark", principalArn=role(aws("iam"), principal))
    assert len(first_page(eks, "list_access_entries", "accessEntries", clusterName="spark")) == PAGE
    assert len(read_all(eks, "list_access_entries", "accessEntries", clusterName="spark")[0]) == 4  # and the creator's
    ec2, studio = aws("ec2"), aws("emr")
    vpc, subnets = network(ec2, "10.50.0.0/16")
    group = ec2.create_security_group(GroupName="s", Description="s", VpcId=vpc)["GroupId"]
    for name in ("s1", "s2", "s3"):
        studio.create_studio(
            Name=name, AuthMode="IAM", VpcId=vpc, SubnetIds=subnets, ServiceRole="arn:aws:iam::123456789012:role/s",
            WorkspaceSecurityGroupId=group, EngineSecurityGroupId=group, DefaultS3Location="s3://studio/",
        )
    assert len(first_page(studio, "list_studios", "Studios")) == PAGE
    assert len(read_all(studio, "list_studios", "Studios")[0]) == 3
