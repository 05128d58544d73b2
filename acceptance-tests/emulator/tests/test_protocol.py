"""Requests are parsed per protocol from botocore's models and refused, as AWS
refuses them, when they do not validate."""

from __future__ import annotations

import json
from datetime import datetime, UTC
from urllib.parse import parse_qs, urlencode

import pytest
from botocore import serialize
from botocore.exceptions import ClientError
from werkzeug.datastructures import Headers

from conftest import cluster

from emulator import protocol

ROUND_TRIPS = [
    (
        "eks",
        "CreateAccessEntry",
        {
            "clusterName": "c",
            "principalArn": "arn:aws:iam::123456789012:role/a/b",
            "kubernetesGroups": ["g"],
            "tags": {"k": "v"},
            "clientRequestToken": "t",
        },
    ),
    (
        "eks",
        "DisassociateAccessPolicy",
        {
            "clusterName": "c",
            "principalArn": "arn:aws:iam::123456789012:role/r",
            "policyArn": "arn:aws:eks::aws:cluster-access-policy/AmazonEKSViewPolicy",
        },
    ),
    (
        "eks",
        "DescribeAddonVersions",
        {"kubernetesVersion": "1.30", "types": ["networking", "storage"], "maxResults": 5},
    ),
    ("eks", "DeleteAddon", {"clusterName": "c", "addonName": "vpc-cni", "preserve": True}),
    ("eks", "TagResource", {"resourceArn": "arn:aws:eks:us-east-1:123456789012:cluster/c", "tags": {"a": "b"}}),
    (
        "emr-containers",
        "ListManagedEndpoints",
        {
            "virtualClusterId": "abc",
            "states": ["ACTIVE", "CREATING"],
            "createdAfter": datetime(2024, 1, 2, tzinfo=UTC),
        },
    ),
    (
        "emr",
        "CreateStudio",
        {
            "Name": "s",
            "AuthMode": "IAM",
            "VpcId": "v",
            "SubnetIds": ["a"],
            "ServiceRole": "r",
            "WorkspaceSecurityGroupId": "w",
            "EngineSecurityGroupId": "e",
            "DefaultS3Location": "s3://b",
            "Tags": [{"Key": "a", "Value": "b"}],
        },
    ),
    ("logs", "PutRetentionPolicy", {"logGroupName": "g", "retentionInDays": 7}),
    (
        "ec2",
        "CreateVpc",
        {
            "CidrBlock": "10.0.0.0/16",
            "TagSpecifications": [{"ResourceType": "vpc", "Tags": [{"Key": "a", "Value": "b"}]}],
        },
    ),
    ("ec2", "DescribeSubnets", {"Filters": [{"Name": "vpc-id", "Values": ["v1", "v2"]}], "SubnetIds": ["s"]}),
    ("iam", "CreateRole", {"RoleName": "r", "AssumeRolePolicyDocument": "{}", "Tags": [{"Key": "a", "Value": "b"}]}),
    (
        "autoscaling",
        "CreateOrUpdateTags",
        {
            "Tags": [
                {
                    "ResourceId": "asg",
                    "ResourceType": "auto-scaling-group",
                    "Key": "k",
                    "Value": "v",
                    "PropagateAtLaunch": True,
                }
            ]
        },
    ),
]


@pytest.mark.parametrize("service,operation,params", ROUND_TRIPS, ids=lambda v: v if isinstance(v, str) else "")
def test_parses_back_what_botocore_serializes(service, operation, params):
    model = protocol.service_model(service)
    op = model.operation_model(operation)
    wire = serialize.create_serializer(model.protocol, include_validation=False).serialize_to_request(params, op)
    path, _, literal_query = wire["url_path"].partition("?")
    query = {k: v if isinstance(v, list) else [v] for k, v in (wire["query_string"] or {}).items()}
    for key, values in parse_qs(literal_query, keep_blank_values=True).items():
        query.setdefault(key, []).extend(values)
    headers, body = Headers(dict(wire["headers"])), wire["body"]
    if isinstance(body, dict):  # query protocols: a form
        body, headers["Content-Type"] = urlencode(body), "application/x-www-form-urlencoded"
    request = protocol.AwsRequest(
        wire["method"], path, query, headers, body.encode() if isinstance(body, str) else body
    )
    resolved, labels = protocol.resolve_operation(service, request)
    assert resolved.name == operation
    parsed = protocol.parse_input(resolved, request, labels)
    assert parsed == params
    protocol.validate(resolved, parsed)


