"""EMR on EKS (emr-containers): managed endpoints (each with a real security
group in its EKS cluster's VPC and load balancer network interfaces in its
subnets; failing on demand), job templates and tagging, which moto lacks;
virtual clusters and job runs on top of moto's models with AWS's checks
(moto refuses a namespace once used by any virtual cluster, even a
terminated one or one on another EKS cluster; a virtual cluster whose EKS
cluster or namespace is gone is ARRESTED), the release labels EMR on EKS
documents, AWS's listing filters and paging, and a job run lifecycle that
can end FAILED on demand."""

from __future__ import annotations

import base64
import logging
import re
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from moto.emrcontainers.models import VirtualCluster
from moto.emrcontainers.responses import EMRContainersResponse

from .extension import Call, Extension, operation, paginate, random_id, utcnow
from .protocol import AwsError

log = logging.getLogger("emulator")
# The Amazon EMR releases EMR on EKS runs: 5.32.0-5.36.0 and 6.2.0 on.
RELEASES = (
    *(f"5.{m}.0" for m in range(32, 37)),
    *(f"6.{m}.0" for m in range(2, 16)),
    *(f"7.{m}.0" for m in range(0, 14)),
)
# Image variants after the version (6.x on): emr-6.14.0-java17-al2023-latest, emr-7.2.0-spark-rapids-20240610, ...
RELEASE_VARIANTS = (
    "java11",
    "java17",
    "java17-al2023",
    "spark-rapids",
    "spark-rapids-java17",
    "spark-rapids-java17-al2023",
)
RELEASE_LABEL = re.compile(r"^emr-(\d+\.\d+\.\d+)-(?:(?P<variant>[a-z0-9-]+)-)?(?P<tag>latest|\d{8})$")
# Interactive (managed) endpoints need Amazon EMR 6.7.0 or later.
FIRST_ENDPOINT_RELEASE = (6, 7, 0)
ENDPOINT_TYPES = ("JUPYTER_ENTERPRISE_GATEWAY",)
JOB_STEPS = ("PENDING", "SUBMITTED", "RUNNING", "COMPLETED")
PARAMETER = re.compile(r"\$\{([^}]+)\}")
# Tag EMR on EKS puts on the security group it creates for a managed endpoint (left out of the inventory).
ENDPOINT_GROUP_TAG = "aws:emr-containers:managed-endpoint-id"
# stateDetails of an endpoint that failed, by failureReason.
FAILURE_DETAILS = {
    "CLUSTER_UNAVAILABLE": "Resource Ingress is not ready yet.",
    "INTERNAL_ERROR": "An internal error occurred. Delete the endpoint and create it again.",
    "USER_ERROR": "Resource Deployment is not ready yet.",
    "VALIDATION_ERROR": "The endpoint's configuration overrides are not valid.",
}


# stateDetails of a job run that failed on demand, by failureReason, unless the setting gives its own.
JOB_FAILURE_DETAILS = {
    "USER_ERROR": "Job failed, please check complete logs in configured logging destination. ExitCode: 1. "
    "Last few exceptions: Exception in thread main",
    "INTERNAL_ERROR": "An internal error occurred. Please retry the job run.",
    "VALIDATION_ERROR": "The job run's configuration is not valid.",
    "CLUSTER_UNAVAILABLE": "The EKS cluster of the virtual cluster is not available.",
}


@dataclass
class Endpoint:
    id: str
    name: str
    arn: str
    virtual_cluster_id: str
    type: str
    release_label: str
    execution_role_arn: str
    certificate_arn: str | None
    configuration_overrides: dict | None
    server_url: str
    security_group: str | None
    subnet_ids: list[str]
    certificate_authority: dict[str, str]
    tags: dict[str, str]
    state: str = "CREATING"
    state_details: str | None = None
    failure_reason: str | None = None
    created_at: datetime = field(default_factory=utcnow)


@dataclass
class JobTemplate:
    id: str
    name: str
    arn: str
    created_by: str
    job_template_data: dict
    tags: dict[str, str]
    kms_key_arn: str | None = None
    created_at: datetime = field(default_factory=utcnow)


