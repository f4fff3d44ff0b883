"""Story 3: a reporter chooses Tibetan at /start and reports a fake pension-insurance agent.

Every prompt, button, error, confirmation and later notice is in Tibetan. The same
conversation is run in Chinese too, and both are written side by side to
tests/data/bot_transcript_bo.md for a native speaker's review.
"""
from __future__ import annotations

import re
from pathlib import Path

from sqlalchemy import select

from bot import texts
from bot.notifier import TelegramChannel
from i18n import Translator
from intake.casework.casework import move_tip
from intake.domain.conversation import display_value
from intake.notify.dispatch import Dispatcher
from intake.platform.models.tips import Assignment, Tip
from intake.domain.questionnaire import STEP_BY_KEY
from tests.bot_harness import Choose, Multi, answer_until, fake_telegram, new_user, running_bot  # noqa: F401
from tests.factories import staff
from tests.fake_telegram import FakeTelegram, FakeUser

TRANSCRIPT = Path(__file__).parent / "data" / "bot_transcript_bo.md"
TIBETAN = re.compile(r"[\u0F00-\u0FFF]")
HAN = re.compile(r"[\u4E00-\u9FFF]")
LATIN = re.compile(r"[A-Za-z]")

DESCRIPTION = "མི་ཞིག་གིས་ང་ཚོའི་ཨ་ཕའི་རྒན་གསོའི་འགན་སྲུང་ཚབ་སྒྲུབ་བྱེད་ཟེར་ནས་སྒོར་ ༥༠༠༠ བླངས།"
ANSWERS = {
    "urgent": Choose("no"),
    "reporting_for": Choose("family"),
    "relationship": Choose("child"),
    "category": Choose("pension_insurance"),
    "description": DESCRIPTION,
    "suspect_known": Choose("yes"),
    "suspect_person": "བཀྲ་ཤིས།",
    "suspect_phone": "138 0013 8000",
    "region": Choose("990123"),
    "when": "2026-10",
    "ongoing": Choose("no"),
    "money_lost": "5000",
    "payment_method": Multi(("cash",)),
    "victim_age": Choose("70_79"),
    "victim_region": Choose("990123"),
    "contact_mode": Choose("anonymous"),
    "notify": Choose("yes"),
    "consent": Choose("yes"),
}


def _pending_translation() -> list[str]:
    """Bot strings not yet in the Tibetan catalog (the lead's translation pass fills them):
    they read in English until then, and are the only English the test lets through."""
    bo = Translator("bo")
    msgids = [value for name, value in vars(texts).items() if name.isupper() and isinstance(value, str)]
    pending = [m for m in msgids if bo(m) == m]
    return sorted(pending, key=len, reverse=True)


def _without_pending(text: str, pending: list[str]) -> str:
    for msgid in pending:
        pattern = re.escape(msgid)
        pattern = re.sub(r"%\\\(\w+\\\)s", ".*?", pattern)
        text = re.sub(pattern, "", text)
    return text


async def _converse(core, fake: FakeTelegram, language_button: str, language: str) -> tuple[FakeUser, int]:
    user = new_user(fake, language_code=None)
    await user.send("/start")
    await user.press(language_button)
    await answer_until(user, core, language, {**ANSWERS, "suspect_phone": "12ab"}, stop_at="suspect_phone")
    await user.send("12ab")  # a phone with letters: the error, then the re-ask
    assert await answer_until(user, core, language, ANSWERS) == "__review__"
    review = user.last_with_buttons()
    await user.press(message=review, index=0)  # "Send the report"
    async with core.db.session() as session:
        tip_id = (await session.scalars(select(Tip.id).order_by(Tip.id.desc()))).first()
    return user, tip_id


