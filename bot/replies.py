"""What the bot says in answer to one update: queued while the update is handled under the
chat's lock, sent after the lock is released, so a stalled Telegram call never holds up the
chat's next message; sent in the order the chat's updates took the lock; and each call tried
again until Telegram takes it, because by then the answer is stored: asking the person to send
it again would file it under the next question.

`ReplyOrder.collect()` wraps the handling of one update (bot/app.py); `queue()` is how a
handler speaks; `input_stored()` tells that what the person sent is stored, so that a failure
after it says so instead of asking them to send it again. The order holds within one process: with several webhook workers (a Redis
lock), two updates of one chat reaching two workers are stored in order, but their replies may
cross.
"""
from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from contextvars import ContextVar
from dataclasses import dataclass

from aiogram import Bot
from aiogram.exceptions import (
    ClientDecodeError,
    TelegramAPIError,
    TelegramBadRequest,
    TelegramForbiddenError,
    TelegramNetworkError,
    TelegramNotFound,
    TelegramRetryAfter,
    TelegramServerError,
)
from aiogram.methods import TelegramMethod

log = logging.getLogger(__name__)

#: Seconds one call may take. A reply is a small message that Telegram takes in well under a
#: second; a call stuck longer (a connection that died) is given up and tried again, at the
#: cost of the message perhaps arriving twice, rather than the chat waiting aiogram's minute.
CALL_TIMEOUT = 3
GIVE_UP_AFTER = 60.0  # seconds of Telegram failing before an update's remaining replies are dropped (logged)
FIRST_PAUSE = 0.2  # seconds before the first new try, doubled after each failure up to MAX_PAUSE
MAX_PAUSE = 5.0


@dataclass(frozen=True)
class Reply:
    method: TelegramMethod
    instead: tuple[TelegramMethod, ...] = ()  # sent if Telegram refuses `method` (a message too old to edit)


class _Delivery:
    """One update's replies to one chat, and its place in that chat's order."""

    def __init__(self, before: asyncio.Future | None, done: asyncio.Future) -> None:
        self.before, self.done = before, done
        self.replies: list[Reply] = []


class _Collected:
    def __init__(self, order: ReplyOrder, bot: Bot) -> None:
        self.order, self.bot = order, bot
        self.chats: dict[int, _Delivery] = {}
        self.stored = False


_collecting: ContextVar[_Collected | None] = ContextVar("bot_replies", default=None)


class ReplyOrder:
    """For each chat, the delivery of the update that queued its replies last: the next
    update's replies wait for it. One per dispatcher."""

    def __init__(self) -> None:
        self._last: dict[int, asyncio.Future] = {}

    @asynccontextmanager
    async def collect(self, bot: Bot) -> AsyncIterator[None]:
        """Replies queued inside are sent when it ends (after the chat's lock, which is taken
        and released inside), even when handling failed: what was stored has its replies."""
        collected = _Collected(self, bot)
        token = _collecting.set(collected)
        cancelled = False
        try:
            yield
        except asyncio.CancelledError:  # shutting down: nothing more is sent
            cancelled = True
            raise
        finally:
            _collecting.reset(token)
            try:
                if not cancelled:
                    await _deliver(collected)
            finally:
                self._release(collected)  # the chat's next replies never wait for these in vain

    def _reserve(self, chat_id: int) -> _Delivery:
        done = asyncio.get_running_loop().create_future()
        delivery = _Delivery(self._last.get(chat_id), done)
        self._last[chat_id] = done  # reserved under the chat's lock: the order the updates took it
        return delivery

    def _release(self, collected: _Collected) -> None:
        for chat_id, delivery in collected.chats.items():
            if not delivery.done.done():
                delivery.done.set_result(None)
            if self._last.get(chat_id) is delivery.done:
                del self._last[chat_id]


async def queue(bot: Bot, chat_id: int, method: TelegramMethod, *, instead: Sequence[TelegramMethod] = ()) -> None:
    """Say `method` to the chat once the update is handled; outside an update's handling, now."""
    reply = Reply(method, tuple(instead))
    collected = _collecting.get()
    if collected is None or collected.bot is not bot:
        await _send_all(bot, [reply])
        return
    delivery = collected.chats.get(chat_id)
    if delivery is None:
        delivery = collected.chats[chat_id] = collected.order._reserve(chat_id)
    delivery.replies.append(reply)


def input_stored() -> None:
    """What this update brought (an answer, a press, a file) is stored."""
    collected = _collecting.get()
    if collected is not None:
        collected.stored = True


def stored_before_failing() -> bool:
    """Whether this update's input was stored (read by the error handler)."""
    collected = _collecting.get()
    return collected is not None and collected.stored


async def _deliver(collected: _Collected) -> None:
    for delivery in collected.chats.values():
        if delivery.before is not None:
            await asyncio.shield(delivery.before)  # the chat's earlier replies first
        await _send_all(collected.bot, delivery.replies)
        delivery.done.set_result(None)


async def _send_all(bot: Bot, replies: list[Reply]) -> None:
    deadline = asyncio.get_running_loop().time() + GIVE_UP_AFTER
    for reply in replies:
        if not await _send(bot, reply, deadline):
            if len(replies) > 1:
                log.error("bot: %d replies to a chat were not sent", len(replies) - replies.index(reply))
            return


async def _send(bot: Bot, reply: Reply, deadline: float) -> bool:
    """True when Telegram took the call, or refused it for good (logged); False when it could
    not be reached before `deadline`, or the person blocked the bot: send nothing more."""
    loop, pause, methods = asyncio.get_running_loop(), FIRST_PAUSE, [reply.method]
    while methods:
        method = methods[0]
        try:
            await bot(method, request_timeout=CALL_TIMEOUT)
            methods.pop(0)
            continue
        except TelegramRetryAfter as error:
            wait = float(error.retry_after)
        except (TelegramServerError, TelegramNetworkError, ClientDecodeError) as error:
            wait, pause = pause, min(pause * 2, MAX_PAUSE)
            log.warning("bot: a reply failed (%s); trying again in %.1f s", type(error).__name__, wait)
        except TelegramForbiddenError:
            log.info("bot: the person blocked the bot; the reply is not sent")
            return False
        except (TelegramBadRequest, TelegramNotFound) as error:
            # Names the error type only: Telegram's text may quote the chat.
            log.info("bot: Telegram refused a reply (%s: %s)", type(error).__name__, method.__api_method__)
            methods = list(reply.instead) if method is reply.method else methods[1:]
            continue
        except TelegramAPIError as error:
            log.error("bot: a reply could not be sent (%s)", type(error).__name__)
            return False
        if loop.time() + wait > deadline:
            log.error("bot: Telegram could not be reached for %.0f s; a reply was not sent", GIVE_UP_AFTER)
            return False
        await asyncio.sleep(wait)
    return True
