"""The Telegram channel of the core's outbox: delivers a progress notice to the chat a tip
came from (registered with intake.notify.dispatch.Dispatcher by the composition root), and an alert
to a unit (intake/notify/unit_alerts.py) to the unit's group chat.

Failures map onto the outbox's retry rules:
- the person blocked the bot (403): not retried; the chat is marked blocked and is not sent to
  again until the person writes to the bot (the notification is kept as `dead` with the reason,
  which staff see in the tip's delivery report);
- 429 Too Many Requests: Telegram's `retry_after` is honoured. A wait of up to
  `max_inline_wait` seconds is slept here and the send tried once more; a longer one raises
  `RateLimited` (a retryable DeliveryError carrying `retry_after`), and the dispatcher's backoff
  takes over (10 s, 20 s, 40 s, ...), which only ever waits longer than asked at its first tries
  if retry_after is short, and catches up after a few tries if it is long;
- network errors, timeouts and 5xx: retried;
- any other refusal (400 chat not found, ...): not retried.

A notice longer than 4096 characters is sent as several messages. A retry after a failure in
the middle of them re-sends the first parts: the one repeat the outbox allows.
"""
from __future__ import annotations

import asyncio
import logging
from collections.abc import Sequence
from dataclasses import replace

from aiogram import Bot
from aiogram.exceptions import (
    ClientDecodeError,
    TelegramBadRequest,
    TelegramForbiddenError,
    TelegramMigrateToChat,
    TelegramNetworkError,
    TelegramNotFound,
    TelegramRetryAfter,
    TelegramServerError,
    TelegramUnauthorizedError,
)
from sqlalchemy import select

from bot import render, texts
from bot.followup import unrated_closed
from bot.users import get_user, set_blocked, user_hash
from bot.warnings_command import stop_keyboard
from i18n import Translator
from intake.platform.core import Core
from intake.platform.db import in_chunks
from intake.platform.models.reporting import ChannelUser
from intake.notify.outbox import UNIT_ALERT, WARNING_NOTICE, DeliveryError, Notice
from intake.domain.workflow import STATUS_LABELS, Status

log = logging.getLogger(__name__)

#: Notice.looked_up key: the chat blocked the bot (read by `prepare` for a whole round).
BLOCKED = "telegram_blocked"


class RateLimited(DeliveryError):
    """Telegram asked us to wait `retry_after` seconds (HTTP 429)."""

    def __init__(self, retry_after: float) -> None:
        super().__init__(f"Telegram asks to wait {retry_after:g} s (429)", retry=True, retry_after=retry_after)
        self.retry_after = retry_after


class TelegramChannel:
    """intake.notify.outbox.Channel for Telegram: `send(notice)` posts `notice.body` to the chat
    `notice.address`."""

    name = "telegram"

    def __init__(self, bot: Bot, core: Core, *, max_inline_wait: float = 5.0) -> None:
        self.bot = bot
        self.core = core
        self.max_inline_wait = max_inline_wait

    async def prepare(self, notices: Sequence[Notice]) -> list[Notice]:
        """The round's notices with whether each chat blocked the bot, read in one query for
        them all (intake.notify.outbox.Channel.prepare), so `send` reads nothing per notice."""
        hashes = {address: user_hash(self.core, address) for address in {n.address for n in notices if n.template != UNIT_ALERT}}
        blocked: set[str] = set()
        wanted = sorted(set(hashes.values()))
        async with self.core.db.session() as session:
            for some in in_chunks(wanted):
                blocked.update(await session.scalars(
                    select(ChannelUser.user_hash).where(ChannelUser.user_hash.in_(some), ChannelUser.blocked)
                ))
        return [
            replace(n, looked_up={**n.looked_up, BLOCKED: hashes[n.address] in blocked}) if n.address in hashes else n
            for n in notices
        ]

    async def send(self, notice: Notice) -> None:
        if notice.template == UNIT_ALERT:  # a unit's group chat: no person to look up, mark blocked or ask for a rating
            for part in render.split(notice.body):
                await self._send_one(notice, part, None, group=True)
            return
        if BLOCKED in notice.looked_up:
            blocked = notice.looked_up[BLOCKED]
        else:
            user = await get_user(self.core, notice.address)
            blocked = user is not None and user.blocked
        if blocked:
            raise DeliveryError("the person blocked the bot (403); waiting until they write to it again", retry=False)
        body, markup = notice.body, None
        rating_for = await self._finished_unrated_tip(notice)
        if notice.template == WARNING_NOTICE:  # a subscriber's warning: opting out is one tap
            markup = stop_keyboard(int(notice.params["subscription"]), notice.params["region"], Translator(notice.language))
        elif rating_for is not None:  # a notice that the report is finished asks how it went (回访)
            _ = Translator(notice.language)
            body, markup = f"{body}\n\n{_(texts.RATE_QUESTION)}", render.rating_keyboard(rating_for, _)
        parts = render.split(body)
        for i, part in enumerate(parts):
            last = i == len(parts) - 1
            await self._send_one(notice, part, markup if last else None)

    async def _send_one(self, notice: Notice, text: str, markup, *, group: bool = False) -> None:
        waited = False
        while True:
            try:
                await self.bot.send_message(chat_id=int(notice.address), text=text, reply_markup=markup)
                return
            except TelegramRetryAfter as error:
                if waited or error.retry_after > self.max_inline_wait:
                    raise RateLimited(error.retry_after) from None
                waited = True
                await asyncio.sleep(error.retry_after)
            except TelegramForbiddenError:
                if group:
                    raise DeliveryError("the bot is not a member of the unit's group chat (403)", retry=False) from None
                await set_blocked(self.core, notice.address, True, language=notice.language)
                raise DeliveryError("the person blocked the bot (403)", retry=False) from None
            except TelegramMigrateToChat:
                # A group that became a supergroup has a new id: units.toml must name it.
                raise DeliveryError("the group chat moved to a new id (a supergroup): update telegram_chat", retry=False) from None
            except (TelegramServerError, TelegramNetworkError, ClientDecodeError, TelegramUnauthorizedError) as error:
                # Reasons name the error type only: Telegram's text may quote the chat.
                raise DeliveryError(f"Telegram unavailable ({type(error).__name__})", retry=True) from None
            except (TelegramBadRequest, TelegramNotFound) as error:
                raise DeliveryError(f"Telegram refused the message ({type(error).__name__})", retry=False) from None

    async def _finished_unrated_tip(self, notice: Notice) -> int | None:
        if notice.params.get("status") != Translator(notice.language)(STATUS_LABELS[Status.CLOSED]):
            return None
        tips = await unrated_closed(self.core, notice.address)
        return tips[0].id if tips else None
