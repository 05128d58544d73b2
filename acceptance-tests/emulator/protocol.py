"""AWS wire protocols, driven by botocore's service models.

Given an HTTP request this module tells which operation it is, rebuilds the
operation's input dict exactly as botocore would have built it on the client
side, validates it (botocore's ParamValidator plus the constraints AWS checks
server side), serializes handler results and renders errors in the format of
the service's protocol.
"""

from __future__ import annotations

import base64
import json
import re
import uuid
from dataclasses import dataclass, field
from datetime import datetime
from functools import cache
from types import SimpleNamespace
from typing import Any
from urllib.parse import parse_qs, quote, unquote
from xml.etree import ElementTree
from xml.sax.saxutils import escape

import botocore.session
from botocore.model import OperationModel, ServiceModel, Shape
from botocore.utils import parse_timestamp
from botocore.validate import ParamValidator
from moto.core.serialize import XFormedAttributePicker, get_serializer_class
from moto.core.utils import get_service_model as moto_service_model

# SigV4 signing names whose botocore service name differs.
SERVICE_BY_SIGNING_NAME = {"elasticmapreduce": "emr"}

_session = botocore.session.get_session()


@cache
def service_model(service: str) -> ServiceModel:
    return _session.get_service_model(service)


def service_for_signing_name(signing_name: str) -> str:
    return SERVICE_BY_SIGNING_NAME.get(signing_name, signing_name)


class AwsError(Exception):
    """An error answered to the client in its protocol's error format.

    `status` defaults to the HTTP status the service model gives the error
    shape (400 when the model has none); `fields` are extra body members such
    as EKS's `clusterName`.
    """

    def __init__(self, code: str, message: str, status: int | None = None, **fields: Any):
        super().__init__(message)
        self.code = code
        self.message = message
        self.status = status
        self.fields = {k: v for k, v in fields.items() if v is not None}


@dataclass
class AwsRequest:
    method: str
    path: str  # raw path, still percent-encoded: labels may contain %2F
    query: dict[str, list[str]]
    headers: Any  # case-insensitive mapping
    body: bytes
    _form: dict[str, str] | None = field(default=None, repr=False)

    @property
    def form(self) -> dict[str, str]:
        """Query-protocol parameters: the query string plus a form body."""
        if self._form is None:
            form = {k: v[-1] for k, v in self.query.items()}
            if self.body and "x-www-form-urlencoded" in self.headers.get("Content-Type", ""):
                parsed = parse_qs(self.body.decode("utf-8"), keep_blank_values=True)
                form.update({k: v[-1] for k, v in parsed.items()})
            self._form = form
        return self._form

    def json_body(self) -> Any:
        if not self.body.strip():
            return {}
        try:
            return json.loads(self.body)
        except ValueError:
            raise _unparseable("SerializationException", "Could not parse the request body as JSON") from None


# ---------------------------------------------------------------- routing


@dataclass
class _Route:
    operation: OperationModel
    regex: re.Pattern
    labels: dict[str, str]  # regex group -> URI label name
    required_query: tuple[tuple[str, str], ...]
    header_members: tuple[str, ...]  # required members bound to headers
    query_members: tuple[str, ...]  # required members bound to the query string
    specificity: tuple


def _compile_route(op: OperationModel) -> _Route:
    uri = op.http["requestUri"]
    path, _, literal_query = uri.partition("?")
    labels: dict[str, str] = {}
    pattern = ""
    for i, part in enumerate(re.split(r"(\{[^}]+\})", path)):
        if part.startswith("{"):
            name = part[1:-1]
            group = f"g{i}"
            labels[group] = name.rstrip("+")
            pattern += f"(?P<{group}>.+)" if name.endswith("+") else f"(?P<{group}>[^/]+)"
        else:
            pattern += re.escape(part)
    if not pattern.endswith("/"):
        pattern += "/?"
    # `?tagging` and `?list-type=2` literals select the operation; `?x-id=...` only names it.
    required_query = tuple((k, v[0]) for k, v in parse_qs(literal_query, keep_blank_values=True).items() if k != "x-id")
    shape = op.input_shape
    header_members: tuple[str, ...] = ()
    query_members: tuple[str, ...] = ()
    if shape is not None:
        bound = [
            (shape.members[m].serialization.get("location"), shape.members[m].serialization.get("name", m))
            for m in shape.required_members
        ]
        header_members = tuple(wire for location, wire in bound if location == "header")
        query_members = tuple(wire for location, wire in bound if location == "querystring")
    literal_chars = len(re.sub(r"\{[^}]+\}", "", path))
    # Ties: the operation with more required query members (S3's UploadPart over
    # PutObject), then the current one over the deprecated one on the same URI.
    specificity = (
        len(required_query),
        len(header_members),
        literal_chars,
        -path.count("+}"),
        len(query_members),
        not op.deprecated,
    )
    return _Route(op, re.compile(pattern), labels, required_query, header_members, query_members, specificity)


