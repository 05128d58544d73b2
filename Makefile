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

.PHONY: help demo test deps build unit lint acceptance emulator-tests bench previous-release

help:
	@echo "make demo   apply the complete example against the local AWS emulator, print it, destroy it"
	@echo "make test   lint, unit tests, emulator tests and acceptance tests through real Terraform"

deps:
	@command -v cargo >/dev/null || { echo "cargo not found: install Rust (https://rustup.rs)" >&2; exit 1; }
	@command -v protoc >/dev/null || { \
	  echo "installing protobuf-compiler (protoc)"; \
	  SUDO=$$([ "$$(id -u)" = 0 ] || echo sudo); \
	  $$SUDO apt-get update -qq && $$SUDO apt-get install -y -qq protobuf-compiler >/dev/null; }
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

# The previous release, for the state-upgrade test; built before `build`,
# which then puts the current binary back in place.
previous-release: deps
	acceptance-tests/bin/build-previous-release

acceptance: previous-release build
	$(PYTHON) -m pytest acceptance-tests/tests -q

test: lint unit previous-release build emulator-tests acceptance

demo: build
	$(PYTHON) acceptance-tests/demo.py

# Figures, printed, never asserted: `make bench PROFILE=release` for the
# release build; `make bench ONLY=size,handshake` for some parts (size,
# handshake, rss, apply, calls, scale; all by default, several minutes).
bench: build
	$(PYTHON) acceptance-tests/bench.py $(if $(ONLY),--only $(ONLY))
