"""/check NAME, PHONE OR WEBSITE: check before you pay, in the chat (intake/reporting/checks.py),
counted against the chat's limits. Every answer, found or not, ends with what to do next."""
from __future__ import annotations

from aiogram import Bot, Router
from aiogram.filters import Command, CommandObject
from aiogram.fsm.context import FSMContext
from aiogram.types import Message

from bot import texts
from bot.chat import Chat
from intake.domain.warnings import KINDS, address_not_to_open, number_not_to_call
from intake.platform.core import Core
from intake.reporting.checks import CheckRefused, CheckResult, check
from intake.prevention.warning_text import DO_NOT_CALL, DO_NOT_OPEN
from intake.reporting.lookups import Client
from intake.domain.refusals import describe


async def check_command(message: Message, command: CommandObject, core: Core, bot: Bot, state: FSMContext) -> None:
    chat = await Chat.open(core, bot, message.chat.id, state, message.from_user.language_code if message.from_user else None)
    _ = chat._
    if not command.args:
        await chat.say(_(texts.CHECK_USAGE))
        return
    try:
        result = await check(core, Client.telegram(chat.chat_id), command.args, _.language)
    except CheckRefused as refused:
        await chat.say(describe(refused, _.language))
        return
    await chat.say(answer_text(result, _, core.settings.public_base_url.rstrip("/")))


COLOUR_NAMES = {"red": texts.CHECK_RED, "orange": texts.CHECK_ORANGE}


def answer_text(result: CheckResult, _, base: str = "") -> str:  # noqa: ANN001 - i18n.Translator
    lines = [_(texts.CHECK_FOUND if result.found else texts.CHECK_NOTHING)]
    if result.warnings:
        lines.extend(["", _(texts.CHECK_WARNINGS)])
    for warning in result.warnings:
        lines.append(f"• {_(KINDS[warning.kind])}: {warning.title}")
        if warning.do_not_call:
            lines.append(f"  {_(DO_NOT_CALL)} " + ", ".join(number_not_to_call(n) for n in warning.do_not_call))
        if warning.do_not_open:
            lines.append(f"  {_(DO_NOT_OPEN)} " + ", ".join(address_not_to_open(a) for a in warning.do_not_open))
        if base:  # the tip-line's own page: the one link a message of ours may carry
            lines.append(f"  {base}/warnings/{warning.id}?lang={_.language}")
    for entry in result.organisations:
        colour = COLOUR_NAMES[entry.colour]
        lines.extend(["", _(texts.CHECK_ENTRY, name=entry.name, colour=_(colour),
                            unit=entry.unit, reference=entry.reference, date=entry.decided_on.isoformat(),
                            expires=entry.expires_on.isoformat())])
        if entry.phone:
            lines.append(f"{_(texts.CHECK_PHONE)}: {entry.phone}")
        if entry.website:
            lines.append(f"{_(texts.CHECK_WEBSITE)}: {entry.website}")
    lines.extend(["", _(texts.CHECK_BEFORE_PAYING)])
    lines.extend(f"• {_(text)}" for text in (texts.CHECK_NOT_SAFE, texts.CHECK_CIVIL_AFFAIRS, texts.CHECK_CALL, texts.CHECK_REPORT))
    return "\n".join(lines)


def make_router() -> Router:
    router = Router(name="checking")
    router.message.register(check_command, Command("check"))
    return router
