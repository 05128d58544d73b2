provider "emreks" {
  region  = "eu-west-1"
  profile = "data-platform"

  assume_role {
    role_arn     = "arn:aws:iam::123456789012:role/TerraformDeployer"
    session_name = "spark-platform"
    external_id  = "team-data"
    duration     = "1h"
  }
}