@cache
def _routes(service: str) -> dict[str, list[_Route]]:
    model = service_model(service)
    by_method: dict[str, list[_Route]] = {}
    for name in model.operation_names:
        op = model.operation_model(name)
        by_method.setdefault(op.http.get("method", "POST"), []).append(_compile_route(op))
    for routes in by_method.values():
        routes.sort(key=lambda r: r.specificity, reverse=True)
    return by_method


def _s3_path(req: AwsRequest) -> str:
    """The request's path in path style: a virtual-hosted bucket (decided as
    moto decides it) moves from the Host header to the path."""
    from moto.s3.responses import S3Response
    from moto.s3.utils import bucket_name_from_url

    host = req.headers.get("Host", "")
    probe = SimpleNamespace(headers=req.headers, url=f"http://{host}{req.path}")
    if not host or not S3Response.subdomain_based_buckets(probe):
        return req.path
    bucket = bucket_name_from_url(probe.url)
    return f"/{quote(bucket, safe='')}{req.path}" if bucket else req.path


@cache
def _twins(service: str, name: str) -> tuple[str, ...]:
    """Operations a request of `name` cannot be told from (same method, URI and
    required headers), such as S3's deprecated PutBucketLifecycle and its
    successor PutBucketLifecycleConfiguration, or ListBuckets and ListDirectoryBuckets."""
    op = service_model(service).operation_model(name)
    routes = _routes(service).get(op.http.get("method", "POST"), [])
    route = next(r for r in routes if r.operation.name == name)

    def key(r: _Route) -> tuple:
        return (r.regex.pattern, r.required_query, sorted(h.lower() for h in r.header_members))

    return tuple(r.operation.name for r in routes if r is not route and key(r) == key(route))


def resolve_operation(service: str, req: AwsRequest) -> tuple[OperationModel | None, dict[str, str]]:
    """The operation a request calls, and its raw URI label values (REST only)."""
    model = service_model(service)
    if model.protocol == "json":
        target = req.headers.get("X-Amz-Target", "")
        prefix, _, name = target.partition(".")
        if prefix == model.metadata.get("targetPrefix") and name in model.operation_names:
            return model.operation_model(name), {}
        return None, {}
    if model.protocol in ("query", "ec2"):
        name = req.form.get("Action", "")
        return (model.operation_model(name), {}) if name in model.operation_names else (None, {})
    path = _s3_path(req) if service == "s3" else req.path
    candidates = []
    for route in _routes(service).get(req.method, []):
        match = route.regex.fullmatch(path)
        if not match:
            continue
        if any(k not in req.query or (v and v not in req.query[k]) for k, v in route.required_query):
            continue
        if any(h not in req.headers for h in route.header_members):
            continue
        candidates.append((route, match))
    if not candidates:
        return None, {}
    # Operations sharing a path and method (S3's PutObject and UploadPart) differ
    # by their required query members, or are named by the SDK's `?x-id=`; a
    # request lacking them still reaches the likeliest operation, to be refused by validation.
    named = req.query.get("x-id", [None])[-1]
    route, match = next(
        (c for c in candidates if c[0].operation.name == named),
        next((c for c in candidates if all(q in req.query for q in c[0].query_members)), candidates[0]),
    )
    return route.operation, {route.labels[g]: v for g, v in match.groupdict().items()}


