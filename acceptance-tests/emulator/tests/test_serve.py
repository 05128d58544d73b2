"""The `serve` launcher."""

from __future__ import annotations

import json
import signal

import pytest
import requests

from conftest import Server


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
