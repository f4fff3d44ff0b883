"""Malformed and hostile Telegram updates through the real bot and polling against the fake Bot
API: update types the bot does not know, updates missing fields, huge texts, stickers and
locations where text is expected, callback data the bot never sent, and Hypothesis over typed
answers. The reporter gets a kind answer in their language, the draft is unchanged, and the bot
still answers afterwards."""
from __future__ import annotations

import itertools

import pytest
from hypothesis import given
from sqlalchemy import func, select

from bot.callbacks import Step, draft_ref
from bot.chat import CAPABILITIES
from intake.domain import conversation as conv
from intake.reporting.drafts import find_draft
from intake.platform.models.reporting import ChannelUser, Draft
from intake.platform.models.tips import Tip
from tests.bot_harness import (  # noqa: F401 - fixtures
    SKIP, Choose, answer_current, answer_until, fake_telegram, new_user, running_bot, step_of,
)
from tests.hostile import HOSTILE_SETTINGS, NASTIES, hostile_text

FAMILY = {"urgent": Choose("no"), "reporting_for": Choose("family"), "relationship": Choose("child"),
          "category": Choose("care_service")}
_ids = itertools.count(900_000)


async def counts(core) -> tuple[int, int]:
    async with core.db.session() as session:
        return (await session.scalar(select(func.count()).select_from(Tip)),
                await session.scalar(select(func.count()).select_from(Draft)))


async def at_description(core, fake, language: str = "English", code: str = "en"):
    user = new_user(fake)
    await user.send("/start")
    await user.press(language)
    assert await answer_until(user, core, code, FAMILY, stop_at="description") == "description"
    return user


async def still_answers(user, words: str = "What happened? Please tell us in your own words.") -> None:
    """The bot is alive and the reporter is where they were: /help, then the same question again."""
    replies = await user.send("/help")
    assert replies, "the bot did not answer /help"
    assert any(words in message.text for message in user.fake.sent_to(user.chat_id)[-3:])


async def feed_and_wait(fake, update: dict) -> None:
    update_id = await fake.feed(update)
    await fake.processed(update_id)


def message_of(user, **content) -> dict:
    return {"message_id": next(_ids), "date": 1_790_000_000,
            "chat": {"id": user.chat_id, "type": "private", "first_name": "Test"}, "from": user._from, **content}


@pytest.mark.filterwarnings("ignore:Detected unknown update type:RuntimeWarning")
async def test_unknown_and_malformed_updates_are_ignored_and_the_bot_goes_on(core, fake_telegram, running_bot):
    await running_bot()
    user = await at_description(core, fake_telegram)
    before_draft = (await find_draft(core, "telegram", str(user.chat_id))).state
    before = await counts(core)
    odd_updates = [
        {"a_future_update_type": {"anything": [1, 2, 3]}},
        {"edited_message": {**message_of(user, text="edited <b>text</b>"), "edit_date": 1_790_000_100}},
        {"channel_post": {"message_id": 1, "date": 1, "chat": {"id": -100123, "type": "channel", "title": "x"}, "text": "/start"}},
        {"my_chat_member": {"chat": {"id": user.chat_id, "type": "private"}, "from": user._from, "date": 1,
                            "old_chat_member": {"status": "member", "user": user._from},
                            "new_chat_member": {"status": "kicked", "user": user._from, "until_date": 0}}},
        {"message": {**message_of(user), "chat": {"id": -42, "type": "group", "title": "village group"}, "text": "/start"}},
        {"message": message_of(user, new_chat_members=[user._from])},
        {"message": message_of(user)},  # a message with no content at all
        {"inline_query": {"id": "iq1", "from": user._from, "query": "\u202e" * 10, "offset": ""}},
        {"poll_answer": {"poll_id": "p", "user": user._from, "option_ids": [0]}},
    ]
    for update in odd_updates:
        await feed_and_wait(fake_telegram, update)
    assert await counts(core) == before
    assert (await find_draft(core, "telegram", str(user.chat_id))).state == before_draft
    await still_answers(user)


@pytest.mark.filterwarnings("ignore:Detected unknown update type:RuntimeWarning")
async def test_an_update_missing_required_fields_does_not_stop_the_polling(core, fake_telegram, running_bot):
    await running_bot()
    user = await at_description(core, fake_telegram)
    before = await counts(core)
    broken = [
        {"message": {"message_id": next(_ids), "text": "no chat, no date"}},
        {"callback_query": {"id": "cq-broken", "data": "a:x:y:i:0"}},  # no from, no chat_instance
        {"message": {**message_of(user), "chat": "not an object", "text": "hello"}},
    ]
    for update in broken:
        await fake_telegram.feed(update)
    replies = await user.send("/help")  # polling skipped the broken updates and took this one
    assert replies
    assert await counts(core) == before