# ---------------------------------------------------------------- parsing


def _scalar(raw: str, shape: Shape) -> Any:
    """Converts a string from a URI, query string or header to the shape's type.

    A value that does not convert is returned unchanged so that validation
    reports it as a type error.
    """
    kind = shape.type_name
    try:
        if kind in ("integer", "long"):
            return int(raw)
        if kind in ("double", "float"):
            return float(raw)
        if kind == "boolean":
            return {"true": True, "false": False}[raw.lower()]
        if kind == "timestamp":
            return parse_timestamp(raw)
        if kind == "blob":
            return base64.b64decode(raw)
    except (ValueError, KeyError, TypeError):
        return raw
    return raw


def _from_json(value: Any, shape: Shape) -> Any:
    kind = shape.type_name
    if kind == "structure" and isinstance(value, dict) and not shape.is_document_type:
        wire_names = {m.serialization.get("name", n): n for n, m in shape.members.items()}
        out = {}
        for key, item in value.items():
            if item is None:
                continue  # JSON null means absent
            name = wire_names.get(key, key)
            member = shape.members.get(name)
            out[name] = _from_json(item, member) if member is not None else item
        return out
    if kind == "list" and isinstance(value, list):
        return [_from_json(v, shape.member) for v in value]
    if kind == "map" and isinstance(value, dict):
        return {k: _from_json(v, shape.value) for k, v in value.items()}
    if kind == "timestamp" and isinstance(value, (int, float, str)) and not isinstance(value, bool):
        try:
            return parse_timestamp(value)
        except (ValueError, TypeError):
            return value
    if kind == "blob" and isinstance(value, str):
        try:
            return base64.b64decode(value, validate=True)
        except ValueError:
            return value
    return value


def _parse_rest(op: OperationModel, req: AwsRequest, labels: dict[str, str]) -> dict:
    """rest-json and rest-xml: URI labels, query string, headers, then the body."""
    shape = op.input_shape
    xml = op.metadata["protocol"] == "rest-xml"
    params: dict[str, Any] = {}
    body_members = {}
    for name, member in shape.members.items():
        location = member.serialization.get("location")
        wire = member.serialization.get("name", name)
        if location == "uri":
            if wire in labels:
                params[name] = _scalar(unquote(labels[wire]), member)
        elif location == "querystring":
            if member.type_name == "map":
                values = {k: v[-1] for k, v in req.query.items()}
                if values:
                    params[name] = values
            elif wire in req.query:
                values = req.query[wire]
                if member.type_name == "list":
                    params[name] = [_scalar(v, member.member) for v in values]
                else:
                    params[name] = _scalar(values[-1], member)
        elif location == "header":
            if wire in req.headers:
                raw = req.headers[wire]
                if member.type_name == "list":
                    params[name] = [_scalar(v.strip(), member.member) for v in raw.split(",")]
                elif member.serialization.get("jsonvalue"):
                    params[name] = json.loads(base64.b64decode(raw))
                else:
                    params[name] = _scalar(raw, member)
        elif location == "headers":
            prefix = wire.lower()
            values = {k[len(prefix) :]: v for k, v in req.headers.items() if k.lower().startswith(prefix)}
            if values:
                params[name] = values
        elif location != "statusCode":
            body_members[name] = member
    payload = shape.serialization.get("payload")
    body = _decoded_body(req) if xml else req.body
    if payload:
        member = shape.members[payload]
        if member.type_name in ("blob", "string"):
            if body:
                params[payload] = body if member.type_name == "blob" else body.decode("utf-8", "replace")
        elif body.strip():
            params[payload] = _from_xml(_xml_root(body), member) if xml else _from_json(req.json_body(), member)
    elif body_members and xml:
        if body.strip():
            parsed = _from_xml(_xml_root(body), shape)
            params.update({k: v for k, v in parsed.items() if k in body_members})
    elif body_members:
        body = req.json_body()
        if not isinstance(body, dict):
            raise _unparseable("SerializationException", "The request body must be a JSON object")
        parsed = _from_json(body, shape)
        params.update({k: v for k, v in parsed.items() if k in body_members})
    return params


