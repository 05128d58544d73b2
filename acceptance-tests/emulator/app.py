"""The emulator's WSGI application: routes each request to the admin API,
the Kubernetes stand-in, an extension handler or moto."""

from __future__ import annotations

import io
import logging
import os
import re
import threading
import time
from collections import Counter
from typing import Any
from urllib.parse import parse_qs, quote

from botocore.exceptions import UnknownServiceError
from moto.core.exceptions import ServiceException, _RESTError as RESTError
from moto.iam.models import IAMBackend, get_account_id_from
from moto.moto_api._internal.models import moto_api_backend
from moto.moto_server.werkzeug_app import create_backend_app
from moto.settings import load_iam_aws_managed_policies
from werkzeug.wrappers import Request, Response

from . import checks, iam_ext, inventory, moto_caches, paging, s3_ext
from .admin import AdminApi
from .ec2_ext import Ec2Extension
from .eks_ext import EksExtension
from .emr_containers_ext import EmrContainersExtension
from .emr_ext import EmrExtension
from .iam_ext import IamExtension
from .extension import Call, extension_page_size
from .k8s import KubernetesApi
from .protocol import (
    PARSED_PROTOCOLS,
    AwsError,
    AwsRequest,
    Reply,
    RequestRefused,
    fault_error,
    parse_input,
    render_error,
    resolve_operation,
    serialize_output,
    service_for_signing_name,
    service_model,
    validate,
    validate_request,
)
from .settings import Scheduler, Settings

log = logging.getLogger("emulator")

# access key, region and signing name of a SigV4 credential scope. The
# lookbehind tries the access key only from the start of a run of its
# characters, as the leftmost match starts anyway: without it a search of a
# Kubernetes bearer token (a thousand such characters) is quadratic.
CREDENTIAL_SCOPE = re.compile(r"(?<![^/\s,=])([^/\s,=]+)/\d{8}/([^/]+)/([^/]+)/aws4_request")
# The environ key under which a request's "service:Operation" is kept for the request log.
OPERATION_KEY = "emreks.operation"


def _configure_moto() -> None:
    """AWS-managed IAM policies (AmazonEKSClusterPolicy, ...) exist, so roles can
    have them attached; only in the `aws` partition, the one clients use here:
    building them for all six costs most of a second after every reset, and
    from moto's data parsed once (moto_caches.py). Bucket policies see every
    request as made over TLS (s3_ext.py)."""
    os.environ["MOTO_IAM_LOAD_MANAGED_POLICIES"] = "true"
    s3_ext.install()
    iam_ext.install()
    moto_caches.install()
    if getattr(IAMBackend._init_aws_policies, "aws_partition_only", False):
        return

    def load(backend: IAMBackend) -> list:
        if backend.region_name != "aws" or not load_iam_aws_managed_policies():
            return []
        return moto_caches.aws_managed_policies(backend.account_id, backend.region_name)

    load.aws_partition_only = True
    IAMBackend._init_aws_policies = load


