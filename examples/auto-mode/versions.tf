terraform {
  required_version = ">= 1.14"
  required_providers {
    emreks = {
      source = "emreks/emreks"
    }
  }
}
