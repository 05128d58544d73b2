"""S3 as the provider uses it: TLS-only bucket policies and replies the AWS
SDK for Rust parses (it insists on AWS's XML root elements)."""

from __future__ import annotations

import json
from xml.etree import ElementTree

import pytest
from botocore.exceptions import ClientError

from emulator import s3_ext

NAMESPACE = "{http://s3.amazonaws.com/doc/2006-03-01/}"


def policy(*statements: dict) -> str:
    return json.dumps({"Version": "2012-10-17", "Statement": list(statements)})


def deny(bucket: str, action: str = "s3:*", condition: dict | None = None) -> dict:
    statement = {
        "Effect": "Deny",
        "Principal": "*",
        "Action": action,
        "Resource": [f"arn:aws:s3:::{bucket}", f"arn:aws:s3:::{bucket}/*"],
    }
    if condition:
        statement["Condition"] = condition
    return statement


def test_tls_only_bucket_policy_lets_requests_over_the_plain_port_through(aws):
    s3 = aws("s3", s3={"addressing_style": "path"})
    s3.create_bucket(Bucket="tls-only")
    tls_only = deny("tls-only", condition={"Bool": {"aws:SecureTransport": "false"}})
    s3.put_bucket_policy(Bucket="tls-only", Policy=policy(tls_only))
    s3.put_bucket_versioning(Bucket="tls-only", VersioningConfiguration={"Status": "Enabled"})
    s3.put_object(Bucket="tls-only", Key="state/a.json", Body=b"{}")
    s3.put_object(Bucket="tls-only", Key="state/a.json", Body=b"[]")
    assert s3.get_object(Bucket="tls-only", Key="state/a.json")["Body"].read() == b"[]"
    versions = s3.list_object_versions(Bucket="tls-only")["Versions"]
    assert len(versions) == 2
    deleted = s3.delete_objects(
        Bucket="tls-only",
        Delete={"Objects": [{"Key": v["Key"], "VersionId": v["VersionId"]} for v in versions]},
    )
    assert "Errors" not in deleted and len(deleted["Deleted"]) == 2
    assert "Versions" not in s3.list_object_versions(Bucket="tls-only")


@pytest.mark.parametrize(
    "condition",
    [None, {"Bool": {"aws:SecureTransport": "true"}}, {"StringNotEquals": {"aws:SecureTransport": "false"}}],
)
def test_bucket_policies_are_still_enforced(aws, condition):
    s3 = aws("s3", s3={"addressing_style": "path"})
    s3.create_bucket(Bucket="guarded")
    s3.put_object(Bucket="guarded", Key="k", Body=b"x")
    s3.put_bucket_policy(Bucket="guarded", Policy=policy(deny("guarded", "s3:GetObject", condition)))
    with pytest.raises(ClientError) as e:
        s3.get_object(Bucket="guarded", Key="k")
    assert (e.value.response["Error"]["Code"], e.value.response["ResponseMetadata"]["HTTPStatusCode"]) == (
        "AccessDenied",
        403,
    )
    s3.put_object(Bucket="guarded", Key="k2", Body=b"y")  # PutObject is not denied


@pytest.mark.parametrize(
    ("operator", "expected", "holds"),
    [
        ("Bool", "false", False),
        ("Bool", ["true"], True),
        ("Bool", True, True),
        ("BoolIfExists", "false", False),
        ("StringEquals", "true", True),
        ("StringNotEquals", "true", False),
        ("StringLike", "t*", True),
        ("ForAnyValue:StringEquals", ["x", "true"], True),
        ("Null", "true", False),
        ("NumericLessThan", "1", None),  # not evaluated: left as moto leaves it
    ],
)
def test_conditions_on_secure_transport(operator, expected, holds):
    assert s3_ext._condition_holds(operator, expected, "true") is holds
    assert s3_ext._condition_holds(operator, expected, None) is None  # a key without a value here


def versioning_root(signed, bucket: str) -> ElementTree.Element:
    raw = signed("s3", "GET", f"/{bucket}?versioning")
    assert raw.status_code == 200 and int(raw.headers["Content-Length"]) == len(raw.content)
    return ElementTree.fromstring(raw.content)


def test_get_bucket_versioning_reply_is_a_versioning_configuration(aws, signed):
    s3 = aws("s3", s3={"addressing_style": "path"})
    s3.create_bucket(Bucket="never-versioned")
    root = versioning_root(signed, "never-versioned")
    assert (root.tag, list(root)) == (f"{NAMESPACE}VersioningConfiguration", [])
    assert "Status" not in s3.get_bucket_versioning(Bucket="never-versioned")
    for status in ("Enabled", "Suspended"):
        s3.put_bucket_versioning(Bucket="never-versioned", VersioningConfiguration={"Status": status})
        root = versioning_root(signed, "never-versioned")
        assert root.tag == f"{NAMESPACE}VersioningConfiguration"
        assert [(e.tag, e.text) for e in root] == [(f"{NAMESPACE}Status", status)]
        assert s3.get_bucket_versioning(Bucket="never-versioned")["Status"] == status


def test_other_replies_keep_or_get_the_aws_root(aws, signed):
    s3 = aws("s3", s3={"addressing_style": "path"})
    s3.create_bucket(Bucket="roots")
    s3.put_object(Bucket="roots", Key="k", Body=b"x")
    for query, root in (
        ("?versions", "ListVersionsResult"),
        ("?accelerate", "AccelerateConfiguration"),
        ("?requestPayment", "RequestPaymentConfiguration"),
    ):
        raw = signed("s3", "GET", f"/roots{query}")
        assert raw.status_code == 200, raw.text
        assert ElementTree.fromstring(raw.content).tag == NAMESPACE + root
    denied = s3_ext.fix_reply("GetObject", "GET", s3_ext.Reply(403, {"Content-Length": "0"}, b""))
    assert b"<Code>AccessDenied</Code>" in denied.body
