"""The IAM policy grammar as IAM checks it when a document is stored, and
what services read from a role's trust policy.

`check(document, kind)` raises `MalformedPolicyDocument` (HTTP 400) in
IAM's words for a document IAM refuses: not JSON, unknown elements, a
`Version` other than 2012-10-17 or 2008-10-17 (managed policies need
2012-10-17), a `Statement` that is neither an object nor a non-empty list
of objects, an `Effect` other than Allow/Deny, not exactly one of
`Action`/`NotAction`, actions not of the form `vendor:Action` (wildcards
allowed), a Sid that is not alphanumeric or not unique, unknown condition
operators (`ForAnyValue:`/`ForAllValues:` and `IfExists` taken off first),
condition keys without a vendor, resources that are neither `*` nor an ARN;
identity policies must name resources and must not name principals; trust
policies must name principals (ones that exist, for this account's roles
and users) and STS actions only, and must not name resources.

`check_size` raises `LimitExceeded` (HTTP 409) past IAM's quotas, which
count characters without whitespace.
"""

from __future__ import annotations

import fnmatch
import json
import re
from typing import Any

from .protocol import AwsError

IDENTITY, MANAGED, TRUST = "identity", "managed", "trust"
VERSIONS = ("2012-10-17", "2008-10-17")
TOP_ELEMENTS = {"Version", "Id", "Statement"}
STATEMENT_ELEMENTS = {"Sid", "Effect", "Action", "NotAction", "Resource", "NotResource", "Principal", "NotPrincipal", "Condition"}
CONDITION_OPERATORS = {
    "StringEquals",
    "StringNotEquals",
    "StringEqualsIgnoreCase",
    "StringNotEqualsIgnoreCase",
    "StringLike",
    "StringNotLike",
    "NumericEquals",
    "NumericNotEquals",
    "NumericLessThan",
    "NumericLessThanEquals",
    "NumericGreaterThan",
    "NumericGreaterThanEquals",
    "DateEquals",
    "DateNotEquals",
    "DateLessThan",
    "DateLessThanEquals",
    "DateGreaterThan",
    "DateGreaterThanEquals",
    "Bool",
    "BinaryEquals",
    "IpAddress",
    "NotIpAddress",
    "ArnEquals",
    "ArnNotEquals",
    "ArnLike",
    "ArnNotLike",
    "Null",
}
# What a trust policy may allow: the ways of assuming a role and what comes with them.
TRUST_ACTIONS = (
    "sts:AssumeRole",
    "sts:AssumeRoleWithSAML",
    "sts:AssumeRoleWithWebIdentity",
    "sts:TagSession",
    "sts:SetSourceIdentity",
    "sts:SetContext",
)
PARTITIONS = ("aws", "aws-cn", "aws-us-gov", "aws-iso", "aws-iso-b", "aws-iso-e", "aws-iso-f", "aws-eusc")
ACTION = re.compile(r"^[A-Za-z0-9*?-]+(\.[A-Za-z0-9*?-]+)*:[A-Za-z0-9*?_-]+$")
VENDOR = re.compile(r"^[A-Za-z0-9.*?-]+$")
SID = re.compile(r"^[0-9A-Za-z]*$")
SERVICE_PRINCIPAL = re.compile(r"^[a-z0-9][a-z0-9.-]*\.(amazonaws\.com|amazonaws\.com\.cn|amazon\.com)$")
AWS_PRINCIPAL = re.compile(
    r"^arn:(aws[a-z-]*):(iam|sts)::(\d{12}):(root|(role|user)/(?:[\x21-\x7e]*/)?([\w+=,.@-]+)|assumed-role/[\w+=,.@-]+/[\w+=,.@-]+)$"
)
FEDERATED_ARN = re.compile(r"^arn:aws[a-z-]*:iam::\d{12}:(saml-provider|oidc-provider)/\S+$")
DOMAIN = re.compile(r"^[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)+$", re.IGNORECASE)

# IAM's quotas, in characters not counting whitespace.
MANAGED_POLICY_SIZE = 6144
TRUST_POLICY_SIZE = 2048
ROLE_INLINE_SIZE = 10240  # all inline policies of a role together
USER_INLINE_SIZE = 2048  # all inline policies of a user together
MANAGED_POLICIES_PER_ROLE = 10


def malformed(message: str) -> AwsError:
    return AwsError("MalformedPolicyDocument", message, 400)


def limit_exceeded(message: str) -> AwsError:
    return AwsError("LimitExceeded", message, 409)


def size(document: str) -> int:
    """A document's size as IAM counts it against its quotas: without whitespace."""
    return len(re.sub(r"\s", "", document))


