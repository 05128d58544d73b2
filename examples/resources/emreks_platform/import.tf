import {
  to = emreks_platform.this
  id = "analytics"
}
