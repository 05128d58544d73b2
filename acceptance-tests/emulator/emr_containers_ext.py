"""EMR on EKS (emr-containers): managed endpoints, job templates and tagging,
which moto lacks; virtual clusters and job runs on top of moto's models with
AWS's checks (moto refuses a namespace once used by any virtual cluster, even
a terminated one or one on another EKS cluster), AWS's listing filters and
paging, and a job run lifecycle."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from moto.emrcontainers.models import VirtualCluster
from moto.emrcontainers.responses import EMRContainersResponse

from .extension import Call, Extension, operation, paginate, random_id, utcnow
from .protocol import AwsError

RELEASE_LABEL = re.compile(r"^emr-[0-9]\.[0-9]{1,2}\.[0-9]+-(latest|[0-9]{8})$")
ENDPOINT_TYPES = ("JUPYTER_ENTERPRISE_GATEWAY",)
JOB_STEPS = ("PENDING", "SUBMITTED", "RUNNING", "COMPLETED")
PARAMETER = re.compile(r"\$\{([^}]+)\}")


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
    security_group: str
    subnet_ids: list[str]
    tags: dict[str, str]
    state: str = "CREATING"
    state_details: str | None = None
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
        if running and cluster.state != "RUNNING":
            raise _validation(f"Virtual cluster {cluster_id} is {cluster.state}.")
        return cluster

    @staticmethod
    def _check_release(label: str) -> None:
        if not RELEASE_LABEL.match(label):
            raise _not_found(f"Release {label} doesn't exist.")

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
            for c in call.backend("emr-containers").virtual_clusters.values()
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
        self._check_release(p["releaseLabel"])
        eks_cluster = call.backend("eks").clusters.get(cluster.container_provider_id)
        subnet_ids = eks_cluster.resources_vpc_config.get("subnetIds", []) if eks_cluster else []

        def create() -> Any:
            endpoint_id = random_id(13)
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
                server_url=f"https://{endpoint_id}.emrcontainers.{call.region}.amazonaws.com",
                security_group="sg-" + random_id(17, "0123456789abcdef"),
                subnet_ids=subnet_ids,
                tags=p.get("tags", {}),
            )
            self.state(call).endpoints[endpoint.id] = endpoint

            def activate() -> None:
                if endpoint.state == "CREATING":
                    endpoint.state = "ACTIVE"

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

            call.later("emr-containers:managed-endpoint", terminate)
        return {"id": endpoint.id, "virtualClusterId": endpoint.virtual_cluster_id}

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
                release_label=inputs["releaseLabel"],
                job_driver=inputs["jobDriver"],
                configuration_overrides=inputs.get("configurationOverrides"),
                tags=inputs.get("tags"),
            )
            job.created_at = utcnow()  # moto truncates it to midnight
            job.state = JOB_STEPS[0]
            self._advance(call, job, 1)
            return {"id": job.id, "name": job.name, "arn": job.arn, "virtualClusterId": cluster.id}

        return self.idempotent(call, "clientToken", create)

    def _advance(self, call: Call, job: Any, step: int) -> None:
        def move() -> None:
            if job.state != JOB_STEPS[step - 1]:
                return  # cancelled meanwhile
            job.state = JOB_STEPS[step]
            if job.state == "COMPLETED":
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
