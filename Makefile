# The two entry points are `make demo` and `make test`; everything they need
# (protoc, the Python venv with Terraform and the emulator, the provider
# build) is installed on first use. `make install` puts a release build where
# Terraform finds it without dev_overrides; `make release` makes the
# registry's release files in dist/.
SHELL := /bin/bash
.DEFAULT_GOAL := help

# One build profile per run: the tests and the demo use the binary it makes.
PROFILE ?= debug
CARGO_PROFILE_FLAG := $(if $(filter release,$(PROFILE)),--release,)
# Every release-profile build goes through tools/cargo-release (fixed path
# prefixes for reproducible binaries), so they all share one set of artifacts.
CARGO := $(if $(filter release,$(PROFILE)),tools/cargo-release,cargo)
export EMREKS_PROVIDER_BIN := $(CURDIR)/target/$(PROFILE)/terraform-provider-emreks
PYTHON := .venv/bin/python
# Acceptance tests in parallel workers, each with its own emulator: most of
# their time is the emulator's modelled AWS latency, not CPU, so even two
# cores run three workers well. TEST_WORKERS=0 runs them in one process.
TEST_WORKERS ?= 3
PYTEST_WORKERS := $(if $(filter 0,$(TEST_WORKERS)),,-n $(TEST_WORKERS) --dist worksteal)

# The previous release, for the state-upgrade test; built before `build`,
# which then puts the current binary back in place.
# `make install`: the implied local mirror Terraform searches by itself.
PLUGINS_DIR ?= $(HOME)/.terraform.d/plugins
RELEASE_BIN := $(or $(CARGO_TARGET_DIR),$(CURDIR)/target)/release/terraform-provider-emreks

.PHONY: help demo test deps deps-build build lint unit acceptance soak emulator-tests bench previous-release install release docs

help:
	@echo "make demo     apply the complete example against the local AWS emulator, print it, destroy it"
	@echo "make test     lint, unit tests, emulator tests and acceptance tests through real Terraform"
	@echo "make soak     the long repetitions (tests marked soak), left out of make test"
	@echo "make install  build a release binary and install it in $(PLUGINS_DIR) for terraform init"
	@echo "make release  the registry's release files (zips, SHA256SUMS, manifest) in dist/"
	@echo "make docs     regenerate docs/ from the provider's schema, templates/ and examples/"

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
	$(CARGO) build --locked $(CARGO_PROFILE_FLAG)

lint: deps
	cargo fmt --all -- --check
	$(CARGO) clippy --locked --all-targets $(CARGO_PROFILE_FLAG) -- -D warnings

unit: deps
	$(CARGO) test --locked $(CARGO_PROFILE_FLAG)

emulator-tests: deps
	$(PYTHON) -m pytest acceptance-tests/emulator/tests -q

# The previous release, for the state-upgrade test; built before `build`,
# which then puts the current binary back in place.
previous-release: deps
	acceptance-tests/bin/build-previous-release

# Includes test_state_upgrade.py, test_docs.py (docs/ is what `make docs`
# generates; every HCL snippet validates) and test_install.py (the installed provider inits and
# applies with no dev_overrides; the release files install from a packed
# mirror).
acceptance: previous-release build
	$(PYTHON) -m pytest acceptance-tests/tests -q -m "not soak" $(PYTEST_WORKERS)

# Tests marked `soak`: the long repetitions (e.g. 20 rounds of two notebook
# users sharing an endpoint, destroyed at once); not part of `make test`.
soak: build
	$(PYTHON) -m pytest acceptance-tests/tests -q -m soak

test: lint unit previous-release build emulator-tests acceptance

demo: build
	$(PYTHON) acceptance-tests/demo.py

# Figures, printed, never asserted: `make bench PROFILE=release` for the
# release build; `make bench ONLY=size,handshake` for some parts (size,
# handshake, rss, apply, calls, scale; all by default, several minutes).
bench: build
	$(PYTHON) acceptance-tests/bench.py $(if $(ONLY),--only $(ONLY))

install: deps-build
	tools/cargo-release build --release --locked
	tools/install-provider $(RELEASE_BIN) $(PLUGINS_DIR)

# RELEASE_PLATFORMS="linux_amd64 linux_arm64" builds more than this machine's
# platform when their Rust targets and cross toolchains are installed.
release: deps-build
	tools/release $(RELEASE_PLATFORMS)

docs: build
	$(PYTHON) tools/gendocs
