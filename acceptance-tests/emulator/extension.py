"""What the service extensions share: the call context handed to handlers,
operation registration, per-account/region state and small helpers."""

from __future__ import annotations

import base64
import random
import string
import uuid
from collections.abc import Callable
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import datetime, UTC
from typing import TYPE_CHECKING, Any

from botocore import xform_name
from botocore.model import OperationModel
from moto.backends import get_backend

from .protocol import AwsError, Reply

if TYPE_CHECKING:
    from .app import Emulator


def utcnow() -> datetime:
    return datetime.now(UTC)


def random_id(length: int, alphabet: str = string.ascii_lowercase + string.digits) -> str:
    return "".join(random.choices(alphabet, k=length))


def new_uuid() -> str:
    return str(uuid.uuid4())


# The emulator's `page_size` setting, for the request being served.
extension_page_size: ContextVar[int | None] = ContextVar("extension_page_size", default=None)


def paginate(
    items: list, max_results: int | None, next_token: str | None, default: int = 100
) -> tuple[list, str | None]:
    """A page of `items` and the opaque token of the next one: at most
    `max_results`, else the operation's default page size, and never more
    than the emulator's `page_size` setting."""
    start = 0
    if next_token:
        try:
            start = int(base64.urlsafe_b64decode(next_token.encode()).decode())
        except ValueError:
            raise AwsError("InvalidParameterException", "The nextToken is not valid") from None
    size = max_results or default
    if extension_page_size.get():
        size = min(size, extension_page_size.get())
    end = start + size
    token = base64.urlsafe_b64encode(str(end).encode()).decode() if end < len(items) else None
    return items[start:end], token


@dataclass
class Call:
    """One AWS request routed to an extension handler, already validated."""

    emulator: Emulator
    operation: OperationModel
    params: dict[str, Any]
    region: str
    account: str
    access_key: str
    host: str  # as the client addressed the emulator, e.g. 127.0.0.1:4566
    forward: Callable[[], Reply]  # hands the original request to moto

    def backend(self, service: str) -> Any:
        """moto's backend of `service` for this call's account and region."""
        region = "aws" if service in ("iam", "s3") else self.region
        return get_backend(service)[self.account][region]

    def arn(self, service: str, resource: str) -> str:
        return f"arn:aws:{service}:{self.region}:{self.account}:{resource}"

    def later(self, kind: str, action: Callable[[], None]) -> None:
        """Runs `action` once the configured latency of `kind` has passed (now if 0)."""
        self.emulator.scheduler.after(self.emulator.settings.delay(kind), action)

    def caller_arn(self) -> str:
        """The IAM identity behind the request's access key, as STS reports it."""
        sts = get_backend("sts")[self.account]["aws"]
        _, arn, _ = sts.get_caller_identity(self.access_key, self.region)
        return arn


def operation(name: str) -> Callable:
    """Marks an Extension method as the handler of operation `name`."""

    def mark(method: Callable) -> Callable:
        method.operation_name = name
        return method

    return mark


class Extension:
    """Operations of one AWS service that the emulator serves itself.

    A handler receives a Call and returns either the operation's output (a
    dict, possibly holding moto model objects) or a Reply, typically the one
    `call.forward()` got from moto when it wraps a moto operation.
    """

    service = ""  # botocore service name
    moto_response_class: type = object  # moto's responses class of the service

    def __init__(self, emulator: Emulator) -> None:
        self.emulator = emulator
        self.handlers: dict[str, Callable[[Call], Any]] = {}
        for attr in dir(type(self)):
            name = getattr(getattr(type(self), attr), "operation_name", None)
            if name:
                self.handlers[name] = getattr(self, attr)
        self._states: dict[tuple[str, str], Any] = {}
        self._results: dict[tuple[str, str, str, str], Any] = {}  # by account, region, operation, token

    def moto_implements(self, operation_name: str) -> bool:
        return hasattr(self.moto_response_class, xform_name(operation_name))

    def new_state(self) -> Any:
        raise NotImplementedError

    def state(self, call: Call) -> Any:
        key = (call.account, call.region)
        if key not in self._states:
            self._states[key] = self.new_state()
        return self._states[key]

    def states(self) -> list[Any]:
        return list(self._states.values())

    def reset(self) -> None:
        self._states.clear()
        self._results.clear()

    def idempotent(self, call: Call, token_member: str, create: Callable[[], Any]) -> Any:
        """Runs `create` once per idempotency token: a retried request gets the first one's result."""
        token = call.params.get(token_member)
        if not token:
            return create()
        key = (call.account, call.region, call.operation.name, token)
        if key not in self._results:
            self._results[key] = create()
        return self._results[key]

    def inventory(self) -> dict[str, list[str]]:
        """The objects of this extension's own stores, by kind (see inventory.py)."""
        return {}
