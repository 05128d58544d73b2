terraform {
  required_providers {
    emreks = {
      source  = "emreks/emreks"
      version = "~> 0.1"
    }
  }
}

provider "emreks" {
  region = "eu-west-1"

  default_tags {
    tags = {
      project = "spark-platform"
    }
  }
}

resource "emreks_platform" "this" {
  name               = "analytics"
  eks_admin_role_arn = "arn:aws:iam::123456789012:role/PlatformAdmin"
  vpc_cidr           = "10.0.0.0/16"
  availability_zones = ["eu-west-1a", "eu-west-1b", "eu-west-1c"]
}
