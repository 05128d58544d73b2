# A GPU group for Spark RAPIDS jobs: NVIDIA instance types need an AMI type
# with NVIDIA drivers (the plan fails without one), and the taint keeps
# other pods off the GPUs.
resource "emreks_nodegroup" "gpu_a" {
  platform_id       = emreks_platform.this.id
  name              = "gpu-a"
  role              = "custom"
  availability_zone = "eu-west-1a"
  instance_types    = ["g5.2xlarge", "g6.2xlarge"]
  ami_type          = "AL2023_x86_64_NVIDIA"
  max_size          = 4
  labels            = { workload = "gpu" }
  taints            = [{ key = "nvidia.com/gpu", value = "true", effect = "NO_SCHEDULE" }]
}
