"""The emulator's own API under /_emreks/: call statistics, injected faults,
the inventory of client-created objects, run-time settings and a full reset."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from werkzeug.wrappers import Request, Response

if TYPE_CHECKING:
    from .app import Emulator


def _json(body: Any, status: int = 200) -> Response:
    return Response(json.dumps(body, indent=1, sort_keys=True), status=status, content_type="application/json")


class AdminApi:
    def __init__(self, emulator: Emulator) -> None:
        self.emulator = emulator

    def handle(self, request: Request) -> Response:
        emulator = self.emulator
        route = (request.method, request.path.rstrip("/"))
        if route == ("GET", "/_emreks/health"):
            return _json({"status": "ok"})
        if route == ("GET", "/_emreks/stats"):
            return _json(dict(emulator.stats))
        if route == ("POST", "/_emreks/stats/reset"):
            emulator.stats.clear()
            emulator.settings.injected.clear()
            return _json({})
        if route == ("GET", "/_emreks/faults"):
            return _json(emulator.settings.injected_json())
        if route == ("GET", "/_emreks/inventory"):
            return _json(emulator.inventory())
        if route == ("GET", "/_emreks/config"):
            return _json(emulator.settings.as_json())
        if route == ("POST", "/_emreks/config"):
            try:
                emulator.settings.update(json.loads(request.get_data() or b"{}"))
            except ValueError as e:  # also json.JSONDecodeError
                return _json({"error": str(e)}, 400)
            return _json(emulator.settings.as_json())
        if route == ("POST", "/_emreks/reset"):
            emulator.reset()
            return _json({})
        return _json({"error": f"no such admin endpoint: {request.method} {request.path}"}, 404)
