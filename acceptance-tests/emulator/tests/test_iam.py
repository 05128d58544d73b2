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


def document(*statements: dict, version: str | None = "2012-10-17") -> str:
    policy: dict = {"Statement": list(statements)}
    if version:
        policy = {"Version": version, **policy}
    return json.dumps(policy)


ALLOW_GET = {"Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::data/*"}
EC2_TRUST = {"Effect": "Allow", "Principal": {"Service": "ec2.amazonaws.com"}, "Action": "sts:AssumeRole"}

# Identity policies (inline and managed) IAM refuses, with its words.
BAD_POLICIES = [
    pytest.param("{not json", "Syntax errors in policy.", id="not-json"),
    pytest.param(json.dumps([ALLOW_GET]), "Syntax errors in policy.", id="not-an-object"),
    pytest.param(document(ALLOW_GET, version="2020-01-01"), "Syntax errors in policy.", id="version"),
    pytest.param(json.dumps({"Version": "2012-10-17"}), "Syntax errors in policy.", id="no-statement"),
    pytest.param(json.dumps({"Version": "2012-10-17", "Statement": []}), "Syntax errors in policy.", id="empty"),
    pytest.param(document({**ALLOW_GET, "Extra": 1}), "Syntax errors in policy.", id="unknown-element"),
    pytest.param(document({**ALLOW_GET, "Effect": "Maybe"}), "The policy failed legacy parsing", id="effect"),
    pytest.param(document({**ALLOW_GET, "NotAction": "s3:PutObject"}), "Syntax errors in policy.", id="both-actions"),
    pytest.param(
        document({"Effect": "Allow", "Resource": "*"}), "Policy statement must contain actions.", id="no-action"
    ),
    pytest.param(
        document({"Effect": "Allow", "Action": "s3:GetObject"}),
        "Policy statement must contain resources.",
        id="no-resource",
    ),
    pytest.param(
        document({**ALLOW_GET, "Action": "GetObject"}),
        "Actions/Conditions must be prefaced by a vendor, e.g., iam, sdb, ec2, etc.",
        id="action-vendor",
    ),
    pytest.param(
        document({**ALLOW_GET, "Action": "s3:Get:Object"}),
        "Actions/Condition can contain only one colon.",
        id="action-colons",
    ),
    pytest.param(document({**ALLOW_GET, "Action": "s 3:GetObject"}), "Vendor s 3 is not valid", id="vendor"),
    pytest.param(
        document({**ALLOW_GET, "Principal": {"AWS": "*"}}),
        "Policy document should not specify a principal.",
        id="principal",
    ),
    pytest.param(
        document({**ALLOW_GET, "Resource": "data/*"}), 'Resource data/* must be in ARN format or "*".', id="resource"
    ),
    pytest.param(
        document({**ALLOW_GET, "Resource": "arn:aws:iam:us-east-1:123456789012:role/x"}),
        "IAM resource arn:aws:iam:us-east-1:123456789012:role/x cannot contain region information.",
        id="iam-region",
    ),
    pytest.param(
        document({**ALLOW_GET, "Sid": "not alpha-numeric"}),
        "Statement IDs (SID) must be alpha-numeric. Check that your input satisfies the regular expression [0-9A-Za-z]*",
        id="sid",
    ),
    pytest.param(
        document({**ALLOW_GET, "Sid": "A"}, {**ALLOW_GET, "Sid": "A"}),
        "Statement IDs (SID) in a single policy must be unique.",
        id="sid-twice",
    ),
    pytest.param(
        document({**ALLOW_GET, "Condition": {"StringMaybe": {"aws:SourceVpc": "vpc-1"}}}),
        "Invalid Condition type : StringMaybe",
        id="condition-operator",
    ),
    pytest.param(
        document({**ALLOW_GET, "Condition": {"StringEquals": {"SourceVpc": "vpc-1"}}}),
        "Actions/Conditions must be prefaced by a vendor, e.g., iam, sdb, ec2, etc.",
        id="condition-key",
    ),
]

