import {
  to = emreks_node_pool.spark["critical"]
  id = "analytics:spark-critical"
}
