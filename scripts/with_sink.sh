#!/usr/bin/env bash
# Runs a benchmark example against a local SMTP server, on SQLite and, when one answers on
# 127.0.0.1:5432, PostgreSQL:  bash scripts/with_sink.sh <example> [its flags]
# (scripts/mail_bench.sh and scripts/import_bench.sh). The SMTP server is the integration
# tests' sink (server/examples/smtp_sink.rs): real SMTP over TCP, quick enough not to be what is
# measured. `MAIL_BENCH_SINK=aiosmtpd` uses Python's aiosmtpd instead (TOOLCHAIN.md's baseline;
# it parses each line in Python and is the limit).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
source scripts/setup.sh >/dev/null
example="$1"
shift

# Same flags as the cargo-leptos release build (always-erase-components), so its artifacts are reused.
export RUSTFLAGS="--cfg erase_components"
cargo build --quiet --release -p portico-server --example "$example" --example smtp_sink
port="$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"
if [ "${MAIL_BENCH_SINK:-rust}" = "aiosmtpd" ]; then
    python3 -c "import aiosmtpd" 2>/dev/null || python3 -m pip install --quiet aiosmtpd
    python3 -m aiosmtpd -n -l "127.0.0.1:$port" -c aiosmtpd.handlers.Sink &
else
    target/release/examples/smtp_sink "127.0.0.1:$port" >/dev/null &
fi
sink=$!
trap 'kill $sink 2>/dev/null' EXIT
for _ in $(seq 100); do (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null && break; sleep 0.1; done

"target/release/examples/$example" --smtp "127.0.0.1:$port" "$@"
if (exec 3<>/dev/tcp/127.0.0.1/5432) 2>/dev/null; then
    "target/release/examples/$example" --smtp "127.0.0.1:$port" --pg postgres://postgres@127.0.0.1:5432 "$@"
fi
