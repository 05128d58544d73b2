"""The walkthrough's defaults through real Terraform: a platform with no
job_profile block still gives ready requests (and says what it chose), the
Studio's virtual cluster may be left out when it is obvious, the outputs a
user needs beside the JSON requests, and the walkthrough's own job."""

import json

from conftest import ADMIN_ROLE


def platform(profiles="", studio_cluster='virtual_cluster = "emrvcplatform"', clusters=None, roles=None):
    clusters = clusters or '''
    batchjob      = { namespace = "batchjob" }
    emrvcplatform = { namespace = "dataanalysis" }'''
    roles = roles or '''
    jobs      = { namespaces = ["batchjob"] }
    notebooks = { namespaces = ["dataanalysis"] }'''
    studio = f'''
  studio {{
    name      = "platform"
    auth_mode = "IAM"
    {studio_cluster}
  }}
''' if studio_cluster is not None else ""
    return f'''
resource "emreks_platform" "p" {{
  name               = "walk"
  kubernetes_version = "1.33"
  eks_admin_role_arn = "{ADMIN_ROLE}"
  vpc_cidr           = "10.0.0.0/16"
  availability_zones = ["eu-west-1a", "eu-west-1b"]

  virtual_clusters = {{{clusters}
  }}
  execution_roles = {{{roles}
  }}
{studio}{profiles}}}

output "p" {{
  value = emreks_platform.p
}}
'''


# The walkthrough's start-job-run: 8 task slots on a 7-core request, 28G
# executors, 2-core 6G driver.
WALKTHROUGH_JOB = '''
  job_profile "critical" {
    virtual_cluster         = "batchjob"
    execution_role          = "jobs"
    executor_cores          = 7
    executor_task_cores     = 8
    executor_memory         = "28G"
    driver_cores            = 2
    driver_memory           = "6G"
    entry_point             = "s3://my-code/etl.py"
    entry_point_arguments   = ["--date", "2024-01-01"]
    spark_submit_parameters = "--conf spark.sql.shuffle.partitions=400"
    spark_properties = {
      "spark.sql.adaptive.enabled" = "true"
    }
  }
'''


def planned_platform(plan):
    (resource,) = [r for r in plan["planned_values"]["root_module"]["resources"] if r["address"] == "emreks_platform.p"]
    return resource["values"]


def test_no_job_profile_blocks_still_give_the_walkthrough_requests(workspace, provider, aws):
    workspace.write({"main.tf": provider() + platform()})
    plan = workspace.plan()
    assert plan.code == 2, plan.output
    # The plan says what the platform chose.
    assert "Job profiles chosen by the platform" in plan.output, plan.output
    said = " ".join(plan.output.split())
    assert 'critical on virtual cluster "batchjob" as execution role "jobs"' in said, plan.output
    assert 'notebook on virtual cluster "emrvcplatform" as execution role "notebooks"' in said, plan.output

    workspace.apply()
    values = workspace.outputs()["p"]
    assert sorted(values["job_run_requests"]) == ["critical", "non_critical", "notebook"]
    vc_ids = values["virtual_cluster_ids"]
    roles = values["execution_role_arns"]
    critical = json.loads(values["job_run_requests"]["critical"])
    assert critical["virtualClusterId"] == vc_ids["batchjob"]
    assert critical["executionRoleArn"] == roles["jobs"]
    notebook = json.loads(values["job_run_requests"]["notebook"])
    assert notebook["virtualClusterId"] == vc_ids["emrvcplatform"]
    assert notebook["executionRoleArn"] == roles["notebooks"]

    # The same requests as objects, for job templates or Airflow.
    objects = values["job_run_request_objects"]
    assert sorted(objects) == ["critical", "non_critical", "notebook"]
    shared = objects["non_critical"]
    request = json.loads(values["job_run_requests"]["non_critical"])
    assert shared["virtual_cluster_id"] == vc_ids["batchjob"]
    assert shared["execution_role_arn"] == roles["jobs"]
    assert shared["release_label"] == request["releaseLabel"]
    assert shared["entry_point"] == request["jobDriver"]["sparkSubmitJobDriver"]["entryPoint"]
    assert shared["spark_properties"] == request["configurationOverrides"]["applicationConfiguration"][0]["properties"]
    assert shared["log_group_name"] == "/aws/emr-containers/walk/non-critical"

    # The request runs as it is.
    emr = aws.client("emr-containers")
    run = emr.start_job_run(**critical)
    assert run["virtualClusterId"] == vc_ids["batchjob"]

    # kubectl: the CA data, the kubeconfig command, the ARN.
    cluster = aws.client("eks").describe_cluster(name="walk")["cluster"]
    assert values["cluster_certificate_authority_data"] == cluster["certificateAuthority"]["data"]
    assert values["kubeconfig_command"] == (
        f"aws eks update-kubeconfig --region eu-west-1 --name walk --role-arn {ADMIN_ROLE}"
    )
    assert values["arn"] == values["cluster_arn"] == cluster["arn"]

    # Nothing to change on a second plan; with no nodegroup yet, the plan
    # warns that the profiles' jobs would stay pending.
    again = workspace.plan()
    assert again.code == 0, again.output
    assert "No nodegroup for the critical jobs" in again.output, again.output
    assert "No nodegroup for the notebook jobs" in again.output, again.output

    # The walkthrough's own job, as its one profile.
    workspace.write({"main.tf": provider() + platform(profiles=WALKTHROUGH_JOB)})
    workspace.apply()
    values = workspace.outputs()["p"]
    assert sorted(values["job_run_requests"]) == ["critical"]
    request = json.loads(values["job_run_requests"]["critical"])
    driver = request["jobDriver"]["sparkSubmitJobDriver"]
    assert driver == {
        "entryPoint": "s3://my-code/etl.py",
        "entryPointArguments": ["--date", "2024-01-01"],
        "sparkSubmitParameters": "--conf spark.sql.shuffle.partitions=400",
    }
    properties = request["configurationOverrides"]["applicationConfiguration"][0]["properties"]
    assert properties["spark.executor.cores"] == "8"
    assert properties["spark.kubernetes.executor.request.cores"] == "7"
    assert properties["spark.executor.memory"] == "28G"
    assert properties["spark.driver.cores"] == "2"
    assert properties["spark.kubernetes.driver.request.cores"] == "2"
    assert properties["spark.driver.memory"] == "6G"
    assert properties["spark.sql.adaptive.enabled"] == "true"
    assert properties["spark.dynamicAllocation.shuffleTracking.enabled"] == "true"
    assert values["job_run_request_objects"]["critical"]["entry_point_arguments"] == ["--date", "2024-01-01"]
    assert emr.start_job_run(**request)["virtualClusterId"] == vc_ids["batchjob"]
    assert workspace.plan().code == 0

    workspace.destroy()
    assert aws.leftovers() == {}


