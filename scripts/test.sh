#!/usr/bin/env bash
# The one test command:  bash scripts/test.sh
#
#   1. setup (toolchain, chromium, npm packages)
#   2. MailDev (SMTP + REST API) on free ports
#   3. PostgreSQL: 127.0.0.1:5432 if it answers, else a throwaway cluster
#   4. cargo test (all crates but the wasm entry; integration tests against SQLite, PostgreSQL, MailDev)
#   5. cargo leptos build --release --precompress, then scripts/area_bundles.sh
#   6. Playwright (end2end/; its config starts the release server on 127.0.0.1:3100)
#
# Exits non-zero on any failure. Everything started here is stopped on exit.
# Overrides: PORTICO_TEST_POSTGRES_URL (skip the PostgreSQL search), PLAYWRIGHT_ARGS.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
ROOT="$(pwd)"
SECONDS=0

MAILDEV_PID=""
PG_DIR=""
PG_BIN=""
PG_OWNER=""
SERVER_PID_FILE="$ROOT/target/e2e/server.pid"
CURRENT_STEP="start"

section() {
    CURRENT_STEP="$1"
    printf '\n==================================================================\n'
    printf '==> %s   [%dm%02ds]\n' "$1" $((SECONDS / 60)) $((SECONDS % 60))
    printf '==================================================================\n'
}

as_pg_owner() {
    # Run a command as the owner of the throwaway cluster (postgres refuses root).
    if [ -n "$PG_OWNER" ]; then
        local cmd
        cmd="$(printf '%q ' "$@")"
        if command -v runuser >/dev/null 2>&1; then
            runuser -u "$PG_OWNER" -- "$@"
        else
            su "$PG_OWNER" -s /bin/sh -c "$cmd"
        fi
    else
        "$@"
    fi
}

