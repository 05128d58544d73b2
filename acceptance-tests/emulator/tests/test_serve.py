"""The `serve` launcher."""

from __future__ import annotations

import json
import re
import signal

import boto3
import pytest
import requests

from conftest import CREDENTIALS, Server


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGINT])
def test_stops_cleanly(tmp_path, signum):
    config = tmp_path / "config.json"
    config.write_text(json.dumps({"latency": {"eks:cluster": 2.5}, "validate_moto_requests": False}))
    server = Server(tmp_path / "stderr.log", "--config", str(config))
    try:
        settings = requests.get(f"{server.url}/_emreks/config").json()
        assert settings["latency"] == {"eks:cluster": 2.5} and settings["validate_moto_requests"] is False
    finally:
        assert server.stop(signum) == 0
    assert (tmp_path / "stderr.log").read_text() == ""


def test_verbose_logs_what_each_request_cost(tmp_path):
    log = tmp_path / "stderr.log"
    server = Server(log, "--verbose")
    try:
        sts = boto3.client(
            "sts",
            endpoint_url=server.url,
            region_name="us-east-1",
            **CREDENTIALS,
        )
        sts.get_caller_identity()
        requests.get(f"{server.url}/_emreks/stats").raise_for_status()
    finally:
        assert server.stop() == 0
    text = log.read_text()
    assert re.search(r" served sts:GetCallerIdentity POST / 200 in \d+\.\d{3} ms$", text, re.MULTILINE), text
    assert re.search(r" served admin GET /_emreks/stats 200 in \d+\.\d{3} ms$", text, re.MULTILINE), text
