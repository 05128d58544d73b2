"""Requests are parsed per protocol from botocore's models and refused, as AWS
refuses them, when they do not validate."""

from __future__ import annotations

import json
import re
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
    ("iam", "TagRole", {"RoleName": "r", "Tags": []}),  # the query protocol sends an empty list as `Tags=`
    (
        "sts",
        "AssumeRole",
        {
            "RoleArn": "arn:aws:iam::123456789012:role/r",
            "RoleSessionName": "session",
            "DurationSeconds": 900,
            "PolicyArns": [{"arn": "arn:aws:iam::aws:policy/ReadOnlyAccess"}],
        },
    ),
    ("sns", "CreateTopic", {"Name": "t", "Attributes": {"DisplayName": "d", "FifoTopic": "false"}}),  # Entry.N.key
    ("ec2", "CreateLaunchTemplate", {"LaunchTemplateName": "lt", "LaunchTemplateData": {}}),  # sent as nothing
    (
        "s3",
        "PutBucketTagging",
        {"Bucket": "b", "Tagging": {"TagSet": [{"Key": "k", "Value": "v"}, {"Key": "e", "Value": ""}]}},
    ),
    ("s3", "DeleteObjects", {"Bucket": "b", "Delete": {"Objects": [{"Key": "a"}, {"Key": "b", "VersionId": "1"}]}}),
    (
        "s3",
        "PutBucketAcl",
        {
            "Bucket": "b",
            "AccessControlPolicy": {
                "Grants": [{"Grantee": {"Type": "CanonicalUser", "ID": "id"}, "Permission": "READ"}],
                "Owner": {"ID": "id"},
            },
        },
    ),
    (
        "s3",
        "PutObject",
        {"Bucket": "b", "Key": "a/b c.json", "Body": b"{}", "Metadata": {"m": "1"}, "ContentLength": 2},
    ),
    ("s3", "UploadPart", {"Bucket": "b", "Key": "k", "PartNumber": 2, "UploadId": "u", "Body": b"x"}),
    ("s3", "ListObjectsV2", {"Bucket": "b", "Prefix": "p/", "MaxKeys": 5}),
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


def test_s3_virtual_hosted_bucket_and_aws_chunked_body():
    request = protocol.AwsRequest(
        "PUT",
        "/state/a.json",
        {"x-id": ["PutObject"]},
        Headers(
            {
                "Host": "tf-state.s3.us-east-1.amazonaws.com",
                "Content-Encoding": "aws-chunked",
                "x-amz-content-sha256": "STREAMING-UNSIGNED-PAYLOAD-TRAILER",
            }
        ),
        b"2\r\n{}\r\n0\r\nx-amz-checksum-crc32:AAAAAA==\r\n\r\n",
    )
    op, labels = protocol.resolve_operation("s3", request)
    assert op.name == "PutObject"
    params = protocol.parse_input(op, request, labels)
    assert (params["Bucket"], params["Key"], params["Body"]) == ("tf-state", "state/a.json", b"{}")


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


FORM = {"Content-Type": "application/x-www-form-urlencoded"}
# One malformed request per protocol served by moto, and the error AWS answers it with.
MALFORMED = [
    pytest.param(
        ("iam", "POST", "/", "Action=GetRolePolicy&Version=2010-05-08&RoleName=r", FORM),
        (400, "<ErrorResponse", "<Type>Sender</Type><Code>ValidationError</Code>", "PolicyName"),
        id="query-iam",
    ),
    pytest.param(
        (
            "autoscaling",
            "POST",
            "/",
            "Action=CreateOrUpdateTags&Version=2011-01-01&Tags.member.1.ResourceId=asg"
            "&Tags.member.1.ResourceType=auto-scaling-group&Tags.member.1.Value=v",
            FORM,
        ),
        (400, "<ErrorResponse", "<Type>Sender</Type><Code>ValidationError</Code>", "Tags[0].Key"),
        id="query-autoscaling",
    ),
    pytest.param(
        ("ec2", "POST", "/", "Action=CreateVpc&Version=2016-11-15", FORM),
        (400, "<Response><Errors><Error>", "<Code>MissingParameter</Code>", "'CidrBlock' or 'Ipv4IpamPoolId'"),
        id="ec2-missing",
    ),
    pytest.param(
        ("ec2", "POST", "/", "Action=DescribeVpcs&Version=2016-11-15&MaxResults=1&Filter.1.Name=cidr", FORM),
        (400, "<Response><Errors><Error>", "<Code>InvalidParameterValue</Code>", "'MaxResults'"),
        id="ec2-invalid",
    ),
    pytest.param(
        ("s3", "PUT", "/tagged?tagging", "<Tagging><TagSet><Tag><Value>v</Value></Tag></TagSet></Tagging>", {}),
        (400, "<Error>", "<Code>MalformedXML</Code>", "did not validate against our published schema"),
        id="rest-xml-schema",
    ),
    pytest.param(
        ("s3", "PUT", "/tagged?tagging", "<Tagging><TagSet>", {}),
        (400, "<Error>", "<Code>MalformedXML</Code>", "not well-formed"),
        id="rest-xml-syntax",
    ),
    pytest.param(
        (
            "s3",
            "PUT",
            "/tagged?versioning",
            "<VersioningConfiguration><Status>Sometimes</Status></VersioningConfiguration>",
            {},
        ),
        (400, "<Error>", "<Code>MalformedXML</Code>", "<Message>The XML you provided"),
        id="rest-xml-enum",
    ),
    pytest.param(
        ("s3", "PUT", "/tagged", "", {"x-amz-acl": "everyone"}),
        (400, "<Error>", "<Code>InvalidArgument</Code>", "'ACL'"),
        id="rest-xml-header",
    ),
]


