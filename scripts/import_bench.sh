#!/usr/bin/env bash
# The import benchmark: a 10,000-row CSV (1,000 projects) uploaded, dry-run and imported with
# invitations to every project, handed to a local SMTP server by one process, with a sign-in
# code queued a third of the way into the send (server/examples/import_bench.rs).
#   bash scripts/import_bench.sh [--rows N]
exec bash "$(dirname "${BASH_SOURCE[0]}")/with_sink.sh" import_bench "$@"
