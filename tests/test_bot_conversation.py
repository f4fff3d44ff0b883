"""The bot's conversation on the real Bot and polling against the fake Bot API: a restart
mid-report (story 7), bad input a chat can send (story 9), expired buttons, back and start
over, the urgent advice, a voice note for "what happened", /language, /cancel, linking."""
from __future__ import annotations

from sqlalchemy import func, select

from bot.users import get_user
from intake.reporting.drafts import find_draft
from intake.reporting.linking import new_link_token
from intake.platform.models.reporting import Attachment, Draft
from intake.notify.outbox import destinations
from tests.bot_harness import (  # noqa: F401 - fixtures
    Choose, answer_current, answer_until, fake_telegram, new_user, running_bot,
)
from tests.evidence_files import a_pdf, an_ogg_opus
from tests.factories import a_photo, file_tip

FAMILY = {
    "urgent": Choose("no"),
    "reporting_for": Choose("family"),
    "relationship": Choose("child"),
    "category": Choose("care_service"),
    "description": "The care home sells VIP cards for 30000 yuan with a 10% yearly return.",
}


async def _english(user):
    await user.send("/start")
    return await user.press("English")


async def _files(core) -> int:
    async with core.db.session() as session:
        return await session.scalar(select(func.count()).select_from(Attachment))


async def test_a_restart_mid_report_continues_at_the_same_question(core, fake_telegram, running_bot):
    first = await running_bot()
    user = new_user(fake_telegram)
    await _english(user)
    assert await answer_until(user, core, "en", FAMILY, stop_at="description") == "description"
    fifth = user.last_with_buttons()
    assert "What happened? Please tell us in your own words." in fifth.text

    await first.kill()  # the process dies; its in-memory conversation state is gone
    await running_bot()  # a new process, a new Bot and Dispatcher, an empty MemoryStorage

    shown = await user.send(FAMILY["description"])
    assert "Do you know anything about who did this" in shown[-1].text  # the typed text answered "what happened"
    record = await find_draft(core, "telegram", str(user.chat_id))
    assert record.state.answers["category"] == "care_service"
    assert record.state.answers["relationship"] == "child"
    assert record.state.answers["description"] == FAMILY["description"]
    assert record.state.current == "suspect_known"


async def test_a_button_on_an_old_message_has_expired_and_changes_nothing(core, fake_telegram, running_bot):
    await running_bot()
    user = new_user(fake_telegram)
    await _english(user)
    first_question = user.last_with_buttons()
    await user.send("2")  # typed: "No"; the first question keeps its buttons
    record = await find_draft(core, "telegram", str(user.chat_id))
    assert record.state.answers == {"urgent": "no"}

    shown = await user.press("Start over", message=first_question)
    assert shown == []
    assert fake_telegram.alerts[-1]["text"] == "This button has expired. Please use the buttons of the latest question."
    assert (await find_draft(core, "telegram", str(user.chat_id))).state == record.state


async def test_back_and_start_over_and_the_urgent_advice(core, fake_telegram, running_bot):
    await running_bot()
    user = new_user(fake_telegram)
    await _english(user)
    shown = await answer_current(user, core, "en", Choose("yes"))
    assert shown[0].text.startswith("⚠ Act now") and "110" in shown[0].text and "96110" in shown[0].text
    assert "Who are you reporting for?" in shown[-1].text  # the advice comes before the next question
    shown = await user.press("⬅ Back")
    assert "Is money being paid" in shown[-1].text
    await answer_current(user, core, "en", Choose("no"))
    await user.press("Start over")
    shown = await user.press("Yes, start again")  # Start over asks first
    assert shown[0].text == "Starting again from the first question."
    assert "Is money being paid" in shown[-1].text
    assert (await find_draft(core, "telegram", str(user.chat_id))).state.answers == {}


