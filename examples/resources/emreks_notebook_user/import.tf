import {
  to = emreks_notebook_user.analyst
  id = "analytics:USER:analyst"
}