MALFORMED_XML = "The XML you provided was not well-formed or did not validate against our published schema"


def _decoded_body(req: AwsRequest) -> bytes:
    """The payload of an `aws-chunked` body (SigV4 streaming, as the AWS SDKs
    send uploads): chunks of `<hex size>[;chunk-signature=...] CRLF <data> CRLF`
    up to an empty one, then trailing checksum headers."""
    streaming = req.headers.get("x-amz-content-sha256", "").startswith("STREAMING-")
    if not streaming and "aws-chunked" not in req.headers.get("Content-Encoding", ""):
        return req.body
    out, pos = bytearray(), 0
    while True:
        end = req.body.find(b"\r\n", pos)
        if end == -1:
            return req.body  # not chunked after all: leave it to moto
        try:
            size = int(req.body[pos:end].split(b";", 1)[0], 16)
        except ValueError:
            return req.body
        if size == 0:
            return bytes(out)
        out += req.body[end + 2 : end + 2 + size]
        pos = end + 2 + size + 2


def _xml_root(body: bytes) -> ElementTree.Element:
    try:
        return ElementTree.fromstring(body)
    except ElementTree.ParseError:
        raise _unparseable("MalformedXML", MALFORMED_XML) from None


def _local_name(name: str) -> str:
    """`{namespace}Tag` or `xsi:type` -> `Tag`, `type`."""
    return name.rsplit("}", 1)[-1].rsplit(":", 1)[-1]


def _from_xml(node: ElementTree.Element, shape: Shape) -> Any:
    """Mirror of botocore's RestXMLSerializer: an element back to the value it serialized."""
    kind = shape.type_name
    if kind == "structure":
        out: dict[str, Any] = {}
        children = list(node)
        for name, member in shape.members.items():
            wire = _local_name(member.serialization.get("name", name))
            if member.serialization.get("xmlAttribute"):
                value = next((v for k, v in node.attrib.items() if _local_name(k) == wire), None)
                if value is not None:
                    out[name] = _scalar(value, member)
                continue
            matching = [c for c in children if _local_name(c.tag) == wire]
            if member.serialization.get("flattened") and member.type_name == "list":
                if not matching and member.member.serialization.get("name"):
                    alias = _local_name(member.member.serialization["name"])
                    matching = [c for c in children if _local_name(c.tag) == alias]
                if matching:
                    out[name] = [_from_xml(c, member.member) for c in matching]
            elif member.serialization.get("flattened") and member.type_name == "map":
                if matching:
                    out[name] = _map_from_xml(matching, member)
            elif matching:
                out[name] = _from_xml(matching[0], member)
        return out
    if kind == "list":
        item = _local_name(shape.member.serialization.get("name", "member"))
        return [_from_xml(c, shape.member) for c in node if _local_name(c.tag) == item]
    if kind == "map":
        return _map_from_xml([c for c in node if _local_name(c.tag) == "entry"], shape)
    text = node.text or ""
    return text if kind == "string" else _scalar(text.strip(), shape)


def _map_from_xml(entries: list[ElementTree.Element], shape: Shape) -> dict:
    key_name = _local_name(shape.key.serialization.get("name", "key"))
    value_name = _local_name(shape.value.serialization.get("name", "value"))
    out = {}
    for entry in entries:
        key = next((c for c in entry if _local_name(c.tag) == key_name), None)
        value = next((c for c in entry if _local_name(c.tag) == value_name), None)
        if key is not None:
            out[key.text or ""] = _from_xml(value, shape.value) if value is not None else None
    return out


def _query_name(member: Shape, default: str, ec2: bool) -> str:
    if ec2:
        if "queryName" in member.serialization:
            return member.serialization["queryName"]
        name = member.serialization.get("name", default)
        return name[0].upper() + name[1:]
    return member.serialization.get("name", default)


