# The nodegroups of the platform "analytics", for `terraform query`.
list "emreks_nodegroup" "analytics" {
  provider = emreks

  config {
    platform_id = "analytics"
  }
}
