#!/usr/bin/env bash
# Build Portico (release) and serve it on http://127.0.0.1:3000 with SQLite under ./data.
# No configuration needed; every PORTICO_* / LEPTOS_* variable can still be overridden.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

# shellcheck source=scripts/setup.sh
source scripts/setup.sh

echo "==> cargo leptos build --release --precompress, then the areas' bundles"
cargo leptos build --release --precompress
bash scripts/area_bundles.sh

export LEPTOS_SITE_ROOT="${LEPTOS_SITE_ROOT:-target/site}"
export LEPTOS_SITE_ADDR="${LEPTOS_SITE_ADDR:-127.0.0.1:3000}"
export LEPTOS_OUTPUT_NAME="${LEPTOS_OUTPUT_NAME:-portico}"
export LEPTOS_SITE_PKG_DIR="${LEPTOS_SITE_PKG_DIR:-pkg}"
mkdir -p "${PORTICO_DATA_DIR:-data}"

echo "==> serving on http://${LEPTOS_SITE_ADDR}"
exec target/release/portico serve "$@"