def test_several_candidates_ask_for_the_argument(workspace, provider):
    three = '''
    batchjob      = { namespace = "batchjob" }
    adhoc         = { namespace = "adhoc" }
    emrvcplatform = { namespace = "dataanalysis" }'''
    roles = '''
    jobs      = { namespaces = ["batchjob", "adhoc"] }
    notebooks = { namespaces = ["dataanalysis"] }'''
    workspace.write({"main.tf": provider() + platform(clusters=three, roles=roles)})
    result = workspace.plan()
    assert result.code == 1, result.output
    said = " ".join(result.output.split())
    assert 'Add a `job_profile "critical"` block and set its `virtual_cluster`' in said, result.output
    assert '"adhoc", "batchjob"' in said, result.output

    two_roles = '''
    jobs      = { namespaces = ["batchjob"] }
    more      = { namespaces = ["batchjob"] }
    notebooks = { namespaces = ["dataanalysis"] }'''
    workspace.write({"main.tf": provider() + platform(roles=two_roles)})
    result = workspace.plan()
    assert result.code == 1, result.output
    said = " ".join(result.output.split())
    assert "set its `execution_role`" in said, result.output
    assert '"jobs", "more"' in said, result.output


def test_the_studio_virtual_cluster_may_be_left_out_when_obvious(workspace, provider):
    one = '''
    emrvcplatform = { namespace = "dataanalysis" }'''
    roles = '''
    notebooks = { namespaces = ["dataanalysis"] }'''
    workspace.write({"main.tf": provider() + platform(studio_cluster="", clusters=one, roles=roles)})
    plan = workspace.plan_json()
    assert planned_platform(plan)["studio"][0]["virtual_cluster"] == "emrvcplatform"

    # Two virtual clusters: the one the notebook profile names.
    notebook = '''
  job_profile "notebook" {
    virtual_cluster = "emrvcplatform"
    execution_role  = "notebooks"
  }
'''
    workspace.write({"main.tf": provider() + platform(studio_cluster="", profiles=notebook)})
    plan = workspace.plan_json()
    assert planned_platform(plan)["studio"][0]["virtual_cluster"] == "emrvcplatform"

    # Two and nothing to tell them apart: the error names the argument.
    workspace.write({"main.tf": provider() + platform(studio_cluster="")})
    result = workspace.plan()
    assert result.code == 1, result.output
    assert "set `studio.virtual_cluster`" in " ".join(result.output.split()), result.output


def test_sizes_go_through_their_own_arguments(workspace, provider):
    job = WALKTHROUGH_JOB.replace(
        '"spark.sql.adaptive.enabled" = "true"', '"spark.executor.memory" = "30G"'
    )
    workspace.write({"main.tf": provider() + platform(profiles=job)})
    result = workspace.plan()
    assert result.code == 1, result.output
    said = " ".join(result.output.split())
    assert "Invalid spark_properties" in said, result.output
    assert "set `executor_memory` instead" in said, result.output
