"""Run-time settings (lifecycle latencies, injected faults, rate limits,
paging, failures on demand, validation of moto-served requests) and the
scheduler that applies delayed transitions."""

from __future__ import annotations

import fnmatch
import heapq
import itertools
import logging
import random
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field

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
# Why a job run named in `fail_job_runs` fails (the same FailureReason enum).
JOB_FAILURE_REASONS = ENDPOINT_FAILURE_REASONS
DEFAULT_JOB_FAILURE = "USER_ERROR"
# How long AWS keeps the network interfaces of a deleted cluster, endpoint or
# load balancer before it releases them (seconds; ENIs block their subnet,
# VPC and security groups meanwhile).
DEFAULT_ENI_RELEASE_SECONDS = 2.0
SETTING_NAMES = (
    "latency",
    "faults",
    "validate_moto_requests",
    "fail_managed_endpoints",
    "fail_job_runs",
    "page_size",
    "rate_limits",
    "eni_release_seconds",
    "runner_in_vpc",
)


@dataclass
class Fault:
    """A fault for the calls whose "service:Operation" matches `operation`
    (shell-style wildcards): without a rate it answers the next `count` of
    them; with one, each such call draws (from its own generator, seeded
    with `seed` for repeatable runs) and is answered with probability
    `rate`, `count` times at most if a count is given."""

    operation: str
    kind: str
    count: int | None = 1
    rate: float | None = None
    seed: int | None = None
    _random: random.Random = field(default=None, repr=False, compare=False)

    def as_json(self) -> dict:
        out: dict = {"operation": self.operation, "kind": self.kind}
        if self.count is not None:
            out["count"] = self.count
        if self.rate is not None:
            out["rate"] = self.rate
        if self.seed is not None:
            out["seed"] = self.seed
        return out

    def fires(self) -> bool:
        if self.rate is None:
            return True
        return self._random.random() < self.rate


@dataclass
class TokenBucket:
    rate: float  # tokens per second
    burst: float
    tokens: float
    stamp: float

    def take(self, now: float) -> bool:
        self.tokens = min(self.burst, self.tokens + (now - self.stamp) * self.rate)
        self.stamp = now
        if self.tokens >= 1:
            self.tokens -= 1
            return True
        return False


