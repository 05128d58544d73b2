# The reference platform's Spark nodegroups: every role preset in every
# availability zone, so that a job's executors scale in its driver's zone.
locals {
  roles = ["critical", "non_critical_driver", "non_critical_executor", "notebook_driver", "notebook_executor"]
  zones = ["eu-west-1a", "eu-west-1b", "eu-west-1c"]
}

resource "emreks_nodegroup" "spark" {
  for_each = {
    for pair in setproduct(local.roles, local.zones) :
    "${replace(pair[0], "_", "-")}-${substr(pair[1], -1, 1)}" => pair
  }

  platform_id       = emreks_platform.this.id
  name              = each.key
  role              = each.value[0]
  availability_zone = each.value[1]
}
