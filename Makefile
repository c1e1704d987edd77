# Cairn's two entry points are `make run` and `make test`; everything else here serves them.
# A warm target dir outside the clone makes repeat runs (and fresh clones) fast.
export CARGO_TARGET_DIR ?= $(HOME)/.cache/cairn/target
export CARGO_TERM_COLOR ?= never
SHELL := /bin/bash

.PHONY: run test setup ui app fmt-check clippy android-check tests no-listeners bench

## Install what is missing, build, start the devnet and open the app on it.
run: setup ui app
	scripts/run-app.sh

TEST_LOG := $(CARGO_TARGET_DIR)/cairn-test.log

## The whole suite, as CI runs it.
test: setup fmt-check ui app clippy android-check tests no-listeners
	@scripts/test-summary.sh "$(TEST_LOG)"

setup:
	scripts/setup.sh

ui:
	scripts/build-ui.sh

# The app embeds ui/dist at compile time, so it is built after the UI. The workspace build also
# gives the CLI (`cairn`) that the end-to-end tests run.
app: ui
	cargo build --workspace --locked

fmt-check:
	cargo fmt --all --check

clippy:
	cargo clippy --workspace --all-targets --locked -- -D warnings
	cargo clippy -p cairn-ui --target wasm32-unknown-unknown --locked -- -D warnings

# Mobile: no NDK is reachable here, so the app is type-checked for Android, not linked.
android-check:
	scripts/android-check.sh

# Unit, property, headless end-to-end (devnet) and GUI (Xvfb + WebDriver) tests.
tests: app
	@mkdir -p "$(dir $(TEST_LOG))"
	set -o pipefail; cargo test --workspace --locked --no-fail-fast 2>&1 | tee "$(TEST_LOG)"
	set -o pipefail; scripts/keychain-test.sh 2>&1 | tee -a "$(TEST_LOG)"

no-listeners:
	scripts/check-no-listeners.sh

bench:
	cargo bench -p cairn-core --features test-support --locked
	cargo bench -p cairn-tests --bench idle_traffic --locked