class Settings:
    def __init__(self) -> None:
        self.latency: dict[str, float] = {}
        self.faults: list[Fault] = []
        self.validate_moto_requests = True
        # Names of EMR on EKS managed endpoints that end FAILED, with their failureReason.
        self.fail_managed_endpoints: dict[str, str] = {}
        # Names of job runs that end FAILED: name -> {"failureReason": ..., "stateDetails": ...}.
        self.fail_job_runs: dict[str, dict[str, str]] = {}
        self.page_size: int | None = None
        # "service:Operation" pattern -> {"rate": per second, "burst": tokens}.
        self.rate_limits: dict[str, dict[str, float]] = {}
        self.eni_release_seconds = DEFAULT_ENI_RELEASE_SECONDS
        # Whether the clients (Terraform) run inside the clusters' VPCs, where
        # the private endpoint answers; outside, only a public endpoint whose
        # publicAccessCidrs hold the caller's address does.
        self.runner_in_vpc = True
        self._buckets: dict[str, TokenBucket] = {}
        self.injected: dict[str, Counter[str]] = {}  # operation -> fault kind -> count

    def as_json(self) -> dict:
        out: dict = {
            "latency": dict(self.latency),
            "faults": [f.as_json() for f in self.faults],
            "validate_moto_requests": self.validate_moto_requests,
        }
        # The others show only while they differ from their defaults.
        if self.page_size is not None:
            out["page_size"] = self.page_size
        if self.rate_limits:
            out["rate_limits"] = {k: dict(v) for k, v in self.rate_limits.items()}
        if self.eni_release_seconds != DEFAULT_ENI_RELEASE_SECONDS:
            out["eni_release_seconds"] = self.eni_release_seconds
        if not self.runner_in_vpc:
            out["runner_in_vpc"] = False
        if self.fail_managed_endpoints:
            out["fail_managed_endpoints"] = dict(self.fail_managed_endpoints)
        if self.fail_job_runs:
            out["fail_job_runs"] = {k: dict(v) for k, v in self.fail_job_runs.items()}
        return out

    def update(self, data: object) -> None:
        """Applies the settings present in `data`, each replacing its current
        value (so `{"latency": {}}` clears every latency); raises ValueError,
        changing nothing, if any part is invalid."""
        if not isinstance(data, dict):
            raise ValueError("configuration must be a JSON object")
        unknown = set(data) - set(SETTING_NAMES)
        if unknown:
            raise ValueError(f"unknown settings: {sorted(unknown)}")
        latency = self.latency if "latency" not in data else {}
        for kind, seconds in (data.get("latency") or {}).items():
            if kind not in LATENCY_KINDS:
                raise ValueError(f"unknown latency kind {kind!r}; known: {list(LATENCY_KINDS)}")
            if not _number(seconds) or seconds < 0:
                raise ValueError(f"latency of {kind} must be a number of seconds >= 0")
            latency[kind] = float(seconds)
        faults = self.faults
        if "faults" in data:
            if not isinstance(data["faults"], (list, type(None))):
                raise ValueError("faults must be a list")
            faults = [self._fault(f) for f in data["faults"] or []]
        validate = data.get("validate_moto_requests", self.validate_moto_requests)
        if not isinstance(validate, bool):
            raise ValueError("validate_moto_requests must be true or false")
        failing = self.fail_managed_endpoints
        if "fail_managed_endpoints" in data:
            failing = self._failing_endpoints(data["fail_managed_endpoints"])
        failing_jobs = self.fail_job_runs
        if "fail_job_runs" in data:
            failing_jobs = self._failing_jobs(data["fail_job_runs"])
        page_size = data.get("page_size", self.page_size)
        if page_size is not None and (not isinstance(page_size, int) or isinstance(page_size, bool) or page_size < 1):
            raise ValueError("page_size must be a positive integer or null")
        rate_limits = self.rate_limits
        if "rate_limits" in data:
            rate_limits = self._rate_limits(data["rate_limits"])
        release = data.get("eni_release_seconds", self.eni_release_seconds)
        if not _number(release) or release < 0:
            raise ValueError("eni_release_seconds must be a number of seconds >= 0")
        in_vpc = data.get("runner_in_vpc", self.runner_in_vpc)
        if not isinstance(in_vpc, bool):
            raise ValueError("runner_in_vpc must be true or false")
        self.latency, self.faults, self.validate_moto_requests = latency, faults, validate
        self.runner_in_vpc = in_vpc
        self.fail_managed_endpoints, self.fail_job_runs = failing, failing_jobs
        self.page_size, self.eni_release_seconds = page_size, float(release)
        if rate_limits is not self.rate_limits:
            self.rate_limits, self._buckets = rate_limits, {}

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
    def _failing_jobs(spec: object) -> dict[str, dict[str, str]]:
        """["name", ...] (failing with USER_ERROR) or {"name": {"failureReason": ..., "stateDetails": ...}}."""
        if spec is None:
            return {}
        if isinstance(spec, list):
            spec = {name: {} for name in spec}
        if not isinstance(spec, dict) or not all(isinstance(name, str) for name in spec):
            raise ValueError("fail_job_runs must be a list of job run names or an object name -> failure")
        out = {}
        for name, failure in spec.items():
            if not isinstance(failure, dict) or set(failure) - {"failureReason", "stateDetails"}:
                raise ValueError(f'the failure of job run {name!r} is {{"failureReason": ..., "stateDetails": ...}}')
            reason = failure.get("failureReason", DEFAULT_JOB_FAILURE)
            if reason not in JOB_FAILURE_REASONS:
                raise ValueError(f"failureReason of {name!r} must be one of {list(JOB_FAILURE_REASONS)}")
            details = failure.get("stateDetails")
            if details is not None and not isinstance(details, str):
                raise ValueError(f"stateDetails of {name!r} must be a string")
            out[name] = {"failureReason": reason, **({"stateDetails": details} if details else {})}
        return out

    @staticmethod
    def _rate_limits(spec: object) -> dict[str, dict[str, float]]:
        if spec is None:
            return {}
        if not isinstance(spec, dict):
            raise ValueError('rate_limits is {"service:Operation or pattern": {"rate": N, "burst": M}, ...}')
        out = {}
        for pattern, limit in spec.items():
            if pattern != "*" and ":" not in pattern:
                raise ValueError(f'rate limit operation {pattern!r} must look like "eks:CreateCluster" or "*"')
            if not isinstance(limit, dict) or set(limit) - {"rate", "burst"} or "rate" not in limit:
                raise ValueError(f'the rate limit of {pattern!r} is {{"rate": per second, "burst": tokens}}')
            rate, burst = limit["rate"], limit.get("burst", limit["rate"])
            if not _number(rate) or rate <= 0 or not _number(burst) or burst < 1:
                raise ValueError(f"the rate limit of {pattern!r} needs rate > 0 and burst >= 1")
            out[pattern] = {"rate": float(rate), "burst": float(burst)}
        return out

    @staticmethod
    def _fault(spec: object) -> Fault:
        keys = {"operation", "kind", "count", "rate", "seed"}
        if not isinstance(spec, dict) or set(spec) - keys:
            raise ValueError('a fault is {"operation": ..., "kind": ..., "count": ..., "rate": ..., "seed": ...}')
        rate = spec.get("rate")
        count = spec.get("count", None if rate is not None else 1)
        fault = Fault(spec.get("operation"), spec.get("kind"), count, rate, spec.get("seed"))
        if not isinstance(fault.operation, str) or (":" not in fault.operation and fault.operation != "*"):
            raise ValueError('fault operation must look like "eks:CreateCluster" (or "*")')
        if fault.kind not in FAULT_KINDS:
            raise ValueError(f"fault kind must be one of {list(FAULT_KINDS)}")
        if count is not None and (not isinstance(count, int) or isinstance(count, bool) or count < 1):
            raise ValueError("fault count must be a positive integer")
        if rate is not None and (not _number(rate) or not 0 < rate <= 1):
            raise ValueError("fault rate must be a probability in (0, 1]")
        if fault.seed is not None and (not isinstance(fault.seed, int) or isinstance(fault.seed, bool)):
            raise ValueError("fault seed must be an integer")
        fault._random = random.Random(fault.seed)
        return fault

    def delay(self, kind: str) -> float:
        return self.latency.get(kind, 0.0)

    def take_fault(self, operation: str) -> str | None:
        """The kind of fault to inject into this call, if any."""
        for fault in list(self.faults):
            if not fnmatch.fnmatchcase(operation, fault.operation) or not fault.fires():
                continue
            if fault.count is not None:
                fault.count -= 1
                if fault.count == 0:
                    self.faults.remove(fault)
            self.count_injected(operation, fault.kind)
            return fault.kind
        return None

    def over_rate_limit(self, operation: str) -> bool:
        """Whether this call finds its operation's token bucket empty (a
        bucket per operation, under the most specific matching limit)."""
        if not self.rate_limits:
            return False
        matching = [p for p in self.rate_limits if fnmatch.fnmatchcase(operation, p)]
        if not matching:
            return False
        pattern = max(matching, key=lambda p: (p == operation, len(p.replace("*", ""))))
        limit = self.rate_limits[pattern]
        now = time.monotonic()
        bucket = self._buckets.get(operation)
        if bucket is None:
            bucket = self._buckets[operation] = TokenBucket(limit["rate"], limit["burst"], limit["burst"], now)
        if bucket.take(now):
            return False
        self.count_injected(operation, "rate_limit")
        return True

    def count_injected(self, operation: str, kind: str) -> None:
        self.injected.setdefault(operation, Counter())[kind] += 1

    def injected_json(self) -> dict:
        return {op: dict(kinds) for op, kinds in sorted(self.injected.items())}


def _number(value: object) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


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
