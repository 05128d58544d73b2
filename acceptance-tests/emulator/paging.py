"""Paging of the list operations moto serves, at the emulator's `page_size`.

moto pages some list operations, with its own defaults, and not others
(ListRolePolicies, ListInstanceProfilesForRole, ListPolicyVersions, ...).
With `page_size` set, the emulator pages every operation below itself:
it asks moto for everything (following moto's own tokens), keeps the page
the request asks for, and answers with an opaque token of its own in the
operation's output token (botocore's paginator model names them) and
`IsTruncated` where the operation has it. A client that reads only the first
page then misses what is on the others, as it would on AWS past the
default page size.

EC2's Describe* operations page only when the request gives MaxResults (on
AWS they return everything otherwise, and may not be given IDs and
MaxResults together): the page is then the smaller of the two.
"""

from __future__ import annotations

import base64
import io
import json
from collections.abc import Callable
from functools import cache
from typing import Any
from urllib.parse import unquote, urlencode

import botocore.session
from botocore import parsers, serialize
from botocore.model import OperationModel

from .protocol import Reply, serialize_output

PAGED = {
    "iam": (
        "ListRoles",
        "ListPolicies",
        "ListAttachedRolePolicies",
        "ListRolePolicies",
        "ListInstanceProfilesForRole",
        "ListInstanceProfiles",
        "ListPolicyVersions",
        "ListUsers",
        "ListRoleTags",
        "ListUserPolicies",
        "ListAttachedUserPolicies",
        "ListAccessKeys",
    ),
    "ec2": (
        "DescribeVpcs",
        "DescribeSubnets",
        "DescribeSecurityGroups",
        "DescribeSecurityGroupRules",
        "DescribeRouteTables",
        "DescribeInternetGateways",
        "DescribeNatGateways",
        "DescribeNetworkInterfaces",
        "DescribeNetworkAcls",
        "DescribeLaunchTemplates",
        "DescribeLaunchTemplateVersions",
        "DescribeInstances",
        "DescribeInstanceTypes",
        "DescribeInstanceTypeOfferings",
    ),
    "eks": ("ListClusters", "ListNodegroups"),
    "emr-containers": ("ListJobRuns",),
    "logs": ("DescribeLogGroups", "DescribeLogStreams"),
    "s3": ("ListObjectsV2", "ListObjectVersions"),
    "autoscaling": ("DescribeAutoScalingGroups", "DescribeTags"),
}
TOKEN_PREFIX = "emreks1."
MAX_MOTO_PAGES = 200

_session = botocore.session.get_session()


@cache
def _paginator(service: str, operation: str) -> dict | None:
    if operation not in PAGED.get(service, ()):
        return None
    return dict(_session.get_paginator_model(service).get_paginator(operation))


def _listed(value: Any) -> list[str]:
    return value if isinstance(value, list) else [value]


def _encode(offset: int) -> str:
    return TOKEN_PREFIX + base64.urlsafe_b64encode(json.dumps({"o": offset}).encode()).decode()


def _decode(token: str) -> int | None:
    if not token.startswith(TOKEN_PREFIX):
        return None
    try:
        return int(json.loads(base64.urlsafe_b64decode(token[len(TOKEN_PREFIX) :]))["o"])
    except (ValueError, KeyError, TypeError):
        return None


def applies(service: str, op: OperationModel, params: dict, page_size: int | None) -> bool:
    config = _paginator(service, op.name)
    if config is None or page_size is None:
        return False
    if service == "ec2":
        if config["limit_key"] not in params:
            return False  # EC2 returns everything unless asked for pages
    tokens = [params.get(t) for t in _listed(config["input_token"])]
    # A token moto issued (before page_size was set) stays moto's.
    return all(t is None or _decode(t) is not None for t in tokens)


