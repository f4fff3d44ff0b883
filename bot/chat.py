"""One chat as the handlers see it: who (the chat id), in which language, and how to speak to it."""
from __future__ import annotations

import logging
from dataclasses import dataclass

from aiogram import Bot
from aiogram.fsm.context import FSMContext
from aiogram.types import InlineKeyboardMarkup

from bot import render
from bot.users import guess_language, user_of_update
from i18n import Translator
from intake.conversation import Context
from intake.core import Core
from intake.drafts import DraftRecord, find_draft, get_draft
from intake.questionnaire import ChannelCapabilities

log = logging.getLogger(__name__)

CHANNEL = "telegram"
CAPABILITIES = ChannelCapabilities(frozenset({"files"}))
POINTER = "draft"  # the only thing kept in the conversation state: which draft is open


@dataclass
class Chat:
    core: Core
    bot: Bot
    chat_id: int
    state: FSMContext
    language: str | None  # None until the person chose one
    guessed: str  # Telegram's interface language, matched to ours

    @classmethod
    async def open(cls, core: Core, bot: Bot, chat_id: int, state: FSMContext, language_code: str | None) -> Chat:
        user = await user_of_update(core, chat_id)
        return cls(core, bot, chat_id, state, user.language if user else None,
                   guess_language(language_code, core.settings.default_language))

    @property
    def owner(self) -> str:
        return str(self.chat_id)

    @property
    def _(self) -> Translator:
        return Translator(self.language or self.guessed)

    def context(self) -> Context:
        return Context(self.core.deployment, self.core.today(), CAPABILITIES)

    async def say(self, text: str, markup: InlineKeyboardMarkup | None = None) -> None:
        """Send text, cut into messages Telegram accepts; the keyboard goes with the last one."""
        parts = render.split(text)
        for i, part in enumerate(parts):
            await self.bot.send_message(self.chat_id, part, reply_markup=markup if i == len(parts) - 1 else None)

    async def draft(self) -> DraftRecord | None:
        """The chat's open draft. The database is the truth; the conversation state only points
        at it, and when the pointer is gone (a restart without Redis) the draft is looked up."""
        pointer = (await self.state.get_data()).get(POINTER)
        if pointer:
            record = await get_draft(self.core, pointer)
            if record is not None and record.tip_id is None and record.channel == CHANNEL:
                return record
        record = await find_draft(self.core, CHANNEL, self.owner)
        if (record.id if record else None) != pointer:
            await self.state.update_data({POINTER: record.id if record else None})
        return record

    async def point_at(self, record: DraftRecord | None) -> None:
        await self.state.update_data({POINTER: record.id if record else None})