def _from_query(form: dict[str, str], shape: Shape, key: str, ec2: bool) -> Any:
    """Mirror of botocore's Query/EC2 serializers; None when absent."""
    kind = shape.type_name
    if kind == "structure":
        out = {}
        for name, member in shape.members.items():
            wire = _query_name(member, name, ec2)
            value = _from_query(form, member, f"{key}.{wire}" if key else wire, ec2)
            if value is not None:
                out[name] = value
        return out if out or not key else None
    if kind == "list":
        if ec2:
            prefix = key
        elif shape.serialization.get("flattened"):
            prefix = key
            if shape.member.serialization.get("name"):
                prefix = ".".join(key.split(".")[:-1] + [shape.member.serialization["name"]])
        else:
            prefix = f"{key}.{shape.member.serialization.get('name', 'member')}"
        items = []
        while (item := _from_query(form, shape.member, f"{prefix}.{len(items) + 1}", ec2)) is not None:
            items.append(item)
        if not items:
            return [] if form.get(key) == "" else None
        return items
    if kind == "map":
        prefix = key if shape.serialization.get("flattened") else f"{key}.entry"
        key_name = _query_name(shape.key, "key", ec2) if ec2 else shape.key.serialization.get("name", "key")
        value_name = _query_name(shape.value, "value", ec2) if ec2 else shape.value.serialization.get("name", "value")
        out = {}
        i = 1
        while f"{prefix}.{i}.{key_name}" in form:
            out[form[f"{prefix}.{i}.{key_name}"]] = _from_query(form, shape.value, f"{prefix}.{i}.{value_name}", ec2)
            i += 1
        return out or None
    if key not in form:
        return None
    return _scalar(form[key], shape)


def _with_unsendable(params: dict, shape: Shape) -> dict:
    """Puts back what the query protocols cannot send: an empty structure or
    map given for a required member goes on the wire as nothing at all."""
    for name in shape.required_members:
        member = shape.members[name]
        empty_allowed = member.type_name == "map" or (member.type_name == "structure" and not member.required_members)
        if name not in params and empty_allowed:
            params[name] = {}
    for name, value in params.items():
        member = shape.members.get(name)
        if member is not None and member.type_name == "structure" and isinstance(value, dict):
            _with_unsendable(value, member)
        elif member is not None and member.type_name == "list" and member.member.type_name == "structure":
            for item in value:
                _with_unsendable(item, member.member)
    return params


PARSED_PROTOCOLS = ("rest-json", "json", "query", "ec2", "rest-xml")


def parse_input(op: OperationModel, req: AwsRequest, labels: dict[str, str]) -> dict:
    """The operation's input as the client built it before serializing it."""
    if op.input_shape is None:
        return {}
    protocol = op.metadata["protocol"]
    if protocol in ("rest-json", "rest-xml"):
        return _parse_rest(op, req, labels)
    if protocol == "json":
        body = req.json_body()
        if not isinstance(body, dict):
            raise _unparseable("SerializationException", "The request body must be a JSON object")
        return _from_json(body, op.input_shape)
    if protocol in ("query", "ec2"):
        return _with_unsendable(_from_query(req.form, op.input_shape, "", protocol == "ec2"), op.input_shape)
    raise ValueError(f"cannot parse {protocol} requests")


# ---------------------------------------------------------------- validation


@cache
def _pattern(expression: str) -> re.Pattern | None:
    # The few model patterns Python cannot compile (\p{...} classes) are not checked.
    try:
        return re.compile(expression)
    except re.error:
        return None


def pattern_matches(expression: str, value: str) -> bool | None:
    """Whether `value` satisfies a model pattern as AWS checks it (None when
    the pattern is not checked here). A pattern without anchors, as the
    older services' models write them, is a Java regular expression that
    AWS matches against the whole value (`String.matches`): `[a-z]+` refuses
    `ab cd`. One that anchors itself (`^...`, `...$`), as Smithy models do,
    is matched as written: `^[a-z]` only constrains the first character."""
    pattern = _pattern(expression)
    if pattern is None:
        return None
    if expression.startswith("^") or expression.endswith("$"):
        return pattern.search(value) is not None
    return pattern.fullmatch(value) is not None


# Enums that list AWS's offerings and grow with every launch, so a newer SDK
# sends values this model lacks: AWS answers an unknown one with its own
# error (EC2's InvalidInstanceType), which is left to moto.
OPEN_ENUMS = {"InstanceType"}


