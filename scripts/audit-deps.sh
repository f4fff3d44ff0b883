#!/usr/bin/env bash
# Known vulnerabilities in the locked dependency set (requirements.lock), with pip-audit.
#
# Exit 1 when a locked package has a known vulnerability: update its pin in requirements.lock.
# Exit 0 with a clear WARNING when the vulnerability data cannot be reached (no network, PyPI's
# JSON API or OSV down, a mirror without it): CI must not fail because a server is away, and the
# warning says that nothing was checked.
#
#   scripts/audit-deps.sh                 # PyPI's vulnerability data (the default)
#   PIP_AUDIT_SERVICE=osv scripts/audit-deps.sh
#   PIP_AUDIT=/path/to/pip-audit LOCK=other.lock scripts/audit-deps.sh
set -uo pipefail

cd "$(dirname "$0")/.."
PIP_AUDIT=${PIP_AUDIT:-.venv/bin/pip-audit}
LOCK=${LOCK:-requirements.lock}
SERVICE=${PIP_AUDIT_SERVICE:-pypi}
PYTHON=${PYTHON:-.venv/bin/python}
[ -x "$PYTHON" ] || PYTHON=python3

if ! command -v "$PIP_AUDIT" >/dev/null 2>&1; then
  echo "WARNING: pip-audit is not installed ($PIP_AUDIT): dependencies were NOT checked for vulnerabilities." >&2
  exit 0
fi

report=$(mktemp)
errors=$(mktemp)
trap 'rm -f "$report" "$errors"' EXIT

# --no-deps --disable-pip: audit exactly the pinned set, without installing anything.
"$PIP_AUDIT" -r "$LOCK" --no-deps --disable-pip --progress-spinner off --vulnerability-service "$SERVICE" \
  --format json --output "$report" 2>"$errors"
status=$?

"$PYTHON" - "$report" "$errors" "$status" "$LOCK" <<'PY'
import json
import sys

report_path, errors_path, status, lock = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4]
errors = open(errors_path, encoding="utf-8", errors="replace").read()
try:
    with open(report_path, encoding="utf-8") as handle:
        report = json.load(handle)
except (OSError, ValueError):
    report = None

if report is None:
    last = [line for line in errors.strip().splitlines() if line.strip()][-1:] or ["(no output)"]
    print(f"WARNING: the vulnerability data could not be reached (pip-audit exit {status}: {last[0][:300]}).\n"
          f"WARNING: dependencies in {lock} were NOT checked. Run scripts/audit-deps.sh again with network access.",
          file=sys.stderr)
    sys.exit(0)

dependencies = report.get("dependencies", [])
vulnerable = [d for d in dependencies if d.get("vulns")]
skipped = [d for d in dependencies if d.get("skip_reason")]
for dependency in vulnerable:
    for vuln in dependency["vulns"]:
        fixes = ", ".join(vuln.get("fix_versions") or []) or "no fixed version yet"
        print(f"VULNERABLE: {dependency['name']}=={dependency['version']}: {vuln['id']} (fixed in: {fixes})")
if vulnerable:
    print(f"{len(vulnerable)} locked package(s) with known vulnerabilities: update their pins in {lock}.")
    sys.exit(1)
checked = len(dependencies) - len(skipped)
if skipped:
    print(f"WARNING: {len(skipped)} of {len(dependencies)} locked packages could not be checked "
          f"(e.g. {skipped[0]['name']}: {skipped[0]['skip_reason'][:120]}).", file=sys.stderr)
if checked == 0:
    print(f"WARNING: the vulnerability data could not be reached: dependencies in {lock} were NOT checked.",
          file=sys.stderr)
    sys.exit(0)
print(f"No known vulnerabilities in {checked} locked packages ({lock}).")
PY
