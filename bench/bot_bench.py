"""A bot questionnaire step (an update in, the draft read and saved, the next question out)
through aiogram's `Dispatcher.feed_update` with the product's dispatcher, against a bare aiogram
FSM step that reads one row and writes one row, on the same database, in the same run.

    .venv/bin/python -m bench.bot_bench                  # 1,000 updates each, SQLite
    .venv/bin/python -m bench.bot_bench --updates 3000 --databases sqlite,postgres

Both bots get the same fake Bot API session (every call answered at once in this process, no
network), so the figure is the product's own cost per step. Each product update is a reporter,
already in the conversation, typing the answer to "what happened" (a free-text question):
the chat guard counts it against the chat's rate limit, the draft is read and opened, the answer
checked, the draft sealed and saved, and the next question sent with its buttons. Updates are
fed one after another, on one core.
"""
from __future__ import annotations

import argparse
import asyncio
import cProfile
import itertools
import pstats
import sys
import time
from datetime import datetime, timezone
from pathlib import Path

from aiogram import Bot, Dispatcher, Router
from aiogram.client.session.base import BaseSession
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State, StatesGroup
from aiogram.fsm.storage.base import StorageKey
from aiogram.fsm.storage.memory import MemoryStorage
from aiogram.methods import SendMessage
from aiogram.types import Chat, Message, Update, User

from bench.common import COMPLETE_REPORT, Figure, database_urls, fresh_dir, postgres_available, prepare_database, report, say

TARGET = 0.5
TOKEN = "123456:BENCH-token-for-the-fake-session"
STEP_KEY = "description"  # the free-text question every product update answers
FIRST_CHAT = 7_000_001
PROFILE = False  # --profile: cProfile around the product's updates, printed


class FakeSession(BaseSession):
    """A Bot API that answers every call at once: sendMessage returns the message, others True."""

    def __init__(self) -> None:
        super().__init__()
        self.calls = 0
        self.sent_to: set[int] = set()
        self._ids = itertools.count(1)

    async def make_request(self, bot: Bot, method, timeout: int | None = None):  # noqa: ANN001
        self.calls += 1
        if isinstance(method, SendMessage):
            self.sent_to.add(int(method.chat_id))
            return Message(message_id=next(self._ids), date=datetime.now(timezone.utc),
                           chat=Chat(id=int(method.chat_id), type="private"), text=method.text)
        return True

    async def stream_content(self, *args, **kwargs):  # noqa: ANN002, ANN003
        yield b""

    async def close(self) -> None:
        return None


def text_update(update_id: int, chat_id: int, text: str) -> Update:
    return Update(update_id=update_id, message=Message(
        message_id=update_id, date=datetime.now(timezone.utc), chat=Chat(id=chat_id, type="private"),
        from_user=User(id=chat_id, is_bot=False, first_name="Reporter", language_code="zh-hans"), text=text))


async def prepare_chats(core, storage: MemoryStorage, bot: Bot, chats: list[int]) -> dict[int, str]:
    """Each chat chose Chinese and has a draft at STEP_KEY, pointed at by its conversation state."""
    from bot.chat import CAPABILITIES, CHANNEL, POINTER
    from bot.users import set_language
    from intake.domain import conversation as conv
    from intake.reporting.drafts import new_draft, save_draft

    drafts = {}
    ctx = conv.Context(core.deployment, core.today(), CAPABILITIES)
    for chat_id in chats:
        await set_language(core, chat_id, "zh_Hans")
        record = await new_draft(core, CHANNEL, str(chat_id), "zh_Hans", CAPABILITIES)
        while record.state.current != STEP_KEY:
            outcome = conv.answer(record.state, COMPLETE_REPORT[record.state.current], ctx)
            assert outcome.error is None, outcome.error
            record.state = outcome.state
        await save_draft(core, record)
        await storage.set_data(StorageKey(bot_id=bot.id, chat_id=chat_id, user_id=chat_id), {POINTER: record.id})
        drafts[chat_id] = record.id
    return drafts


async def timed(dispatcher: Dispatcher, bot: Bot, updates: list[Update], profiler: cProfile.Profile | None = None) -> float:
    """Seconds to feed `updates` one after another."""
    started = time.perf_counter()
    if profiler:
        profiler.enable()
    for update in updates:
        await dispatcher.feed_update(bot, update)
    if profiler:
        profiler.disable()
    return time.perf_counter() - started


class Form(StatesGroup):
    step = State()