class EmrContainersState:
    def __init__(self) -> None:
        self.endpoints: dict[str, Endpoint] = {}
        self.templates: dict[str, JobTemplate] = {}


def _validation(message: str) -> AwsError:
    return AwsError("ValidationException", message)


def _not_found(message: str) -> AwsError:
    return AwsError("ResourceNotFoundException", message)


def _certificate_data(host: str) -> str:
    """base64 of the PEM of a self-signed certificate for `host`, as EMR on EKS
    generates for an endpoint created without certificateArn."""
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, host)])
    now = utcnow()
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(days=1))
        .not_valid_after(now + timedelta(days=365))
        .add_extension(x509.SubjectAlternativeName([x509.DNSName(host)]), critical=False)
        .sign(key, hashes.SHA256())
    )
    return base64.b64encode(certificate.public_bytes(serialization.Encoding.PEM)).decode()


def _substitute(value: Any, parameters: dict[str, str]) -> Any:
    """Replaces ${name} placeholders of a job template."""
    if isinstance(value, str):
        return PARAMETER.sub(lambda m: parameters[m[1]], value)
    if isinstance(value, list):
        return [_substitute(v, parameters) for v in value]
    if isinstance(value, dict):
        return {k: _substitute(v, parameters) for k, v in value.items()}
    return value


