"""Group chats: reports are taken only in a private chat (in a group, one reporter's answers
would be read by everyone). A message in a group gets one short "please write to me in a
private chat" (at most once every ten minutes per group, so a busy group is not flooded) and
every button pressed there is answered with the same words, so none spins."""
from __future__ import annotations

import logging

from aiogram import Bot
from aiogram.exceptions import TelegramAPIError
from aiogram.types import CallbackQuery, Message, User

from bot import texts
from bot.users import guess_language
from i18n import Translator
from intake.platform import ratelimit
from intake.platform.core import Core

log = logging.getLogger(__name__)

NOTICE = ratelimit.Limit("bot-group-notice", 1, 600)  # per group


def _words(core: Core, person: User | None) -> str:
    language = guess_language(person.language_code if person else None, core.settings.default_language)
    return Translator(language)(texts.PRIVATE_CHAT_ONLY)


async def message_in_group(message: Message, core: Core, bot: Bot, local: ratelimit.LocalCounts | None) -> None:
    if not await ratelimit.hit(core, NOTICE, f"telegram-group:{message.chat.id}", local=local):
        return
    text = _words(core, message.from_user)
    try:
        me = await bot.me()
        if me.username:
            text += f"\nhttps://t.me/{me.username}"
        await bot.send_message(message.chat.id, text)
    except TelegramAPIError as error:  # removed from the group, or not allowed to write there
        log.info("bot: could not answer in a group (%s)", type(error).__name__)


async def button_in_group(query: CallbackQuery, core: Core) -> None:
    try:
        await query.answer(_words(core, query.from_user), show_alert=True)
    except TelegramAPIError as error:  # too old to answer: nothing is spinning any more
        log.info("bot: could not answer a button in a group (%s)", type(error).__name__)
