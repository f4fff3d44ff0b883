"""The terminal chat files a real report in each language, re-asks kindly, and resumes."""
from __future__ import annotations

import io
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from rich.console import Console

from intake.reporting.tips import public_view
from intake.domain.tracking import format_code
from tipline.chat import TerminalChat

# Lines a reporter types: anonymous, for herself, health products, ends with "S" to send.
SELF_ANONYMOUS = [
    "2",          # urgent: no
    "1",          # reporting for myself
    "3",          # category 3: health products
    "Free lectures, then pills for 2000 yuan a box.",
    "2",          # know the suspect: no
    "2",          # region 2
    "",           # place: left out
    "?",          # when: don't know
    "0",          # still going on: don't know
    "2000",       # money lost
    "1",          # paid in cash
    "4",          # 80 or older
    "1",          # stay anonymous
    "",           # phone: left out
    "",           # e-mail: left out
    "2",          # notices: no
    "1",          # consent: yes
    "S",          # send
]


class Script:
    """Feeds prepared lines to the chat; EOF when they run out (like a closed terminal)."""

    def __init__(self, lines: list[str]) -> None:
        self.lines = list(lines)

    def __call__(self, _prompt: str) -> str:
        if not self.lines:
            raise EOFError
        return self.lines.pop(0)


def make_chat(core, lines, owner="grandma"):
    console = Console(file=io.StringIO(), width=120, record=True, color_system=None)
    return TerminalChat(core, console, Script(lines), owner), console


@pytest.mark.parametrize(
    "language,thanks",
    [("en", "Thank you. Your report has been sent."), ("zh_Hans", "谢谢"), ("bo", "ཐུགས་རྗེ་ཆེ")],
)
async def test_a_report_is_filed_in_the_terminal_in_each_language(core, language, thanks):
    chat, console = make_chat(core, SELF_ANONYMOUS)
    receipt = await chat.run(language)
    output = console.export_text()
    assert receipt is not None, output[-2000:]
    assert thanks in output
    assert format_code(receipt.code) in output
    assert receipt.pin in output
    view = await public_view(core, receipt.code)
    assert view.language == language and view.status == "submitted"


async def test_bad_input_is_explained_and_asked_again(core):
    lines = SELF_ANONYMOUS[:9] + ["lots of money", "-5"] + SELF_ANONYMOUS[9:]
    chat, console = make_chat(core, lines)
    receipt = await chat.run("en")
    output = console.export_text()
    assert "Please write the amount in numbers" in output
    assert receipt is not None
    view = await public_view(core, receipt.code)
    assert view is not None


async def test_hidden_direction_characters_are_shown_and_the_text_can_be_sent_again(core):
    sneaky = "Org name \u202eevil\u202c 😀 བཀྲ་ཤིས"
    lines = SELF_ANONYMOUS[:3] + [sneaky, "Free lectures, then pills for 2000 yuan a box. 😀 བཀྲ་ཤིས"] + SELF_ANONYMOUS[4:]
    chat, console = make_chat(core, lines)
    receipt = await chat.run("en")
    assert "invisible special characters" in console.export_text()
    assert receipt is not None


async def test_quitting_keeps_the_answers_and_the_next_chat_carries_on(core):
    chat, console = make_chat(core, SELF_ANONYMOUS[:5] + ["/quit"])
    assert await chat.run("en") is None
    assert "Your answers are saved" in console.export_text()
    chat, console = make_chat(core, ["1"] + SELF_ANONYMOUS[5:])  # 1 = carry on
    receipt = await chat.run(None)
    assert receipt is not None
    shown = console.export_text()
    # It carries on at the question after the five answers given (where it happened), not at the first.
    assert "Is money being paid" not in shown
    assert shown.index("Where did this happen?") < shown.index("When did it happen?")


async def test_back_and_start_over_work_at_any_question(core):
    lines = ["2", "1", "/back", "1", "/restart"] + SELF_ANONYMOUS
    chat, console = make_chat(core, lines)
    receipt = await chat.run("en")
    output = console.export_text()
    assert "Starting again from the first question." in output
    assert receipt is not None


async def test_urgent_report_shows_what_to_do_now_before_the_next_question(core):
    chat, console = make_chat(core, ["1", "/quit"])
    await chat.run("en")
    output = console.export_text()
    assert output.index("call the police on 110") < output.index("Who are you reporting for?")


def test_the_tipline_command_files_a_report_and_shows_its_status(tmp_path: Path):
    """The real command, as a user runs it: `tipline chat`, then `tipline status CODE`."""
    env = {**os.environ, "TIPLINE_VAR_DIR": str(tmp_path), "TIPLINE_DATABASE_URL": ""}
    env.pop("TIPLINE_TEST_DATABASE_URL", None)
    tipline = [sys.executable, "-m", "tipline"]
    chat = subprocess.run(
        [*tipline, "chat", "--lang", "en", "--session", "test"],
        input="\n".join(SELF_ANONYMOUS) + "\n", capture_output=True, text=True, env=env, timeout=120,
    )
    assert chat.returncode == 0, chat.stderr
    code = re.search(r"\b(\d{4} \d{4} \d{4})\b", chat.stdout).group(1)
    assert (tmp_path / "keys" / "keyring.json").stat().st_mode & 0o777 == 0o600
    status = subprocess.run([*tipline, "status", code], capture_output=True, text=True, env=env, timeout=60)
    assert status.returncode == 0, status.stderr
    assert "Received" in status.stdout and code in status.stdout
    # The day in words ("7 December 2026 16:50"), never "2026-12-07".
    assert re.search(r"\b\d{1,2} (January|February|March|April|May|June|July|August|September|October|November|December)\b",
                     status.stdout) and not re.search(r"\b20\d\d-\d\d-\d\d\b", status.stdout), status.stdout
    unknown = subprocess.run([*tipline, "status", "1234 5678 9012", "--lang", "en"], capture_output=True, text=True, env=env, timeout=60)
    assert unknown.returncode == 1 and "could not find" in unknown.stdout