async def test_bad_input_gets_a_clear_message_and_a_re_ask_and_nothing_half_written(core, fake_telegram, running_bot):
    await running_bot()
    user = new_user(fake_telegram)
    await _english(user)
    await answer_until(user, core, "en", FAMILY, stop_at="description")
    before = (await find_draft(core, "telegram", str(user.chat_id))).state

    shown = await user.send("A" * 100_000)  # more than a chat can send; the core still refuses it
    assert shown[0].text.startswith("This is 100000 characters long; the most we can take is 5000.")
    assert "What happened? Please tell us in your own words." in shown[-1].text
    shown = await user.send_sticker()
    assert shown[0].text == "We cannot read this kind of message here. Please answer with words, or press a button."
    assert "What happened? Please tell us in your own words." in shown[-1].text
    assert (await find_draft(core, "telegram", str(user.chat_id))).state == before

    await answer_until(user, core, "en", {**FAMILY, "suspect_known": Choose("yes")}, stop_at="suspect_organisation")
    shown = await user.send("Fu\u202eShou care home")  # a right-to-left override
    assert shown[0].text.startswith("Your text contained some invisible special characters")
    assert "FuShou care home" in shown[0].text
    assert "What is the name of the company" in shown[-1].text
    await user.send("<script>alert(1)</script> FuShou")
    record = await find_draft(core, "telegram", str(user.chat_id))
    assert record.state.answers["suspect_organisation"] == "<script>alert(1)</script> FuShou"

    await answer_until(user, core, "en", {"region": Choose("990121"), "money_lost": "3万", "victim_age": Choose("70_79")},
                       stop_at="evidence")
    shown = await user.send_photo(a_photo(gps=False, color="white"), size=30 * 1024 * 1024)
    assert shown[0].text.startswith("This file is 30.0 MB; the most we can take is 20 MB.")
    assert fake_telegram.count("getFile") == 0  # refused by its size, before any download
    shown = await user.send_document(b"MZ\x90\x00" + b"\x00" * 200, "receipt.jpg")
    assert shown[0].text.startswith("We can take photos (JPEG, PNG), PDF documents and voice recordings.")
    shown = await user.send("here is my photo")
    assert shown[0].text.startswith("Please send photos, documents or voice notes here")
    assert await _files(core) == 0
    shown = await user.send_document(a_pdf(tagged=False), "contract.pdf")
    assert shown[0].text.startswith("Thank you, the file was added (1 of 10).")
    assert await _files(core) == 1


async def test_a_voice_note_answers_what_happened_and_goes_with_the_report(core, fake_telegram, running_bot):
    await running_bot()
    user = new_user(fake_telegram)
    await _english(user)
    await answer_until(user, core, "en", FAMILY, stop_at="description")
    shown = await user.send_voice(an_ogg_opus(), duration=42)
    assert shown[0].text == "Thank you, we keep your voice note with the report."
    assert "Do you know anything about who did this" in shown[-1].text
    record = await find_draft(core, "telegram", str(user.chat_id))
    assert record.state.answers["description"] == "Voice note of 42 seconds (attached to the report)"
    async with core.db.session() as session:
        voice = (await session.scalars(select(Attachment))).one()
    assert voice.kind == "audio" and voice.draft_id == record.id


async def test_language_is_kept_on_the_reporter_and_can_change_mid_report(core, fake_telegram, running_bot):
    await running_bot()
    user = new_user(fake_telegram, language_code="zh-hans")
    shown = await user.send("hello")  # before any choice: the trilingual language question
    assert "请选择语言。" in shown[0].text or "Please choose your language." in shown[0].text
    await user.send("/start")
    await user.press("中文")
    assert (await get_user(core, user.chat_id)).language == "zh_Hans"
    await answer_current(user, core, "zh_Hans", Choose("no"))
    await user.send("/language")
    shown = await user.press("English")
    assert "Who are you reporting for?" in shown[-1].text  # carries on where it was, now in English
    record = await find_draft(core, "telegram", str(user.chat_id))
    assert record.state.language == "en" and record.state.answers == {"urgent": "no"}


async def test_cancel_deletes_the_unfinished_report_and_its_files(core, fake_telegram, running_bot):
    await running_bot()
    user = new_user(fake_telegram)
    await _english(user)
    await answer_until(user, core, "en", {**FAMILY, "suspect_known": Choose("no"), "region": Choose("990121"),
                                          "money_lost": "none", "victim_age": Choose("70_79")}, stop_at="evidence")
    await user.send_photo(a_photo(gps=False, color="white"))
    assert await _files(core) == 1
    shown = await user.send("/cancel")
    assert shown[0].text == "Your unfinished report was deleted. Send /start to begin a new one."
    assert await find_draft(core, "telegram", str(user.chat_id)) is None
    assert await _files(core) == 0
    async with core.db.session() as session:
        assert await session.scalar(select(func.count()).select_from(Draft)) == 0


async def test_a_web_tip_is_linked_to_the_chat_with_a_single_use_token(core, fake_telegram, running_bot):
    await running_bot()
    receipt = await file_tip(core, channel="web", language="en")
    token = await new_link_token(core, receipt.tip_id)
    user = new_user(fake_telegram)
    shown = await user.send(f"/start {token}")
    assert shown[0].text == "This chat will now receive the progress notices of your report."
    again = await user.send(f"/start {token}")
    assert again[0].text.startswith("This link has expired or was already used.")
    async with core.db.session() as session:
        from intake.platform.models.tips import Person, Tip

        tip = await session.get(Tip, receipt.tip_id)
        person = await session.get(Person, tip.reporter_id)
    assert destinations(core, tip, person) == [("telegram", str(user.chat_id))]
