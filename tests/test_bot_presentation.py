"""What an elderly reporter sees in the chat (issue 16): numbered buttons that match "type its
number", a "Start over" that asks first, Back from the first question to the language, hints
and counts that fit the answers given, and a notice that says how to answer a question."""
from __future__ import annotations

import re

from sqlalchemy import select

from bot.notifier import TelegramChannel
from i18n import Translator
from intake.casework.casework import move_tip
from intake.domain.messages import PublicMessage
from intake.domain.questionnaire import STEP_BY_KEY
from intake.notify.dispatch import Dispatcher
from intake.notify.outbox import render_notice
from intake.platform.attachments import list_for_tip
from intake.platform.models.notifications import Notification
from intake.platform.models.tips import Tip
from intake.reporting.drafts import find_draft
from tests.bot_harness import (  # noqa: F401 - fixtures
    SKIP, Choose, answer_current, answer_until, fake_telegram, new_user, running_bot, step_of,
)
from tests.evidence_files import an_ogg_opus
from tests.factories import a_photo, file_tip, staff

FAMILY = {
    "urgent": Choose("no"),
    "reporting_for": Choose("family"),
    "relationship": Choose("child"),
    "category": Choose("care_service"),
    "description": "The care home sells VIP cards for 30000 yuan with a 10% yearly return.",
    "suspect_known": Choose("no"),
    "region": Choose("990121"),
    "when": "2026-10",
    "ongoing": Choose("no"),
}


async def _english(user):
    await user.send("/start")
    return await user.press("English")


def _labels(message) -> list[str]:
    return [label for label, _ in message.buttons()]


async def test_the_buttons_carry_the_numbers_the_text_asks_to_type(core, fake_telegram, running_bot):
    await running_bot()
    user = new_user(fake_telegram)
    shown = await _english(user)
    first = shown[-1]
    assert "Press a button, or type its number." in first.text
    assert _labels(first)[:3] == ["1. Yes, money is being paid or is about to be paid", "2. No, not now", "3. I don't know"]
    shown = await user.send("2")  # the number on the button
    assert "Who are you reporting for?" in shown[-1].text
    assert (await find_draft(core, "telegram", str(user.chat_id))).state.answers == {"urgent": "no"}
    asked = shown[-1]
    await user.press("2. A family member")
    assert asked.text.endswith("✓ A family member")  # closed with the answer's words, not its number

    await answer_until(user, core, "en", FAMILY, stop_at="money_lost")
    money = user.last_with_buttons()
    # A typed answer: a number typed is the amount, so its buttons carry no numbers.
    assert "No money was lost" in _labels(money) and "I don't know" in _labels(money)
    shown = await user.send("6000")
    payment = shown[-1]
    assert "How was the money paid?" in payment.text
    assert _labels(payment)[:2] == ["☐ 1. Cash", "☐ 2. Bank transfer"]  # 0 is "I don't know", as typed
    assert "0. I don't know" in _labels(payment)
    await user.send("1,3")
    record = await find_draft(core, "telegram", str(user.chat_id))
    assert record.state.answers["payment_method"] == ["cash", "mobile_payment"]


async def test_start_over_asks_first_and_keeps_the_answers_until_confirmed(core, fake_telegram, running_bot):
    await running_bot()
    user = new_user(fake_telegram)
    await _english(user)
    await user.press("2. No, not now")
    shown = await user.press("Start over")
    assert shown[-1].text == "Start again from the first question? The answers you gave will be deleted."
    assert _labels(shown[-1]) == ["Yes, start again", "No, carry on"]
    assert (await find_draft(core, "telegram", str(user.chat_id))).state.answers == {"urgent": "no"}

    shown = await user.press("No, carry on")
    assert "Who are you reporting for?" in shown[-1].text
    assert (await find_draft(core, "telegram", str(user.chat_id))).state.answers == {"urgent": "no"}

    await user.press("Start over")
    shown = await user.press("Yes, start again")
    assert shown[0].text == "Starting again from the first question."
    assert "Is money being paid" in shown[-1].text
    assert (await find_draft(core, "telegram", str(user.chat_id))).state.answers == {}


async def test_back_on_the_first_question_goes_back_to_the_language_choice(core, fake_telegram, running_bot):
    await running_bot()
    user = new_user(fake_telegram)
    await _english(user)
    shown = await user.press("⬅ Back")
    assert "Please choose your language." in shown[-1].text
    assert _labels(shown[-1]) == ["中文", "བོད་ཡིག", "English"]
    shown = await user.press("中文")
    assert Translator("zh_Hans")(STEP_BY_KEY["urgent"].question) in shown[-1].text  # the first question, now in Chinese
    record = await find_draft(core, "telegram", str(user.chat_id))
    assert record.state.language == "zh_Hans" and record.state.current == "urgent"


async def _ask(core, tip_id: int) -> None:
    officer = await staff(core, f"li-{tip_id}", "officer", "990121-civil_affairs")
    for step in ("accepted", "verifying"):
        await move_tip(core, tip_id, step, staff=officer)
    await move_tip(core, tip_id, "needs_info", staff=officer,
                   public=PublicMessage(text="Which company is named on the receipt?", language="en"))


