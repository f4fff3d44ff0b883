"""An edited message: Telegram sends the new text as an update of its own.

The edit of the last typed answer replaces that answer while the next question is still open
(the reporter corrects a slip at once, as they would on paper); any other edit changes nothing,
and the reporter is told how to change an earlier answer instead of meeting silence.
"""
from __future__ import annotations

from aiogram import Bot, Router
from aiogram.fsm.context import FSMContext
from aiogram.types import Message

from bot import answered, render, report, texts
from bot.chat import Chat
from intake.domain import conversation as conv
from intake.domain.channel_kit.typed import typed_answer
from intake.platform.core import Core


async def edited(message: Message, core: Core, bot: Bot, state: FSMContext) -> None:
    user = message.from_user
    chat = await Chat.open(core, bot, message.chat.id, state, user.language_code if user else None)
    _ = chat._
    record = await chat.draft() if chat.language is not None else None
    if record is None:
        await chat.say(_(texts.EDIT_NOT_READ))
        return
    before = await answered.rewound(chat, record, message) if message.text else None
    if before is None:
        await chat.say(_(texts.EDIT_TOO_LATE, back=_(texts.BACK), check=_(texts.CHECK_ANSWERS)))
        await report.show_step(chat, record)
        return
    raw = typed_answer(conv.prompt(before, chat.context()), message.text or "")
    refused = conv.answer(before, raw, chat.context()).error
    if refused is not None:  # checked first: a refused correction leaves the draft where it is
        await chat.say(render.error_text(refused, _) + "\n\n" + _(texts.EDIT_KEPT))
        await report.show_step(chat, record)
        return
    await chat.say(_(texts.EDIT_TAKEN))
    record.state = before
    await report.apply_answer(chat, record, raw)
    await answered.remember(chat, record, message, before)


def make_router() -> Router:
    """A new router with this module's handlers (a router joins one Dispatcher only)."""
    router = Router(name="edits")
    router.edited_message.register(edited)
    return router
