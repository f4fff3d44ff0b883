"""One chat as the handlers see it: who (the chat id), in which language, and how to speak to it."""
from __future__ import annotations

import logging
from contextvars import ContextVar
from dataclasses import dataclass

from aiogram import Bot
from aiogram.fsm.context import FSMContext
from aiogram.methods import SendMessage, TelegramMethod
from aiogram.types import CallbackQuery, InlineKeyboardMarkup
from sqlalchemy import bindparam, select

from bot import render, replies
from bot.users import guess_language, remember_for_update, user_hash, user_of_update
from i18n import Translator
from intake.domain.conversation import Context
from intake.platform.core import Core
from intake.reporting.conversation_context import report_context
from intake.reporting.drafts import DraftRecord, draft_of_row, find_draft, get_draft
from intake.platform.models.reporting import ChannelUser, Draft
from intake.domain.steps import ChannelCapabilities

log = logging.getLogger(__name__)


async def remove_buttons(query: CallbackQuery) -> None:
    """Take the buttons off the message whose button was pressed: they are spent."""
    if query.message is None:
        return
    try:
        await query.message.edit_reply_markup(reply_markup=None)
    except Exception as error:  # noqa: BLE001 - the press is taken either way
        log.info("could not remove the buttons: %s", type(error).__name__)

CHANNEL = "telegram"
CAPABILITIES = ChannelCapabilities(frozenset({"files"}))
POINTER = "draft"  # the only thing kept in the conversation state: which draft is open

#: The draft row the chat guard read with the person at the start of this update: (chat id,
#: pointer, row or None). Taken by the first `Chat.draft()`; `point_at` drops it.
_draft_read: ContextVar[tuple[int, str, Draft | None] | None] = ContextVar("bot_draft_of_update", default=None)

_users, _drafts = ChannelUser.__table__, Draft.__table__
#: The person, and the draft the conversation state points at (if any), in one statement built
#: once (SQLAlchemy Core: a fraction of the ORM's work per update).
_PERSON_AND_DRAFT = (
    select(_users, *(column.label(f"draft_{column.key}") for column in _drafts.c))
    .select_from(_users.outerjoin(_drafts, _drafts.c.id == bindparam("pointer")))
    .where(_users.c.user_hash == bindparam("user_hash"))
)


async def read_for_update(core: Core, chat_id: int, state: FSMContext | None) -> ChannelUser | None:
    """The chat's person and, when the conversation state points at a draft, that draft's row,
    in ONE statement at the start of an update (each statement is a round trip, to aiosqlite's
    thread or to the server): kept for the handler's `Chat.open` and first `Chat.draft()`."""
    pointer = (await state.get_data()).get(POINTER) if state is not None else None
    if not isinstance(pointer, str) or not pointer:
        pointer = None
    _draft_read.set(None)
    async with core.db.reader.connect() as connection:
        row = (await connection.execute(_PERSON_AND_DRAFT, {"pointer": pointer, "user_hash": user_hash(core, chat_id)})).first()
    user = None
    if row is not None:  # no person yet: nothing kept, the draft is read the usual way if ever
        user = ChannelUser(**{column.key: row._mapping[column] for column in _users.c})
        if pointer is not None:
            draft = None
            if row.draft_id is not None:
                draft = Draft(**{column.key: getattr(row, f"draft_{column.key}") for column in _drafts.c})
            _draft_read.set((chat_id, pointer, draft))
    remember_for_update(chat_id, user)
    return user


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
        return report_context(self.core, CAPABILITIES)

    def messages(self, text: str, markup: InlineKeyboardMarkup | None = None) -> list[SendMessage]:
        """Text cut into messages Telegram accepts; the keyboard goes with the last one."""
        parts = render.split(text)
        return [SendMessage(chat_id=self.chat_id, text=part, reply_markup=markup if i == len(parts) - 1 else None)
                for i, part in enumerate(parts)]

    async def say(self, text: str, markup: InlineKeyboardMarkup | None = None) -> None:
        """Send text once this update is handled (bot/replies.py: retried, in the chat's order)."""
        for message in self.messages(text, markup):
            await replies.queue(self.bot, self.chat_id, message)

    async def later(self, method: TelegramMethod, *, instead: list[SendMessage] | None = None) -> None:
        """Any other call about this chat (answer a button, edit a message), sent in the chat's
        order once this update is handled; `instead` if Telegram refuses it."""
        await replies.queue(self.bot, self.chat_id, method, instead=instead or ())

    async def draft(self) -> DraftRecord | None:
        """The chat's open draft. The database is the truth; the conversation state only points
        at it, and when the pointer is gone (a restart without Redis) the draft is looked up."""
        read = _draft_read.get()
        if read is not None and read[0] == self.chat_id:
            _draft_read.set(None)  # once: later calls in this update read the database again
            pointer, record = read[1], draft_of_row(self.core, read[2])
        else:
            pointer = (await self.state.get_data()).get(POINTER)
            record = await get_draft(self.core, pointer) if pointer else None
        if record is not None and record.tip_id is None and record.channel == CHANNEL:
            return record
        record = await find_draft(self.core, CHANNEL, self.owner)
        if (record.id if record else None) != pointer:
            await self.state.update_data({POINTER: record.id if record else None})
        return record

    async def point_at(self, record: DraftRecord | None) -> None:
        _draft_read.set(None)
        await self.state.update_data({POINTER: record.id if record else None})
