# Slipway — `make run` opens the app, `make test` checks everything on a fresh machine.
SHELL := /bin/bash
CARGO ?= cargo
# One setting for every target: cargo fingerprints it, so a `make bench` with incremental on
# rebuilt every workspace crate `make test` had just built with it off (.ci/run's setting:
# 160 s of the bench's critical path). Off: a fresh clone builds once, and incremental
# caches only add gigabytes to a tight disk.
export CARGO_INCREMENTAL ?= 0
HARNESS := tests/harness/with-engines.sh
# Engines and registries for the real-engine suites; WebKitGTK, Xvfb and its WebDriver for the
# app and its real-window suite; fonts so English and Chinese text render; a D-Bus session bus
# for the single-instance test.
APT_PACKAGES := openssh-server docker.io docker-registry podman runc busybox-static apache2-utils uidmap curl python3 time hyperfine openssl \
  build-essential pkg-config libwebkit2gtk-4.1-dev libxdo-dev libssl-dev libayatana-appindicator3-dev librsvg2-dev \
  xvfb xauth webkit2gtk-driver fonts-dejavu-core fonts-wqy-microhei \
  libgtk-3-bin desktop-file-utils x11-utils dpkg dbus-daemon dbus-bin
# crates.io's newest tauri-driver is a 3.0 alpha: stay on 2.x like the app.
TAURI_DRIVER_VERSION := ^2
CARGO_FUZZ_VERSION := ^0.13
# Seconds each fuzz target runs in `make test` (tests/fuzz.sh).
FUZZ_SECONDS ?= 30

.PHONY: all run build bundle test deps ui ui-deps lint unit fuzz engine-tests e2e bench bindings icons clean

all: build

## Open Slipway on your engine; with none answering, on a private sandbox engine with sample images.
run: deps ui
	$(CARGO) build --release -p slipway -p slipway-cli
	bash tests/harness/run-app.sh $(if $(SANDBOX),--sandbox) ./target/release/slipway

## Release binaries in target/release/ (slipway with the UI embedded, slipway-cli).
build: ui
	$(CARGO) build --release --workspace --bins

# The tauri CLI (bundling, icons) is installed on demand: the registry serves its Linux x64
# build, not every platform's, so it cannot sit in ui/package-lock.json for `npm ci`.
TAURI_CLI := target/tauri-cli/node_modules/.bin/tauri
$(TAURI_CLI):
	npm install --no-audit --no-fund --prefix target/tauri-cli @tauri-apps/cli@2.12.5

## An installable Linux package (.deb) with a menu entry and the icons.
bundle: build $(TAURI_CLI)
	cd src-tauri && ../$(TAURI_CLI) bundle --bundles deb

## Everything CI runs: install, format, lint, unit and property tests, fuzzing (bounded),
## real-engine suites, real-window suite.
test: deps ui lint unit fuzz engine-tests e2e
	@tests/summary.sh target/test-logs/*.log

## System packages, Rust components, tauri-driver and cargo-fuzz (each a no-op when present).
deps:
	@bash tests/install-packages.sh $(APT_PACKAGES)
	@rustup component list --installed 2>/dev/null | grep -q '^clippy' || rustup component add clippy
	@rustup component list --installed 2>/dev/null | grep -q '^rustfmt' || rustup component add rustfmt
	@command -v tauri-driver >/dev/null || $(CARGO) install --locked tauri-driver --version '$(TAURI_DRIVER_VERSION)'
	@command -v cargo-fuzz >/dev/null || $(CARGO) install --locked cargo-fuzz --version '$(CARGO_FUZZ_VERSION)'

# npm ci wipes and reinstalls node_modules every time (~40 s here): only when the lock file
# is newer than the last install, so `make bench` after `make test` does not do it again.
ui-deps: ui/node_modules/.slipway-installed
ui/node_modules/.slipway-installed: ui/package-lock.json ui/package.json
	cd ui && npm ci --no-audit --no-fund
	touch $@

## The web UI, built into ui/dist (embedded into the app binary at compile time).
ui: ui-deps
	cd ui && npm run build

lint: ui-deps
	$(CARGO) fmt --all --check
	$(CARGO) fmt --manifest-path fuzz/Cargo.toml --check
	$(CARGO) clippy --workspace --all-targets --locked -- -D warnings
	cd ui && npm run check && npm run lint

unit: ui-deps
	@mkdir -p target/test-logs
	set -o pipefail; $(CARGO) test --locked 2>&1 | tee target/test-logs/unit.log
	set -o pipefail; (cd ui && npm test) 2>&1 | tee target/test-logs/ui.log

## Each cargo-fuzz target (fuzz/) for FUZZ_SECONDS from its seeds; fails on a crash, printing
## the reproducer. One "test result:" line per target goes to the log summary.sh reads.
fuzz:
	@mkdir -p target/test-logs
	set -o pipefail; FUZZ_SECONDS=$(FUZZ_SECONDS) bash tests/fuzz.sh 2>&1 | tee target/test-logs/fuzz.log

## The real-engine suites: a private dockerd, registries and podman, torn down afterwards.
engine-tests:
	@mkdir -p target/test-logs
	$(CARGO) build --locked -p slipway-cli -p slipway-request-counter
	$(CARGO) test --locked -p slipway-engine-tests --no-run
	set -o pipefail; bash $(HARNESS) $(CARGO) test --locked -p slipway-engine-tests -- --test-threads=1 2>&1 \
	  | tee target/test-logs/engine.log

## The app in a real window (Xvfb + tauri-driver + WebKitWebDriver) on a private engine.
e2e: ui $(TAURI_CLI)
	@mkdir -p target/test-logs
	$(CARGO) build --locked -p slipway -p slipway-cli
	# The .deb of this build, for the menu-entry test (the release one is `make bundle`).
	cd src-tauri && ../$(TAURI_CLI) bundle --debug --bundles deb
	$(CARGO) test --locked -p slipway-e2e --no-run
	set -o pipefail; SLIPWAY_HARNESS_NO_PODMAN=1 bash $(HARNESS) bash tests/e2e/run.sh 2>&1 \
	  | tee target/test-logs/e2e.log

## Regenerate ui/src/lib/bindings.ts from the app's commands (a unit test fails when stale).
bindings:
	SLIPWAY_UPDATE_BINDINGS=1 $(CARGO) test -p slipway --lib checked_in_bindings_match_the_commands

## Regenerate every icon size from icons/source.svg.
icons: $(TAURI_CLI)
	$(TAURI_CLI) icon icons/source.svg -o icons && rm -rf icons/android icons/ios

## Benchmarks (not timed tests): one table of every figure beside its goal (tests/bench/run.sh)
## — CLI list/df/prune preview/unique sizes vs the raw list and the engine's CLI with request
## counts, the app's launch/memory/repaint lines, pull/push/save/load/build vs the docker CLI —
## on private engines (Docker and Podman) it seeds itself. Also in target/bench-table.md.
## The engines' data live on a tmpfs when there is one (/dev/shm): seeding 6,000 images is
## the bench's longest wait. run.sh builds the release binaries while the engines fill.
bench: deps ui
	@mkdir -p target && date +%s >target/bench-started
	SLIPWAY_BENCH_STARTED=$$(cat target/bench-started) \
	  SLIPWAY_HARNESS_PARENT=$$([ -d /dev/shm ] && [ -w /dev/shm ] && echo /dev/shm || echo /tmp) \
	  bash $(HARNESS) bash tests/bench/run.sh

clean:
	$(CARGO) clean
	rm -rf ui/dist ui/node_modules
