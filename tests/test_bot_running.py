"""How the bot runs: RedisStorage against a real redis-server, the webhook app and its secret,
and a question added to the questionnaire appearing in the bot with no bot code changed."""
from __future__ import annotations

import asyncio
import shutil
import socket
import subprocess

import httpx
import pytest

from bot.app import build_dispatcher, make_bot, make_storage, webhook_app
from i18n import N_
from intake.domain import conversation, questionnaire
from intake.reporting.drafts import find_draft
from intake.domain.steps import Kind, Option, Step
from tests.bot_harness import Choose, answer_current, answer_until, fake_telegram, new_user, running_bot  # noqa: F401
from tests.fake_telegram import TOKEN

FIRST = {"urgent": Choose("no"), "reporting_for": Choose("self"), "category": Choose("care_product")}


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
async def redis_url():
    server = shutil.which("redis-server")
    if server is None:
        pytest.skip(reason="redis-server is not installed (scripts/system-packages.sh installs it)")
    port = _free_port()
    process = subprocess.Popen([server, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        for _ in range(100):
            try:
                _, writer = await asyncio.open_connection("127.0.0.1", port)
                writer.close()
                break
            except OSError:
                await asyncio.sleep(0.05)
        yield f"redis://127.0.0.1:{port}/0"
    finally:
        process.terminate()
        process.wait(timeout=10)


async def test_with_redis_the_conversation_pointer_survives_a_restart(core, fake_telegram, running_bot, redis_url):
    first = await running_bot(make_storage(redis_url))
    user = new_user(fake_telegram)
    await user.send("/start")
    await user.press("English")
    await answer_until(user, core, "en", FIRST, stop_at="description")
    record = await find_draft(core, "telegram", str(user.chat_id))
    key = f"fsm:{user.chat_id}:{user.chat_id}:data"
    from redis.asyncio import Redis

    redis = Redis.from_url(redis_url)
    assert record.id.encode() in await redis.get(key)  # only a pointer at the draft
    await first.kill()
    await first.dispatcher.storage.close()

    await running_bot(make_storage(redis_url))
    shown = await user.send("Free lectures, then pills for 2000 yuan a box.")
    assert "Do you know anything about who did this" in shown[-1].text
    await redis.aclose()


async def test_the_webhook_needs_telegrams_secret_and_feeds_the_dispatcher(core, fake_telegram):
    bot = make_bot(TOKEN, api_base=fake_telegram.base_url)
    app = webhook_app(bot, build_dispatcher(core), secret="s3cret-token")
    update = {"update_id": 1, "message": {"message_id": 1, "date": 1_790_000_000, "text": "/start",
                                          "chat": {"id": 8_000_001, "type": "private"},
                                          "from": {"id": 8_000_001, "is_bot": False, "first_name": "W"},
                                          "entities": [{"type": "bot_command", "offset": 0, "length": 6}]}}
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://bot") as client:
        refused = await client.post("/telegram/webhook", json=update, headers={"X-Telegram-Bot-Api-Secret-Token": "wrong"})
        assert refused.status_code == 403
        accepted = await client.post("/telegram/webhook", json=update, headers={"X-Telegram-Bot-Api-Secret-Token": "s3cret-token"})
        assert accepted.status_code == 200
    await asyncio.gather(*app.state.pending)
    assert "Please choose your language." in fake_telegram.sent_to(8_000_001)[0].text
    await bot.session.close()


async def test_a_question_added_to_the_questionnaire_shows_up_in_the_bot(core, fake_telegram, running_bot, monkeypatch):
    added = Step("heard_from", Kind.CHOICE, N_("How did you hear about it?"),
                 options=(Option("tv", N_("On television")), Option("friend", N_("From a friend"))))
    questions = (*questionnaire.QUESTIONS[:2], added, *questionnaire.QUESTIONS[2:])
    for module in (questionnaire, conversation):
        monkeypatch.setattr(module, "QUESTIONS", questions)
        monkeypatch.setattr(module, "STEP_BY_KEY", {s.key: s for s in questions})
    await running_bot()
    user = new_user(fake_telegram)
    await user.send("/start")
    await user.press("English")
    await answer_current(user, core, "en", Choose("no"))
    shown = await answer_current(user, core, "en", Choose("self"))
    assert "How did you hear about it?" in shown[-1].text
    assert [label for label, _ in shown[-1].buttons()][:2] == ["1. On television", "2. From a friend"]
    shown = await user.press("2. From a friend")
    assert "What was it about?" in shown[-1].text
    assert (await find_draft(core, "telegram", str(user.chat_id))).state.answers["heard_from"] == "friend"
