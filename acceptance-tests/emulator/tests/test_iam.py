"""IAM as the provider uses it: roles under a path, OIDC providers of EKS
issuers and the EMR on EKS service-linked role."""

from __future__ import annotations

import json

import pytest
from botocore.exceptions import ClientError

TRUST = json.dumps(
    {
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Principal": {"Service": "eks.amazonaws.com"}, "Action": "sts:AssumeRole"}],
    }
)
ISSUER = "https://oidc.eks.us-east-1.amazonaws.com/id/0123456789ABCDEF0123456789ABCDEF"


def error(e: pytest.ExceptionInfo) -> tuple[str, str, int]:
    response = e.value.response
    return response["Error"]["Code"], response["Error"]["Message"], response["ResponseMetadata"]["HTTPStatusCode"]


def test_roles_with_a_path(aws, admin):
    iam = aws("iam")
    for name, path in (("a", "/emreks/one/"), ("b", "/emreks/one/"), ("c", "/emreks/two/"), ("d", "/")):
        created = iam.create_role(RoleName=name, Path=path, AssumeRolePolicyDocument=TRUST)["Role"]
        assert created["Arn"] == f"arn:aws:iam::123456789012:role{path}{name}"
    assert iam.get_role(RoleName="a")["Role"]["Path"] == "/emreks/one/"

    def listed(prefix: str) -> list[str]:
        pages = iam.get_paginator("list_roles").paginate(PathPrefix=prefix, PaginationConfig={"PageSize": 1})
        return sorted(r["RoleName"] for page in pages for r in page["Roles"])

    assert (listed("/emreks/one/"), listed("/emreks/"), listed("/nowhere/")) == (["a", "b"], ["a", "b", "c"], [])
    iam.delete_role(RoleName="a")
    assert listed("/emreks/one/") == ["b"]
    assert admin("GET", "inventory") == {"iam:role": ["b", "c", "d"]}


def test_oidc_provider_of_an_eks_issuer(aws, admin):
    iam = aws("iam")
    arn = iam.create_open_id_connect_provider(Url=ISSUER, ClientIDList=["sts.amazonaws.com"])[
        "OpenIDConnectProviderArn"
    ]
    assert arn == f"arn:aws:iam::123456789012:oidc-provider/{ISSUER.removeprefix('https://')}"
    provider = iam.get_open_id_connect_provider(OpenIDConnectProviderArn=arn)
    assert provider["Url"] == ISSUER.removeprefix("https://")
    assert provider["ClientIDList"] == ["sts.amazonaws.com"]
    assert provider["ThumbprintList"] == ["9e99a48a9960b14926bb7f3b02e22da2b0ab7280"]  # what IAM retrieves
    with pytest.raises(ClientError) as e:
        iam.create_open_id_connect_provider(Url=ISSUER, ClientIDList=["sts.amazonaws.com"])
    assert error(e) == ("EntityAlreadyExists", f"Provider with url {ISSUER} already exists.", 409)
    other = iam.create_open_id_connect_provider(
        Url=ISSUER + "0", ClientIDList=["sts.amazonaws.com"], ThumbprintList=["a" * 40]
    )["OpenIDConnectProviderArn"]
    assert iam.get_open_id_connect_provider(OpenIDConnectProviderArn=other)["ThumbprintList"] == ["a" * 40]
    assert admin("GET", "inventory") == {"iam:oidc-provider": sorted([arn, other])}
    iam.delete_open_id_connect_provider(OpenIDConnectProviderArn=arn)
    with pytest.raises(ClientError) as e:
        iam.get_open_id_connect_provider(OpenIDConnectProviderArn=arn)
    assert error(e)[0] == "NoSuchEntity"
    iam.delete_open_id_connect_provider(OpenIDConnectProviderArn=other)
    assert admin("GET", "inventory") == {}


def test_service_linked_role_is_created_once_per_account(aws, admin):
    iam = aws("iam")
    role = iam.create_service_linked_role(AWSServiceName="emr-containers.amazonaws.com")["Role"]
    name = "AWSServiceRoleForAmazonEMRContainers"
    assert (role["RoleName"], role["Path"]) == (name, "/aws-service-role/emr-containers.amazonaws.com/")
    assert role["Arn"] == f"arn:aws:iam::123456789012:role/aws-service-role/emr-containers.amazonaws.com/{name}"
    assert role["AssumeRolePolicyDocument"]["Statement"][0]["Principal"] == {
        "Service": "emr-containers.amazonaws.com"
    }
    attached = iam.list_attached_role_policies(RoleName=name)["AttachedPolicies"]
    assert [p["PolicyName"] for p in attached] == ["AmazonEMRContainersServiceRolePolicy"]
    with pytest.raises(ClientError) as e:
        iam.create_service_linked_role(AWSServiceName="emr-containers.amazonaws.com")
    assert error(e) == (
        "InvalidInput",
        f"Service role name {name} has been taken in this account, please try a different suffix.",
        400,
    )
    assert admin("GET", "inventory") == {}  # AWS's, account-wide: not a leak
    iam.delete_service_linked_role(RoleName=name)
    with pytest.raises(ClientError):
        iam.get_role(RoleName=name)
    iam.create_service_linked_role(AWSServiceName="emr-containers.amazonaws.com")
