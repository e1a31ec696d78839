#!/usr/bin/env bash
# Measures the outbox's delivery engine: 10,000 invitation emails handed to a local SMTP server
# by one process, with a sign-in code queued a third of the way in (server/examples/mail_bench.rs).
#   bash scripts/mail_bench.sh [--messages N] [--senders N]
exec bash "$(dirname "${BASH_SOURCE[0]}")/with_sink.sh" mail_bench "$@"