def page(
    service: str,
    op: OperationModel,
    params: dict,
    page_size: int,
    call_moto: Callable[[dict], Reply],
) -> Reply:
    """The page `params` asks for, of everything moto lists for them."""
    config = _paginator(service, op.name)
    input_tokens, output_tokens = _listed(config["input_token"]), _listed(config["output_token"])
    result_keys = _listed(config["result_key"])
    limit_key = config["limit_key"]
    offset = 0
    for token in input_tokens:
        if params.get(token):
            offset = _decode(params[token]) or 0
    wanted = params.get(limit_key) or page_size
    size = max(1, min(wanted, page_size))

    query = {k: v for k, v in params.items() if k not in input_tokens and k != limit_key}
    items: list[tuple[str, Any]] = []
    first: dict | None = None
    for _ in range(MAX_MOTO_PAGES):
        reply = call_moto(query)
        if reply.status >= 300:
            return reply
        parsed = _parse(op, reply)
        if first is None:
            first = parsed
        for key in result_keys:
            items.extend((key, item) for item in parsed.get(key) or [])
        following = [parsed.get(t.split(" ")[0]) for t in output_tokens]
        truncated = parsed.get(config.get("more_results", ""), any(following))
        if not truncated or not any(following):
            break
        for token, value in zip(input_tokens, following):
            if value:
                query[token] = value
    out = {k: v for k, v in (first or {}).items() if k != "ResponseMetadata"}
    chunk = items[offset : offset + size]
    for key in result_keys:
        out.pop(key, None)
        values = [item for k, item in chunk if k == key]
        if values:
            out[key] = values
    more = offset + size < len(items)
    for token in output_tokens:
        out.pop(token.split(" ")[0], None)
    if more:
        for token in output_tokens:
            out[token.split(" ")[0]] = _encode(offset + size)
    if "more_results" in config:
        out[config["more_results"]] = more
    if "KeyCount" in out:
        out["KeyCount"] = len(chunk)
    if limit_key in out:
        out[limit_key] = size
    for token in input_tokens:  # S3 echoes the markers it was given
        if token not in output_tokens and token in op.output_shape.members and token in params:
            out[token] = params[token]
    return serialize_output(op, out)


def _parse(op: OperationModel, reply: Reply) -> dict:
    headers = dict(reply.headers.items() if isinstance(reply.headers, dict) else reply.headers)
    parser = parsers.create_parser(op.metadata["protocol"])
    return parser.parse({"body": reply.body, "headers": headers, "status_code": reply.status}, op.output_shape)


def request_environ(op: OperationModel, params: dict, environ: dict) -> dict:
    """A copy of `environ` whose request is `params` serialized for `op`,
    as a client would send it (moto reads it; it checks no signature)."""
    protocol = op.metadata["protocol"]
    wire = serialize.create_serializer(protocol, include_validation=False).serialize_to_request(params, op)
    path, _, literal_query = wire["url_path"].partition("?")
    query = [(k, v) for k, values in (wire["query_string"] or {}).items() for v in _listed(values)]
    query_string = "&".join(filter(None, [literal_query, urlencode(query)]))
    body = wire["body"]
    out = {k: v for k, v in environ.items() if k not in ("wsgi.input", "CONTENT_LENGTH", "CONTENT_TYPE")}
    if isinstance(body, dict):  # query protocols: a form
        body = urlencode(body)
        out["CONTENT_TYPE"] = "application/x-www-form-urlencoded; charset=utf-8"
    body = body.encode() if isinstance(body, str) else (body or b"")
    for name, value in wire["headers"].items():
        key = name.upper().replace("-", "_")
        if key == "CONTENT_TYPE":
            out["CONTENT_TYPE"] = value
        else:
            out[f"HTTP_{key}"] = value
    if op.service_model.service_name == "s3":
        out["HTTP_HOST"] = "127.0.0.1"  # path style: the serializer puts the bucket in the path
    out["REQUEST_METHOD"] = wire["method"]
    out["PATH_INFO"] = unquote(path)
    out["RAW_URI"] = out["REQUEST_URI"] = path + (f"?{query_string}" if query_string else "")
    out["QUERY_STRING"] = query_string
    out["wsgi.input"] = io.BytesIO(body)
    out["CONTENT_LENGTH"] = str(len(body))
    return out
