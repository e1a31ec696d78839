#!/usr/bin/env bash
# Builds the client's bundle (`frontend/portal`: the client pages only) beside the staff bundle
# that `cargo leptos build --release --precompress` made, and tells the server its names.
#
#   bash scripts/portal_bundle.sh      (after cargo leptos build --release --precompress)
#
# cargo-leptos builds one wasm library per site; this is the second one, built the way it
# builds the first: the same target folder, profile, flags and compile-time environment (so the
# two share every compiled dependency and only this crate and its link are new), then
# wasm-bindgen, wasm-opt with the workspace's settings, content-hashed names, and brotli and
# gzip copies. `hash-portal.txt` beside the binary is written last: the server uses the bundle
# only when it names files that are all in place (server/src/assets.rs).
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$PWD/end2end/node_modules/.bin:$HOME/.cargo/bin:$PATH"
pkg=target/site/pkg
[ -f target/release/hash.txt ] && [ -d "$pkg" ] || {
    echo "portal_bundle: run 'cargo leptos build --release --precompress' first" >&2
    exit 1
}
rm -f target/release/hash-portal.txt

# cargo-leptos' wasm build: LEPTOS_OUTPUT_NAME is read at compile time by leptos (the others at
# run time, set for likeness); `--cfg erase_components` from `always-erase-components`.
export LEPTOS_OUTPUT_NAME=portico LEPTOS_SITE_ROOT=target/site LEPTOS_SITE_PKG_DIR=pkg \
    LEPTOS_SITE_ADDR=127.0.0.1:3000 LEPTOS_RELOAD_PORT=3001 LEPTOS_LIB_DIR=frontend \
    LEPTOS_BIN_DIR=server LEPTOS_JS_MINIFY=true LEPTOS_HASH_FILES=true
export RUSTFLAGS="--cfg erase_components"
cargo build --package=portico-portal-frontend --lib --target-dir=target/front \
    --target=wasm32-unknown-unknown --no-default-features --profile=wasm-release

out=target/portal-bundle
rm -rf "$out" && mkdir -p "$out"
wasm-bindgen --target web --no-typescript --out-dir "$out" --out-name portico-portal \
    target/front/wasm32-unknown-unknown/wasm-release/portico_portal_frontend.wasm
# The workspace's wasm-opt settings (Cargo.toml, wasm-opt-features).
wasm-opt -Oz --converge --enable-bulk-memory --enable-nontrapping-float-to-int \
    "$out/portico-portal_bg.wasm" -o "$out/portico-portal.opt.wasm"

hash_of() { sha256sum "$1" | cut -c1-20; }
js_hash=$(hash_of "$out/portico-portal.js")
wasm_hash=$(hash_of "$out/portico-portal.opt.wasm")
rm -f "$pkg"/portico-portal.*
cp "$out/portico-portal.js" "$pkg/portico-portal.$js_hash.js"
cp "$out/portico-portal.opt.wasm" "$pkg/portico-portal.$wasm_hash.wasm"
if [ -d "$out/snippets" ]; then cp -r "$out/snippets/." "$pkg/snippets/"; fi
# Brotli at its best quality (Node's zlib, already here for the browser tests) and gzip -9.
for f in "$pkg/portico-portal.$js_hash.js" "$pkg/portico-portal.$wasm_hash.wasm"; do
    node -e '
        const zlib = require("zlib"), fs = require("fs"), f = process.argv[1], data = fs.readFileSync(f);
        fs.writeFileSync(f + ".br", zlib.brotliCompressSync(data, { params: {
            [zlib.constants.BROTLI_PARAM_QUALITY]: 11, [zlib.constants.BROTLI_PARAM_SIZE_HINT]: data.length } }));' "$f"
    gzip -9 -k -f "$f"
done
printf 'js: %s\nwasm: %s\n' "$js_hash" "$wasm_hash" > target/release/hash-portal.txt
echo "portal_bundle: $pkg/portico-portal.$wasm_hash.wasm $(stat -c %s "$pkg/portico-portal.$wasm_hash.wasm") bytes," \
    "$(stat -c %s "$pkg/portico-portal.$wasm_hash.wasm.br") brotli; js $(stat -c %s "$pkg/portico-portal.$js_hash.js.br") brotli"
