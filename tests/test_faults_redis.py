"""Redis down in the middle of a conversation: the bot keeps answering (its conversation state
falls back to memory, and the draft in the database is the truth), nothing the reporter typed
is lost, the rate limits count in the database meanwhile, and Redis is used again once back."""
from __future__ import annotations

from redis.asyncio import Redis
from sqlalchemy import func, select

from bot import app as bot_app
from bot.app import make_storage
from intake.platform import ratelimit
from intake.reporting.drafts import find_draft
from intake.platform.models.operations import RateCounter
from intake.platform.models.tips import Tip
from tests.bot_harness import answer_until, fake_telegram, new_user, running_bot  # noqa: F401 - fixtures
from tests.test_bot_reporting import SON
from tests.test_faults_support import RedisServer, redis_server  # noqa: F401 - fixture


async def counters(core) -> int:
    async with core.db.session() as session:
        return await session.scalar(select(func.count()).select_from(RateCounter))


async def test_redis_down_mid_conversation_loses_nothing_and_the_bot_answers(core, fake_telegram, running_bot, redis_server, monkeypatch):
    monkeypatch.setattr(bot_app, "REDIS_RETRY_SECONDS", 0.2)
    monkeypatch.setattr(ratelimit, "REDIS_RETRY_SECONDS", 0.2)
    core.settings = core.settings.model_copy(update={"redis_url": redis_server.url})
    await running_bot(make_storage(redis_server.url))
    before = await counters(core)  # what this conversation adds is counted, whatever an earlier test left
    user = new_user(fake_telegram)
    await user.send("/start")
    await user.press("English")
    assert await answer_until(user, core, "en", SON, stop_at="description") == "description"
    assert await counters(core) - before == 0  # the chat's rate limit counted in Redis

    redis_server.kill()
    shown = await user.send(SON["description"])
    assert "Do you know anything about who did this" in shown[-1].text  # the next question, at once
    draft = await find_draft(core, "telegram", str(user.chat_id))
    assert draft.state.answers["description"] == SON["description"]
    assert await counters(core) - before == 1  # the limit still holds: counted in the database

    revived = RedisServer()  # Redis comes back (empty) on the same address
    revived.port = redis_server.port
    await revived.start()
    try:
        assert await answer_until(user, core, "en", SON) == "__review__"
        receipt = await user.press("Send the report")
        assert any("Your tracking code is:" in message.text for message in receipt)
        redis = Redis.from_url(revived.url)
        assert await redis.exists(f"fsm:{user.chat_id}:{user.chat_id}:data")  # Redis is used again
        await redis.aclose()
    finally:
        revived.kill()
    async with core.db.session() as session:
        tip = await session.scalar(select(Tip))
    assert tip.answers["description"] == SON["description"]
