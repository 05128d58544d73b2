terraform {
  required_version = ">= 1.5"
  required_providers {
    emreks = {
      source = "emreks/emreks"
    }
  }
}