def parse(document: Any) -> dict | None:
    """A stored document (moto keeps a string, sometimes URL-encoded, or a dict) as a dict."""
    if isinstance(document, dict):
        return document
    if not isinstance(document, str):
        return None
    from urllib.parse import unquote

    for text in (document, unquote(document)):
        try:
            value = json.loads(text)
        except ValueError:
            continue
        return value if isinstance(value, dict) else None
    return None


def _strings(value: Any) -> list[str] | None:
    """A string or a list of strings as a list; None if it is neither."""
    if isinstance(value, str):
        return [value]
    if isinstance(value, list) and all(isinstance(v, str) for v in value):
        return value
    return None


def statements(policy: dict) -> list[dict]:
    raw = policy.get("Statement")
    return [raw] if isinstance(raw, dict) else [s for s in raw or [] if isinstance(s, dict)]


def check(document: str, kind: str, account: str | None = None, principal_exists: Any = None) -> None:
    """Raises MalformedPolicyDocument as IAM does for a document of `kind`
    (IDENTITY for inline policies, MANAGED, TRUST). `principal_exists(arn)`
    tells whether a role or user of `account` exists (trust policies)."""
    syntax = malformed("Syntax errors in policy.")
    try:
        policy = json.loads(document)
    except ValueError:
        raise syntax from None
    if not isinstance(policy, dict) or set(policy) - TOP_ELEMENTS or "Statement" not in policy:
        raise syntax
    version = policy.get("Version")
    if version is not None and version not in VERSIONS:
        raise syntax
    if "Id" in policy and not isinstance(policy["Id"], str):
        raise syntax
    raw = policy["Statement"]
    if isinstance(raw, dict):
        raw = [raw]
    if not isinstance(raw, list) or not raw or not all(isinstance(s, dict) for s in raw):
        raise syntax
    for statement in raw:
        _check_statement_syntax(statement, syntax)
    if kind == MANAGED and version != "2012-10-17":
        raise malformed("Policy document must be version 2012-10-17 or greater.")
    sids = [s["Sid"] for s in raw if s.get("Sid")]
    if len(sids) != len(set(sids)):
        raise malformed("Statement IDs (SID) in a single policy must be unique.")
    for statement in raw:
        _check_statement(statement, kind, account, principal_exists)


def _check_statement_syntax(statement: dict, syntax: AwsError) -> None:
    if set(statement) - STATEMENT_ELEMENTS:
        raise syntax
    if not isinstance(statement.get("Effect"), str):
        raise syntax
    for pair in (("Action", "NotAction"), ("Resource", "NotResource"), ("Principal", "NotPrincipal")):
        if all(p in statement for p in pair):
            raise syntax
    for key in ("Action", "NotAction", "Resource", "NotResource"):
        if key in statement and _strings(statement[key]) is None:
            raise syntax
    if "Sid" in statement and not isinstance(statement["Sid"], str):
        raise syntax
    condition = statement.get("Condition")
    if condition is not None:
        if not isinstance(condition, dict):
            raise syntax
        for pairs in condition.values():
            if not isinstance(pairs, dict):
                raise syntax
            for value in pairs.values():
                values = value if isinstance(value, list) else [value]
                if not all(isinstance(v, (str, bool, int, float)) for v in values):
                    raise syntax


def operator_base(operator: str) -> str:
    """`ForAnyValue:StringLikeIfExists` -> `StringLike`."""
    for prefix in ("ForAnyValue:", "ForAllValues:"):
        if operator.startswith(prefix):
            operator = operator[len(prefix) :]
            break
    return operator.removesuffix("IfExists")


def _check_statement(statement: dict, kind: str, account: str | None, principal_exists: Any) -> None:
    if statement["Effect"] not in ("Allow", "Deny"):
        raise malformed("The policy failed legacy parsing")
    sid = statement.get("Sid")
    if sid and kind != TRUST and not SID.match(sid):
        raise malformed(
            "Statement IDs (SID) must be alpha-numeric. Check that your input satisfies the regular expression [0-9A-Za-z]*"
        )
    actions = _strings(statement.get("Action", statement.get("NotAction"))) or []
    if not actions:
        raise malformed("Policy statement must contain actions.")
    for action in actions:
        _check_action(action)
    for operator, pairs in (statement.get("Condition") or {}).items():
        if operator_base(operator) not in CONDITION_OPERATORS:
            raise malformed(f"Invalid Condition type : {operator}")
        for key in pairs:
            if ":" not in key:
                raise malformed("Actions/Conditions must be prefaced by a vendor, e.g., iam, sdb, ec2, etc.")
    principal = "Principal" in statement or "NotPrincipal" in statement
    resource = "Resource" in statement or "NotResource" in statement
    if kind == TRUST:
        if resource:
            raise malformed("Has prohibited field Resource")
        if not principal:
            raise malformed("Missing required field Principal")
        if "Action" in statement and not all(_trust_action(a) for a in actions):
            raise malformed("AssumeRole policy may only specify STS AssumeRole actions.")
        _check_principal(statement.get("Principal", statement.get("NotPrincipal")), account, principal_exists)
        return
    if principal:
        raise malformed("Policy document should not specify a principal.")
    resources = _strings(statement.get("Resource", statement.get("NotResource"))) or []
    if not resources:
        raise malformed("Policy statement must contain resources.")
    for arn in resources:
        _check_resource(arn)


