"""What moto recomputes although it cannot change while the emulator runs,
computed once instead: the backend a host name stands for (moto lists its
package directory to tell, twice a request), the action methods of a
response class (moto inspects the class on every call), the operation a
REST request routes to (moto routes it each time it asks, two to four
times a request, with the same answer) and AWS's managed
IAM policies as moto ships them (a JSON text parsed again after every
reset). All depend on code and data files only, never on the backends'
state: a reset still builds every object anew. EC2's random ids are drawn
as moto draws them, without its layers of calls (the AMIs of every region
backend take thousands). EKS's role ARN check asks a new boto3 session
for AWS's partitions, which reads botocore's data files again (most of a
CreateNodegroup): they are read once."""

from __future__ import annotations

import json
from datetime import datetime
from functools import cache
from typing import Any

from boto3 import Session
from moto.core import responses
from moto.ec2 import utils as ec2_utils
from moto.eks import utils as eks_utils
from moto.iam.aws_managed_policies import aws_managed_policies_data
from moto.iam.models import AWSManagedPolicy
from moto.moto_api._internal import mock_random
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


@cache
def _aws_managed_policy_fields() -> tuple[tuple[str, dict[str, Any]], ...]:
    """Each AWS managed policy's name and what AWSManagedPolicy.from_data
    derives from its data (all immutable: strings and datetimes)."""
    return tuple(
        (
            name,
            {
                "default_version_id": data.get("DefaultVersionId"),
                "path": data.get("Path"),
                "document": json.dumps(data.get("Document")),
                "create_date": datetime.fromisoformat(data["CreateDate"]),
                "update_date": datetime.fromisoformat(data["UpdateDate"]),
            },
        )
        for name, data in json.loads(aws_managed_policies_data).items()
    )


def aws_managed_policies(account_id: str, region_name: str) -> list[AWSManagedPolicy]:
    """New policy objects, as IAMBackend._init_aws_policies makes them."""
    return [
        AWSManagedPolicy(name, account_id=account_id, region=region_name, **fields)
        for name, fields in _aws_managed_policy_fields()
    ]


def _random_resource_id(size: int = 8) -> str:
    """moto's EC2 id digits: `random.choice(HEX_CHARS)` `size` times, drawn
    from the same generator in the same way (choice is seq[_randbelow(len)])."""
    hex_chars, below = ec2_utils.HEX_CHARS, mock_random._randbelow
    count = len(hex_chars)
    return "".join([hex_chars[below(count)] for _ in range(size)])


def _routed_once(route: Any) -> Any:
    """BaseResponse._get_action_from_method_and_request_uri, answering again
    from its first answer for the same request. A response object serves one
    request; the uri_match its first routing set is left as it was."""

    def get_action_from_method_and_request_uri(self: Any, request: Any) -> str:
        routed = self.__dict__.get("_emulator_routed")
        if routed is not None and routed[0] is request:
            return routed[1]
        action = route(self, request)
        self.__dict__["_emulator_routed"] = (request, action)
        return action

    return get_action_from_method_and_request_uri


@cache
def _available_partitions() -> tuple[str, ...]:
    return tuple(Session().get_available_partitions())


class _PartitionsOnce:
    """Stands in for the boto3 Session moto's EKS makes only to list partitions."""

    @staticmethod
    def get_available_partitions() -> list[str]:
        return list(_available_partitions())


def install() -> None:
    """Makes moto look up each response class's action methods once, route
    each request once and draw EC2 ids directly (idempotent)."""
    if getattr(responses.method_names_from_class, "cached", False):
        return
    base = responses.BaseResponse
    base._get_action_from_method_and_request_uri = _routed_once(base._get_action_from_method_and_request_uri)
    inspect_class = responses.method_names_from_class

    @cache
    def method_names_from_class(clazz: type) -> frozenset[str]:
        return frozenset(inspect_class(clazz))

    method_names_from_class.cached = True
    responses.method_names_from_class = method_names_from_class
    ec2_utils.random_resource_id = _random_resource_id
    eks_utils.Session = _PartitionsOnce