class EmrContainersExtension(Extension):
    service = "emr-containers"
    moto_response_class = EMRContainersResponse

    def new_state(self) -> EmrContainersState:
        return EmrContainersState()

    def _virtual_cluster(self, call: Call, cluster_id: str, running: bool = False) -> VirtualCluster:
        cluster = call.backend("emr-containers").virtual_clusters.get(cluster_id)
        if cluster is None:
            raise _not_found(f"Virtual cluster {cluster_id} doesn't exist.")
        self._refresh(call, cluster)
        if running and cluster.state != "RUNNING":
            raise _validation(f"Virtual cluster {cluster_id} is {cluster.state}.")
        return cluster

    @staticmethod
    def _check_release(label: str, endpoint: bool = False) -> None:
        """The release labels EMR on EKS documents: emr-<release>-latest or
        -<yyyymmdd>, for 6.x and 7.x with an optional image variant."""
        match = RELEASE_LABEL.match(label)
        valid = match is not None and match[1] in RELEASES
        if valid and match["variant"]:
            valid = not match[1].startswith("5.") and match["variant"] in RELEASE_VARIANTS
        if valid and match["tag"] != "latest":
            try:
                datetime.strptime(match["tag"], "%Y%m%d")
            except ValueError:
                valid = False
        if not valid:
            raise _not_found(f"Release {label} doesn't exist.")
        if endpoint and tuple(int(n) for n in match[1].split(".")) < FIRST_ENDPOINT_RELEASE:
            raise _validation(f"Release {label} does not support managed endpoints; use emr-6.7.0 or later.")

    def _refresh(self, call: Call, cluster: VirtualCluster) -> VirtualCluster:
        """A running virtual cluster whose EKS cluster or namespace is gone is ARRESTED."""
        if cluster.state == "RUNNING":
            eks_cluster = call.backend("eks").clusters.get(cluster.container_provider_id)
            if eks_cluster is None or not self.emulator.k8s.namespace_exists(eks_cluster.name, cluster.namespace):
                cluster.state = "ARRESTED"
        return cluster

    # ------------------------------------------------------------ virtual clusters

    @operation("CreateVirtualCluster")
    def create_virtual_cluster(self, call: Call) -> Any:
        p = call.params
        provider = p["containerProvider"]
        eks_cluster = call.backend("eks").clusters.get(provider["id"])
        if eks_cluster is None or eks_cluster.status not in ("ACTIVE", "UPDATING"):
            raise _not_found(f"EKS cluster {provider['id']} doesn't exist or is not ACTIVE.")
        namespace = provider.get("info", {}).get("eksInfo", {}).get("namespace", "default")
        if not self.emulator.k8s.namespace_exists(eks_cluster.name, namespace):
            raise _validation(f"Namespace {namespace} does not exist in EKS cluster {eks_cluster.name}.")

        def create() -> Any:
            backend = call.backend("emr-containers")
            for other in backend.virtual_clusters.values():
                if (
                    other.state != "TERMINATED"
                    and other.container_provider_id == provider["id"]
                    and other.namespace == namespace
                ):
                    raise _validation("A virtual cluster already exists in the given namespace")
            cluster = VirtualCluster(
                name=p["name"],
                container_provider={**provider, "info": {"eksInfo": {"namespace": namespace}}},
                client_token=p.get("clientToken"),
                account_id=call.account,
                region_name=call.region,
                aws_partition="aws",
                tags=p.get("tags", {}),
            )
            cluster.created_at = utcnow()  # moto truncates it to midnight
            backend.virtual_clusters[cluster.id] = cluster
            backend.virtual_cluster_count += 1
            return {"id": cluster.id, "name": cluster.name, "arn": cluster.arn}

        return self.idempotent(call, "clientToken", create)

    @operation("DescribeVirtualCluster")
    def describe_virtual_cluster(self, call: Call) -> Any:
        return {"virtualCluster": self._virtual_cluster(call, call.params["id"])}

    @operation("ListVirtualClusters")
    def list_virtual_clusters(self, call: Call) -> Any:
        # moto's compares createdAfter/createdBefore with naive datetimes and cannot page.
        p = call.params
        found = [
            c
            for c in map(lambda c: self._refresh(call, c), call.backend("emr-containers").virtual_clusters.values())
            if p.get("containerProviderId") in (None, c.container_provider_id)
            and p.get("containerProviderType") in (None, c.container_provider.get("type"))
            and (not p.get("states") or c.state in p["states"])
            and (not p.get("createdAfter") or c.created_at >= p["createdAfter"])
            and (not p.get("createdBefore") or c.created_at <= p["createdBefore"])
        ]
        page, token = paginate(found, p.get("maxResults"), p.get("nextToken"), default=50)
        return {"virtualClusters": page, "nextToken": token}

    @operation("DeleteVirtualCluster")
    def delete_virtual_cluster(self, call: Call) -> Any:
        cluster = self._virtual_cluster(call, call.params["id"])
        active = [
            e.id
            for e in self.state(call).endpoints.values()
            if e.virtual_cluster_id == cluster.id and e.state != "TERMINATED"
        ]
        if active:
            raise _validation(f"Virtual cluster {cluster.id} has managed endpoints {active}; delete them first.")
        cluster.state = "TERMINATED"
        return {"id": cluster.id}

    # ------------------------------------------------------------ managed endpoints

    @operation("CreateManagedEndpoint")
    def create_managed_endpoint(self, call: Call) -> Any:
        p = call.params
        cluster = self._virtual_cluster(call, p["virtualClusterId"], running=True)
        if p["type"] not in ENDPOINT_TYPES:
            raise _validation(f"Endpoint type {p['type']} is not supported; valid types: {list(ENDPOINT_TYPES)}")
        self._check_release(p["releaseLabel"], endpoint=True)
        eks_cluster = call.backend("eks").clusters.get(cluster.container_provider_id)
        reachable = eks_cluster is not None and eks_cluster.status in ("ACTIVE", "UPDATING")
        failure: tuple[str, str] | None = None  # failureReason, stateDetails
        if not reachable:
            failure = ("CLUSTER_UNAVAILABLE", f"EKS cluster {cluster.container_provider_id} is not available.")
        elif p["name"] in self.emulator.settings.fail_managed_endpoints:
            reason = self.emulator.settings.fail_managed_endpoints[p["name"]]
            failure = (reason, FAILURE_DETAILS[reason])

        def create() -> Any:
            endpoint_id = random_id(13)
            host = f"{endpoint_id}.emrcontainers.{call.region}.amazonaws.com"
            group = None
            if reachable:  # EMR on EKS creates it in the cluster's VPC and deletes it with the endpoint
                group = call.backend("ec2").create_security_group(
                    name=f"emr-containers-{endpoint_id}",
                    description=f"Security group of Amazon EMR on EKS managed endpoint {endpoint_id}",
                    vpc_id=eks_cluster.resources_vpc_config["vpcId"],
                    tags={ENDPOINT_GROUP_TAG: endpoint_id, "aws:emr-containers:virtual-cluster-id": cluster.id},
                )
            certificate = {"certificateData": _certificate_data(host)}
            if p.get("certificateArn"):
                certificate = {"certificateArn": p["certificateArn"]}
            endpoint = Endpoint(
                id=endpoint_id,
                name=p["name"],
                arn=call.arn("emr-containers", f"/virtualclusters/{cluster.id}/endpoints/{endpoint_id}"),
                virtual_cluster_id=cluster.id,
                type=p["type"],
                release_label=p["releaseLabel"],
                execution_role_arn=p["executionRoleArn"],
                certificate_arn=p.get("certificateArn"),
                configuration_overrides=p.get("configurationOverrides"),
                server_url=f"https://{host}",
                security_group=group.id if group else None,
                subnet_ids=list(eks_cluster.resources_vpc_config.get("subnetIds", [])) if eks_cluster else [],
                certificate_authority=certificate,
                tags=dict(p.get("tags", {})),
            )
            self.state(call).endpoints[endpoint.id] = endpoint

            def activate() -> None:
                nonlocal failure
                if endpoint.state != "CREATING":
                    return
                now = call.backend("eks").clusters.get(cluster.container_provider_id)
                if failure is None and (now is None or now.status not in ("ACTIVE", "UPDATING")):
                    failure = ("CLUSTER_UNAVAILABLE", f"EKS cluster {cluster.container_provider_id} is not available.")
                if failure:
                    endpoint.state = "FAILED"  # not in the API model's EndpointState enum
                    endpoint.failure_reason, endpoint.state_details = failure
                else:
                    endpoint.state = "ACTIVE"
                if group is not None and endpoint.state == "ACTIVE":
                    # The endpoint's load balancer, with the endpoint's security group, in the cluster's subnets.
                    self.emulator.extensions["ec2"].place_enis(
                        call,
                        f"emr-endpoint/{endpoint.id}",
                        endpoint.subnet_ids[:3],
                        [group.id],
                        f"ELB app/emr-containers-{endpoint.id}/{random_id(16, '0123456789abcdef')}",
                    )

            call.later("emr-containers:managed-endpoint", activate)
            return {"id": endpoint.id, "name": endpoint.name, "arn": endpoint.arn, "virtualClusterId": cluster.id}

        return self.idempotent(call, "clientToken", create)

    def _endpoint(self, call: Call, code: str = "ResourceNotFoundException") -> Endpoint:
        endpoint = self.state(call).endpoints.get(call.params["id"])
        if endpoint is None or endpoint.virtual_cluster_id != call.params["virtualClusterId"]:
            raise AwsError(code, f"Endpoint {call.params['id']} doesn't exist.")
        return endpoint

    @operation("DescribeManagedEndpoint")
    def describe_managed_endpoint(self, call: Call) -> Any:
        return {"endpoint": self._endpoint(call)}

    @operation("ListManagedEndpoints")
    def list_managed_endpoints(self, call: Call) -> Any:
        p = call.params
        found = [
            e
            for e in self.state(call).endpoints.values()
            if e.virtual_cluster_id == p["virtualClusterId"]
            and (not p.get("types") or e.type in p["types"])
            and (not p.get("states") or e.state in p["states"])
            and (not p.get("createdAfter") or e.created_at >= p["createdAfter"])
            and (not p.get("createdBefore") or e.created_at <= p["createdBefore"])
        ]
        page, token = paginate(found, p.get("maxResults"), p.get("nextToken"), default=50)
        return {"endpoints": page, "nextToken": token}

    @operation("DeleteManagedEndpoint")
    def delete_managed_endpoint(self, call: Call) -> Any:
        endpoint = self._endpoint(call, code="ValidationException")
        if endpoint.state not in ("TERMINATING", "TERMINATED"):
            endpoint.state = "TERMINATING"

            def terminate() -> None:
                endpoint.state = "TERMINATED"
                endpoint.state_details = "Endpoint terminated by the user."
                self.emulator.extensions["ec2"].release_enis(
                    call, f"emr-endpoint/{endpoint.id}", then=lambda: self._delete_group(call, endpoint)
                )

            call.later("emr-containers:managed-endpoint", terminate)
        return {"id": endpoint.id, "virtualClusterId": endpoint.virtual_cluster_id}

    @staticmethod
    def _delete_group(call: Call, endpoint: Endpoint) -> None:
        """Deletes the endpoint's security group, its rules with it."""
        ec2 = call.backend("ec2")
        if endpoint.security_group and ec2.get_security_group_from_id(endpoint.security_group) is not None:
            try:
                ec2.delete_security_group(group_id=endpoint.security_group)
            except Exception as e:
                log.warning("security group %s of endpoint %s not deleted: %s", endpoint.security_group, endpoint.id, e)

    # ------------------------------------------------------------ job templates

    @operation("CreateJobTemplate")
    def create_job_template(self, call: Call) -> Any:
        p = call.params
        data = p["jobTemplateData"]
        if not PARAMETER.search(data["releaseLabel"]):
            self._check_release(data["releaseLabel"])

        def create() -> Any:
            template_id = random_id(25)
            template = JobTemplate(
                id=template_id,
                name=p["name"],
                arn=call.arn("emr-containers", f"/jobtemplates/{template_id}"),
                created_by=call.caller_arn(),
                job_template_data=data,
                tags=p.get("tags", {}),
                kms_key_arn=p.get("kmsKeyArn"),
            )
            self.state(call).templates[template.id] = template
            return {"id": template.id, "name": template.name, "arn": template.arn, "createdAt": template.created_at}

        return self.idempotent(call, "clientToken", create)

    def _template(self, call: Call, template_id: str, code: str = "ResourceNotFoundException") -> JobTemplate:
        template = self.state(call).templates.get(template_id)
        if template is None:
            raise AwsError(code, f"Job template {template_id} doesn't exist.")
        return template

    @operation("DescribeJobTemplate")
    def describe_job_template(self, call: Call) -> Any:
        return {"jobTemplate": self._template(call, call.params["id"])}

    @operation("ListJobTemplates")
    def list_job_templates(self, call: Call) -> Any:
        p = call.params
        found = [
            t
            for t in self.state(call).templates.values()
            if (not p.get("createdAfter") or t.created_at >= p["createdAfter"])
            and (not p.get("createdBefore") or t.created_at <= p["createdBefore"])
        ]
        page, token = paginate(found, p.get("maxResults"), p.get("nextToken"), default=50)
        return {"templates": page, "nextToken": token}

    @operation("DeleteJobTemplate")
    def delete_job_template(self, call: Call) -> Any:
        template = self._template(call, call.params["id"], code="ValidationException")
        del self.state(call).templates[template.id]
        return {"id": template.id}

    # ------------------------------------------------------------ job runs

    def _job_inputs(self, call: Call) -> dict:
        """StartJobRun's effective inputs: the request, or its job template filled in."""
        p = call.params
        if not p.get("jobTemplateId"):
            missing = [m for m in ("releaseLabel", "executionRoleArn", "jobDriver") if m not in p]
            if missing:
                raise _validation(f"{', '.join(missing)} must be specified when no job template is used.")
            return p
        data = self._template(call, p["jobTemplateId"]).job_template_data
        parameters = {
            k: v["defaultValue"] for k, v in data.get("parameterConfiguration", {}).items() if "defaultValue" in v
        }
        parameters.update(p.get("jobTemplateParameters", {}))
        used = set(PARAMETER.findall(str(data)))
        if used - set(parameters):
            raise _validation(f"Job template parameters without a value: {sorted(used - set(parameters))}")
        filled = _substitute(
            {k: v for k, v in data.items() if k not in ("parameterConfiguration", "jobTags")}, parameters
        )
        return {
            **filled,
            **{
                k: v
                for k, v in p.items()
                if k in ("releaseLabel", "executionRoleArn", "jobDriver", "configurationOverrides")
            },
            "tags": {**data.get("jobTags", {}), **p.get("tags", {})},
        }

    @operation("StartJobRun")
    def start_job_run(self, call: Call) -> Any:
        p = call.params
        cluster = self._virtual_cluster(call, p["virtualClusterId"], running=True)
        inputs = self._job_inputs(call)
        self._check_release(inputs["releaseLabel"])

        def create() -> Any:
            job = call.backend("emr-containers").start_job_run(
                name=p.get("name"),
                virtual_cluster_id=cluster.id,
                client_token=p["clientToken"],
                execution_role_arn=inputs["executionRoleArn"],
                release_label="emr-7.0.0-latest",  # moto knows no image variants; checked above, set below
                job_driver=inputs["jobDriver"],
                configuration_overrides=inputs.get("configurationOverrides"),
                tags=inputs.get("tags"),
            )
            job.created_at = utcnow()  # moto truncates it to midnight
            job.release_label = inputs["releaseLabel"]
            job.state = JOB_STEPS[0]
            self._advance(call, job, 1)
            return {"id": job.id, "name": job.name, "arn": job.arn, "virtualClusterId": cluster.id}

        return self.idempotent(call, "clientToken", create)

    def _advance(self, call: Call, job: Any, step: int) -> None:
        def move() -> None:
            if job.state != JOB_STEPS[step - 1]:
                return  # cancelled meanwhile
            job.state = JOB_STEPS[step]
            failure = self.emulator.settings.fail_job_runs.get(job.name) if job.name else None
            if job.state == "COMPLETED" and failure is not None:
                # What EMR on EKS reports when the Spark driver exits non-zero.
                job.state = "FAILED"
                job.finished_at = utcnow()
                job.failure_reason = failure["failureReason"]
                job.state_details = failure.get("stateDetails") or JOB_FAILURE_DETAILS[job.failure_reason]
            elif job.state == "COMPLETED":
                job.finished_at = utcnow()
                job.state_details = "JobRun COMPLETED successfully."
            else:
                self._advance(call, job, step + 1)

        call.later("emr-containers:job-run", move)

    # ------------------------------------------------------------ tags

    def _tagged(self, call: Call, arn: str) -> Any:
        for cluster in call.backend("emr-containers").virtual_clusters.values():
            if cluster.arn == arn:
                if cluster.tags is None:
                    cluster.tags = {}
                return cluster
        state = self.state(call)
        for item in (*state.endpoints.values(), *state.templates.values()):
            if item.arn == arn:
                return item
        raise _not_found(f"Resource {arn} doesn't exist.")

    @operation("TagResource")
    def tag_resource(self, call: Call) -> Any:
        self._tagged(call, call.params["resourceArn"]).tags.update(call.params["tags"])
        return {}

    @operation("UntagResource")
    def untag_resource(self, call: Call) -> Any:
        tags = self._tagged(call, call.params["resourceArn"]).tags
        for key in call.params["tagKeys"]:
            tags.pop(key, None)
        return {}

    @operation("ListTagsForResource")
    def list_tags_for_resource(self, call: Call) -> Any:
        return {"tags": self._tagged(call, call.params["resourceArn"]).tags}

    # ------------------------------------------------------------ admin

    def inventory(self) -> dict[str, list[str]]:
        from moto.emrcontainers.models import emrcontainers_backends

        out: dict[str, list[str]] = {}
        for per_account in emrcontainers_backends.values():
            for backend in per_account.values():
                out.setdefault("emr-containers:virtual-cluster", []).extend(
                    c.id for c in backend.virtual_clusters.values() if c.state != "TERMINATED"
                )
        for state in self.states():
            out.setdefault("emr-containers:managed-endpoint", []).extend(
                e.id for e in state.endpoints.values() if e.state != "TERMINATED"
            )
            out.setdefault("emr-containers:job-template", []).extend(state.templates)
        return out
