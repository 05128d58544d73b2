terraform import 'emreks_node_pool.spark["critical"]' analytics:spark-critical
