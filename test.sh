#!/usr/bin/env bash
# Install what is missing, then run every check: layer contracts, lint, format, tests.
# Arguments go to pytest, e.g. ./test.sh tests/model -x
set -euo pipefail
repo=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
cd "$repo"
"$repo/scripts/bootstrap.sh" test
bin=${COUNTER_VENV:-$repo/.venv}/bin
export QT_QPA_PLATFORM=offscreen
"$bin/lint-imports" --no-cache
"$bin/ruff" check .
"$bin/ruff" format --check .
"$bin/mypy"
"$bin/python" -m pytest "$@"
