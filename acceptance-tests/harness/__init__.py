"""Helpers the acceptance tests and the demo share: the local emulator
process and Terraform working directories wired to the freshly built provider."""
