# Slipway — `make run` opens the app, `make test` checks everything on a fresh machine.
SHELL := /bin/bash
CARGO ?= cargo
HARNESS := tests/harness/with-engines.sh
APT_PACKAGES := docker.io docker-registry podman runc busybox-static apache2-utils uidmap curl python3 time

.PHONY: all run build test deps lint unit engine-tests bench clean

all: build

## Open Slipway. Until the desktop app lands this shows the CLI's help and the engine it finds.
run:
	$(CARGO) build -p slipway-cli
	./target/debug/slipway-cli --help
	-./target/debug/slipway-cli engine

## Release binaries in target/release/.
build:
	$(CARGO) build --release --workspace --bins

## Everything CI runs: install, format, lint, unit tests, real-engine tests.
test: deps lint unit engine-tests
	@tests/summary.sh target/test-logs/*.log

## System packages and Rust components the tests need (no-op when present).
deps:
	@bash tests/install-packages.sh $(APT_PACKAGES)
	@rustup component list --installed 2>/dev/null | grep -q '^clippy' || rustup component add clippy
	@rustup component list --installed 2>/dev/null | grep -q '^rustfmt' || rustup component add rustfmt

lint:
	$(CARGO) fmt --all --check
	$(CARGO) clippy --workspace --all-targets --locked -- -D warnings

unit:
	@mkdir -p target/test-logs
	set -o pipefail; $(CARGO) test --locked 2>&1 | tee target/test-logs/unit.log

## The real-engine suites: a private dockerd, registries and podman, torn down afterwards.
engine-tests:
	@mkdir -p target/test-logs
	$(CARGO) build --locked -p slipway-cli
	$(CARGO) test --locked -p slipway-engine-tests --no-run
	set -o pipefail; bash $(HARNESS) $(CARGO) test --locked -p slipway-engine-tests -- --test-threads=1 2>&1 \
	  | tee target/test-logs/engine.log

## Benchmarks (not timed tests): peak memory of a 1 GiB context build.
bench:
	$(CARGO) build --release -p slipway-cli
	SLIPWAY_HARNESS_NO_PODMAN=1 bash $(HARNESS) bash tests/bench/context-rss.sh

clean:
	$(CARGO) clean
