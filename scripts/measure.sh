#!/usr/bin/env bash
# Prints Portico's measured figures: release wasm size (raw and brotli), server memory after
# start, the time from "Send invite" to the message being in the outbox (100 invites), whether
# known and unknown addresses take the same time on the portal's link requests, and time to
# usable on a throttled Pixel 5 with the bytes of wasm it received.
#   bash scripts/measure.sh        (after `cargo leptos build --release`, e.g. via scripts/run.sh)
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
source scripts/setup.sh >/dev/null

[ -x target/release/portico ] && [ -d target/site/pkg ] || cargo leptos build --release --precompress
# The areas' bundles (client, front desk), unless this build has them already.
{ [ -f target/release/hash-portal.txt ] && [ -f target/release/hash-front-desk.txt ] && compgen -G "target/site/pkg/portico-front-desk.*.wasm" >/dev/null; } || bash scripts/area_bundles.sh

echo "== browser bundle (target/site/pkg)"
node -e '
const fs = require("fs"), zlib = require("zlib");
for (const f of fs.readdirSync("target/site/pkg").sort()) {
  const buf = fs.readFileSync("target/site/pkg/" + f);
  const br = zlib.brotliCompressSync(buf, { params: { [zlib.constants.BROTLI_PARAM_QUALITY]: 11 } });
  console.log(`  ${f.padEnd(16)} raw ${(buf.length / 1024).toFixed(1).padStart(7)} KB   brotli ${(br.length / 1024).toFixed(1).padStart(6)} KB`);
}'

echo "== server memory after start"
dir="$(mktemp -d)"
port="$(node -e "const s=require('net').createServer();s.listen(0,'127.0.0.1',()=>{console.log(s.address().port);s.close()})")"
PORTICO_DATA_DIR="$dir" LEPTOS_SITE_ADDR="127.0.0.1:$port" PORTICO_LOG=warn target/release/portico serve &
pid=$!
trap 'kill $pid 2>/dev/null; rm -rf "$dir"' EXIT
for _ in $(seq 100); do curl -fs "http://127.0.0.1:$port/health" >/dev/null && break; sleep 0.1; done
curl -fs "http://127.0.0.1:$port/sign-in" >/dev/null
echo "  RSS after start and one page: $(grep VmRSS /proc/$pid/status | awk '{printf "%.1f MB", $2/1024}')"

echo "== send invite → outbox"
# Same flags as the cargo-leptos release build (always-erase-components), so its artifacts are reused.
RUSTFLAGS="--cfg erase_components" cargo run --quiet --release -p portico-server --example invite_latency

echo "== known vs unknown address: same time? (link requests are queued)"
RUSTFLAGS="--cfg erase_components" cargo run --quiet --release -p portico-server --example enumeration_timing

echo "== Pixel 5 on slow 4G: time until usable, wasm transferred"
# A fresh server of its own (the one above served the memory figure).
dir2="$(mktemp -d)"
port2="$(node -e "const s=require('net').createServer();s.listen(0,'127.0.0.1',()=>{console.log(s.address().port);s.close()})")"
PORTICO_DATA_DIR="$dir2" LEPTOS_SITE_ADDR="127.0.0.1:$port2" PUBLIC_URL="http://127.0.0.1:$port2" PORTICO_LOG=warn target/release/portico serve &
pid2=$!
trap 'kill $pid $pid2 2>/dev/null; rm -rf "$dir" "$dir2"' EXIT
for _ in $(seq 100); do curl -fs "http://127.0.0.1:$port2/health" >/dev/null && break; sleep 0.1; done
NODE_PATH="$PWD/end2end/node_modules" node end2end/measure/throttled.mjs "http://127.0.0.1:$port2"
