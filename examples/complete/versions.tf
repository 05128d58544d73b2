terraform {
  required_version = ">= 1.14" # actions (jobs.tf)
  required_providers {
    emreks = {
      source = "emreks/emreks"
    }
  }
}