def _check_action(action: str) -> None:
    if action == "*":
        return
    if ":" not in action:
        raise malformed("Actions/Conditions must be prefaced by a vendor, e.g., iam, sdb, ec2, etc.")
    if action.count(":") > 1:
        raise malformed("Actions/Condition can contain only one colon.")
    vendor = action.split(":", 1)[0]
    if not VENDOR.match(vendor):
        raise malformed(f"Vendor {vendor} is not valid")
    if not ACTION.match(action):
        raise malformed("Syntax errors in policy.")


def _trust_action(action: str) -> bool:
    if action == "*":
        return True
    return action.lower().startswith("sts:") and any(
        fnmatch.fnmatchcase(allowed.lower(), action.lower()) for allowed in TRUST_ACTIONS
    )


def _check_resource(arn: str) -> None:
    if arn == "*":
        return
    parts = arn.split(":", 5)
    if parts[0] != "arn" or len(parts) < 6:
        raise malformed(f'Resource {arn} must be in ARN format or "*".')
    partition, service, region = parts[1], parts[2], parts[3]
    if partition != "*" and partition not in PARTITIONS:
        raise malformed(f'Partition "{partition}" is not valid for resource "{arn}".')
    if not service or not VENDOR.match(service):
        raise malformed("Resource vendor must be fully qualified and cannot contain regexes.")
    if service == "iam" and region:
        raise malformed(f"IAM resource {arn} cannot contain region information.")


def _check_principal(principal: Any, account: str | None, principal_exists: Any) -> None:
    if principal == "*":
        return
    if not isinstance(principal, dict) or not principal or set(principal) - {"AWS", "Service", "Federated", "CanonicalUser"}:
        raise malformed("Syntax errors in policy.")
    for kind, values in principal.items():
        names = _strings(values)
        if not names:
            raise malformed("Syntax errors in policy.")
        for name in names:
            invalid = malformed(f'Invalid principal in policy: "{kind.upper() if kind == "Service" else kind}":"{name}"')
            if kind == "AWS":
                if name == "*" or re.fullmatch(r"\d{12}", name):
                    continue
                match = AWS_PRINCIPAL.match(name)
                if not match:
                    raise invalid
                # IAM resolves a role or user of its own account to its unique id: it must exist.
                if match[2] == "iam" and match[5] and match[3] == account and principal_exists and not principal_exists(name):
                    raise invalid
            elif kind == "Service":
                if name != "*" and not SERVICE_PRINCIPAL.match(name):
                    raise invalid
            elif kind == "Federated":
                if not (FEDERATED_ARN.match(name) or DOMAIN.match(name)):
                    raise malformed("Federated principals must be valid domain names or SAML metadata ARNs")


def check_size(document: str, limit: int, message: str) -> None:
    if size(document) > limit:
        raise limit_exceeded(message)


# ---------------------------------------------------------------- trust


def allowed_actions(trust: Any, service: str) -> set[str]:
    """The STS actions a role's trust policy allows the AWS service principal
    `service` (e.g. eks.amazonaws.com), wildcards expanded; conditions are
    not evaluated."""
    policy = parse(trust)
    if policy is None:
        return set()
    allowed: set[str] = set()
    for statement in statements(policy):
        if statement.get("Effect") != "Allow" or "Action" not in statement:
            continue
        principal = statement.get("Principal")
        if principal != "*" and not (
            isinstance(principal, dict) and service in (_strings(principal.get("Service")) or [])
        ):
            continue
        for action in _strings(statement["Action"]) or []:
            allowed |= {a for a in TRUST_ACTIONS if fnmatch.fnmatchcase(a.lower(), action.lower())}
    return allowed


def role_trusts(role: Any, service: str, *actions: str) -> bool:
    """Whether `role` (moto's) lets `service` perform every one of `actions`."""
    return set(actions) <= allowed_actions(role.assume_role_policy_document, service)