async def test_a_question_from_staff_says_how_to_answer_it(core, fake_telegram, running_bot):
    bot = await running_bot()
    user = new_user(fake_telegram)
    await user.send("/language")  # English, with no report open
    await user.press("English")
    receipt = await file_tip(core, channel="telegram", channel_address=str(user.chat_id), owner=str(user.chat_id),
                             language="en", category="care_service")
    await _ask(core, receipt.tip_id)
    await Dispatcher(core, {"telegram": TelegramChannel(bot.bot, core)}, worker_id="t").run_once()
    asked = fake_telegram.sent_to(user.chat_id)[-1].text
    assert "Waiting for your answer" in asked and "Which company is named on the receipt?" in asked
    assert "To answer, reply here in this chat, or on the status page with your tracking code and reply PIN." in asked
    shown = await user.send("Kangshou Health Technology")
    assert shown[-1].text == "Thank you: your information was added to the report."

    # Notified by e-mail: there is no chat to reply in, only the status page.
    by_mail = await file_tip(core, language="en", category="care_service")
    await _ask(core, by_mail.tip_id)
    async with core.db.session() as session:
        notification = (await session.scalars(select(Notification).where(
            Notification.tip_id == by_mail.tip_id).order_by(Notification.id.desc()))).first()
        notice = await render_notice(core, session, notification)
    assert notice.channel == "email"
    assert "To answer, open the status page and enter your tracking code and reply PIN." in notice.body
    assert "reply here in this chat" not in notice.body


async def test_a_voice_note_is_not_counted_as_evidence_and_no_files_reads_no_files(core, fake_telegram, running_bot):
    await running_bot()
    user = new_user(fake_telegram)
    await _english(user)
    await answer_until(user, core, "en", FAMILY, stop_at="description")
    await user.send_voice(an_ogg_opus(), duration=42)  # "what happened", told by voice
    await answer_until(user, core, "en", {**FAMILY, "money_lost": "6000", "victim_age": Choose("70_79")},
                       stop_at="evidence")
    shown = await user.send_photo(a_photo(gps=False, color="white"))
    assert shown[0].text.startswith("Thank you, the file was added (1 of 10).")  # the first photo is file 1
    asked = user.last_with_buttons()
    await user.press("No more files, continue")
    assert asked.text.endswith("✓ 1 file")
    await answer_until(user, core, "en", {"contact_mode": Choose("anonymous"), "notify": Choose("yes"),
                                          "consent": Choose("yes")})
    review = user.last_with_buttons()
    assert "Evidence: 1 file" in review.text
    await user.press("Send the report")
    async with core.db.session() as session:
        tip = (await session.scalars(select(Tip))).one()
    assert sorted(a.kind for a in await list_for_tip(core, tip.id)) == ["audio", "image"]  # the voice note goes too


async def test_no_files_reads_no_files_and_a_hint_that_no_longer_applies_is_not_shown(core, fake_telegram, running_bot):
    await running_bot()
    user = new_user(fake_telegram)
    await _english(user)
    await answer_until(user, core, "en", {**FAMILY, "money_lost": "6000", "victim_age": Choose("70_79")},
                       stop_at="evidence")
    asked = user.last_with_buttons()
    await user.press("I have no files, continue")
    assert asked.text.endswith("✓ No files")
    await user.press("2. Yes, I will give my name and phone number")
    shown = await user.send("Wang Li")
    assert "What is your phone number?" in shown[-1].text
    assert "If you stay anonymous" not in shown[-1].text  # the name was given
    await user.press("⬅ Back")
    await user.press("⬅ Back")
    shown = await user.press("1. No, I want to stay anonymous")
    assert "If you stay anonymous, we use it only to send you progress notices." in shown[-1].text


async def test_the_category_question_shows_the_labels_and_examples_on_request(core, fake_telegram, running_bot):
    await running_bot()
    user = new_user(fake_telegram)
    await _english(user)
    await answer_until(user, core, "en", FAMILY, stop_at="category")
    asked = user.last_with_buttons()
    labels = _labels(asked)
    assert "•" not in asked.text and len(asked.text) < 300  # the labels are on the buttons, no examples
    assert any(label.endswith("Something else, or not sure") for label in labels)  # "not sure" is kept
    assert "Show examples" in labels
    care = next(c for c in core.deployment.active_categories() if c.code == "care_service")

    shown = await user.press("Show examples")
    examples = shown[-1]
    assert f"• {care.label.get('en')}: {care.examples[0].get('en')}" in examples.text
    assert "Show examples" not in _labels(examples)
    await user.press(next(label for label in _labels(examples) if label.endswith(care.label.get("en"))))
    record = await find_draft(core, "telegram", str(user.chat_id))
    assert record.state.answers["category"] == "care_service" and record.state.current == "description"


def _left(message) -> int:
    """The count a question message shows: "About N questions left", or 1 for "Last question"."""
    first = message.text.splitlines()[0]
    if first == "Last question":
        return 1
    match = re.fullmatch(r"About (\d+) questions left", first)
    assert match, first
    return int(match.group(1))


async def test_the_count_of_questions_left_only_goes_down(core, fake_telegram, running_bot):
    await running_bot()
    user = new_user(fake_telegram)
    shown = await _english(user)
    counts = [_left(shown[-1])]
    assert "Question 1 of" not in shown[-1].text
    answers = {**FAMILY, "money_lost": "6000", "victim_age": Choose("70_79"), "contact_mode": Choose("named"),
               "reporter_name": "Wang Li", "reporter_phone": "13800138000", "notify": Choose("yes"),
               "consent": Choose("yes")}
    while True:
        d, key = step_of(user.last_with_buttons())
        if key == "__review__":
            break
        await answer_current(user, core, "en", answers.get(key, SKIP))
        latest = user.last_with_buttons()
        if step_of(latest)[1] != "__review__":
            counts.append(_left(latest))
    assert all(later < earlier for earlier, later in zip(counts, counts[1:])), counts  # down at every answer, never up
    assert counts[-1] == 1  # the last question says so

    shown = await user.press("Change: Progress notices")
    assert shown[-1].text.splitlines()[0] == "Last question"  # one answer to change, then the check again