cleanup() {
    local rc=$?
    set +e
    # The Playwright web server (normally stopped by Playwright itself).
    if [ -f "$SERVER_PID_FILE" ]; then
        local spid
        spid="$(cat "$SERVER_PID_FILE" 2>/dev/null)"
        if [ -n "$spid" ] && kill -0 "$spid" 2>/dev/null && grep -q portico "/proc/$spid/cmdline" 2>/dev/null; then
            echo "cleanup: stopping portico server (pid $spid)"
            kill "$spid" 2>/dev/null
            sleep 1
            kill -9 "$spid" 2>/dev/null
        fi
        rm -f "$SERVER_PID_FILE"
    fi
    if [ -n "$MAILDEV_PID" ] && kill -0 "$MAILDEV_PID" 2>/dev/null; then
        echo "cleanup: stopping maildev (pid $MAILDEV_PID)"
        kill "$MAILDEV_PID" 2>/dev/null
        wait "$MAILDEV_PID" 2>/dev/null
    fi
    if [ -n "$PG_DIR" ]; then
        echo "cleanup: stopping throwaway PostgreSQL ($PG_DIR)"
        if [ -f "$PG_DIR/data/postmaster.pid" ]; then
            as_pg_owner "$PG_BIN/pg_ctl" -D "$PG_DIR/data" -m immediate -w stop >/dev/null 2>&1
        fi
        rm -rf "$PG_DIR"
    fi
    printf '\n==================================================================\n'
    if [ "$rc" = "0" ]; then
        printf 'ALL TESTS PASSED'
    else
        printf 'FAILED (exit %s) during: %s' "$rc" "$CURRENT_STEP"
    fi
    printf '   total elapsed: %dm%02ds\n' $((SECONDS / 60)) $((SECONDS % 60))
    printf '==================================================================\n'
    exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

free_port() {
    node -e "const s=require('net').createServer();s.listen(0,'127.0.0.1',()=>{console.log(s.address().port);s.close()})"
}

wait_for_http() {
    # wait_for_http URL SECONDS
    local url="$1" limit="$2" i=0
    while [ "$i" -lt "$((limit * 5))" ]; do
        if curl -fsS -o /dev/null --max-time 2 "$url" 2>/dev/null; then
            return 0
        fi
        sleep 0.2
        i=$((i + 1))
    done
    return 1
}

# ------------------------------------------------------------------------------------------
section "1/6 setup"
# shellcheck source=scripts/setup.sh
source scripts/setup.sh
echo "cargo-leptos: $(cargo leptos --version 2>/dev/null || echo missing)"
echo "wasm-bindgen: $(wasm-bindgen --version 2>/dev/null || echo missing)"
echo "wasm-opt:     $(command -v wasm-opt) ($(wasm-opt --version 2>/dev/null))"
echo "chromium:     $(/usr/bin/chromium --version 2>/dev/null || echo missing)"
echo "playwright:   $(cd end2end && npx --no-install playwright --version 2>/dev/null)"

# ------------------------------------------------------------------------------------------
section "2/6 MailDev"
SMTP_PORT="$(free_port)"
WEB_PORT="$(free_port)"
while [ "$WEB_PORT" = "$SMTP_PORT" ]; do WEB_PORT="$(free_port)"; done
mkdir -p target
MAILDEV_LOG="$ROOT/target/maildev.log"
"$ROOT/end2end/node_modules/.bin/maildev" --smtp "$SMTP_PORT" --web "$WEB_PORT" --ip 127.0.0.1 \
    >"$MAILDEV_LOG" 2>&1 &
MAILDEV_PID=$!
if ! wait_for_http "http://127.0.0.1:$WEB_PORT/email" 30; then
    echo "MailDev did not answer on http://127.0.0.1:$WEB_PORT/email; log:" >&2
    cat "$MAILDEV_LOG" >&2
    exit 1
fi
export PORTICO_TEST_SMTP="127.0.0.1:$SMTP_PORT"
export PORTICO_TEST_MAILDEV_API="http://127.0.0.1:$WEB_PORT"
echo "MailDev: SMTP $PORTICO_TEST_SMTP, API $PORTICO_TEST_MAILDEV_API (pid $MAILDEV_PID)"

# ------------------------------------------------------------------------------------------
section "3/6 PostgreSQL"
pg_answers() {
    # pg_answers HOST PORT
    if command -v psql >/dev/null 2>&1; then
        psql -h "$1" -p "$2" -U postgres -d postgres -w -Atqc 'select 1' >/dev/null 2>&1
    elif command -v pg_isready >/dev/null 2>&1; then
        pg_isready -q -h "$1" -p "$2" -U postgres >/dev/null 2>&1
    else
        return 1
    fi
}

if [ -n "${PORTICO_TEST_POSTGRES_URL:-}" ]; then
    echo "Using PORTICO_TEST_POSTGRES_URL from the environment."
elif pg_answers 127.0.0.1 5432; then
    export PORTICO_TEST_POSTGRES_URL="postgres://postgres@127.0.0.1:5432"
    echo "Found PostgreSQL on 127.0.0.1:5432."
else
    echo "No PostgreSQL on 127.0.0.1:5432; starting a throwaway cluster."
    PG_BIN="$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n1 || true)"
    if [ -z "$PG_BIN" ] || [ ! -x "$PG_BIN/initdb" ]; then
        portico_apt_install postgresql
        PG_BIN="$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n1)"
    fi
    PG_PORT="$(free_port)"
    PG_DIR="$(mktemp -d /tmp/portico-pg.XXXXXX)"
    mkdir -p "$PG_DIR/data" "$PG_DIR/sock"
    if [ "$(id -u)" = "0" ]; then
        PG_OWNER="postgres"
        id "$PG_OWNER" >/dev/null 2>&1 || { echo "user 'postgres' is missing; cannot run initdb as root" >&2; exit 1; }
        chown -R "$PG_OWNER" "$PG_DIR"
        chmod 700 "$PG_DIR"
    fi
    as_pg_owner "$PG_BIN/initdb" -D "$PG_DIR/data" -U postgres --auth=trust -E UTF8 --no-sync \
        >"$PG_DIR/initdb.log" 2>&1 || { cat "$PG_DIR/initdb.log" >&2; exit 1; }
    as_pg_owner "$PG_BIN/pg_ctl" -D "$PG_DIR/data" -l "$PG_DIR/server.log" -w -t 60 \
        -o "-p $PG_PORT -k $PG_DIR/sock -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=200" \
        start >/dev/null || { cat "$PG_DIR/server.log" >&2; exit 1; }
    export PORTICO_TEST_POSTGRES_URL="postgres://postgres@127.0.0.1:$PG_PORT"
    echo "Throwaway PostgreSQL on 127.0.0.1:$PG_PORT ($PG_DIR)."
fi
echo "PORTICO_TEST_POSTGRES_URL=$PORTICO_TEST_POSTGRES_URL"

# ------------------------------------------------------------------------------------------
section "4/6 cargo test (SQLite + PostgreSQL + MailDev)"
# The wasm entries are left out: building them alongside the server would unify the app's
# `hydrate` feature into the server build, and hydrate-only code (effects) must never run
# during server rendering.
# A one-off CI build gains nothing from incremental artifacts but their gigabytes.
if [ "${CI:-}" = "true" ]; then export CARGO_INCREMENTAL=0; fi
cargo test --workspace --exclude portico-frontend --exclude portico-portal-frontend --exclude portico-front-desk-frontend

# ------------------------------------------------------------------------------------------
section "5/6 cargo leptos build --release --precompress, then the areas' bundles"
cargo leptos build --release --precompress
bash scripts/area_bundles.sh
[ -x target/release/portico ] || { echo "target/release/portico was not built" >&2; exit 1; }
[ -d target/site/pkg ] || { echo "target/site/pkg is missing" >&2; exit 1; }

# ------------------------------------------------------------------------------------------
section "6/6 Playwright (end2end)"
# The config starts target/release/portico on 127.0.0.1:3100 with a fresh SQLite database.
if curl -fsS -o /dev/null --max-time 2 http://127.0.0.1:3100/health 2>/dev/null; then
    echo "Something already listens on 127.0.0.1:3100; stop it first (Playwright starts its own server)." >&2
    exit 1
fi
# shellcheck disable=SC2086
(cd end2end && npx --no-install playwright test ${PLAYWRIGHT_ARGS:-})
# A panic on the server is a failure even when every page still answered.
if grep -q "panicked" target/e2e/server.stderr 2>/dev/null; then
    echo "The server panicked during the browser tests (target/e2e/server.stderr):" >&2
    grep -A8 "panicked" target/e2e/server.stderr | head -40 >&2
    exit 1
fi

CURRENT_STEP="done"