def bare_dispatcher(core, drafts: dict[int, str]) -> Dispatcher:
    """A bare aiogram FSM step: read one row, write one row (SQLAlchemy Core), set the state, reply."""
    from sqlalchemy import select, update

    from intake.platform.models.reporting import Draft

    table = Draft.__table__
    reader, writer = core.db.reader, core.db.writer
    router = Router()

    @router.message(Form.step)
    async def step(message: Message, state: FSMContext) -> None:
        draft_id = drafts[message.chat.id]
        async with reader.connect() as connection:
            sealed = (await connection.execute(select(table.c.sealed_state).where(table.c.id == draft_id))).scalar_one()
        async with writer.begin() as connection:
            await connection.execute(update(table).where(table.c.id == draft_id).values(
                sealed_state=sealed, updated_at=datetime.now(timezone.utc)))
        await state.set_state(Form.step)
        await message.answer(f"2/20 {message.text[:20]}")

    dispatcher = Dispatcher(storage=MemoryStorage())
    dispatcher.include_router(router)
    return dispatcher


async def measure(kind: str, updates: int, base: Path | None, rounds: int = 3) -> Figure:
    from bot.app import build_dispatcher
    from intake.reporting.drafts import get_draft
    from intake.platform.settings import Settings
    from tipline.bootstrap import bootstrap

    directory = fresh_dir(f"bot-{kind}", base)
    url, _baseline_url = database_urls(kind, directory)
    await prepare_database(url)
    core = await bootstrap(Settings(env="development", var_dir=directory, database_url=url))
    try:
        chats = list(range(FIRST_CHAT, FIRST_CHAT + updates))
        session = FakeSession()
        bot = Bot(TOKEN, session=session)
        storage = MemoryStorage()
        drafts = await prepare_chats(core, storage, bot, chats)
        product = build_dispatcher(core, storage=storage)
        bare_session = FakeSession()
        bare_bot = Bot(TOKEN, session=bare_session)
        bare = bare_dispatcher(core, drafts)
        for chat_id in chats:
            await bare.storage.set_state(StorageKey(bot_id=bare_bot.id, chat_id=chat_id, user_id=chat_id), Form.step)
        await product.feed_update(bot, text_update(0, chats[0], "/help"))  # warm-up: imports, catalogs
        await bare.feed_update(bare_bot, text_update(0, chats[0], "warm-up"))
        product_updates = [text_update(i, chat_id, COMPLETE_REPORT[STEP_KEY]) for i, chat_id in enumerate(chats, 1)]
        bare_updates = [text_update(i, chat_id, COMPLETE_REPORT[STEP_KEY]) for i, chat_id in enumerate(chats, 1)]
        profiler = cProfile.Profile() if PROFILE else None
        product_seconds = bare_seconds = 0.0
        size = -(-updates // rounds)
        for first in range(0, updates, size):  # in turns: a shared machine's load weighs on both alike
            product_seconds += await timed(product, bot, product_updates[first:first + size], profiler)
            bare_seconds += await timed(bare, bare_bot, bare_updates[first:first + size])
        moved = 0
        for draft_id in drafts.values():
            record = await get_draft(core, draft_id)
            moved += record is not None and record.state.answers.get(STEP_KEY) == COMPLETE_REPORT[STEP_KEY]
    finally:
        await core.db.dispose()
    if profiler:
        pstats.Stats(profiler, stream=sys.stdout).sort_stats("tottime").print_stats(30)
    notes = [
        f"{updates:,} updates each, in {rounds} turns; product: {moved:,} drafts saved with the answer, "
        f"{len(session.sent_to):,} chats got the next question ({session.calls:,} Bot API calls); "
        f"baseline: {bare_session.calls:,} calls",
    ]
    return report(Figure(f"bot questionnaire step, {kind}", updates / product_seconds, updates / bare_seconds,
                         "updates/s", TARGET, notes))


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--databases", default="sqlite,postgres")
    parser.add_argument("--updates", type=int, default=1000)
    parser.add_argument("--rounds", type=int, default=3, help="turns of product and baseline updates (shared machine)")
    parser.add_argument("--dir", type=Path, default=None)
    parser.add_argument("--profile", action="store_true", help="cProfile the product's updates and print the top")
    args = parser.parse_args(argv)
    global PROFILE
    PROFILE = args.profile
    say(f"# bot questionnaire step (target >= {TARGET}x a bare aiogram FSM step reading and writing one row)")
    for kind in args.databases.split(","):
        if kind == "postgres" and not postgres_available():
            say("postgres: no server at TIPLINE_BENCH_DATABASE_URL; skipped")
            continue
        asyncio.run(measure(kind, args.updates, args.dir, args.rounds))


if __name__ == "__main__":
    main()
