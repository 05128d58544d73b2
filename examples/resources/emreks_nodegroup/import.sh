terraform import 'emreks_nodegroup.spark["critical-a"]' analytics:critical-a