GOOD_POLICIES = [
    document(ALLOW_GET),
    document({**ALLOW_GET, "Action": ["s3:Get*", "s3:List?ucket", "*"], "Resource": ["*", "arn:aws:s3:::x"]}),
    document({"Effect": "Deny", "NotAction": "iam:*", "NotResource": "arn:aws:iam::123456789012:role/keep"}),
    document(
        {
            **ALLOW_GET,
            "Sid": "Tls1",
            "Condition": {
                "ForAnyValue:StringLikeIfExists": {"aws:TagKeys": ["team*"]},
                "ForAllValues:StringEquals": {"aws:TagKeys": ["team"]},
                "NumericLessThan": {"s3:max-keys": 10},
                "Bool": {"aws:SecureTransport": True},
                "Null": {"aws:TokenIssueTime": "false"},
            },
        }
    ),
]


@pytest.mark.parametrize("bad, message", BAD_POLICIES)
def test_policy_documents_iam_refuses(aws, bad, message):
    iam = aws("iam")
    iam.create_role(RoleName="r", AssumeRolePolicyDocument=document(EC2_TRUST))
    iam.create_user(UserName="u")
    arn = iam.create_policy(PolicyName="base", PolicyDocument=document(ALLOW_GET))["Policy"]["Arn"]
    for refused in (
        lambda: iam.put_role_policy(RoleName="r", PolicyName="p", PolicyDocument=bad),
        lambda: iam.put_user_policy(UserName="u", PolicyName="p", PolicyDocument=bad),
        lambda: iam.create_policy(PolicyName="p", PolicyDocument=bad),
        lambda: iam.create_policy_version(PolicyArn=arn, PolicyDocument=bad),
    ):
        with pytest.raises(ClientError) as e:
            refused()
        assert error(e) == ("MalformedPolicyDocument", message, 400)
    assert iam.list_role_policies(RoleName="r")["PolicyNames"] == []
    assert len(iam.list_policy_versions(PolicyArn=arn)["Versions"]) == 1


@pytest.mark.parametrize("good", GOOD_POLICIES)
def test_policy_documents_iam_accepts(aws, good):
    iam = aws("iam")
    iam.create_role(RoleName="r", AssumeRolePolicyDocument=document(EC2_TRUST))
    iam.put_role_policy(RoleName="r", PolicyName="p", PolicyDocument=good)
    iam.create_policy(PolicyName="p", PolicyDocument=good)


def test_managed_policies_need_the_2012_version_inline_ones_do_not(aws):
    iam = aws("iam")
    iam.create_role(RoleName="r", AssumeRolePolicyDocument=document(EC2_TRUST, version=None))
    for version in (None, "2008-10-17"):
        iam.put_role_policy(RoleName="r", PolicyName="p", PolicyDocument=document(ALLOW_GET, version=version))
        with pytest.raises(ClientError) as e:
            iam.create_policy(PolicyName="p", PolicyDocument=document(ALLOW_GET, version=version))
        assert error(e) == ("MalformedPolicyDocument", "Policy document must be version 2012-10-17 or greater.", 400)


BAD_TRUST = [
    pytest.param({**EC2_TRUST, "Resource": "*"}, "Has prohibited field Resource", id="resource"),
    pytest.param(
        {"Effect": "Allow", "Action": "sts:AssumeRole"}, "Missing required field Principal", id="no-principal"
    ),
    pytest.param(
        {**EC2_TRUST, "Action": ["sts:AssumeRole", "s3:GetObject"]},
        "AssumeRole policy may only specify STS AssumeRole actions.",
        id="action",
    ),
    pytest.param(
        {**EC2_TRUST, "Principal": {"AWS": "arn:aws:iam::123456789012:role/NotThere"}},
        'Invalid principal in policy: "AWS":"arn:aws:iam::123456789012:role/NotThere"',
        id="missing-role",
    ),
    pytest.param(
        {**EC2_TRUST, "Principal": {"Service": "ec2"}}, 'Invalid principal in policy: "SERVICE":"ec2"', id="service"
    ),
    pytest.param(
        {**EC2_TRUST, "Action": "sts:AssumeRoleWithWebIdentity", "Principal": {"Federated": "not a provider"}},
        "Federated principals must be valid domain names or SAML metadata ARNs",
        id="federated",
    ),
    pytest.param({**EC2_TRUST, "Principal": {"Robot": "x"}}, "Syntax errors in policy.", id="principal-type"),
]


