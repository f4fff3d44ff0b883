"""Issue 16, bug 4: group chats and edited messages are no longer met with silence.

In a group the bot asks, once, to be written to in a private chat, and answers every button so
none spins; an edit of the last typed answer replaces it while the next question is still open,
and any other edit is told how to change an answer.
"""
from __future__ import annotations

from sqlalchemy import func, select

from intake.platform.models.reporting import ChannelUser, Draft
from intake.reporting.drafts import find_draft
from tests.bot_harness import (  # noqa: F401 - fixtures
    Choose, answer_until, fake_telegram, new_user, running_bot, step_of,
)
from tests.test_bot_reporting import SON

FAMILY = {"urgent": Choose("no"), "reporting_for": Choose("family"), "relationship": Choose("child"),
          "category": Choose("care_service")}
GROUP = {"id": -4242, "type": "group", "title": "Village neighbours"}


async def feed_and_wait(fake, update: dict) -> None:
    await fake.processed(await fake.feed(update))


def in_group(user, **content) -> dict:
    return {**user._message(**content), "chat": GROUP}


async def rows(core, model) -> int:
    async with core.db.session() as session:
        return await session.scalar(select(func.count()).select_from(model))


async def test_in_a_group_the_bot_asks_once_for_a_private_chat_and_answers_every_button(core, fake_telegram, running_bot):
    await running_bot()
    grandma, neighbour = new_user(fake_telegram, "zh-hans"), new_user(fake_telegram, "en")

    await feed_and_wait(fake_telegram, {"message": in_group(grandma, text="/start", entities=[
        {"type": "bot_command", "offset": 0, "length": 6}])})
    said = fake_telegram.sent_to(GROUP["id"])
    assert len(said) == 1
    assert "私聊" in said[0].text and "https://t.me/tipline_test_bot" in said[0].text
    assert not said[0].buttons()

    await feed_and_wait(fake_telegram, {"message": in_group(neighbour, text="/start@tipline_test_bot", entities=[
        {"type": "bot_command", "offset": 0, "length": 23}])})
    await feed_and_wait(fake_telegram, {"edited_message": {**in_group(neighbour, text="hello"), "edit_date": 1_790_000_100}})
    assert len(fake_telegram.sent_to(GROUP["id"])) == 1  # once: a group is not flooded

    for data in ("lang:en", "a:0123456789ab:urgent:i:0", "rate:1:yes", "nonsense"):
        query_id = f"group-{data}"
        await feed_and_wait(fake_telegram, {"callback_query": {
            "id": query_id, "from": neighbour._from, "chat_instance": "ci-group", "data": data,
            "message": {"message_id": said[0].message_id, "date": 1_790_000_000, "chat": GROUP, "text": "old"}}})
        answers = [params for method, params in fake_telegram.calls
                   if method == "answerCallbackQuery" and params.get("callback_query_id") == query_id]
        assert len(answers) == 1, data
        assert "Please write to me in a private chat" in answers[0]["text"]
    assert len(fake_telegram.sent_to(GROUP["id"])) == 1
    assert await rows(core, ChannelUser) == 0 and await rows(core, Draft) == 0


async def at_description(core, fake_telegram):
    user = new_user(fake_telegram)
    await user.send("/start")
    await user.press("English")
    assert await answer_until(user, core, "en", FAMILY, stop_at="description") == "description"
    return user


async def typed(user, text: str) -> dict:
    """Send a typed message and return it (an edit names it by its id)."""
    message = user._message(text=text)
    await feed_and_wait(user.fake, {"message": message})
    return message


async def edit(user, message: dict, text: str) -> list:
    before = len(user.fake.sent_to(user.chat_id))
    await feed_and_wait(user.fake, {"edited_message": {**message, "text": text, "edit_date": 1_790_000_100}})
    return user.fake.sent_to(user.chat_id)[before:]


async def answers(core, user) -> dict:
    return (await find_draft(core, "telegram", str(user.chat_id))).state.answers


async def test_editing_the_last_answer_replaces_it_while_the_next_question_is_open(core, fake_telegram, running_bot):
    await running_bot()
    user = await at_description(core, fake_telegram)
    sent = await typed(user, "They sold my mother a care bed for 9000 yuan")
    assert step_of(user.last_with_buttons())[1] == "suspect_known"

    shown = await edit(user, sent, "They sold my mother a care bed for 19000 yuan and a mattress")
    assert (await answers(core, user))["description"] == "They sold my mother a care bed for 19000 yuan and a mattress"
    assert shown[0].text == "Thank you: your answer was corrected."
    assert step_of(shown[-1])[1] == "suspect_known"  # the next question again, nothing skipped

    shown = await edit(user, sent, "bed")  # the corrected answer is checked like any answer
    assert "Your earlier answer is kept." in shown[0].text
    assert (await answers(core, user))["description"] == "They sold my mother a care bed for 19000 yuan and a mattress"
    assert step_of(shown[-1])[1] == "suspect_known"


async def test_editing_an_answer_after_the_next_one_was_given_says_how_to_change_it(core, fake_telegram, running_bot):
    await running_bot()
    user = await at_description(core, fake_telegram)
    sent = await typed(user, "They sold my mother a care bed for 9000 yuan")
    await user.press(data_prefix=f"a:{step_of(user.last_with_buttons())[0]}:suspect_known:i:")
    before = await answers(core, user)
    current = step_of(user.last_with_buttons())[1]

    shown = await edit(user, sent, "Something else entirely, changed much later on")
    assert "does not change your report" in shown[0].text
    assert "⬅ Back" in shown[0].text and "Check your answers" in shown[0].text
    assert step_of(shown[-1])[1] == current
    assert await answers(core, user) == before


async def test_an_edit_outside_a_report_is_answered_too(core, fake_telegram, running_bot):
    await running_bot()
    user = new_user(fake_telegram)
    await user.send("/start")
    await user.press("English")
    await user.send("/cancel")
    sent = await typed(user, "hello")
    shown = await edit(user, sent, "hello again")
    assert shown and "Please send the correction as a new message." in shown[-1].text


async def test_editing_an_answer_changed_from_the_review_replaces_it_and_returns_to_the_review(core, fake_telegram, running_bot):
    await running_bot()
    user = new_user(fake_telegram)
    await user.send("/start")
    await user.press("English")
    assert await answer_until(user, core, "en", {**SON, "description": "A man sold my mother a care bed"}) == "__review__"
    d = step_of(user.last_with_buttons())[0]
    await user.press(data=f"a:{d}:__review__:ch:description")
    sent = await typed(user, "A man sold my mother a care bed for 9000 yuan")
    assert step_of(user.last_with_buttons())[1] == "__review__"

    shown = await edit(user, sent, "A man sold my mother a care bed for 19000 yuan")
    assert shown[0].text == "Thank you: your answer was corrected."
    assert "Check your answers" in shown[-1].text and "19000 yuan" in shown[-1].text
    assert (await answers(core, user))["description"] == "A man sold my mother a care bed for 19000 yuan"
