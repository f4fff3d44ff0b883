"""/warnings: the warnings and typical cases in force, newest first, in the chat's language (or
in Chinese, saying so). The scam's numbers and addresses are written so that Telegram does not
make them links to tap; withdrawn or ended warnings are gone at once (read from the core each time)."""
from __future__ import annotations

from aiogram import Bot, Router
from aiogram.filters import Command
from aiogram.fsm.context import FSMContext
from aiogram.types import Message

from bot import texts
from bot.chat import Chat
from intake.domain.warnings import KINDS, address_not_to_open, number_not_to_call
from intake.platform.core import Core
from intake.prevention.public import PublicWarning, count_view, published_warnings

SHOWN = 5  # the newest; the public site lists them all


async def warnings(message: Message, core: Core, bot: Bot, state: FSMContext) -> None:
    chat = await Chat.open(core, bot, message.chat.id, state, message.from_user.language_code if message.from_user else None)
    _ = chat._
    found = await published_warnings(core, _.language, limit=SHOWN)
    if not found:
        await chat.say(_(texts.NO_WARNINGS))
        return
    await chat.say(_(texts.WARNINGS_HEADING, count=len(found)))
    for warning in found:
        await chat.say(warning_text(core, warning, _))
        await count_view(core, warning.id)


def warning_text(core: Core, warning: PublicWarning, _) -> str:  # noqa: ANN001 - a Translator
    deployment = core.deployment
    lines = [f"{_(KINDS[warning.kind])} · {deployment.category_label(warning.category, _.language)}",
             warning.title, ""]
    if not warning.translated:
        lines += [_(texts.WARNING_NOT_TRANSLATED), ""]
    lines.append(warning.body)
    if warning.do_not_call:
        lines += ["", _(texts.DO_NOT_CALL) + " " + ", ".join(number_not_to_call(n) for n in warning.do_not_call)]
    if warning.do_not_open:
        lines += ["", _(texts.DO_NOT_OPEN) + " " + ", ".join(address_not_to_open(a) for a in warning.do_not_open)]
    base = core.settings.public_base_url.rstrip("/")
    if base:  # the tip-line's own page: the one link a notice of ours may carry
        lines += ["", f"{base}/warnings/{warning.id}?lang={_.language}"]
    return "\n".join(lines)


def make_router() -> Router:
    router = Router(name="warnings")
    router.message.register(warnings, Command("warnings"))
    return router
