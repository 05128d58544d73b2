provider "emreks" {
  region            = var.region
  s3_use_path_style = var.aws_endpoint != null

  default_tags = {
    project = "spark-platform"
  }

  dynamic "endpoints" {
    for_each = var.aws_endpoint == null ? [] : [var.aws_endpoint]
    content {
      eks           = endpoints.value
      emrcontainers = endpoints.value
      emr           = endpoints.value
      iam           = endpoints.value
      s3            = endpoints.value
      ec2           = endpoints.value
      sts           = endpoints.value
      logs          = endpoints.value
      autoscaling   = endpoints.value
      kubernetes    = var.kubernetes_endpoint
    }
  }
}

# The EKS cluster of the platform in its own VPC over three availability zones.
resource "emreks_platform" "this" {
  name               = var.platform_name
  kubernetes_version = "1.31"
  eks_admin_role_arn = var.eks_admin_role_arn

  vpc_cidr           = "10.0.0.0/16"
  availability_zones = ["${var.region}a", "${var.region}b", "${var.region}c"]

  tags = {
    owner = "data-platform-team"
  }
}
