#!/usr/bin/env bash
# Run the whole suite again on a real PostgreSQL server (started by postgres-up.sh).
set -euo pipefail
cd "$(dirname "$0")/.."
status=0
url=$(bash scripts/postgres-up.sh | tail -n 1) || status=$?
if [ "$status" -ne 0 ]; then
  if [ "${CI:-}" = "true" ] || [ "$status" -ne 3 ]; then
    echo "PostgreSQL could not be started (exit $status): the PostgreSQL run fails." >&2
    exit 1
  fi
  echo "Skipping the PostgreSQL run: PostgreSQL is not installed and this is not root." >&2
  echo "Run 'make test' as root, or set TIPLINE_TEST_POSTGRES_URL to a server you own." >&2
  exit 0
fi
echo "=== the whole suite again, on PostgreSQL ($url) ==="
# One worker per core here: the PostgreSQL server needs its share (3:29 with 2 workers, 3:59 with 3).
TIPLINE_TEST_DATABASE_URL="$url" TIPLINE_TEST_WORKERS="${TIPLINE_TEST_WORKERS:-$(nproc)}" bash scripts/pytest-suite.sh
