"""What moto recomputes on every request although it cannot change while the
emulator runs, computed once instead: the backend a host name stands for
(moto lists its package directory to tell, twice a request) and the action
methods of a response class (moto inspects the class on every call). Both
depend on code only, never on the backends' state, so a reset leaves them
valid."""

from __future__ import annotations

from functools import cache
from typing import Any

from moto.core import responses
from moto.moto_server.werkzeug_app import DomainDispatcherApplication


class MotoDispatcher(DomainDispatcherApplication):
    """moto's dispatcher, remembering which backend serves each host name."""

    def __init__(self, create_app: Any) -> None:
        super().__init__(create_app)
        self._backend_by_host: dict[str | None, Any] = {}

    def get_backend_for_host(self, host: str | None) -> Any:
        try:
            return self._backend_by_host[host]
        except KeyError:
            backend = self._backend_by_host[host] = super().get_backend_for_host(host)
            return backend


def install() -> None:
    """Makes moto look up each response class's action methods once (idempotent)."""
    if getattr(responses.method_names_from_class, "cached", False):
        return
    inspect_class = responses.method_names_from_class

    @cache
    def method_names_from_class(clazz: type) -> frozenset[str]:
        return frozenset(inspect_class(clazz))

    method_names_from_class.cached = True
    responses.method_names_from_class = method_names_from_class
