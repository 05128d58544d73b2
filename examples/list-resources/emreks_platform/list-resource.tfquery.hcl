# platforms.tfquery.hcl, next to a configuration with the emreks provider.
# `terraform query` lists the platforms; with
# `-generate-config-out=generated.tf` it writes a resource and an `import`
# block (by identity) for each.
list "emreks_platform" "all" {
  provider = emreks

  config {
    name_prefix = "analytics"
  }
}