NOT_ANSWERS = [
    ("sticker", {"sticker": {"file_id": "s1", "file_unique_id": "s1", "type": "regular", "width": 512, "height": 512,
                             "is_animated": False, "is_video": False}}),
    ("location", {"location": {"latitude": 30.66, "longitude": 104.06}}),
    ("contact", {"contact": {"phone_number": "+8613800138000", "first_name": "Wang"}}),
    ("dice", {"dice": {"emoji": "🎲", "value": 3}}),
    ("venue", {"venue": {"location": {"latitude": 1.0, "longitude": 2.0}, "title": "<b>x</b>", "address": "y"}}),
    ("huge text", {"text": "骗" * 100_000}),
    ("text with NUL and RTL override", {"text": "VIP\x00 card \u202e0001 yuan"}),
    ("only emoji entities", {"text": "👵🏽💊💰", "entities": [{"type": "bold", "offset": 0, "length": 999}]}),
]


async def test_content_that_is_not_an_answer_gets_a_kind_reply_and_changes_nothing(core, fake_telegram, running_bot):
    await running_bot()
    user = await at_description(core, fake_telegram)
    for kind, content in NOT_ANSWERS:
        before_draft = (await find_draft(core, "telegram", str(user.chat_id))).state
        before = await counts(core)
        sent_before = len(fake_telegram.sent_to(user.chat_id))
        await feed_and_wait(fake_telegram, {"message": message_of(user, **content)})
        replies = fake_telegram.sent_to(user.chat_id)[sent_before:]
        assert replies and replies[-1].text.strip(), kind  # the reporter is told something
        assert all(len(message.text) <= 4096 for message in replies), kind  # within Telegram's limit
        assert (await find_draft(core, "telegram", str(user.chat_id))).state == before_draft, kind
        assert await counts(core) == before, kind
        await still_answers(user)


NEVER_SENT = [
    "", "x", "a:", "a:0000:description:i:0", "a:{d}:description:i:999999", "a:{d}:consent:i:0", "a:{d}:nope:i:0",
    "a:{d}:description:t:-1", "a:{d}:category:i:-3", "a:{d}:category:i:1e9", "a:{d}:../../:sk",
    "\u202e\x00" * 10, "z" * 64, "a:{d}:payment_method:t:99999999999999999999", "review:send", "lang:xx",
]


async def test_callback_data_that_was_never_sent_is_refused_kindly(core, fake_telegram, running_bot):
    await running_bot()
    user = await at_description(core, fake_telegram)
    for data in NEVER_SENT:
        record = await find_draft(core, "telegram", str(user.chat_id))
        before = await counts(core)
        message = user.last_with_buttons()
        callback = {"id": f"cq-{next(_ids)}", "from": user._from, "chat_instance": "ci", "message": message.as_api(),
                    "data": data.replace("{d}", record.id[:8])}
        await feed_and_wait(fake_telegram, {"callback_query": callback})
        answered = [params for name, params in fake_telegram.calls if name == "answerCallbackQuery"
                    and params.get("callback_query_id") == callback["id"]]
        assert answered, (data, "the press was not answered: the person's button would spin")
        assert (await find_draft(core, "telegram", str(user.chat_id))).state == record.state, data
        assert await counts(core) == before, data
    await still_answers(user)


@HOSTILE_SETTINGS
@given(text=hostile_text)
async def test_any_typed_text_at_a_choice_or_text_question_is_answered_in_tibetan(core, fake_telegram, running_bot, text):
    if not getattr(fake_telegram, "_hostile_user", None):
        await running_bot()
        fake_telegram._hostile_user = await at_description(core, fake_telegram, "བོད་ཡིག", "bo")
    user = fake_telegram._hostile_user
    before = await counts(core)
    replies = await user.send(text or "\u200b")
    assert replies, "no answer to a typed text"
    assert any("\u0f00" <= ch <= "\u0fff" for ch in replies[-1].text), replies[-1].text  # in Tibetan
    assert await counts(core) == before
    record = await find_draft(core, "telegram", str(user.chat_id))
    if record.state.current != "description":  # the text was a fine description: go back for the next one
        await user.send("/start")
        record = await find_draft(core, "telegram", str(user.chat_id))
        assert record is not None


