"""`tipline partners add` prints a key once; the key is stored only as a keyed hash."""
from __future__ import annotations

import os
import sqlite3
import subprocess
import sys


def test_a_partner_key_is_printed_once_and_stored_only_as_a_hash(tmp_path):
    env = {**os.environ, "TIPLINE_VAR_DIR": str(tmp_path), "TIPLINE_DATABASE_URL": ""}
    env.pop("TIPLINE_TEST_DATABASE_URL", None)
    added = subprocess.run([sys.executable, "-m", "tipline", "partners", "add", "Community app"],
                           capture_output=True, text=True, env=env, timeout=60)
    assert added.returncode == 0, added.stderr
    key = added.stdout.strip().splitlines()[-1]
    assert key.startswith("tlp_") and len(key) > 30
    raw = sqlite3.connect(tmp_path / "tipline.db").execute("select * from partners").fetchall()
    assert key not in repr(raw)
    again = subprocess.run([sys.executable, "-m", "tipline", "partners", "add", "Community app"],
                           capture_output=True, text=True, env=env, timeout=60)
    assert again.returncode != 0 and "already a partner" in again.stdout + again.stderr