class _ServerSideValidator(ParamValidator):
    """botocore's client-side checks plus the constraints AWS services enforce
    themselves: maximum lengths and values, enums and patterns."""

    VALIDATED_METADATA_ATTRS = ParamValidator.VALIDATED_METADATA_ATTRS | {"max", "enum", "pattern"}

    @staticmethod
    def _show_value(errors, since: int, name: str, param) -> None:
        # botocore reports a too short value by its length; AWS quotes the value.
        for reason, where, info in errors._errors[since:]:
            if reason == "invalid length" and where == name:
                info["param"] = param

    def _validate_string(self, param, shape, errors, name):
        since = len(errors._errors)
        super()._validate_string(param, shape, errors, name)
        self._show_value(errors, since, name, param)
        if not isinstance(param, str):
            return
        if "max" in shape.metadata and len(param) > shape.metadata["max"]:
            errors.report(name, "length above max", param=param, max_allowed=shape.metadata["max"])
        if shape.enum and param not in shape.enum and shape.name not in OPEN_ENUMS:
            errors.report(name, "not in enum", param=param, allowed=shape.enum)
        if "pattern" in shape.metadata and pattern_matches(shape.metadata["pattern"], param) is False:
            errors.report(name, "pattern mismatch", param=param, pattern=shape.metadata["pattern"])

    def _validate_list(self, param, shape, errors, name):
        since = len(errors._errors)
        super()._validate_list(param, shape, errors, name)
        self._show_value(errors, since, name, param)
        if isinstance(param, (list, tuple)) and len(param) > shape.metadata.get("max", len(param)):
            errors.report(name, "length above max", param=param, max_allowed=shape.metadata["max"])

    def _validate_map(self, param, shape, errors, name):
        super()._validate_map(param, shape, errors, name)
        if isinstance(param, dict) and len(param) > shape.metadata.get("max", len(param)):
            errors.report(name, "length above max", param=param, max_allowed=shape.metadata["max"])

    def _check_max(self, param, shape, errors, name):
        if isinstance(param, (int, float)) and param > shape.metadata.get("max", param):
            errors.report(name, "value above max", param=param, max_allowed=shape.metadata["max"])

    def _validate_integer(self, param, shape, errors, name):
        super()._validate_integer(param, shape, errors, name)
        self._check_max(param, shape, errors, name)

    def _validate_long(self, param, shape, errors, name):
        super()._validate_long(param, shape, errors, name)
        self._check_max(param, shape, errors, name)

    def _validate_double(self, param, shape, errors, name):
        super()._validate_double(param, shape, errors, name)
        self._check_max(param, shape, errors, name)

    _validate_float = _validate_double


_TYPE_NAMES = {
    str(str): "string",
    str(int): "integer",
    str(bool): "boolean",
    str(float): "double",
    str(dict): "structure",
    str(list): "list",
    str(bytes): "blob",
    str(datetime): "timestamp",
}
_CONSTRAINTS = {
    "invalid type": "Member must be of type {expected}",
    "invalid length": "Member must have length greater than or equal to {min_allowed}",
    "invalid range": "Member must have value greater than or equal to {min_allowed}",
    "length above max": "Member must have length less than or equal to {max_allowed}",
    "value above max": "Member must have value less than or equal to {max_allowed}",
    "not in enum": "Member must satisfy enum value set: [{allowed}]",
    "pattern mismatch": "Member must satisfy regular expression pattern: {pattern}",
}

# What AWS requires although the model leaves each member optional: one of them.
ONE_OF = {("ec2", "CreateVpc"): ("CidrBlock", "Ipv4IpamPoolId")}


def _describe(reason: str, name: str, info: dict) -> str:
    """One violation in the wording AWS services use."""
    if reason == "missing required field":
        path = f"{name}.{info['required_name']}" if name else info["required_name"]
        return f"Value null at '{path}' failed to satisfy constraint: Member must not be null"
    if reason == "missing one of":
        return "Either " + " or ".join(f"'{c}'" for c in info["choices"]) + " should be provided"
    if reason in _CONSTRAINTS:
        value = info.get("param")
        valid_types = info.get("valid_types") or ["?"]
        details = {
            **info,
            "expected": _TYPE_NAMES.get(valid_types[0], valid_types[0]),
            "allowed": ", ".join(info.get("allowed", [])),
        }
        constraint = _CONSTRAINTS[reason].format(**details)
        return f"Value '{value}' at '{name}' failed to satisfy constraint: {constraint}"
    return f"Invalid value at '{name or 'input'}': {reason}"


