"""Running the real bot against the fake Bot API, and walking its questionnaire as a person
would: by pressing the buttons the bot sent and typing answers."""
from __future__ import annotations

import asyncio
import itertools
from contextlib import suppress
from dataclasses import dataclass

import pytest
from aiogram.fsm.storage.base import BaseStorage

from bot.app import build_dispatcher, make_bot
from bot.callbacks import Step
from intake.domain import conversation as conv
from intake.domain.questionnaire import STEP_BY_KEY
from tests.fake_telegram import TOKEN, FakeTelegram, FakeUser, Sent

_chat_ids = itertools.count(5_000_001)


@pytest.fixture
async def fake_telegram():
    fake = await FakeTelegram().start()
    yield fake
    await fake.stop()


class RunningBot:
    """The bot process: a Bot, a Dispatcher and its polling task; `kill()` ends it abruptly."""

    def __init__(self, core, fake: FakeTelegram, storage: BaseStorage | None = None, *, as_tasks: bool = False) -> None:
        self.core, self.fake, self.storage, self.as_tasks = core, fake, storage, as_tasks

    async def start(self) -> RunningBot:
        """Updates one after the other (`FakeUser.send` returns the replies), or, `as_tasks`, each
        in its own task as `tipline bot` runs them (then wait for replies with `shown_in`)."""
        self.bot = make_bot(TOKEN, api_base=self.fake.base_url)
        self.dispatcher = build_dispatcher(self.core, storage=self.storage)
        self.task = asyncio.create_task(self.dispatcher.start_polling(
            self.bot, handle_signals=False, handle_as_tasks=self.as_tasks, polling_timeout=1, close_bot_session=False))
        return self

    async def kill(self) -> None:
        self.task.cancel()
        with suppress(asyncio.CancelledError):
            await self.task
        await self.bot.session.close()


@pytest.fixture
async def running_bot(core, fake_telegram):
    bots: list[RunningBot] = []

    async def start(storage: BaseStorage | None = None, *, as_tasks: bool = False) -> RunningBot:
        bot = await RunningBot(core, fake_telegram, storage, as_tasks=as_tasks).start()
        bots.append(bot)
        return bot

    yield start
    for bot in bots:
        if not bot.task.done():
            await bot.kill()


async def shown_in(fake: FakeTelegram, chat_id: int, words: str, *, after: int = 0, timeout: float = 30) -> Sent:
    """The first message from index `after` on in the chat that contains `words`, waited for
    (a bot that handles updates as tasks answers after `FakeUser.send` returned)."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while True:
        found = [m for m in fake.sent_to(chat_id)[after:] if words in m.text]
        if found:
            return found[0]
        if loop.time() > deadline:
            raise AssertionError(f"no message with {words!r} within {timeout} s")
        await asyncio.sleep(0.02)


def new_user(fake: FakeTelegram, language_code: str | None = "en") -> FakeUser:
    return FakeUser(fake, next(_chat_ids), language_code=language_code)


# --- answers, language-independent --------------------------------------------------------

@dataclass(frozen=True)
class Choose:
    value: str


@dataclass(frozen=True)
class Multi:
    values: tuple[str, ...]


@dataclass(frozen=True)
class Files:
    photos: tuple[bytes, ...]


class _Skip:
    pass


class _DontKnow:
    pass


SKIP = _Skip()
DONT_KNOW = _DontKnow()


def step_of(message: Sent) -> tuple[str, str] | None:
    """(draft ref, question key) of a question message, from its buttons."""
    for _, data in message.buttons():
        if data.startswith("a:"):
            step = Step.unpack(data)
            return step.d, step.k
    return None



async def answer_current(user: FakeUser, core, language: str, answer) -> list[Sent]:
    message = user.last_with_buttons()
    d, key = step_of(message)
    if isinstance(answer, str):
        return await user.send(answer)
    if answer is SKIP:  # leave it out, or else "I don't know"
        offered = {data.split(":")[3] for _, data in message.buttons() if data.startswith("a:")}
        action = next(a for a in ("sk", "fd", "dk") if a in offered)
        return await user.press(data_prefix=f"a:{d}:{key}:{action}")
    if answer is DONT_KNOW:
        return await user.press(data_prefix=f"a:{d}:{key}:dk")
    choices = conv.options(STEP_BY_KEY[key], language, core.deployment)
    values = [c.value for c in choices]
    if isinstance(answer, Choose):
        return await user.press(data=f"a:{d}:{key}:i:{values.index(answer.value)}")
    if isinstance(answer, Multi):
        mask = 0
        for value in answer.values:
            mask ^= 1 << values.index(value)
            await user.press(data=f"a:{d}:{key}:t:{mask}")
        return await user.press(data_prefix=f"a:{d}:{key}:m:")
    if isinstance(answer, Files):
        for photo in answer.photos:
            await user.send_photo(photo)
        return await user.press(data_prefix=f"a:{d}:{key}:fd")
    raise AssertionError(answer)


async def answer_until(user: FakeUser, core, language: str, answers: dict, *, stop_at: str | None = None) -> str:
    """Answer question after question until the review (or the question `stop_at`)."""
    for _ in range(60):
        d, key = step_of(user.last_with_buttons())
        if key == conv.REVIEW or key == stop_at:
            return key
        await answer_current(user, core, language, answers.get(key, SKIP))
    raise AssertionError("the questionnaire did not end")
