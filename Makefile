# The two entry points are `make demo` and `make test`; everything they need
# (protoc, the Python venv with Terraform and the emulator, the provider
# build) is installed on first use.
SHELL := /bin/bash
.DEFAULT_GOAL := help

# One build profile per run: the tests and the demo use the binary it makes.
PROFILE ?= debug
CARGO_PROFILE_FLAG := $(if $(filter release,$(PROFILE)),--release,)
export EMREKS_PROVIDER_BIN := $(CURDIR)/target/$(PROFILE)/terraform-provider-emreks
PYTHON := .venv/bin/python

.PHONY: help demo test deps deps-build build lint unit acceptance emulator-tests bench

help:
	@echo "make demo     apply the complete example against the local AWS emulator, print it, destroy it"
	@echo "make test     lint, unit tests, emulator tests and acceptance tests through real Terraform"

# What building the provider needs: Rust, a C compiler, protoc.
deps-build:
	@tools/check-prerequisites --build
	@command -v protoc >/dev/null || { \
	  echo "installing protobuf-compiler (protoc)"; \
	  SUDO=$$([ "$$(id -u)" = 0 ] || echo sudo); \
	  $$SUDO apt-get update -qq && $$SUDO apt-get install -y -qq protobuf-compiler >/dev/null; }

# What the tests and the demo need besides: Python with venv, glibc for the
# Terraform wheel, disk and memory; then the venv itself.
deps: deps-build
	@tools/check-prerequisites
	@acceptance-tests/bin/setup-venv

build: deps
	cargo build --locked $(CARGO_PROFILE_FLAG)

lint: deps
	cargo fmt --all -- --check
	cargo clippy --locked --all-targets $(CARGO_PROFILE_FLAG) -- -D warnings

unit: deps
	cargo test --locked $(CARGO_PROFILE_FLAG)

emulator-tests: deps
	$(PYTHON) -m pytest acceptance-tests/emulator/tests -q

acceptance: build
	$(PYTHON) -m pytest acceptance-tests/tests -q

test: lint unit build emulator-tests acceptance

demo: build
	$(PYTHON) acceptance-tests/demo.py

bench: build
	$(PYTHON) acceptance-tests/bench.py

