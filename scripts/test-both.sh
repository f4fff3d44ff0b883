#!/usr/bin/env bash
# `make test`: the whole suite on SQLite and on PostgreSQL. Both runs spend much of their time
# waiting (on servers, Chromium and processes they start, on the database server), so their
# parallel phases run at the same time, the PostgreSQL one into a log; then the few timing tests
# (marked `alone`) run for each database with the machine to themselves.
set -uo pipefail
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
  exec bash scripts/pytest-suite.sh
fi
mkdir -p var
log=var/test-postgresql.log
cores=$(nproc)
echo "=== the suite on SQLite (below) and, at the same time, on PostgreSQL ($url; log: $log) ==="
TIPLINE_TEST_DATABASE_URL="$url" TIPLINE_TEST_PHASE=parallel TIPLINE_TEST_WORKERS="${TIPLINE_TEST_POSTGRES_WORKERS:-$cores}" \
  bash scripts/pytest-suite.sh >"$log" 2>&1 &
postgres_run=$!
TIPLINE_TEST_PHASE=parallel TIPLINE_TEST_WORKERS="${TIPLINE_TEST_SQLITE_WORKERS:-$cores}" bash scripts/pytest-suite.sh
sqlite=$?
wait "$postgres_run"
postgresql=$?
echo "=== the suite on PostgreSQL ==="
if [ "$postgresql" -ne 0 ]; then cat "$log"; else tail -n 4 "$log"; fi
echo "=== the timing tests, alone: SQLite, then PostgreSQL ==="
TIPLINE_TEST_PHASE=alone bash scripts/pytest-suite.sh
sqlite_alone=$?
TIPLINE_TEST_DATABASE_URL="$url" TIPLINE_TEST_PHASE=alone bash scripts/pytest-suite.sh
postgresql_alone=$?
for result in $sqlite $postgresql $sqlite_alone $postgresql_alone; do
  [ "$result" -ne 0 ] && exit "$result"
done
exit 0
