"""S3: what moto answers differently from AWS's HTTPS endpoints.

- Bucket policies: the emulator stands in for AWS's endpoints, which are
  HTTPS, so every request counts as made over TLS (`aws:SecureTransport` is
  true). moto evaluates no condition operator but `StringEquals` and takes
  any condition it cannot evaluate as met (and a statement whose condition
  fails as denying), so the usual "Deny s3:* unless aws:SecureTransport"
  policy denied every object request; conditions on the keys known here are
  now evaluated as IAM does and a statement whose condition fails does not
  apply (conditions on other keys stay as moto leaves them: met). A denied
  object request gets AWS's `AccessDenied` error, not moto's empty 403.
- XML roots: moto names some replies' root element `<Operation>Response`;
  AWS (and the AWS SDK for Rust, which refuses any other root) uses the
  output structure's XML name, e.g. `VersioningConfiguration`.
"""

from __future__ import annotations

import fnmatch
import re
from typing import Any

from .protocol import AwsError, Reply, render_error

# The condition context of every request the emulator serves (keys are case-insensitive).
REQUEST_CONTEXT = {"aws:securetransport": "true"}

# Root elements AWS gives the replies moto names differently (from the S3 Smithy model's xmlName).
XML_ROOTS = {
    "GetBucketAccelerateConfiguration": "AccelerateConfiguration",
    "GetBucketLifecycle": "LifecycleConfiguration",
    "GetBucketNotification": "NotificationConfiguration",
    "GetBucketRequestPayment": "RequestPaymentConfiguration",
    "GetBucketVersioning": "VersioningConfiguration",
    "GetBucketWebsite": "WebsiteConfiguration",
    "ListParts": "ListPartsResult",
    "ListBucketAnalyticsConfigurations": "ListBucketAnalyticsConfigurationResult",
    "ListBucketIntelligentTieringConfigurations": "ListBucketIntelligentTieringConfigurationsOutput",
    "ListBucketInventoryConfigurations": "ListInventoryConfigurationsResult",
    "ListBucketMetricsConfigurations": "ListMetricsConfigurationsResult",
}
_ROOT = re.compile(rb"^(\s*(?:<\?xml[^>]*\?>)?\s*)<([A-Za-z0-9_.-]+)")


# ---------------------------------------------------------------- policy conditions


def _strings(value: Any) -> list[str]:
    values = value if isinstance(value, list) else [value]
    return ["true" if v is True else "false" if v is False else str(v) for v in values]


def _condition_holds(operator: str, expected: Any, actual: str | None) -> bool | None:
    """Whether one condition holds for a key's value; None when that cannot be
    told here (the key has no value or the operator is not evaluated)."""
    if actual is None:
        return None  # a key the emulator has no value for: left as moto leaves it (met)
    operator = operator.split(":", 1)[-1].removesuffix("IfExists")  # ForAnyValue:... on a single value
    wanted = _strings(expected)
    if operator == "Null":
        return wanted[0].lower() == "false"  # the key is present
    negated = "Not" in operator
    base = operator.replace("Not", "")
    if base in ("StringEquals", "ArnEquals"):
        match = actual in wanted
    elif base == "StringEqualsIgnoreCase":
        match = actual.lower() in [w.lower() for w in wanted]
    elif base in ("StringLike", "ArnLike"):
        match = any(fnmatch.fnmatchcase(actual, w) for w in wanted)
    elif base == "Bool":
        match = actual.lower() in [w.lower() for w in wanted]
    else:
        return None
    return not match if negated else match


def _check_conditions(statement: Any, incoming_condition_values: dict[str, str] | None) -> bool:
    """IAMPolicyStatement._check_conditions, evaluated in the emulator's request context."""
    context = {**REQUEST_CONTEXT, **{k.lower(): v for k, v in (incoming_condition_values or {}).items()}}
    for operator, pairs in (statement._statement.get("Condition") or {}).items():
        for key, expected in (pairs or {}).items():
            if _condition_holds(operator, expected, context.get(key.lower())) is False:
                return False
    return True


def install() -> None:
    """Makes moto evaluate policy conditions as above (idempotent)."""
    from moto.iam.access_control import IAMPolicyStatement, PermissionResult

    if getattr(IAMPolicyStatement.is_action_permitted, "emulator", False):
        return
    moto_is_action_permitted = IAMPolicyStatement.is_action_permitted

    def is_action_permitted(
        statement: Any,
        action: str,
        resource: str = "*",
        principal: str | None = None,
        incoming_condition_values: dict[str, str] | None = None,
    ) -> Any:
        # moto answers DENIED for a statement whose condition does not hold,
        # even an Allow; IAM leaves such a statement out.
        if not _check_conditions(statement, incoming_condition_values):
            return PermissionResult.NEUTRAL
        return moto_is_action_permitted(statement, action, resource, principal, incoming_condition_values)

    is_action_permitted.emulator = True
    IAMPolicyStatement._check_conditions = _check_conditions
    IAMPolicyStatement.is_action_permitted = is_action_permitted


# ---------------------------------------------------------------- replies


def _with_body(reply: Reply, body: bytes) -> Reply:
    items = reply.headers.items() if isinstance(reply.headers, dict) else reply.headers
    headers = [(k, v) for k, v in items if k.lower() != "content-length"]
    headers.append(("Content-Length", str(len(body))))
    return Reply(reply.status, headers, body)


def fix_reply(operation: str, method: str, reply: Reply) -> Reply:
    """moto's reply to an S3 operation, as AWS would answer it."""
    if reply.status == 403 and not reply.body.strip() and method != "HEAD":
        return render_error("s3", AwsError("AccessDenied", "Access Denied", 403))
    root = XML_ROOTS.get(operation)
    if root is None or reply.status >= 300:
        return reply
    match = _ROOT.match(reply.body)
    if match is None or match[2].decode() == root:
        return reply
    wrong = match[2]
    body = match[1] + b"<" + root.encode() + reply.body[match.end() :]
    closing = b"</" + wrong + b">"
    end = body.rfind(closing)
    if end != -1:
        body = body[:end] + b"</" + root.encode() + b">" + body[end + len(closing) :]
    return _with_body(reply, body)