class RequestRefused(AwsError):
    """A request that does not validate; `problems` lists every violation."""

    def __init__(self, code: str, message: str, problems: list[str]) -> None:
        super().__init__(code, message, 400)
        self.problems = problems


def _unparseable(code: str, message: str) -> RequestRefused:
    return RequestRefused(code, message, [message])


def _top_member(name: str, info: dict) -> str:
    """The input member a violation is in (`Tagging` of `Tagging.TagSet[0]`)."""
    return re.split(r"[.\[]", name, maxsplit=1)[0] if name else info.get("required_name", "")


def _refusal(op: OperationModel, errors: list[tuple[str, str, dict]]) -> RequestRefused:
    """The error AWS answers for these violations, as the operation's protocol has it."""
    problems = [_describe(*e) for e in errors]
    noun = "error" if len(problems) == 1 else "errors"
    summary = f"{len(problems)} validation {noun} detected: " + "; ".join(problems)
    protocol = op.metadata["protocol"]
    if protocol == "query":
        return RequestRefused("ValidationError", summary, problems)
    if protocol == "ec2":
        for reason, name, info in errors:
            if reason == "missing one of":
                return RequestRefused("MissingParameter", _describe(reason, name, info), problems)
            if reason == "missing required field":
                path = f"{name}.{info['required_name']}" if name else info["required_name"]
                return RequestRefused("MissingParameter", f"The request must contain the parameter {path}", problems)
        return RequestRefused("InvalidParameterValue", summary, problems)
    if protocol == "rest-xml":
        # S3 answers MalformedXML for any body that does not match its schema.
        members = op.input_shape.members
        if any("location" not in members[m].serialization for e in errors if (m := _top_member(e[1], e[2])) in members):
            return RequestRefused("MalformedXML", MALFORMED_XML, problems)
        return RequestRefused("InvalidArgument", summary, problems)
    return RequestRefused("ValidationException", summary, problems)


def validate(op: OperationModel, params: dict) -> None:
    """Raises RequestRefused, in the error AWS answers on the operation's
    protocol, when `params` (as parse_input gives them) are not valid input."""
    if op.input_shape is None:
        return
    report = _ServerSideValidator().validate(params, op.input_shape)
    # ValidationErrors keeps (reason, name, details) tuples in `_errors`.
    # Unknown members are left out: AWS ignores what it does not model (e.g. from a newer SDK).
    errors = [(reason, name.lstrip("."), info) for reason, name, info in report._errors if reason != "unknown field"]
    choices = ONE_OF.get((op.service_model.service_name, op.name))
    if choices and not any(c in params for c in choices):
        errors.append(("missing one of", "", {"choices": choices}))
    if errors:
        raise _refusal(op, errors)


def validate_request(op: OperationModel, req: AwsRequest, labels: dict[str, str]) -> None:
    """Parses and validates a request; refused only if it is not valid input of
    `op` nor of any operation it cannot be told from."""
    try:
        validate(op, parse_input(op, req, labels))
    except RequestRefused:
        model = op.service_model
        if model.protocol not in ("rest-json", "rest-xml"):
            raise  # the operation is named in the request
        for twin in _twins(model.service_name, op.name):
            try:
                validate(model.operation_model(twin), parse_input(model.operation_model(twin), req, labels))
                return
            except RequestRefused:
                continue
        raise


# ---------------------------------------------------------------- responses


@dataclass
class Reply:
    status: int
    headers: dict[str, str] | list[tuple[str, str]]  # moto's replies may repeat a header
    body: bytes


def new_request_id() -> str:
    return str(uuid.uuid4())


@cache
def _moto_model(service: str) -> Any:
    return moto_service_model(service)