@pytest.mark.parametrize("statement, message", BAD_TRUST)
def test_trust_policies_iam_refuses(aws, statement, message):
    iam = aws("iam")
    with pytest.raises(ClientError) as e:
        iam.create_role(RoleName="r", AssumeRolePolicyDocument=document(statement))
    assert error(e) == ("MalformedPolicyDocument", message, 400)
    iam.create_role(RoleName="r", AssumeRolePolicyDocument=document(EC2_TRUST))
    with pytest.raises(ClientError) as e:
        iam.update_assume_role_policy(RoleName="r", PolicyDocument=document(statement))
    assert error(e) == ("MalformedPolicyDocument", message, 400)
    assert iam.get_role(RoleName="r")["Role"]["AssumeRolePolicyDocument"]["Statement"] == [EC2_TRUST]


def test_trust_policies_iam_accepts(aws):
    iam = aws("iam")
    iam.create_role(RoleName="admin", AssumeRolePolicyDocument=document(EC2_TRUST))
    oidc = "arn:aws:iam::123456789012:oidc-provider/oidc.eks.us-east-1.amazonaws.com/id/ABC"
    for statement in (
        {**EC2_TRUST, "Action": ["sts:AssumeRole", "sts:TagSession"]},
        {**EC2_TRUST, "Principal": {"Service": "pods.eks.amazonaws.com"}, "Action": "sts:*"},
        {**EC2_TRUST, "Principal": {"AWS": ["arn:aws:iam::123456789012:role/admin", "111122223333"]}},
        {**EC2_TRUST, "Principal": {"AWS": "arn:aws:iam::210987654321:role/elsewhere"}},
        {**EC2_TRUST, "Principal": {"Service": "elasticmapreduce.amazonaws.com"}, "Action": ["sts:AssumeRole", "sts:SetContext"]},
        {
            "Effect": "Allow",
            "Principal": {"Federated": oidc},
            "Action": "sts:AssumeRoleWithWebIdentity",
            "Condition": {"StringLike": {"oidc.eks.us-east-1.amazonaws.com/id/ABC:sub": "system:serviceaccount:x:*"}},
        },
    ):
        iam.update_assume_role_policy(RoleName="admin", PolicyDocument=document(statement))


def padded(size: int) -> str:
    """A valid policy of exactly `size` characters, not counting whitespace."""
    base = document({**ALLOW_GET, "Resource": "arn:aws:s3:::"})
    doc = document({**ALLOW_GET, "Resource": "arn:aws:s3:::" + "x" * (size - len(base.replace(" ", "")))})
    assert len(doc.replace(" ", "")) == size
    return doc


def test_policy_size_quotas_count_no_whitespace(aws):
    iam = aws("iam")
    iam.create_role(RoleName="r", AssumeRolePolicyDocument=document(EC2_TRUST))
    iam.create_user(UserName="u")
    iam.create_policy(PolicyName="fits", PolicyDocument=padded(6144).replace(",", ",     \n"))
    with pytest.raises(ClientError) as e:
        iam.create_policy(PolicyName="big", PolicyDocument=padded(6145))
    assert error(e) == ("LimitExceeded", "Cannot exceed quota for PolicySize: 6144", 409)
    # A role's inline policies share 10,240 characters; replacing one frees its share.
    iam.put_role_policy(RoleName="r", PolicyName="a", PolicyDocument=padded(6000))
    with pytest.raises(ClientError) as e:
        iam.put_role_policy(RoleName="r", PolicyName="b", PolicyDocument=padded(4241))
    assert error(e) == ("LimitExceeded", "Maximum policy size of 10240 bytes exceeded for role r", 409)
    iam.put_role_policy(RoleName="r", PolicyName="b", PolicyDocument=padded(4240))
    iam.put_role_policy(RoleName="r", PolicyName="a", PolicyDocument=padded(6000))
    with pytest.raises(ClientError) as e:
        iam.put_user_policy(UserName="u", PolicyName="a", PolicyDocument=padded(2049))
    assert error(e) == ("LimitExceeded", "Maximum policy size of 2048 bytes exceeded for user u", 409)
    trust = document({**EC2_TRUST, "Principal": {"Service": ["ec2.amazonaws.com"] * 100}})
    with pytest.raises(ClientError) as e:
        iam.update_assume_role_policy(RoleName="r", PolicyDocument=trust)
    assert error(e) == ("LimitExceeded", "Cannot exceed quota for ACLSizePerRole: 2048", 409)


