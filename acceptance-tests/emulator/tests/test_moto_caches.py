"""What moto_caches.py computes once is what moto computes each time."""

from __future__ import annotations

import json

from moto.iam.aws_managed_policies import aws_managed_policies_data
from moto.iam.models import AWSManagedPolicy
from moto.moto_api._internal import mock_random

from emulator import moto_caches


def _policy_fields(policy: AWSManagedPolicy) -> dict:
    fields = {k: v for k, v in vars(policy).items() if k not in ("id", "versions")}
    fields["arn"] = policy.arn
    fields["versions"] = [vars(v) for v in policy.versions]
    return fields


def test_aws_managed_policies_are_those_moto_makes():
    ours = moto_caches.aws_managed_policies("123456789012", "aws")
    moto = [
        AWSManagedPolicy.from_data(name, "123456789012", "aws", data)
        for name, data in json.loads(aws_managed_policies_data).items()
    ]
    assert [_policy_fields(p) for p in ours] == [_policy_fields(p) for p in moto]
    assert len({p.id for p in ours}) == len(ours)  # each its own random id
    again = moto_caches.aws_managed_policies("123456789012", "aws")
    assert not {id(p) for p in again} & {id(p) for p in ours}  # new objects, never shared across resets
    assert not {id(v) for p in again for v in p.versions} & {id(v) for p in ours for v in p.versions}


def test_ec2_ids_are_drawn_as_moto_draws_them():
    def moto_random_resource_id(size: int) -> str:  # moto.ec2.utils' own
        return "".join(mock_random.choice(["0123456789abcdef"[i] for i in range(16)]) for _ in range(size))

    mock_random.seed(7)
    expected = [moto_random_resource_id(size) for size in (8, 17, 1, 0)]
    mock_random.seed(7)
    assert [moto_caches._random_resource_id(size) for size in (8, 17, 1, 0)] == expected
    mock_random.seed()


def test_eks_role_arn_check_knows_the_partitions_boto3_knows():
    from boto3 import Session
    from moto.eks.exceptions import InvalidParameterException
    from moto.eks.utils import validate_role_arn

    moto_caches.install()
    assert moto_caches._PartitionsOnce().get_available_partitions() == Session().get_available_partitions()
    validate_role_arn("arn:aws-cn:iam::123456789012:role/nodes")
    try:
        validate_role_arn("arn:aws-nowhere:iam::123456789012:role/nodes")
    except InvalidParameterException:
        pass
    else:
        raise AssertionError("a role ARN in no partition was accepted")
