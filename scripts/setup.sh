#!/usr/bin/env bash
# Installs what building and testing Portico needs. Idempotent and quiet when
# everything is already there. Safe to run as root, without a TTY, with CI=true.
#
#   bash scripts/setup.sh          # install
#   source scripts/setup.sh        # install, and keep PATH (wasm-opt, maildev, playwright)
#
# What it ensures:
#   - rustup target wasm32-unknown-unknown (for the toolchain in rust-toolchain.toml)
#   - cargo-leptos 0.3.10
#   - wasm-bindgen-cli of exactly the wasm-bindgen version in Cargo.lock
#   - /usr/bin/chromium (apt)
#   - end2end/node_modules (npm ci): Playwright, axe-core, MailDev, binaryen (wasm-opt)
#   - PATH with end2end/node_modules/.bin first, so cargo-leptos uses npm's wasm-opt
#     (Debian's binaryen is too old and produces a broken module).
#
# Environment knobs:
#   PORTICO_SETUP_SKIP_CARGO=1   do not install cargo-leptos / wasm-bindgen-cli (only report)
#   PORTICO_SETUP_SKIP_APT=1     never call apt-get (only report)

CARGO_LEPTOS_VERSION="0.3.10"

_portico_setup_main() {
    local root
    root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)" || return 1
    PORTICO_ROOT="$root"
    export PORTICO_ROOT

    # cargo's bin dir (fresh shells in CI may not have it).
    local cargo_bin="${CARGO_HOME:-$HOME/.cargo}/bin"
    case ":$PATH:" in
        *":$cargo_bin:"*) ;;
        *) [ -d "$cargo_bin" ] && PATH="$cargo_bin:$PATH" ;;
    esac
    # npm-provided tools (wasm-opt from binaryen, maildev, playwright) come first.
    local npm_bin="$root/end2end/node_modules/.bin"
    case ":$PATH:" in
        *":$npm_bin:"*) ;;
        *) PATH="$npm_bin:$PATH" ;;
    esac
    export PATH

    _portico_rust_target "$root" || return 1
    _portico_cargo_tools "$root" || return 1
    _portico_chromium || return 1
    _portico_npm "$root" || return 1

    # wasm-opt must be npm's (binaryen >= 120), never Debian's (108).
    local wo
    wo="$(command -v wasm-opt || true)"
    if [ "$wo" != "$npm_bin/wasm-opt" ]; then
        echo "setup: ERROR: wasm-opt resolves to '${wo:-nothing}', expected $npm_bin/wasm-opt" >&2
        return 1
    fi
    return 0
}

# ---------------------------------------------------------------- apt (once)
_PORTICO_APT_UPDATED="${_PORTICO_APT_UPDATED:-0}"
portico_apt_install() {
    # Usage: portico_apt_install pkg...   (runs `apt-get update` at most once per shell)
    if [ "${PORTICO_SETUP_SKIP_APT:-0}" = "1" ]; then
        echo "setup: PORTICO_SETUP_SKIP_APT=1, not installing: $*" >&2
        return 1
    fi
    local sudo=""
    if [ "$(id -u)" != "0" ]; then
        if command -v sudo >/dev/null 2>&1; then
            sudo="sudo -n"
        else
            echo "setup: need root (or sudo) to apt-get install $*" >&2
            return 1
        fi
    fi
    if [ "$_PORTICO_APT_UPDATED" != "1" ]; then
        echo "setup: apt-get update"
        $sudo env DEBIAN_FRONTEND=noninteractive apt-get update -qq >/dev/null || return 1
        _PORTICO_APT_UPDATED=1
    fi
    echo "setup: apt-get install $*"
    $sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "$@" >/dev/null || return 1
}