def test_managed_policy_conflicts_and_quotas(aws):
    iam = aws("iam")
    iam.create_role(RoleName="r", AssumeRolePolicyDocument=document(EC2_TRUST))
    arn = iam.create_policy(PolicyName="p", PolicyDocument=document(ALLOW_GET))["Policy"]["Arn"]
    iam.attach_role_policy(RoleName="r", PolicyArn=arn)
    with pytest.raises(ClientError) as e:
        iam.delete_policy(PolicyArn=arn)
    assert error(e) == ("DeleteConflict", "Cannot delete a policy attached to entities.", 409)
    iam.detach_role_policy(RoleName="r", PolicyArn=arn)
    for _ in range(4):
        iam.create_policy_version(PolicyArn=arn, PolicyDocument=document(ALLOW_GET), SetAsDefault=True)
    with pytest.raises(ClientError) as e:
        iam.create_policy_version(PolicyArn=arn, PolicyDocument=document(ALLOW_GET))
    assert error(e) == (
        "LimitExceeded",
        "A managed policy can have up to 5 versions. Before you create a new version, you must delete an existing version.",
        409,
    )
    # The default version cannot go; deleting the oldest other one makes room.
    default = iam.get_policy(PolicyArn=arn)["Policy"]["DefaultVersionId"]
    with pytest.raises(ClientError) as e:
        iam.delete_policy_version(PolicyArn=arn, VersionId=default)
    assert error(e)[:2] == ("DeleteConflict", "Cannot delete the default version of a policy.")
    iam.delete_policy_version(PolicyArn=arn, VersionId="v1")
    iam.create_policy_version(PolicyArn=arn, PolicyDocument=document(ALLOW_GET), SetAsDefault=True)
    assert iam.get_policy(PolicyArn=arn)["Policy"]["DefaultVersionId"] == "v6"
    with pytest.raises(ClientError) as e:
        iam.delete_policy(PolicyArn=arn)
    assert error(e)[:2] == (
        "DeleteConflict",
        "This policy has more than one version. Before you delete a policy, you must delete the policy's versions. "
        "The default version is deleted with the policy.",
    )
    for version in iam.list_policy_versions(PolicyArn=arn)["Versions"]:
        if not version["IsDefaultVersion"]:
            iam.delete_policy_version(PolicyArn=arn, VersionId=version["VersionId"])
    iam.delete_policy(PolicyArn=arn)
    # Ten managed policies per role.
    managed = [f"arn:aws:iam::aws:policy/{n}" for n in ("AmazonS3ReadOnlyAccess", "AmazonEKSClusterPolicy")]
    arns = [iam.create_policy(PolicyName=f"p{i}", PolicyDocument=document(ALLOW_GET))["Policy"]["Arn"] for i in range(9)]
    for policy in arns + managed[:1]:
        iam.attach_role_policy(RoleName="r", PolicyArn=policy)
    iam.attach_role_policy(RoleName="r", PolicyArn=arns[0])  # already attached: no change
    with pytest.raises(ClientError) as e:
        iam.attach_role_policy(RoleName="r", PolicyArn=managed[1])
    assert error(e) == ("LimitExceeded", "Cannot exceed quota for PoliciesPerRole: 10", 409)


def test_missing_oidc_provider(aws):
    iam = aws("iam")
    arn = "arn:aws:iam::123456789012:oidc-provider/oidc.eks.us-east-1.amazonaws.com/id/NOPE"
    for missing in (
        lambda: iam.get_open_id_connect_provider(OpenIDConnectProviderArn=arn),
        lambda: iam.delete_open_id_connect_provider(OpenIDConnectProviderArn=arn),
        lambda: iam.tag_open_id_connect_provider(OpenIDConnectProviderArn=arn, Tags=[{"Key": "a", "Value": "b"}]),
    ):
        with pytest.raises(ClientError) as e:
            missing()
        assert error(e)[0::2] == ("NoSuchEntity", 404)
