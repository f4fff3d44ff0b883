"""Replies against a Bot API that fails (issue 16, bugs 1 and 2): once an answer is stored, a
reply that fails is sent again, nobody is asked to repeat what was saved, a message delivered
twice is recognised by its id (never by its words), and a stalled call does not hold up the
chat's next message."""
from __future__ import annotations

import asyncio

from bot import report, texts
from bot.chat import CAPABILITIES
from i18n import Translator
from intake.domain import conversation as conv
from intake.reporting.drafts import find_draft
from tests.bot_harness import (  # noqa: F401 - fixtures
    Choose, answer_current, answer_until, fake_telegram, new_user, running_bot, shown_in, step_of,
)
from tests.factories import a_photo
from tests.test_bot_reporting import SON

_ = Translator("en")
SORRY = _(texts.SORRY_TRY_AGAIN)
HELP = _(texts.HELP)
ORGANISATION = SON["suspect_organisation"]


async def _review_lines(core, user) -> dict[str, str]:
    """What the check screen shows, as {question key: the line with its label and answer}."""
    record = await find_draft(core, "telegram", str(user.chat_id))
    items = conv.review(record.state, conv.Context(core.deployment, core.today(), CAPABILITIES))
    shown = user.last_with_buttons().text.splitlines()
    return {item.key: next(line for line in shown if line.startswith(f"{item.label}: ")) for item in items}


async def _at_organisation(core, user) -> None:
    await user.send("/start")
    await user.press("English")
    assert await answer_until(user, core, "en", SON, stop_at="suspect_organisation") == "suspect_organisation"


async def test_a_reply_that_fails_once_is_sent_again_and_each_answer_stays_under_its_question(core, fake_telegram, running_bot):
    await running_bot()
    son = new_user(fake_telegram)
    await _at_organisation(core, son)

    fake_telegram.fail("sendMessage", 502, times=1)  # the next question's send fails once
    shown = await son.send(ORGANISATION)

    assert all(SORRY not in m.text for m in fake_telegram.sent_to(son.chat_id))  # never "send it again"
    assert [step_of(m)[1] for m in shown if step_of(m)] == ["suspect_person"]  # the next question, once
    assert await answer_until(son, core, "en", SON) == conv.REVIEW
    lines = await _review_lines(core, son)
    assert ORGANISATION in lines["suspect_organisation"]
    assert sum(ORGANISATION in line for line in son.last_with_buttons().text.splitlines()) == 1  # once, under its question
    assert "88886666" in lines["suspect_phone"] and ORGANISATION not in lines["suspect_phone"]


async def test_a_message_delivered_twice_is_taken_once_and_the_same_words_again_are_a_new_answer(core, fake_telegram, running_bot):
    await running_bot()
    son = new_user(fake_telegram)
    await _at_organisation(core, son)
    await son.send(ORGANISATION)

    await son.redeliver()  # Telegram delivers the same message again
    record = await find_draft(core, "telegram", str(son.chat_id))
    assert record.state.current == "suspect_person" and "suspect_person" not in record.state.answers

    await son.send(ORGANISATION)  # the same words in a new message: meant for this question
    record = await find_draft(core, "telegram", str(son.chat_id))
    assert record.state.answers["suspect_person"] == ORGANISATION
    assert await answer_until(son, core, "en", SON) == conv.REVIEW
    lines = await _review_lines(core, son)
    assert lines["suspect_organisation"].endswith(ORGANISATION) and lines["suspect_person"].endswith(ORGANISATION)


async def test_after_a_stalled_send_the_chats_next_message_is_answered_within_seconds(core, fake_telegram, running_bot):
    await running_bot(as_tasks=True)  # each update in its own task, as `tipline bot` runs them
    user = new_user(fake_telegram)
    chat, loop = user.chat_id, asyncio.get_running_loop()
    await user.send("/start")
    await user.press("English", message=await shown_in(fake_telegram, chat, "Please choose your language."))
    await shown_in(fake_telegram, chat, "Is money being paid")
    before = len(fake_telegram.sent_to(chat))

    fake_telegram.stall("sendMessage", lost=True)  # the calls made now are never answered
    await answer_current(user, core, "en", Choose("no"))  # a button press whose reply stalls
    await asyncio.sleep(0.5)
    asked = loop.time()
    await user.send("/help")
    await asyncio.sleep(1.0)
    fake_telegram.recover()  # 1.5 s of stall

    help_ = await shown_in(fake_telegram, chat, HELP, after=before, timeout=20)
    assert loop.time() - asked < 5
    after_help = fake_telegram.sent_to(chat).index(help_) + 1
    await shown_in(fake_telegram, chat, "Who are you reporting for?", after=after_help)  # /help shows the question again
    sent = fake_telegram.sent_to(chat)[before:]
    second = next(i for i, m in enumerate(sent) if "Who are you reporting for?" in m.text)
    assert second < sent.index(help_)  # the chat's replies in the order of its messages
    assert all(SORRY not in m.text for m in sent)
    record = await find_draft(core, "telegram", str(chat))
    assert record.state.answers == {"urgent": "no"}


async def test_a_failure_after_the_answer_is_stored_never_asks_to_send_it_again(core, fake_telegram, running_bot, monkeypatch):
    await running_bot()
    son = new_user(fake_telegram)
    await _at_organisation(core, son)
    showing = report.show_step

    async def fails_once(*args, **kwargs):  # the database goes away between storing and showing
        monkeypatch.setattr(report, "show_step", showing)
        raise ConnectionError("the database went away")

    monkeypatch.setattr(report, "show_step", fails_once)
    shown = await son.send(ORGANISATION)
    assert [m.text for m in shown] == [_(texts.ANSWER_KEPT)]  # kept: not "send it again"

    shown = await son.send("/help")
    assert step_of(shown[-1])[1] == "suspect_person"
    record = await find_draft(core, "telegram", str(son.chat_id))
    assert record.state.answers["suspect_organisation"] == ORGANISATION


async def test_a_photo_delivered_twice_is_one_file_of_evidence(core, fake_telegram, running_bot):
    await running_bot()
    son = new_user(fake_telegram)
    await son.send("/start")
    await son.press("English")
    assert await answer_until(son, core, "en", SON, stop_at="evidence") == "evidence"

    shown = await son.send_photo(a_photo(gps=False))
    assert "(1 of 10)" in shown[-1].text
    await son.redeliver()  # Telegram delivers the same photo message again
    shown = await son.send_photo(a_photo(gps=False, color="white"))
    assert "(2 of 10)" in shown[-1].text
