provider "emreks" {
  region            = "eu-west-1"
  s3_use_path_style = true

  endpoints {
    eks           = "http://127.0.0.1:4566"
    emrcontainers = "http://127.0.0.1:4566"
    emr           = "http://127.0.0.1:4566"
    iam           = "http://127.0.0.1:4566"
    s3            = "http://127.0.0.1:4566"
    ec2           = "http://127.0.0.1:4566"
    sts           = "http://127.0.0.1:4566"
    logs          = "http://127.0.0.1:4566"
    autoscaling   = "http://127.0.0.1:4566"
    kubernetes    = "http://127.0.0.1:4566"
  }
}
