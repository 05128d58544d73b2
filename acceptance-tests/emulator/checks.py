"""What AWS refuses in requests that moto serves, beyond the API models:
checked after model validation, before moto sees the request.

- S3 `CreateBucket`: the naming rules of general purpose buckets.
- CloudWatch Logs `PutRetentionPolicy`: only the retention periods Logs
  offers (the model types `retentionInDays` as any integer).
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Callable

from .protocol import AwsError

BUCKET_CHARACTERS = re.compile(r"^[a-z0-9][a-z0-9.-]*[a-z0-9]$")
BUCKET_PREFIXES = ("xn--", "sthree-", "amzn-s3-demo-")
BUCKET_SUFFIXES = ("-s3alias", "--ol-s3", ".mrap", "--x-s3", "--table-s3")
RETENTION_DAYS = (1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653)


def bucket_name_problem(name: str) -> str | None:
    """Why S3 refuses `name` for a general purpose bucket, or None."""
    if not 3 <= len(name) <= 63:
        return "must be between 3 and 63 characters long"
    if not BUCKET_CHARACTERS.match(name):
        return "may hold lowercase letters, digits, dots and hyphens only, and begin and end with a letter or digit"
    if ".." in name:
        return "must not hold two adjacent periods"
    try:
        ipaddress.IPv4Address(name)
        return "must not be formatted as an IP address"
    except ValueError:
        pass
    if name.startswith(BUCKET_PREFIXES):
        return f"must not begin with any of {', '.join(BUCKET_PREFIXES)}"
    if name.endswith(BUCKET_SUFFIXES):
        return f"must not end with any of {', '.join(BUCKET_SUFFIXES)}"
    return None


def _create_bucket(params: dict) -> None:
    name = params.get("Bucket", "")
    if bucket_name_problem(name):
        raise AwsError("InvalidBucketName", "The specified bucket is not valid.", 400)


def _put_retention_policy(params: dict) -> None:
    days = params.get("retentionInDays")
    if days not in RETENTION_DAYS:
        allowed = ", ".join(str(d) for d in RETENTION_DAYS)
        raise AwsError(
            "InvalidParameterException",
            f"1 validation error detected: Value '{days}' at 'retentionInDays' failed to satisfy constraint: "
            f"Member must satisfy enum value set: [{allowed}]",
            400,
        )


CHECKS: dict[tuple[str, str], Callable[[dict], None]] = {
    ("s3", "CreateBucket"): _create_bucket,
    ("logs", "PutRetentionPolicy"): _put_retention_policy,
}


def check(service: str, operation: str, params: dict) -> None:
    """Raises AwsError if AWS refuses this (model-valid) request."""
    checker = CHECKS.get((service, operation))
    if checker is not None:
        checker(params)
