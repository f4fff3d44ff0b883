"""scripts/audit-deps.sh, run by `make test` after the suites: a known vulnerability in the
locked set fails the build; vulnerability data out of reach only warns (CI is not made flaky by a
server being away). The real pip-audit is replaced by a small script printing what it would."""
from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SCRIPT = ROOT / "scripts" / "audit-deps.sh"


def fake_pip_audit(tmp_path: Path, *, report: dict | None, stderr: str = "", status: int = 0) -> Path:
    """A stand-in for pip-audit that writes `report` where --output says, or fails like a network error."""
    tool = tmp_path / "pip-audit"
    body = json.dumps(report) if report is not None else ""
    tool.write_text(
        "#!/usr/bin/env bash\n"
        "out=''\nwhile [ $# -gt 0 ]; do [ \"$1\" = --output ] && out=$2; shift; done\n"
        f"[ -n {json.dumps(body)} ] && printf '%s' {json.dumps(body)} > \"$out\"\n"
        f"echo {json.dumps(stderr)} >&2\nexit {status}\n"
    )
    tool.chmod(0o755)
    return tool


def run(tool: Path) -> subprocess.CompletedProcess:
    env = {**os.environ, "PIP_AUDIT": str(tool)}
    return subprocess.run(["bash", str(SCRIPT)], capture_output=True, text=True, env=env, timeout=60, cwd=ROOT)


def test_a_known_vulnerability_in_the_lock_fails_the_build(tmp_path):
    report = {"dependencies": [
        {"name": "jinja2", "version": "3.1.6", "vulns": [{"id": "GHSA-0000-test", "fix_versions": ["3.1.7"]}]},
        {"name": "fastapi", "version": "0.165.0", "vulns": []},
    ], "fixes": []}
    result = run(fake_pip_audit(tmp_path, report=report, status=1))
    assert result.returncode == 1
    assert "VULNERABLE: jinja2==3.1.6: GHSA-0000-test (fixed in: 3.1.7)" in result.stdout


def test_a_clean_lock_passes(tmp_path):
    report = {"dependencies": [{"name": "fastapi", "version": "0.165.0", "vulns": []}], "fixes": []}
    result = run(fake_pip_audit(tmp_path, report=report))
    assert result.returncode == 0 and "No known vulnerabilities in 1 locked packages" in result.stdout


@pytest.mark.parametrize("case", ["network error", "nothing could be checked"])
def test_vulnerability_data_out_of_reach_warns_and_does_not_fail(tmp_path, case):
    if case == "network error":
        tool = fake_pip_audit(tmp_path, report=None, status=1, stderr="requests.exceptions.ConnectionError: Failed to resolve 'pypi.org'")
    else:
        tool = fake_pip_audit(tmp_path, report={"dependencies": [
            {"name": "fastapi", "version": "0.165.0", "skip_reason": "Dependency not found on PyPI"}], "fixes": []})
    result = run(tool)
    assert result.returncode == 0
    assert "WARNING" in result.stderr and "NOT checked" in result.stderr


def test_make_test_runs_the_audit_after_the_suites():
    target = (ROOT / "Makefile").read_text().split("\ntest:", 1)[1].split("\n\n", 1)[0]
    # the suite on SQLite, then on PostgreSQL, then the audit
    assert target.index("scripts/pytest-suite.sh") < target.index("scripts/test-postgres.sh") < target.index("scripts/audit-deps.sh")
    assert "TIPLINE_TEST_DATABASE_URL" in (ROOT / "scripts" / "test-postgres.sh").read_text()
    assert "pip-audit" in (ROOT / "pyproject.toml").read_text()
    assert any(line.lower().startswith("pip_audit==") or line.lower().startswith("pip-audit==")
               for line in (ROOT / "requirements.lock").read_text().splitlines())
