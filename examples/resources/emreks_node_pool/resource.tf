# The five Spark pools of a platform on EKS Auto Mode, one per role preset:
# their labels and taints are those the platform's pod templates select and
# tolerate, so jobs land on them unchanged. All zones by default: each job's
# executors still follow its driver's zone through the pod templates.
locals {
  pool_roles = ["critical", "non_critical_driver", "non_critical_executor", "notebook_driver", "notebook_executor"]
}

resource "emreks_node_pool" "spark" {
  for_each = toset(local.pool_roles)

  platform_id = emreks_platform.this.id
  name        = "spark-${replace(each.value, "_", "-")}"
  role        = each.value
}
