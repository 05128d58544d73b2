import {
  to = emreks_nodegroup.spark["critical-a"]
  id = "analytics:critical-a"
}
