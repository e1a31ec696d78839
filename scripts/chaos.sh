#!/usr/bin/env bash
# Nothing lost when processes are killed mid-send and the mail server misbehaves
# (server/examples/chaos.rs says what it does and prints). Runs on SQLite, then on PostgreSQL
# when one answers on 127.0.0.1:5432, with two processes sharing the database.
#   bash scripts/chaos.sh [--clients 10000] [--kills 6] [--processes 2] [--keep-logs]
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
source scripts/setup.sh >/dev/null

[ -x target/release/portico ] && [ -d target/site/pkg ] || cargo leptos build --release --precompress
# The areas' bundles (client, front desk), unless this build has them already.
{ [ -f target/release/hash-portal.txt ] && [ -f target/release/hash-front-desk.txt ] && compgen -G "target/site/pkg/portico-front-desk.*.wasm" >/dev/null; } || bash scripts/area_bundles.sh
# Same flags as the cargo-leptos release build (always-erase-components), so its artifacts are reused.
export RUSTFLAGS="--cfg erase_components"
cargo build --quiet --release -p portico-server --example chaos

target/release/examples/chaos "$@"
if (exec 3<>/dev/tcp/127.0.0.1/5432) 2>/dev/null; then
    target/release/examples/chaos --pg postgres://postgres@127.0.0.1:5432 "$@"
fi