# ---------------------------------------------------------------- rust target
_portico_rust_target() {
    local root="$1" chan
    chan="$(sed -n 's/^[[:space:]]*channel[[:space:]]*=[[:space:]]*"\([^"]*\)".*/\1/p' "$root/rust-toolchain.toml" 2>/dev/null | head -n1)"
    chan="${chan:-stable}"
    # Run outside the repo so rust-toolchain.toml's target list cannot trip rustup
    # (RUSTUP_AUTO_INSTALL=0) before the target exists.
    if ! (cd / && rustup target list --installed --toolchain "$chan" 2>/dev/null) | grep -qx 'wasm32-unknown-unknown'; then
        echo "setup: rustup target add wasm32-unknown-unknown ($chan)"
        (cd / && rustup target add --toolchain "$chan" wasm32-unknown-unknown) || return 1
    fi
}

# ---------------------------------------------------------------- cargo tools
_portico_wait_for_other_install() {
    # If another `cargo install <crate>` is already running (e.g. started by hand), wait for it
    # instead of starting a second, competing build.
    local crate="$1" waited=0
    command -v pgrep >/dev/null 2>&1 || return 0
    while pgrep -f "cargo install $crate( |$)" >/dev/null 2>&1; do
        if [ "$waited" = "0" ]; then
            echo "setup: another 'cargo install $crate' is running; waiting for it to finish"
        fi
        waited=$((waited + 10))
        sleep 10
    done
}

_portico_cargo_tools() {
    local root="$1" have want
    local skip="${PORTICO_SETUP_SKIP_CARGO:-0}"

    # cargo-leptos, exact version.
    have="$(cd "$root" && cargo leptos --version 2>/dev/null | awk '{print $NF}')"
    if [ "$have" != "$CARGO_LEPTOS_VERSION" ] && [ "$skip" != "1" ]; then
        _portico_wait_for_other_install cargo-leptos
        have="$(cd "$root" && cargo leptos --version 2>/dev/null | awk '{print $NF}')"
    fi
    if [ "$have" != "$CARGO_LEPTOS_VERSION" ]; then
        if [ "$skip" = "1" ]; then
            echo "setup: cargo-leptos is '${have:-missing}', want $CARGO_LEPTOS_VERSION (skipped: PORTICO_SETUP_SKIP_CARGO=1)" >&2
        else
            echo "setup: cargo install cargo-leptos --version $CARGO_LEPTOS_VERSION --locked (about 13 min on 2 cores)"
            (cd "$root" && cargo install cargo-leptos --version "$CARGO_LEPTOS_VERSION" --locked --quiet) || return 1
        fi
    fi

    # wasm-bindgen-cli, exactly the wasm-bindgen version in Cargo.lock.
    want="$(awk '/^name = "wasm-bindgen"$/ { getline; gsub(/version = |"/, ""); print; exit }' "$root/Cargo.lock")"
    if [ -z "$want" ]; then
        echo "setup: ERROR: cannot find the wasm-bindgen version in $root/Cargo.lock" >&2
        return 1
    fi
    have="$(wasm-bindgen --version 2>/dev/null | awk '{print $2}')"
    if [ "$have" != "$want" ] && [ "$skip" != "1" ]; then
        _portico_wait_for_other_install wasm-bindgen-cli
        have="$(wasm-bindgen --version 2>/dev/null | awk '{print $2}')"
    fi
    if [ "$have" != "$want" ]; then
        if [ "$skip" = "1" ]; then
            echo "setup: wasm-bindgen is '${have:-missing}', want $want (skipped: PORTICO_SETUP_SKIP_CARGO=1)" >&2
        else
            # No --locked: wasm-bindgen-cli's lock file pins a crate version the registry lacks.
            echo "setup: cargo install wasm-bindgen-cli --version $want"
            (cd "$root" && cargo install wasm-bindgen-cli --version "$want" --quiet) || return 1
        fi
    fi
}

# ---------------------------------------------------------------- chromium
_portico_chromium() {
    if [ ! -x /usr/bin/chromium ]; then
        portico_apt_install chromium || return 1
    fi
}

# ---------------------------------------------------------------- npm (end2end)
_portico_npm() {
    local dir="$1/end2end"
    [ -f "$dir/package.json" ] || return 0
    local need=0
    if [ ! -d "$dir/node_modules" ] || [ ! -f "$dir/node_modules/.package-lock.json" ]; then
        need=1
    elif [ -f "$dir/package-lock.json" ] && [ "$dir/package-lock.json" -nt "$dir/node_modules/.package-lock.json" ]; then
        need=1
    elif [ "$dir/package.json" -nt "$dir/node_modules/.package-lock.json" ]; then
        need=1
    fi
    [ "$need" = "1" ] || return 0
    if [ -f "$dir/package-lock.json" ]; then
        echo "setup: npm ci (end2end)"
        (cd "$dir" && PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 npm ci --no-audit --no-fund --loglevel=error) || return 1
    else
        echo "setup: npm install (end2end)"
        (cd "$dir" && PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 npm install --no-audit --no-fund --loglevel=error) || return 1
    fi
    # npm ci may leave .package-lock.json older than package-lock.json; mark it fresh.
    touch "$dir/node_modules/.package-lock.json" 2>/dev/null || true
}

if [ "${BASH_SOURCE[0]}" = "$0" ]; then
    # Executed.
    set -euo pipefail
    _portico_setup_main
else
    # Sourced: report failure to the caller without killing an interactive shell.
    _portico_setup_main || return 1
fi
