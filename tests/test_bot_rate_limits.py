"""The bot's per-chat rate limit and its one read per update: counted in this process's memory
when every update comes here (long polling), in the database for a webhook (updates reach any
worker); the person and their open draft read in one statement, the answer saved in one."""
from __future__ import annotations

import itertools
from datetime import datetime, timezone

from aiogram import Bot
from aiogram.client.session.base import BaseSession
from aiogram.fsm.storage.base import StorageKey
from aiogram.fsm.storage.memory import MemoryStorage
from aiogram.methods import SendMessage
from aiogram.types import Chat, Message, MessageEntity, Update, User
from sqlalchemy import event, func, select

from bot.app import CHAT_LIMIT, build_dispatcher, webhook_app
from bot.chat import CAPABILITIES, CHANNEL, POINTER
from bot.users import set_language
from intake.domain import conversation as conv
from intake.platform import ratelimit
from intake.reporting.drafts import discard_draft, get_draft, new_draft
from intake.platform.models.operations import RateCounter

TOKEN = "123456:TEST-token-for-a-recording-session"


class RecordingSession(BaseSession):
    """A Bot API answered in this process: the texts sent, per chat."""

    def __init__(self) -> None:
        super().__init__()
        self.sent: dict[int, list[str]] = {}
        self._ids = itertools.count(1)

    async def make_request(self, bot: Bot, method, timeout: int | None = None):  # noqa: ANN001
        if isinstance(method, SendMessage):
            self.sent.setdefault(int(method.chat_id), []).append(method.text)
            return Message(message_id=next(self._ids), date=datetime.now(timezone.utc),
                           chat=Chat(id=int(method.chat_id), type="private"), text=method.text)
        return True

    async def stream_content(self, *args, **kwargs):  # noqa: ANN002, ANN003
        yield b""

    async def close(self) -> None:
        return None


_update_ids = itertools.count(1)


def _text(chat_id: int, text: str) -> Update:
    entities = [MessageEntity(type="bot_command", offset=0, length=len(text))] if text.startswith("/") else None
    return Update(update_id=next(_update_ids), message=Message(
        message_id=next(_update_ids), date=datetime.now(timezone.utc), chat=Chat(id=chat_id, type="private"),
        from_user=User(id=chat_id, is_bot=False, first_name="R", language_code="en"), text=text, entities=entities))


async def _counters(core) -> int:
    async with core.db.session() as session:
        return await session.scalar(select(func.count()).select_from(RateCounter))


def test_local_counts_count_each_key_per_window_and_forget_windows_past():
    limit = ratelimit.Limit("test-local", 2, 60)
    counts = ratelimit.LocalCounts()
    assert [counts.hit(limit, "a", 120.0) for _ in range(3)] == [True, True, False]
    assert counts.hit(limit, "b", 179.9)  # another key, same window
    assert counts.hit(limit, "a", 180.0)  # the next window (aligned on the clock): counted afresh
    assert len(counts) == 1  # the past window's keys are gone


async def test_a_polled_chat_is_limited_in_memory_and_nothing_is_written(core, clock):
    session = RecordingSession()
    bot = Bot(TOKEN, session=session)
    dispatcher = build_dispatcher(core)
    flooding, other = 9_100_001, 9_100_002
    await dispatcher.feed_update(bot, _text(flooding, "/help"))
    each = len(session.sent[flooding])  # messages in one answer
    for _ in range(CHAT_LIMIT.count + 4):
        await dispatcher.feed_update(bot, _text(flooding, "/help"))
    answered = len(session.sent[flooding])
    assert answered == CHAT_LIMIT.count * each  # the first 60 in the minute answered, the rest dropped
    await dispatcher.feed_update(bot, _text(other, "/help"))
    assert session.sent[other]  # another chat is not held back
    assert await _counters(core) == 0  # counted in memory: no database write per update
    clock.advance(seconds=CHAT_LIMIT.seconds)
    await dispatcher.feed_update(bot, _text(flooding, "/help"))
    assert len(session.sent[flooding]) > answered  # a new window


async def test_a_webhook_counts_chats_where_every_worker_sees_them(core):
    session = RecordingSession()
    bot = Bot(TOKEN, session=session)
    dispatcher = build_dispatcher(core)
    webhook_app(bot, dispatcher, secret="s3cret")  # its updates may reach any worker
    await dispatcher.feed_update(bot, _text(9_200_001, "/help"))
    assert session.sent[9_200_001]
    assert await _counters(core) == 1  # no Redis configured: the database counts
    shared = build_dispatcher(core, shared_limits=True)
    await shared.feed_update(bot, _text(9_200_002, "/help"))
    assert await _counters(core) == 2


async def test_an_answer_is_one_read_and_one_write_and_a_stale_pointer_is_found_again(core):
    session = RecordingSession()
    bot = Bot(TOKEN, session=session)
    storage = MemoryStorage()
    dispatcher = build_dispatcher(core, storage=storage)
    chat_id = 9_300_001
    await set_language(core, chat_id, "en")
    record = await new_draft(core, CHANNEL, str(chat_id), "en", CAPABILITIES)
    key = StorageKey(bot_id=bot.id, chat_id=chat_id, user_id=chat_id)
    await storage.set_data(key, {POINTER: record.id})
    first = conv.prompt(record.state, conv.Context(core.deployment, core.today(), CAPABILITIES))

    statements: list[str] = []

    def count(_conn, _cursor, statement, *_args) -> None:  # noqa: ANN001
        statements.append(statement.split()[0])

    engines = {core.db.writer.sync_engine, core.db.reader.sync_engine}
    for engine in engines:
        event.listen(engine, "before_cursor_execute", count)
    try:
        await dispatcher.feed_update(bot, _text(chat_id, "1"))  # the first button's answer, typed
    finally:
        for engine in engines:
            event.remove(engine, "before_cursor_execute", count)
    assert statements == ["SELECT", "UPDATE"]  # the person and the draft at once; the draft saved
    saved = await get_draft(core, record.id)
    assert saved.state.answers[first.key] == first.choices[0].value
    assert saved.state.current != first.key
    assert "Who are you reporting for?" in session.sent[chat_id][-1]

    await discard_draft(core, record.id)  # the pointer now points at nothing
    await dispatcher.feed_update(bot, _text(chat_id, "hello"))
    assert "Question" not in session.sent[chat_id][-1]  # no draft: the idle answer, not a question
    assert (await storage.get_data(key)).get(POINTER) is None  # the pointer was put right
