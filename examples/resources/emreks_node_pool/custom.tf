# A custom pool for one team's wide joins: memory-optimized Graviton on spot,
# x86 as the fallback (weighted lower), at most 16 vCPUs a node and 256 vCPUs
# in all; jobs reach it through their own pod templates.
resource "emreks_node_pool" "memory" {
  platform_id          = emreks_platform.this.id
  name                 = "memory-heavy"
  role                 = "custom"
  capacity_types       = ["spot", "on-demand"]
  architectures        = ["arm64", "amd64"]
  instance_categories  = ["r"]
  max_vcpus            = 16
  cpu_limit            = 256
  consolidation_policy = "WhenEmptyOrUnderutilized"
  consolidate_after    = "10m"
  labels               = { workload = "memory-heavy" }
  taints               = [{ key = "workload", value = "memory-heavy", effect = "NO_SCHEDULE" }]
}
