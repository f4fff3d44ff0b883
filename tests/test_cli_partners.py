"""`tipline partners add` prints a key once; the key is stored only as a keyed hash."""
from __future__ import annotations

import sqlite3

from tests.cli import run_tipline


def test_a_partner_key_is_printed_once_and_stored_only_as_a_hash(tmp_path):
    env = {"TIPLINE_VAR_DIR": str(tmp_path), "TIPLINE_DATABASE_URL": ""}
    added = run_tipline("partners", "add", "Community app", env=env)
    assert added.returncode == 0, added.stderr
    key = added.stdout.strip().splitlines()[-1]
    assert key.startswith("tlp_") and len(key) > 30
    raw = sqlite3.connect(tmp_path / "tipline.db").execute("select * from partners").fetchall()
    assert key not in repr(raw)
    again = run_tipline("partners", "add", "Community app", env=env)
    assert again.returncode != 0 and "already a partner" in again.stdout + again.stderr