def test_the_hand_picked_nasties_include_the_story_9_inputs():
    assert any(len(text) >= 100_000 for text in NASTIES) and any("\u202e" in text for text in NASTIES)


async def pressed_forged(fake, user, data: str) -> dict | None:
    """Send a button press with `data`, as a client may (callback data is not signed); the
    callback's answer (its alert text), if any."""
    callback = {"id": f"cq-{next(_ids)}", "from": user._from, "chat_instance": "ci",
                "message": user.last_with_buttons().as_api(), "data": data}
    await feed_and_wait(fake, {"callback_query": callback})
    return next((params for name, params in fake.calls
                 if name == "answerCallbackQuery" and params.get("callback_query_id") == callback["id"]), None)


async def test_a_forged_change_button_mid_questionnaire_has_expired_and_nothing_is_skipped(core, fake_telegram, running_bot):
    """#14.14: "change an answer" and "send" belong to the check screen. Pressed (forged) from
    question 5 they get the kind "this button has expired", the draft stays where it was, and
    the questionnaire goes on at question 5, asking every question after it."""
    await running_bot()
    user = await at_description(core, fake_telegram)
    record = await find_draft(core, "telegram", str(user.chat_id))
    d, last = draft_ref(record.id), conv.applicable_steps(record.state.answers, CAPABILITIES)[-1].key
    forged = [Step(d=d, k="description", a="ch", x=last), Step(d=d, k="description", a="ch", x="suspect_phone"),
              Step(d=d, k="description", a="send"), Step(d=d, k=conv.REVIEW, a="ch", x=last)]
    for step in forged:
        answer = await pressed_forged(fake_telegram, user, step.pack())
        assert answer is not None, step
        assert answer.get("text") == "This button has expired. Please use the buttons of the latest question.", (step, answer)
        after = await find_draft(core, "telegram", str(user.chat_id))
        assert after.state == record.state, step
    await still_answers(user)
    answers = {**FAMILY, "description": "The care home sells VIP cards for 30000 yuan with a 10% yearly return.",
               "suspect_known": Choose("yes"), "region": Choose("990122"), "ongoing": Choose("no"),
               "contact_mode": Choose("anonymous"), "notify": Choose("no"), "consent": Choose("yes")}
    asked = []
    for _ in range(60):
        _d, key = step_of(user.last_with_buttons())
        if key == conv.REVIEW:
            break
        asked.append(key)
        await answer_current(user, core, "en", answers.get(key, SKIP))
    final = await find_draft(core, "telegram", str(user.chat_id))
    keys = [step.key for step in conv.applicable_steps(final.state.answers, CAPABILITIES)]
    assert asked == keys[keys.index("description"):]  # question 5 and every one after it, none skipped


async def test_a_private_message_without_a_sender_is_ignored_without_an_error_or_half_state(
        core, fake_telegram, running_bot, caplog):
    """#14.14: a message with no `from` (no real client sends one in a private chat) is dropped
    before any handler: no error, no "sorry" message, no person or draft created or changed."""
    await running_bot()
    user = await at_description(core, fake_telegram)
    stranger = new_user(fake_telegram)  # a chat the bot has never seen
    before_draft = (await find_draft(core, "telegram", str(user.chat_id))).state
    before = await counts(core)
    async with core.db.session() as session:
        people = await session.scalar(select(func.count()).select_from(ChannelUser))
    sent_before = {who.chat_id: len(fake_telegram.sent_to(who.chat_id)) for who in (user, stranger)}
    for who in (user, stranger):
        for content in ({"text": "The care home sells VIP cards."}, {"text": "/start", "entities": [
                {"type": "bot_command", "offset": 0, "length": 6}]}, {"text": "/status 123456789012"}):
            message = message_of(who, **content)
            del message["from"]
            await feed_and_wait(fake_telegram, {"message": message})
    assert not [r for r in caplog.records if r.levelname == "ERROR"], [r.getMessage() for r in caplog.records]
    for who in (user, stranger):
        assert fake_telegram.sent_to(who.chat_id)[sent_before[who.chat_id]:] == [], "nothing is answered to nobody"
    assert (await find_draft(core, "telegram", str(user.chat_id))).state == before_draft
    assert await find_draft(core, "telegram", str(stranger.chat_id)) is None
    assert await counts(core) == before
    async with core.db.session() as session:
        assert await session.scalar(select(func.count()).select_from(ChannelUser)) == people
    await still_answers(user)