@pytest.mark.parametrize("request_,expected", MALFORMED)
def test_malformed_requests_to_moto_are_refused_the_aws_way(signed, server, request_, expected):
    service, method, path, body, headers = request_
    status, root, code, detail = expected
    response = signed(service, method, path, body, headers)
    assert response.status_code == status, response.text
    assert root in response.text and code in response.text and detail in response.text
    assert f"refused {service}:" in server.log.read_text()


def test_valid_requests_to_moto_pass_each_protocol(aws):
    iam, ec2, autoscaling = aws("iam"), aws("ec2"), aws("autoscaling")
    trust = json.dumps(
        {
            "Version": "2012-10-17",
            "Statement": [{"Effect": "Allow", "Principal": {"Service": "ec2.amazonaws.com"}, "Action": "sts:AssumeRole"}],
        }
    )
    role = iam.create_role(RoleName="r", AssumeRolePolicyDocument=trust, Tags=[{"Key": "a", "Value": "b"}])
    assert role["Role"]["RoleName"] == "r"
    vpc = ec2.create_vpc(CidrBlock="10.1.0.0/16")["Vpc"]["VpcId"]
    found = ec2.describe_vpcs(Filters=[{"Name": "vpc-id", "Values": [vpc, "vpc-other"]}], MaxResults=5)["Vpcs"]
    assert [v["VpcId"] for v in found] == [vpc]
    subnet = ec2.create_subnet(VpcId=vpc, CidrBlock="10.1.1.0/24")["Subnet"]["SubnetId"]
    ec2.create_launch_template(LaunchTemplateName="nodes", LaunchTemplateData={"InstanceType": "t3.micro"})
    autoscaling.create_auto_scaling_group(
        AutoScalingGroupName="asg",
        LaunchTemplate={"LaunchTemplateName": "nodes"},
        MinSize=0,
        MaxSize=1,
        VPCZoneIdentifier=subnet,
    )
    tag = {"ResourceId": "asg", "ResourceType": "auto-scaling-group", "Key": "k", "Value": "v", "PropagateAtLaunch": True}
    autoscaling.create_or_update_tags(Tags=[tag])
    assert autoscaling.describe_tags()["Tags"] == [tag]
    s3 = aws("s3", s3={"addressing_style": "path"})
    s3.create_bucket(Bucket="tagged")
    s3.put_bucket_tagging(Bucket="tagged", Tagging={"TagSet": [{"Key": "k", "Value": "v"}]})
    assert s3.get_bucket_tagging(Bucket="tagged")["TagSet"] == [{"Key": "k", "Value": "v"}]


def test_switching_validation_off_hands_every_protocol_to_moto_as_is(signed, admin):
    admin("POST", "config", {"validate_moto_requests": False})
    # (Not those moto fails on with a traceback, such as a tag without a key.)
    survived_by_moto = ("query-iam", "ec2-invalid", "rest-xml-enum")
    for (service, method, path, body, headers), (_, _, code, _) in (
        p.values for p in MALFORMED if p.id in survived_by_moto
    ):
        response = signed(service, method, path, body, headers)
        assert code not in response.text, response.text


