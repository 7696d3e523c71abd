#!/usr/bin/env bash
#! Runs every test, exactly what CI runs (.ci/run calls this): set-up, format, lints (native and wasm32), native
#! tests (unit, integration against PyTorch references, property tests), then the browser tests and release build.
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/setup.sh
export PATH="$HOME/.cargo/bin:$PWD/node_modules/.bin:$PATH"
export TRUNK_SKIP_VERSION_CHECK=true

step() { printf '\n== %s\n' "$*" >&2; }

step "rustfmt"
cargo fmt --all --check

step "clippy (native)"
cargo clippy --locked --all-targets -- -D warnings

step "native tests"
cargo test --locked

step "browser: wasm clippy, wasm-bindgen tests in headless Chromium, release build, end-to-end"
scripts/test-web.sh
