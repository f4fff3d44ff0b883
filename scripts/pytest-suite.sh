#!/usr/bin/env bash
# The whole suite once, on the database TIPLINE_TEST_DATABASE_URL names (SQLite when unset):
# first on every core (pytest-xdist, one database per worker), then, alone, the few tests that
# measure time (marked `alone`: another test's work on the same cores would be measured too).
# TIPLINE_TEST_PHASE=parallel or =alone runs only that phase.
set -uo pipefail
cd "$(dirname "$0")/.."
phase=${TIPLINE_TEST_PHASE:-both}
# This machine's environment sets PYTHONDONTWRITEBYTECODE: every process of the suite (each xdist
# worker, each server and command a test starts) then compiled the product and rewrote the tests'
# asserts again (a third of a worker's 15 s of collection). Compiled once here (both cores), kept
# in the git-ignored __pycache__ directories.
unset PYTHONDONTWRITEBYTECODE
.venv/bin/python -m compileall -q -j 0 intake tipline web_form bot wechat console i18n bench tests >/dev/null || true
# One worker more than cores: many tests wait on servers, processes and Chromium they started
# (measured on 2 cores: 4 min 25 s with 3 workers, 5 min 06 s with 2).
workers=${TIPLINE_TEST_WORKERS:-$(( $(nproc) + 1 ))}
parallel=0
if [ "$phase" != alone ]; then
  .venv/bin/pytest -q -p no:cacheprovider -n "$workers" --dist worksteal -m "not alone" "$@"
  parallel=$?
fi
alone=0
if [ "$phase" != parallel ]; then
  # Only the files that hold such tests are collected again (collecting the whole suite takes 15 s).
  if [ "$#" -eq 0 ]; then set -- $(grep -l "pytest.mark.alone" tests/test_*.py); fi
  .venv/bin/pytest -q -p no:cacheprovider -m alone "$@"
  alone=$?
  [ "$alone" -eq 5 ] && alone=0  # none selected (e.g. a run of one file)
fi
exit $(( parallel != 0 ? parallel : alone ))