def test_rest_json_refusal_has_aws_error_type_header_and_message(aws, signed):
    cluster(aws, "c1")
    response = signed(
        "eks",
        "POST",
        "/clusters/c1/access-entries",
        json.dumps({"type": "STANDARD"}),
        {"Content-Type": "application/json"},
    )
    assert response.status_code == 400
    assert response.headers["x-amzn-ErrorType"] == "ValidationException"
    assert response.json() == {
        "message": "1 validation error detected: Value null at 'principalArn' "
        "failed to satisfy constraint: Member must not be null"
    }


def test_missing_member_is_refused_through_the_sdk(aws):
    eks = aws("eks", parameter_validation=False)
    cluster(aws, "c1")
    with pytest.raises(ClientError) as e:
        eks.create_access_entry(clusterName="c1")
    assert e.value.response["Error"]["Code"] == "ValidationException"
    assert "principalArn" in e.value.response["Error"]["Message"]


def test_wrong_type_and_constraints_are_refused(aws):
    emr = aws("emr-containers", parameter_validation=False)
    with pytest.raises(ClientError) as e:
        emr.create_managed_endpoint(
            name="e" * 65,
            virtualClusterId="abc",
            type=5,
            releaseLabel="emr-7.2.0-latest",
            executionRoleArn="arn:aws:iam::123456789012:role/r",
            clientToken="t",
        )
    message = e.value.response["Error"]["Message"]
    assert e.value.response["Error"]["Code"] == "ValidationException"
    assert message.startswith("2 validation errors detected")
    assert "at 'type' failed to satisfy constraint: Member must be of type string" in message
    assert "Member must have length less than or equal to 64" in message


def test_enum_is_checked(aws):
    cluster(aws, "c1")
    with pytest.raises(ClientError) as e:
        aws("eks").create_addon(clusterName="c1", addonName="vpc-cni", resolveConflicts="SOMETIMES")
    assert "Member must satisfy enum value set: [OVERWRITE, NONE, PRESERVE]" in e.value.response["Error"]["Message"]


def test_json_protocol_refusal(aws, signed):
    emr = aws("emr", parameter_validation=False)
    with pytest.raises(ClientError) as e:
        emr.create_studio(
            AuthMode="IAM",
            VpcId="vpc-1",
            SubnetIds=["subnet-1"],
            ServiceRole="r",
            WorkspaceSecurityGroupId="sg-1",
            EngineSecurityGroupId="sg-2",
            DefaultS3Location="s3://b",
        )
    assert e.value.response["Error"]["Code"] == "ValidationException"
    response = signed(
        "elasticmapreduce",
        "POST",
        "/",
        "{}",
        {"X-Amz-Target": "ElasticMapReduce.DescribeStudio", "Content-Type": "application/x-amz-json-1.1"},
    )
    assert response.status_code == 400
    assert response.json()["__type"] == "ValidationException"
    assert "'StudioId'" in response.json()["message"]


def test_unknown_operation_of_an_extension_service(signed):
    response = signed("eks", "GET", "/clusters/c1/no-such-thing")
    assert response.status_code == 404
    assert response.headers["x-amzn-ErrorType"] == "UnknownOperationException"
    response = signed(
        "elasticmapreduce",
        "POST",
        "/",
        "{}",
        {"X-Amz-Target": "ElasticMapReduce.NoSuchThing", "Content-Type": "application/x-amz-json-1.1"},
    )
    assert response.json()["__type"] == "UnknownOperationException"


def test_moto_served_requests_are_validated_unless_switched_off(aws, admin):
    logs = aws("logs", parameter_validation=False)
    with pytest.raises(ClientError) as e:
        logs.create_log_group(logGroupName="")
    assert e.value.response["Error"]["Code"] == "ValidationException"
    assert "Member must have length greater than or equal to 1" in e.value.response["Error"]["Message"]
    admin("POST", "config", {"validate_moto_requests": False})
    try:
        logs.create_log_group(logGroupName="")
    except ClientError as e:  # whatever moto itself makes of it
        assert "validation error detected" not in e.response["Error"]["Message"]
