#!/usr/bin/env bash
# Install what is missing, then run every check: layer contracts, lint, format, tests.
# Arguments go to pytest, e.g. ./test.sh tests/model -x
set -euo pipefail
repo=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
cd "$repo"
"$repo/scripts/bootstrap.sh" test
bin=${COUNTER_VENV:-$repo/.venv}/bin
export QT_QPA_PLATFORM=offscreen
# The central's tests run against a real PostgreSQL on 127.0.0.1:5432 (user postgres,
# trust auth on loopback). Started here when a local cluster exists but is down;
# otherwise the run stops with how to get one, instead of 150 errors later.
if ! pg_isready -h 127.0.0.1 -p 5432 -q 2>/dev/null; then
  if command -v pg_ctlcluster >/dev/null 2>&1 && [ "$(id -u)" = 0 ] && [ -d /etc/postgresql ]; then
    pg_ctlcluster --skip-systemctl-redirect "$(ls /etc/postgresql | head -1)" main start || true
  fi
  if ! pg_isready -h 127.0.0.1 -p 5432 -q 2>/dev/null; then
    echo "test.sh: the central's tests need PostgreSQL on 127.0.0.1:5432 (user postgres," >&2
    echo "  no password from 127.0.0.1). On Debian: sudo apt-get install postgresql, then" >&2
    echo "  allow 'host all postgres 127.0.0.1/32 trust' in pg_hba.conf (.ci/run starts" >&2
    echo "  it the same way). Every engine test runs on SQLite and PostgreSQL both." >&2
    exit 3
  fi
fi
"$bin/lint-imports" --no-cache
"$bin/ruff" check .
"$bin/ruff" format --check .
"$bin/mypy"
# One worker per core (COUNTER_TEST_WORKERS=0 runs in this process, for a debugger):
# many tests wait on a central or a PostgreSQL server, so two cores run the suite in
# well under the time of one. Every test has its own store, database and ports.
"$bin/python" -m pytest -n "${COUNTER_TEST_WORKERS:-auto}" --dist worksteal "$@"
