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
# One worker per core (COUNTER_TEST_WORKERS=0 runs in this process, for a debugger):
# many tests wait on a central or a PostgreSQL server, so two cores run the suite in
# well under the time of one. Every test has its own store, database and ports.
"$bin/python" -m pytest -n "${COUNTER_TEST_WORKERS:-auto}" --dist worksteal "$@"