class Emulator:
    def __init__(self, settings: Settings | None = None) -> None:
        _configure_moto()
        self.settings = settings or Settings()
        self.scheduler = Scheduler()
        # One request at a time touches the stores: moto's backends are not
        # thread safe and handlers span several of them. Requests are
        # short, so connections are still served in parallel threads.
        self.lock = threading.RLock()
        self.stats: Counter[str] = Counter()
        self.moto = moto_caches.MotoDispatcher(create_backend_app)
        self.eks = EksExtension(self)
        extensions = (
            self.eks,
            EmrContainersExtension(self),
            EmrExtension(self),
            Ec2Extension(self),
            IamExtension(self),
        )
        self.extensions = {e.service: e for e in extensions}
        self.k8s = KubernetesApi(self)
        self.admin = AdminApi(self)

    def __call__(self, environ: dict, start_response: Any) -> Any:
        started = time.perf_counter()
        request = Request(environ)
        extension_page_size.set(self.settings.page_size)
        with self.lock:
            waited = time.perf_counter() - started
            self.scheduler.run_due()
            if request.path.startswith("/_emreks/"):
                what = "admin"
                response = self.admin.handle(request)
            elif KubernetesApi.serves(request) and not CREDENTIAL_SCOPE.search(
                request.headers.get("Authorization", "")
            ):
                what = "k8s"
                response = self.k8s.handle(request)
            else:
                response = self._aws(request)
                what = environ.get(OPERATION_KEY, "aws")
        served = response(environ, start_response)
        if log.isEnabledFor(logging.INFO):  # with --verbose: what each request cost, lock wait left out
            cost = time.perf_counter() - started - waited
            status = response.status_code
            log.info("served %s %s %s %d in %.3f ms", what, request.method, request.path, status, cost * 1e3)
        return served

    def record(self, operation: str) -> str | None:
        """Counts a call; returns the kind of fault to inject into it, if
        any: a throttle when its operation is over its rate limit, else
        what an armed fault gives it."""
        self.stats[operation] += 1
        log.info("call %s", operation)  # with --verbose: a timeline of the calls
        if self.settings.over_rate_limit(operation):
            return "throttle"
        return self.settings.take_fault(operation)

    def reset(self) -> None:
        moto_api_backend.reset()
        for extension in self.extensions.values():
            extension.reset()
        self.k8s.reset()
        self.scheduler.clear()
        self.stats.clear()
        self.settings.injected.clear()

    def inventory(self) -> dict[str, list[str]]:
        parts = [e.inventory() for e in self.extensions.values()] + [self.k8s.inventory()]
        return inventory.collect(parts)

    # ------------------------------------------------------------ AWS

    def _aws(self, request: Request) -> Response:
        environ = request.environ
        body = request.get_data()
        # moto reads the body again: hand it a fresh, length-delimited stream.
        environ["wsgi.input"] = io.BytesIO(body)
        environ["CONTENT_LENGTH"] = str(len(body))
        environ.pop("HTTP_TRANSFER_ENCODING", None)
        environ.pop("wsgi.input_terminated", None)
        scope = CREDENTIAL_SCOPE.search(
            request.headers.get("Authorization", "") or request.args.get("X-Amz-Credential", "")
        )
        if scope is None:  # unsigned: only moto knows what it is
            return self._to_response(self._call_moto(environ))
        access_key, region, signing_name = scope.groups()
        service = service_for_signing_name(signing_name)
        try:
            model = service_model(service)
        except UnknownServiceError:
            return self._to_response(self._call_moto(environ))
        raw_path = (environ.get("RAW_URI") or environ.get("REQUEST_URI") or quote(request.path)).split("?", 1)[0]
        req = AwsRequest(
            request.method,
            raw_path,
            parse_qs(environ.get("QUERY_STRING", ""), keep_blank_values=True),
            request.headers,
            body,
        )
        operation, labels = resolve_operation(service, req)
        environ[OPERATION_KEY] = f"{service}:{operation.name if operation else 'UnknownOperation'}"
        fault = self.record(environ[OPERATION_KEY])
        try:
            if fault:
                raise fault_error(service, fault)
            reply = self._dispatch(service, model.protocol, operation, labels, req, environ, access_key, region)
        except AwsError as e:
            if isinstance(e, RequestRefused):  # so that a run's log tells which requests did not validate
                log.warning("refused %s:%s %s: %s", service, operation.name, e.code, "; ".join(e.problems))
            reply = render_error(service, e)
        except ServiceException as e:  # moto's, raised by a backend method a handler called
            reply = render_error(service, AwsError(e.code, e.message))
        except RESTError as e:
            reply = render_error(service, AwsError(e.error_type, e.message, e.code))
        except Exception as e:  # a bug of ours: answer as AWS does, keep the trace in the log
            log.exception("%s %s failed", request.method, request.full_path)
            reply = render_error(service, AwsError("InternalFailure", f"emulator error: {e!r}", 500))
        return self._to_response(reply)

    def _dispatch(
        self,
        service: str,
        protocol: str,
        operation: Any,
        labels: dict,
        req: AwsRequest,
        environ: dict,
        access_key: str,
        region: str,
    ) -> Reply:
        def forward() -> Reply:
            reply = self._call_moto(environ)
            if service == "s3" and operation is not None:
                reply = s3_ext.fix_reply(operation.name, req.method, reply)
            return reply

        extension = self.extensions.get(service)
        handler = extension.handlers.get(operation.name) if extension and operation else None
        if extension and handler is None and (operation is None or not extension.moto_implements(operation.name)):
            code, status = (
                ("InvalidAction", 400) if protocol in ("query", "ec2") else ("UnknownOperationException", 404)
            )
            what = f"{service}:{operation.name}" if operation else f"{req.method} {req.path}"
            raise AwsError(code, f"{what} is not an operation the emulator implements", status)
        if handler is None:
            # Left to moto, checked first (model validation unless switched off, then what AWS checks beyond it).
            if operation is not None and protocol in PARSED_PROTOCOLS:
                if self.settings.validate_moto_requests:
                    validate_request(operation, req, labels)
                try:
                    params = parse_input(operation, req, labels)
                except RequestRefused:
                    params = None
                if params is not None:
                    checks.check(service, operation.name, params)
                    page_size = self.settings.page_size
                    if paging.applies(service, operation, params, page_size):

                        def call_moto(query: dict) -> Reply:
                            reply = self._call_moto(paging.request_environ(operation, query, environ))
                            return s3_ext.fix_reply(operation.name, "GET", reply) if service == "s3" else reply

                        return paging.page(service, operation, params, page_size, call_moto)
            return forward()
        params = parse_input(operation, req, labels)
        validate(operation, params)
        host = req.headers.get("Host", "127.0.0.1")
        call = Call(self, operation, params, region, self._account(access_key, req.headers), access_key, host, forward)
        result = handler(call)
        return result if isinstance(result, Reply) else serialize_output(operation, result)

    @staticmethod
    def _account(access_key: str, headers: Any) -> str:
        """The account moto files this request under (same precedence as moto)."""
        return os.environ.get("MOTO_ACCOUNT_ID") or headers.get("x-moto-account-id") or get_account_id_from(access_key)

    def _call_moto(self, environ: dict) -> Reply:
        captured: dict[str, Any] = {}

        def start_response(status: str, headers: list, exc_info: Any = None) -> Any:
            captured["status"], captured["headers"] = int(status.split()[0]), headers
            return lambda data: None

        result = self.moto(environ, start_response)
        try:
            body = b"".join(result)
        finally:
            if hasattr(result, "close"):
                result.close()
        return Reply(captured["status"], captured["headers"], body)

    @staticmethod
    def _to_response(reply: Reply) -> Response:
        response = Response(reply.body, status=reply.status)
        response.headers.clear()
        for name, value in reply.headers.items() if isinstance(reply.headers, dict) else reply.headers:
            response.headers.add(name, value)
        return response
