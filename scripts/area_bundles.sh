#!/usr/bin/env bash
# Builds the areas' own bundles beside the staff bundle that
# `cargo leptos build --release --precompress` made, and tells the server their names:
#   portal      (`frontend/portal`: the client's pages)
#   front-desk  (`frontend/front-desk`: the dashboard and the pages where staff come in)
#
#   bash scripts/area_bundles.sh      (after cargo leptos build --release --precompress)
#
# cargo-leptos builds one wasm library per site; these are the others, built the way it builds
# the first: the same target folder, profile, flags and compile-time environment (so they share
# every compiled dependency and only their crates and links are new), then wasm-bindgen,
# wasm-opt with the workspace's settings, content-hashed names, and brotli and gzip copies.
# `hash-<area>.txt` beside the binary is written last: the server uses an area's bundle only
# when it names files that are all in place (server/src/assets.rs).
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$PWD/end2end/node_modules/.bin:$HOME/.cargo/bin:$PATH"
pkg=target/site/pkg
[ -f target/release/hash.txt ] && [ -d "$pkg" ] || {
    echo "area_bundles: run 'cargo leptos build --release --precompress' first" >&2
    exit 1
}
areas="portal front-desk"
for area in $areas; do rm -f "target/release/hash-$area.txt"; done

# cargo-leptos' wasm build: LEPTOS_OUTPUT_NAME is read at compile time by leptos (the others at
# run time, set for likeness); `--cfg erase_components` from `always-erase-components`.
export LEPTOS_OUTPUT_NAME=portico LEPTOS_SITE_ROOT=target/site LEPTOS_SITE_PKG_DIR=pkg \
    LEPTOS_SITE_ADDR=127.0.0.1:3000 LEPTOS_RELOAD_PORT=3001 LEPTOS_LIB_DIR=frontend \
    LEPTOS_BIN_DIR=server LEPTOS_JS_MINIFY=true LEPTOS_HASH_FILES=true
export RUSTFLAGS="--cfg erase_components"
cargo build $(for area in $areas; do printf -- '--package=portico-%s-frontend ' "$area"; done) --lib \
    --target-dir=target/front --target=wasm32-unknown-unknown --no-default-features --profile=wasm-release

hash_of() { sha256sum "$1" | cut -c1-20; }
for area in $areas; do
    out=target/area-bundles/$area
    rm -rf "$out" && mkdir -p "$out"
    wasm-bindgen --target web --no-typescript --out-dir "$out" --out-name "portico-$area" \
        "target/front/wasm32-unknown-unknown/wasm-release/portico_${area//-/_}_frontend.wasm"
    # The workspace's wasm-opt settings (Cargo.toml, wasm-opt-features).
    wasm-opt -Oz --converge --enable-bulk-memory --enable-nontrapping-float-to-int \
        "$out/portico-${area}_bg.wasm" -o "$out/portico-$area.opt.wasm"

    js_hash=$(hash_of "$out/portico-$area.js")
    wasm_hash=$(hash_of "$out/portico-$area.opt.wasm")
    rm -f "$pkg"/portico-$area.*
    cp "$out/portico-$area.js" "$pkg/portico-$area.$js_hash.js"
    cp "$out/portico-$area.opt.wasm" "$pkg/portico-$area.$wasm_hash.wasm"
    if [ -d "$out/snippets" ]; then cp -r "$out/snippets/." "$pkg/snippets/"; fi
    # Brotli at its best quality (Node's zlib, already here for the browser tests) and gzip -9.
    for f in "$pkg/portico-$area.$js_hash.js" "$pkg/portico-$area.$wasm_hash.wasm"; do
        node -e '
            const zlib = require("zlib"), fs = require("fs"), f = process.argv[1], data = fs.readFileSync(f);
            fs.writeFileSync(f + ".br", zlib.brotliCompressSync(data, { params: {
                [zlib.constants.BROTLI_PARAM_QUALITY]: 11, [zlib.constants.BROTLI_PARAM_SIZE_HINT]: data.length } }));' "$f"
        gzip -9 -k -f "$f"
    done
    printf 'js: %s\nwasm: %s\n' "$js_hash" "$wasm_hash" > "target/release/hash-$area.txt"
    echo "area_bundles: $area $pkg/portico-$area.$wasm_hash.wasm $(stat -c %s "$pkg/portico-$area.$wasm_hash.wasm") bytes," \
        "$(stat -c %s "$pkg/portico-$area.$wasm_hash.wasm.br") brotli; js $(stat -c %s "$pkg/portico-$area.$js_hash.js.br") brotli"
done
