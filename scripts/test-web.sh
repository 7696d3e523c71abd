#!/usr/bin/env bash
#! The web app's checks, as CI runs them: wasm32 clippy, browser tests (wasm-bindgen-test in headless Chromium),
#! the release build, and the end-to-end tests of dist/ (playwright-core). Assumes scripts/setup.sh has run.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$PWD/node_modules/.bin:$HOME/.cargo/bin:$PATH"
export TRUNK_SKIP_VERSION_CHECK=true

step() { printf '\n[test-web] %s\n' "$*" >&2; }

step "clippy (wasm32, -D warnings)"
cargo clippy --offline --target wasm32-unknown-unknown -- -D warnings
cargo clippy --offline --target wasm32-unknown-unknown --test browser -- -D warnings

step "browser tests (wasm-bindgen-test, headless Chromium)"
cargo test --offline --target wasm32-unknown-unknown --test browser

step "release build (trunk)"
trunk build --release --offline
wasm=$(ls dist/*.wasm)
printf '[test-web] %s: %s bytes raw, %s bytes gzip\n' "$wasm" "$(wc -c <"$wasm")" "$(gzip -9c "$wasm" | wc -c)" >&2

step "end-to-end tests (playwright-core, Chromium; screenshots in test-artifacts/)"
node --test e2e/*.test.mjs
