"""`python -m emulator --port N [--config FILE] [--verbose]`: serves the
emulator on 127.0.0.1:N in the foreground until SIGTERM or SIGINT."""

from __future__ import annotations

import argparse
import gc
import json
import logging
import os
import signal
import socket
import ssl
import sys
import threading
import urllib.request

from moto.moto_server.werkzeug_app import MotoRequestHandler
from werkzeug.serving import ThreadedWSGIServer

HOST = "127.0.0.1"


class RequestHandler(MotoRequestHandler):
    """moto's handler (it keeps S3 metadata headers with underscores), quiet unless --verbose."""

    verbose = False

    def log_request(self, code: object = "-", size: object = "-") -> None:
        if self.verbose:
            super().log_request(code, size)


class Server(ThreadedWSGIServer):
    """HTTP and HTTPS on one port: AWS clients use HTTP, Kubernetes clients the
    HTTPS endpoint EKS reports. A connection that opens with a TLS handshake
    record is served over TLS."""

    tls_context: ssl.SSLContext

    def finish_request(self, request: socket.socket, client_address: object) -> None:  # in the connection's thread
        try:
            first = request.recv(1, socket.MSG_PEEK)
        except OSError:
            return
        if first != b"\x16":
            super().finish_request(request, client_address)
            return
        try:
            secured = self.tls_context.wrap_socket(request, server_side=True)
        except (ssl.SSLError, OSError):
            return
        try:
            super().finish_request(secured, client_address)
        finally:
            secured.close()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="serve", description="Local AWS + Kubernetes endpoint for the acceptance tests."
    )
    parser.add_argument("--port", type=int, required=True, help="port on 127.0.0.1 (0 picks a free one)")
    parser.add_argument("--config", help="JSON settings file, as POSTed to /_emreks/config")
    parser.add_argument("--verbose", action="store_true", help="log every request to stderr")
    args = parser.parse_args(argv)

    logging.basicConfig(
        stream=sys.stderr,
        level=logging.INFO if args.verbose else logging.WARNING,
        format="%(asctime)s %(name)s %(message)s",
    )
    RequestHandler.verbose = args.verbose

    from .app import Emulator  # imports moto: a second or two
    from .settings import Settings
    from .tls import server_context

    settings = Settings()
    if args.config:
        try:
            with open(args.config) as f:
                settings.update(json.load(f))
        except (OSError, ValueError) as e:
            parser.error(f"--config {args.config}: {e}")

    server = Server(HOST, args.port, Emulator(settings), handler=RequestHandler)
    server.tls_context = server_context()
    port = server.server_port
    os.environ.setdefault("MOTO_PORT", str(port))  # moto builds its own URLs (S3, SQS) with it
    stop = threading.Event()
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, lambda *_: stop.set())
    thread = threading.Thread(target=server.serve_forever, args=(0.1,), name="http", daemon=True)
    thread.start()
    direct = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    with direct.open(f"http://{HOST}:{port}/_emreks/health", timeout=30) as response:
        response.read()
    # moto's backends and botocore's models are hundreds of thousands of
    # long-lived objects: with Python's default thresholds a full collection
    # (0.2-0.4 s, every request waiting on it) ran every few requests of a
    # busy apply. What start-up made is kept out of collections, and full
    # collections come a hundred times less often; young cycles go as soon.
    gc.collect()
    gc.freeze()
    gc.set_threshold(700, 10, 1000)
    print(f"emulator ready at http://{HOST}:{port}", flush=True)
    stop.wait()
    server.shutdown()
    server.server_close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
