terraform import emreks_platform.this analytics
