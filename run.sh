#!/usr/bin/env bash
# Install what is missing, then start Counter (local SQLite store, seeded demo catalog).
# Any arguments go to the app, e.g. ./run.sh --screenshot window.png
set -euo pipefail
repo=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
"$repo/scripts/bootstrap.sh" run
exec "${COUNTER_VENV:-$repo/.venv}/bin/counter" "$@"
