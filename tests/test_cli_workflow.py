"""Issue 3's story from the command line: a report filed in the terminal chat, moved through
the workflow by staff with `tipline tips`, answered by the reporter with `tipline reply`, and
followed with `tipline status` in the reporter's language."""
from __future__ import annotations

import json
import re
import sqlite3
from datetime import datetime, timezone
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from tests.cli import Ran, run_tipline
from tests.test_terminal_chat import SELF_ANONYMOUS


def tipline(tmp_path: Path, *args: str, input: str | None = None) -> Ran:
    return run_tipline(*args, input=input, env={"TIPLINE_VAR_DIR": str(tmp_path), "TIPLINE_DATABASE_URL": ""})


@pytest.mark.parametrize("language,expected", [
    ("en", ["Received", "Accepted for checking", "Being checked", "Waiting for your answer", "Confirmed", "Finished"]),
    ("bo", None),
])
def test_the_reporter_follows_every_step_of_the_verification_in_their_language(tmp_path, language, expected):
    chat = tipline(tmp_path, "chat", "--lang", language, "--session", "grandma", input="\n".join(SELF_ANONYMOUS) + "\n")
    assert chat.returncode == 0, chat.stderr
    code = re.search(r"\b(\d{4} \d{4} \d{4})\b", chat.stdout).group(1)
    pin = re.findall(r"^(\d{4})$", chat.stdout, re.MULTILINE)[-1]

    # The anonymous reporter of health products in Xiling county reached market regulation there.
    unit = "990122-market_regulation"
    assert tipline(tmp_path, "staff", "add", "li", "--role", "officer", "--unit", unit).returncode == 0
    assert tipline(tmp_path, "staff", "add", "zhou", "--role", "unit_lead", "--unit", unit).returncode == 0
    listing = tipline(tmp_path, "tips", "list", "--as", "li")
    assert re.search(r"\b1\b.*submitted", listing.stdout), listing.stdout

    steps = [
        ("accepted", []),
        ("verifying", ["--internal", "checked the lecture hall"]),
        ("needs_info", ["--public", "请问讲座在几楼？", "--translation", "en=Which floor was the lecture on?",
                        "--translation", "bo=གླེང་སྟེང་ཐོག་ཁང་ག་ཚོད་པར་ཡོད་དམ།"]),
    ]
    for status, extra in steps:
        moved = tipline(tmp_path, "tips", "move", "1", status, "--as", "li", *extra)
        assert moved.returncode == 0, moved.stdout + moved.stderr

    wrong = tipline(tmp_path, "reply", code, "It was on the 2nd floor.", "--pin", "0000" if pin != "0000" else "1111")
    assert wrong.returncode == 1
    answered = tipline(tmp_path, "reply", code, "It was on the 2nd floor.", "--pin", pin)
    assert answered.returncode == 0, answered.stdout + answered.stderr

    assert tipline(tmp_path, "tips", "move", "1", "substantiated", "--as", "li").returncode == 0
    refused = tipline(tmp_path, "tips", "move", "1", "closed", "--as", "li")
    assert refused.returncode == 1  # only the unit lead closes
    assert tipline(tmp_path, "tips", "move", "1", "closed", "--as", "zhou").returncode == 0

    status = tipline(tmp_path, "status", code)
    assert status.returncode == 0, status.stderr
    if expected:
        table = status.stdout[status.stdout.index("Date"):]  # the timeline, below the current status
        positions = [table.index(label) for label in expected]
        assert positions == sorted(positions), status.stdout
        assert "Which floor was the lecture on?" in status.stdout
    else:
        assert "Which floor" not in status.stdout and "Received" not in status.stdout
        assert "གླེང་སྟེང་" in status.stdout
    assert "checked the lecture hall" not in status.stdout  # internal notes stay inside

    shown = tipline(tmp_path, "tips", "show", "1", "--as", "zhou")
    assert "It was on the 2nd floor." in shown.stdout
    assert "Market Regulation" in shown.stdout or "市场监督管理局" in shown.stdout


def test_staff_read_times_on_the_command_line_in_the_deployments_zone_as_on_the_status_page(tmp_path):
    """Issue 17, item 8: `tipline tips` showed UTC while the status page shows Beijing time."""
    chat = tipline(tmp_path, "chat", "--lang", "en", "--session", "grandma", input="\n".join(SELF_ANONYMOUS) + "\n")
    assert chat.returncode == 0, chat.stderr
    assert tipline(tmp_path, "staff", "add", "li", "--role", "officer", "--unit", "990122-market_regulation").returncode == 0
    assert tipline(tmp_path, "tips", "move", "1", "accepted", "--as", "li").returncode == 0

    with sqlite3.connect(tmp_path / "tipline.db") as db:
        stored = [datetime.fromisoformat(at).replace(tzinfo=timezone.utc)
                  for (at,) in db.execute("SELECT at FROM status_events WHERE tip_id = 1 ORDER BY id")]
        (due,) = db.execute("SELECT finish_due FROM tips WHERE id = 1").fetchone()
    beijing = ZoneInfo("Asia/Shanghai")  # the deployment's zone (settings.timezone, the default)
    shown = tipline(tmp_path, "tips", "show", "1", "--as", "li").stdout
    for moment in stored:
        assert f"{moment.astimezone(beijing):%Y-%m-%d %H:%M} " in shown, shown
        assert f"{moment:%Y-%m-%d %H:%M} " not in shown  # eight hours apart: never the same minute
    due_day = datetime.fromisoformat(due).replace(tzinfo=timezone.utc).astimezone(beijing)
    assert f"due: {due_day:%Y-%m-%d}" in shown

    as_json = json.loads(tipline(tmp_path, "tips", "show", "1", "--as", "li", "--json").stdout)
    assert [datetime.fromisoformat(step["at"]) for step in as_json["timeline"]] == stored
    assert all(step["at"].endswith("+08:00") for step in as_json["timeline"])

    listing = tipline(tmp_path, "tips", "list", "--as", "li").stdout
    assert f"{stored[0].astimezone(beijing):%Y-%m-%d}" in listing