async def test_a_tibetan_reporter_is_answered_in_tibetan_from_start_to_the_last_notice(core, fake_telegram, running_bot):
    bot = await running_bot()
    tibetan, tip_id = await _converse(core, fake_telegram, "བོད་ཡིག", "bo")
    chinese, chinese_tip = await _converse(core, fake_telegram, "中文", "zh_Hans")

    # Staff accept both; the notices are delivered in each reporter's language.
    officer = await staff(core, "dorje", "officer", "990123-police")
    for tip in (tip_id, chinese_tip):
        await move_tip(core, tip, "accepted", staff=officer)
    await Dispatcher(core, {"telegram": TelegramChannel(bot.bot, core)}, worker_id="t").run_once()

    bo_messages = fake_telegram.sent_to(tibetan.chat_id)
    zh_messages = fake_telegram.sent_to(chinese.chat_id)
    assert len(bo_messages) == len(zh_messages)
    _write_transcript(bo_messages, zh_messages)

    pending = _pending_translation()
    # The reporter's own words (the Tibetan hints give their examples in Tibetan: ཁྲི་3, not 3万).
    own_words = [DESCRIPTION, "བཀྲ་ཤིས།", "12ab"]
    assert _foreign_words_in_transcript(TRANSCRIPT.read_text(encoding="utf-8"), own_words, pending) == []
    for message in bo_messages[1:]:  # the first is the trilingual language question
        shown = message.text + "\n" + "\n".join(label for label, _ in message.buttons())
        for words in own_words:
            shown = shown.replace(words, "")
        # Bot commands (/language, /status) are typed as they are, in every language.
        rest = re.sub(r"/[a-z]+", "", _without_pending(shown, pending))
        if re.sub(r"[\s\d/·:.,()\[\]✓⬅⚠☐☑¥-]", "", rest):  # anything left but pending strings is Tibetan
            assert TIBETAN.search(rest), message.text
        assert not HAN.search(rest), f"Chinese in the Tibetan chat: {message.text}"
        assert not LATIN.search(rest), f"English in the Tibetan chat: {rest}"
    notices = [m.text for m in bo_messages if m.text.startswith(Translator("bo")("Your report of %(date)s: %(status)s").split("%")[0])]
    assert len(notices) == 2  # received, accepted

    async with core.db.session() as session:
        tip = await session.get(Tip, tip_id)
        units = {(a.unit_code, a.role) for a in (await session.scalars(select(Assignment).where(Assignment.tip_id == tip_id))).all()}
    assert tip.language == "bo" and tip.lead_unit == "990123-police"
    assert ("990123-social_security", "assisting") in units
    assert tip.answers["description"] == DESCRIPTION  # the reporter's own words, as written
    assert display_value(STEP_BY_KEY["category"], tip.answers["category"], "zh_Hans", core.deployment) == "代办“养老保险”"


def _foreign_words_in_transcript(markdown: str, own_words: list[str], pending: list[str]) -> list[str]:
    """Chinese characters or Latin words in the Tibetan column of the transcript for review, apart
    from the trilingual language picker (section 1), commands, numbers and the reporter's own words."""
    found = []
    for section in markdown.split("\n## ")[2:]:  # [0] is the preamble, [1] the language picker
        for row in section.splitlines():
            if not row.startswith("| ") or row.startswith(("| བོད་ཡིག", "| ---")):
                continue
            tibetan_cell = row[2:].split(" | ")[0]
            for words in own_words:
                tibetan_cell = tibetan_cell.replace(words, "")
            rest = re.sub(r"/[a-z]+", "", _without_pending(tibetan_cell, pending))
            found += HAN.findall(rest) + re.findall(r"[A-Za-z]+", rest)
    return found


def test_the_transcript_scan_finds_chinese_and_english_outside_commands_and_numbers():
    markdown = "\n".join([
        "# T", "", "## 1", "", "| བོད་ཡིག | 中文 |", "| --- | --- |", "| Please choose your language. | x |",
        "", "## 2", "", "| བོད་ཡིག | 中文 |", "| --- | --- |",
        "| /language བཀོལ་ནས 110 · 138 0013 8000 | 语言 |", "| ཁ་པར Hotline 热线 | 热线 |",
    ])
    assert _foreign_words_in_transcript(markdown, [], []) == ["热", "线", "Hotline"]


def _write_transcript(bo_messages, zh_messages) -> None:
    lines = [
        "# The Telegram conversation in Tibetan, for review",
        "",
        "Written by `tests/test_bot_tibetan.py` (do not edit by hand: run the test). Each message the bot",
        "sent in the Tibetan chat, and beside it the same message of the same conversation run in Chinese,",
        "as the back-translation to check it against. A line `✓ …` is the answer the reporter chose;",
        "`[…]` are the buttons. Lines still in English are bot strings waiting for their Tibetan translation.",
        "",
    ]
    for number, (bo, zh) in enumerate(zip(bo_messages, zh_messages), 1):
        lines += [f"## {number}", "", "| བོད་ཡིག | 中文 |", "| --- | --- |"]
        bo_lines, zh_lines = _cell_lines(bo), _cell_lines(zh)
        for i in range(max(len(bo_lines), len(zh_lines))):
            left = bo_lines[i] if i < len(bo_lines) else ""
            right = zh_lines[i] if i < len(zh_lines) else ""
            lines.append(f"| {left} | {right} |")
        lines.append("")
    TRANSCRIPT.write_text("\n".join(lines), encoding="utf-8")


def _cell_lines(message) -> list[str]:
    text_lines = [line for line in message.text.splitlines() if line.strip()]
    buttons = [label for label, _ in message.buttons()]
    if buttons:
        text_lines.append("[" + " · ".join(buttons) + "]")
    # The tracking code and the reply PIN are new on every run: masked, so the file changes only
    # when the texts do.
    masked = [re.sub(r"^\d{4}$", "####", re.sub(r"\d{4} \d{4} \d{4}", "#### #### ####", line)) for line in text_lines]
    return [line.replace("|", "\\|") for line in masked]
