"""The provider itself, through real Terraform: schema, configuration errors."""

import json

from conftest import ADMIN_ROLE


def platform(name="slice", extra=""):
    return f'''
resource "emreks_platform" "p" {{
  name               = "{name}"
  eks_admin_role_arn = "{ADMIN_ROLE}"
  vpc_cidr           = "10.0.0.0/16"
  availability_zones = ["eu-west-1a", "eu-west-1b"]
{extra}}}
'''


def test_schema_describes_every_attribute(workspace, provider):
    workspace.write({"main.tf": provider()})
    schemas = json.loads(workspace.run("providers", "schema", "-json").stdout)
    (address, schema), = schemas["provider_schemas"].items()
    assert address.endswith("emreks/emreks")

    def undocumented(block, prefix=""):
        missing = [
            prefix + name
            for name, attribute in block.get("attributes", {}).items()
            if not attribute.get("description")
        ]
        for name, nested in block.get("block_types", {}).items():
            missing += undocumented(nested["block"], f"{prefix}{name}.")
        return missing

    assert undocumented(schema["provider"]["block"]) == []
    platform_schema = schema["resource_schemas"]["emreks_platform"]["block"]
    assert undocumented(platform_schema) == []
    for name in ["cluster_name", "cluster_arn", "cluster_endpoint", "oidc_issuer_url", "vpc_id", "subnet_ids_by_az"]:
        assert platform_schema["attributes"][name]["computed"], name
    assert schema["provider"]["block"]["attributes"]["secret_key"]["sensitive"]


def test_wrong_provider_settings_name_the_attribute(workspace, provider):
    workspace.write({
        "main.tf": provider(region="moon-base-alpha").replace(
            "  endpoints {", '  max_retries = -2\n  endpoints {\n    ec2x = "x"\n', 1
        ).replace('    ec2x = "x"\n', "")
        + platform()
    })
    result = workspace.plan()
    assert result.code == 1
    assert "Invalid region" in result.output and "moon-base-alpha" in result.output
    assert "max_retries" in result.output


def test_wrong_endpoint_names_the_service(workspace, provider, aws):
    workspace.write({"main.tf": provider().replace(f'iam = "{aws.url}"', 'iam = "localhost-no-scheme"') + platform()})
    result = workspace.plan()
    assert result.code == 1
    assert "Invalid endpoint" in result.output and "iam" in result.output


def test_incomplete_assume_role_is_refused(workspace, provider):
    extra = '  assume_role {\n    role_arn = "not-an-arn"\n    duration = "20h"\n  }\n'
    workspace.write({"main.tf": provider(extra=extra) + platform()})
    result = workspace.plan()
    assert result.code == 1
    assert "role_arn" in result.output and "duration" in result.output
