resource "emreks_platform" "this" {
  name               = "analytics"
  eks_admin_role_arn = "arn:aws:iam::123456789012:role/PlatformAdmin"
  subnet_ids         = ["subnet-0a1b2c3d4e5f60718", "subnet-0b1c2d3e4f5a60719", "subnet-0c1d2e3f4a5b6071a"]
}
