# A custom group: memory-optimized Graviton nodes on spot for one team's wide
# joins. Graviton instance types need the ARM AMI type (a custom group
# defaults to x86); jobs reach these nodes through their own pod templates.
resource "emreks_nodegroup" "memory_a" {
  platform_id       = emreks_platform.this.id
  name              = "memory-a"
  role              = "custom"
  availability_zone = "eu-west-1a"
  instance_types    = ["r7g.4xlarge", "r6g.4xlarge"]
  ami_type          = "AL2023_ARM_64_STANDARD"
  capacity_type     = "SPOT"
  max_size          = 20
  labels            = { workload = "memory-heavy" }
  taints            = [{ key = "workload", value = "memory-heavy", effect = "NO_SCHEDULE" }]
}