def serialize_output(op: OperationModel, result: Any) -> Reply:
    """Serializes a handler's result (dicts and/or moto model objects, with
    camelCase or snake_case attribute names) with moto's shape-driven serializer."""
    service = op.service_model.service_name
    serializer_cls = get_serializer_class(service, op.metadata["protocol"])
    # moto's serializer wants the operation from moto's own model classes.
    moto_op = _moto_model(service).operation_model(op.name)
    serializer = serializer_cls(operation_model=moto_op, value_picker=XFormedAttributePicker())
    out = serializer.serialize(result or {})
    body = out["body"]
    headers = {k: str(v) for k, v in out["headers"].items()}
    headers["x-amzn-RequestId"] = new_request_id()
    return Reply(out["status_code"], headers, body.encode() if isinstance(body, str) else body)


@cache
def _error_statuses(service: str) -> dict[str, int]:
    """HTTP status of each modeled error, by shape name and by wire code
    (IAM's NoSuchEntityException is `NoSuchEntity` on the wire)."""
    model = service_model(service)
    out: dict[str, int] = {}
    for shape in model.error_shapes:
        error = shape.metadata.get("error", {})
        status = error.get("httpStatusCode", 400)
        out[shape.name] = status
        if error.get("code"):
            out[error["code"]] = status
    return out


def error_status(service: str, err: AwsError) -> int:
    if err.status is not None:
        return err.status
    return _error_statuses(service).get(err.code, 400)


def render_error(service: str, err: AwsError) -> Reply:
    """The error in the service protocol's wire format."""
    model = service_model(service)
    status = error_status(service, err)
    request_id = new_request_id()
    protocol = model.protocol
    if protocol == "rest-json":
        body = {"message": err.message, **err.fields}
        headers = {"Content-Type": "application/json", "x-amzn-ErrorType": err.code}
        return Reply(status, {**headers, "x-amzn-RequestId": request_id}, json.dumps(body).encode())
    if protocol == "json":
        body = {"__type": err.code, "message": err.message, **err.fields}
        content_type = f"application/x-amz-json-{model.metadata.get('jsonVersion', '1.0')}"
        return Reply(status, {"Content-Type": content_type, "x-amzn-RequestId": request_id}, json.dumps(body).encode())
    code, message = escape(err.code), escape(err.message)
    if protocol == "ec2":
        xml = (
            f'<?xml version="1.0" encoding="UTF-8"?>\n<Response><Errors><Error><Code>{code}</Code>'
            f"<Message>{message}</Message></Error></Errors><RequestID>{request_id}</RequestID></Response>"
        )
    elif protocol == "query":
        fault = "Receiver" if status >= 500 else "Sender"
        namespace = model.metadata.get("xmlNamespace", "")
        xml = (
            f'<ErrorResponse xmlns="{namespace}"><Error><Type>{fault}</Type><Code>{code}</Code>'
            f"<Message>{message}</Message></Error><RequestId>{request_id}</RequestId></ErrorResponse>"
        )
    else:  # rest-xml
        xml = (
            f'<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>{code}</Code>'
            f"<Message>{message}</Message><RequestId>{request_id}</RequestId></Error>"
        )
    return Reply(status, {"Content-Type": "text/xml", "x-amzn-RequestId": request_id}, xml.encode())


# Error codes the AWS SDKs classify as throttling, and what 5xx faults answer, per protocol.
THROTTLE_ERRORS = {
    "rest-json": ("ThrottlingException", 429),
    "json": ("ThrottlingException", 400),
    "query": ("Throttling", 400),
    "ec2": ("RequestLimitExceeded", 503),
    "rest-xml": ("SlowDown", 503),
}
SERVER_ERRORS = {
    "rest-json": ("InternalFailure", 500),
    "json": ("InternalFailure", 500),
    "query": ("InternalFailure", 500),
    "ec2": ("InternalError", 500),
    "rest-xml": ("InternalError", 500),
}


def fault_error(service: str, kind: str) -> AwsError:
    protocol = service_model(service).protocol
    code, status = (THROTTLE_ERRORS if kind == "throttle" else SERVER_ERRORS)[protocol]
    message = "Rate exceeded" if kind == "throttle" else "An internal error occurred (injected fault)"
    return AwsError(code, message, status)