def test_instance_types_are_an_open_enum(aws):
    # New instance types reach the SDKs before this model: AWS (and moto) tell unknown ones apart themselves.
    with pytest.raises(ClientError) as e:
        aws("ec2").describe_instance_types(InstanceTypes=["m9.huge"])
    assert e.value.response["Error"]["Code"] == "InvalidInstanceType"


def test_patterns_match_the_whole_value(aws):
    logs = aws("logs", parameter_validation=False)
    with pytest.raises(ClientError) as e:
        logs.create_log_group(logGroupName="bad name with spaces!")
    assert e.value.response["Error"]["Code"] == "ValidationException"
    assert "Member must satisfy regular expression pattern: [\\.\\-_/#A-Za-z0-9]+" in e.value.response["Error"]["Message"]
    logs.create_log_group(logGroupName="/aws/emr-containers/good_name#1")
    # A pattern that anchors only its start constrains only the start.
    assert protocol.pattern_matches("^[0-9A-Za-z][A-Za-z0-9\\-_]*", "a b") is True
    assert protocol.pattern_matches("[a-z]+", "ab cd") is False
    assert protocol.pattern_matches("[a-z]+", "abcd") is True


@pytest.mark.parametrize(
    "name",
    ["ab", "a" * 64, "Upper", "under_score", "-start", "end-", "two..dots", "192.168.1.10", "xn--punycode",
     "sthree-x", "amzn-s3-demo-x", "name-s3alias", "name--ol-s3", "name.mrap", "name--table-s3"],
)
def test_bucket_names_s3_refuses(aws, name):
    s3 = aws("s3", s3={"addressing_style": "path"}, parameter_validation=False)
    with pytest.raises(ClientError) as e:
        s3.create_bucket(Bucket=name)
    assert (e.value.response["Error"]["Code"], e.value.response["ResponseMetadata"]["HTTPStatusCode"]) == (
        "InvalidBucketName",
        400,
    )


def test_bucket_names_s3_accepts(aws):
    s3 = aws("s3", s3={"addressing_style": "path"})
    for name in ("abc", "a" * 63, "my.bucket-1", "1-2-3", "emreks-analytics-123456789012-eu-west-1"):
        s3.create_bucket(Bucket=name)


def test_log_retention_must_be_one_logs_offers(aws):
    logs = aws("logs")
    logs.create_log_group(logGroupName="/spark")
    for days in (1, 30, 400, 3653):
        logs.put_retention_policy(logGroupName="/spark", retentionInDays=days)
    for days in (0, 2, 42, 366, 4000):
        with pytest.raises(ClientError) as e:
            logs.put_retention_policy(logGroupName="/spark", retentionInDays=days)
        assert e.value.response["Error"]["Code"] == "InvalidParameterException"
        assert f"Value '{days}' at 'retentionInDays'" in e.value.response["Error"]["Message"]
    assert logs.describe_log_groups(logGroupNamePrefix="/spark")["logGroups"][0]["retentionInDays"] == 3653


@pytest.mark.parametrize(
    "text",
    [
        "AWS4-HMAC-SHA256 Credential=AKIDTESTING/20261202/us-east-1/eks/aws4_request, SignedHeaders=host, Signature=0f",
        "AKIDTESTING/20261202/eu-west-1/elasticmapreduce/aws4_request",  # a presigned URL's X-Amz-Credential
        "AWS4-HMAC-SHA256 Credential=a b/20261202/us-east-1/s3/aws4_request",
        "AWS4-HMAC-SHA256 Credential=AKID/2026120/us-east-1/s3/aws4_request",  # not a date
        "Bearer k8s-aws-v1." + "aHR0cHM6Ly9zdHMuYW1hem9uYXdzLmNvbS8_QWN0aW9uPUdldENhbGxlcklkZW50aXR5" * 20,
        "",
    ],
)
def test_credential_scope_is_found_where_a_sigv4_client_puts_it(text):
    """The same access key, region and signing name as the plain expression finds, if any."""
    from emulator.app import CREDENTIAL_SCOPE

    plain = re.compile(r"([^/\s,=]+)/\d{8}/([^/]+)/([^/]+)/aws4_request").search(text)
    found = CREDENTIAL_SCOPE.search(text)
    assert (found and found.groups()) == (plain and plain.groups())
