#!/usr/bin/env bash
#! Sets up everything the app needs (idempotent), then serves it with live rebuilds on http://127.0.0.1:8080.
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/setup.sh
export PATH="$HOME/.cargo/bin:$PWD/node_modules/.bin:$PATH"
export TRUNK_SKIP_VERSION_CHECK=true
exec trunk serve --offline --address 127.0.0.1 --port "${PORT:-8080}" "$@"
