"""Starts the local AWS emulator (acceptance-tests/emulator/serve) and talks to
its admin API."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import time
import urllib.request
from pathlib import Path

SERVE = Path(__file__).resolve().parent.parent / "emulator" / "serve"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Emulator:
    """One emulator process on a loopback port."""

    def __init__(self, port: int | None = None, log_path: Path | None = None, verbose: bool = False):
        self.port = port or free_port()
        self.verbose = verbose
        self.url = f"http://127.0.0.1:{self.port}"
        self.log_path = log_path
        self.process: subprocess.Popen | None = None
        self.baseline: dict = {}

    def start(self, timeout: float = 60.0) -> "Emulator":
        stderr = open(self.log_path, "wb") if self.log_path else subprocess.DEVNULL
        self.process = subprocess.Popen(
            [str(SERVE), "--port", str(self.port)] + (["--verbose"] if self.verbose else []),
            stdout=subprocess.PIPE,
            stderr=stderr,
            text=True,
        )
        deadline = time.monotonic() + timeout
        assert self.process.stdout is not None
        while time.monotonic() < deadline:
            line = self.process.stdout.readline()
            if not line:
                raise RuntimeError(f"emulator exited early (code {self.process.poll()})")
            if line.strip() == f"emulator ready at {self.url}":
                return self
        raise RuntimeError("emulator did not become ready in time")

    def stop(self) -> int | None:
        if self.process and self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                return self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                return self.process.wait()
        return self.process.returncode if self.process else None

    def _request(self, method: str, path: str, body: dict | None = None):
        data = json.dumps(body).encode() if body is not None else None
        request = urllib.request.Request(
            self.url + path,
            data=data,
            method=method,
            headers={"Content-Type": "application/json"},
        )
        with urllib.request.urlopen(request, timeout=30) as response:
            raw = response.read()
        return json.loads(raw) if raw else None

    def inventory(self) -> dict:
        return self._request("GET", "/_emreks/inventory")

    def stats(self) -> dict:
        return self._request("GET", "/_emreks/stats")

    def faults(self) -> dict:
        """The faults the emulator injected, per operation and kind."""
        return self._request("GET", "/_emreks/faults")

    def reset_stats(self) -> None:
        self._request("POST", "/_emreks/stats/reset", {})

    def configure(self, settings: dict) -> None:
        self._request("POST", "/_emreks/config", settings)

    def reset(self) -> None:
        self._request("POST", "/_emreks/reset", {})
        self.configure({"latency": {}, "faults": []})
        self.baseline: dict = {}

    def mark_baseline(self) -> None:
        """Remembers what exists now (what a test set up by itself), so that
        `leftovers` reports only what came after."""
        self.baseline = self.inventory()

    def leftovers(self) -> dict:
        """Objects created since the baseline, by kind; `{}` when nothing leaked."""
        left = {}
        for kind, ids in self.inventory().items():
            new = [i for i in ids if i not in self.baseline.get(kind, [])]
            if new:
                left[kind] = new
        return left

    def client(self, service: str, region: str = "eu-west-1"):
        import boto3

        return boto3.client(
            service,
            endpoint_url=self.url,
            region_name=region,
            aws_access_key_id="testing",
            aws_secret_access_key="testing",
        )

    def create_admin_role(self, name: str) -> str:
        """An IAM role as the one a team's admins already have."""
        trust = (
            '{"Version":"2012-10-17","Statement":[{"Effect":"Allow",'
            '"Principal":{"AWS":"arn:aws:iam::123456789012:root"},"Action":"sts:AssumeRole"}]}'
        )
        role = self.client("iam").create_role(RoleName=name, AssumeRolePolicyDocument=trust)
        return role["Role"]["Arn"]

    def __enter__(self) -> "Emulator":
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()


def environment() -> dict:
    """Environment for processes that talk to the emulator: fake credentials,
    no instance metadata lookups, no Terraform checkpoint calls."""
    env = dict(os.environ)
    env.update(
        AWS_ACCESS_KEY_ID="testing",
        AWS_SECRET_ACCESS_KEY="testing",
        AWS_EC2_METADATA_DISABLED="true",
        CHECKPOINT_DISABLE="1",
        TF_IN_AUTOMATION="1",
        TF_INPUT="0",
    )
    for name in ("AWS_PROFILE", "AWS_SESSION_TOKEN", "AWS_REGION", "AWS_DEFAULT_REGION"):
        env.pop(name, None)
    return env
