"""Run-time settings (lifecycle latencies, injected faults, validation of
moto-served requests) and the scheduler that applies delayed transitions."""

from __future__ import annotations

import fnmatch
import heapq
import itertools
import logging
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass

log = logging.getLogger("emulator")

# Resources whose creation and deletion take `latency[kind]` seconds.
LATENCY_KINDS = (
    "eks:cluster",
    "eks:nodegroup",
    "eks:addon",
    "emr-containers:managed-endpoint",
    "emr-containers:job-run",  # per step of PENDING -> SUBMITTED -> RUNNING -> COMPLETED
    "ec2:nat-gateway",
)
FAULT_KINDS = ("throttle", "5xx")
# Why a managed endpoint named in `fail_managed_endpoints` fails (EMR on EKS's FailureReason).
ENDPOINT_FAILURE_REASONS = ("CLUSTER_UNAVAILABLE", "INTERNAL_ERROR", "USER_ERROR", "VALIDATION_ERROR")


@dataclass
class Fault:
    operation: str  # "service:Operation" as in /_emreks/stats; shell-style wildcards allowed
    kind: str
    count: int


class Settings:
    def __init__(self) -> None:
        self.latency: dict[str, float] = {}
        self.faults: list[Fault] = []
        self.validate_moto_requests = True
        # Names of EMR on EKS managed endpoints that end FAILED, with their failureReason.
        self.fail_managed_endpoints: dict[str, str] = {}

    def as_json(self) -> dict:
        out = {
            "latency": dict(self.latency),
            "faults": [asdict(f) for f in self.faults],
            "validate_moto_requests": self.validate_moto_requests,
        }
        if self.fail_managed_endpoints:  # shown only while set
            out["fail_managed_endpoints"] = dict(self.fail_managed_endpoints)
        return out

    def update(self, data: object) -> None:
        """Applies the settings present in `data`, each replacing its current
        value (so `{"latency": {}}` clears every latency); raises ValueError,
        changing nothing, if any part is invalid."""
        if not isinstance(data, dict):
            raise ValueError("configuration must be a JSON object")
        unknown = set(data) - {"latency", "faults", "validate_moto_requests", "fail_managed_endpoints"}
        if unknown:
            raise ValueError(f"unknown settings: {sorted(unknown)}")
        latency = self.latency if "latency" not in data else {}
        for kind, seconds in (data.get("latency") or {}).items():
            if kind not in LATENCY_KINDS:
                raise ValueError(f"unknown latency kind {kind!r}; known: {list(LATENCY_KINDS)}")
            if not isinstance(seconds, (int, float)) or isinstance(seconds, bool) or seconds < 0:
                raise ValueError(f"latency of {kind} must be a number of seconds >= 0")
            latency[kind] = float(seconds)
        faults = self.faults
        if "faults" in data:
            faults = [self._fault(f) for f in data["faults"] or []]
        validate = data.get("validate_moto_requests", self.validate_moto_requests)
        if not isinstance(validate, bool):
            raise ValueError("validate_moto_requests must be true or false")
        failing = self.fail_managed_endpoints
        if "fail_managed_endpoints" in data:
            failing = self._failing_endpoints(data["fail_managed_endpoints"])
        self.latency, self.faults, self.validate_moto_requests = latency, faults, validate
        self.fail_managed_endpoints = failing

    @staticmethod
    def _failing_endpoints(spec: object) -> dict[str, str]:
        """["name", ...] (failing with CLUSTER_UNAVAILABLE) or {"name": failureReason, ...}."""
        if spec is None:
            return {}
        if isinstance(spec, list):
            spec = {name: ENDPOINT_FAILURE_REASONS[0] for name in spec}
        if not isinstance(spec, dict) or not all(isinstance(name, str) for name in spec):
            raise ValueError("fail_managed_endpoints must be a list of endpoint names or an object name -> reason")
        for name, reason in spec.items():
            if reason not in ENDPOINT_FAILURE_REASONS:
                raise ValueError(f"failure reason of {name!r} must be one of {list(ENDPOINT_FAILURE_REASONS)}")
        return dict(spec)

    @staticmethod
    def _fault(spec: object) -> Fault:
        if not isinstance(spec, dict) or set(spec) - {"operation", "kind", "count"}:
            raise ValueError('a fault is {"operation": ..., "kind": ..., "count": ...}')
        fault = Fault(spec.get("operation"), spec.get("kind"), spec.get("count", 1))
        if not isinstance(fault.operation, str) or ":" not in fault.operation:
            raise ValueError('fault operation must look like "eks:CreateCluster"')
        if fault.kind not in FAULT_KINDS:
            raise ValueError(f"fault kind must be one of {list(FAULT_KINDS)}")
        if not isinstance(fault.count, int) or isinstance(fault.count, bool) or fault.count < 1:
            raise ValueError("fault count must be a positive integer")
        return fault

    def delay(self, kind: str) -> float:
        return self.latency.get(kind, 0.0)

    def take_fault(self, operation: str) -> str | None:
        """The kind of fault to inject into this call, if any; each fires `count` times."""
        for fault in self.faults:
            if fnmatch.fnmatchcase(operation, fault.operation):
                fault.count -= 1
                if fault.count == 0:
                    self.faults.remove(fault)
                return fault.kind
        return None


class Scheduler:
    """Delayed state transitions (CREATING -> ACTIVE, DELETING -> gone, ...).

    Due transitions run at the start of each request, under the emulator's
    lock, so clients never observe a half-applied transition and no
    background thread touches moto's backends.
    """

    def __init__(self) -> None:
        self._queue: list[tuple[float, int, Callable[[], None]]] = []
        self._order = itertools.count()

    def after(self, seconds: float, action: Callable[[], None]) -> None:
        if seconds <= 0:
            action()
        else:
            heapq.heappush(self._queue, (time.monotonic() + seconds, next(self._order), action))

    def run_due(self) -> None:
        now = time.monotonic()
        while self._queue and self._queue[0][0] <= now:
            action = heapq.heappop(self._queue)[2]
            try:
                action()
            except Exception:  # a failed transition must not fail the request that happened to trigger it
                log.exception("delayed transition failed")

    def clear(self) -> None:
        self._queue.clear()
