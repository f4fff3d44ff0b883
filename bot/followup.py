"""After the report: /mytips, /status CODE, answering a staff question in the chat (the chat
the tip came from is the credential; more sent in the hour after the answer is added only when
the reporter says yes), the satisfaction question, and linking a web tip.

Only the chat's own tips are ever shown with details; /status (or a tracking code sent on its
own) shows the public timeline that anyone with the code may read, counted against the chat's
limits (intake.reporting.lookups).
"""
from __future__ import annotations

import base64
from dataclasses import asdict
from zoneinfo import ZoneInfo

from aiogram import Bot, Router
from aiogram.dispatcher.event.bases import SkipHandler
from aiogram.filters import Command, CommandObject
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, Message
from sqlalchemy import select

from bot import render, texts
from bot.callbacks import Addition, LeaveOut, Rate
from bot.chat import CHANNEL, Chat, remove_buttons
from bot.evidence import Incoming, download, incoming_file
from bot.users import user_hash
from intake.domain.answers.invalid import Invalid
from intake.domain.answers.text import clean_text
from intake.domain.dates_in_words import day_in_words, moment_in_words
from intake.platform.clock import aware
from intake.platform.core import Core
from intake.reporting.linking import use_link_token
from intake.platform.models.tip_records import Rating
from intake.platform.models.tips import Tip
from intake.reporting.ratings import explain, rate
from intake.reporting.submission import own_code
from intake.reporting import chat_replies, lookups
from intake.reporting.chat_replies import (
    FOLLOW_UP_WINDOW, MAX_CAPTION_CHARS, add_reply, recently_answered_tip, reply_words, waiting_tip,
)
from intake.reporting.lookups import Client, LookupRefused
from intake.domain.tracking import looks_like_code
from intake.domain.workflow import STATUS_LABELS, Status

WHAT_WENT_WRONG = "what_went_wrong"  # in the conversation state: [tip id, when asked] after "not satisfied"


async def my_tips(message: Message, core: Core, bot: Bot, state: FSMContext) -> None:
    chat = await Chat.open(core, bot, message.chat.id, state, message.from_user.language_code if message.from_user else None)
    _ = chat._
    tips = await chat_tips(core, chat.chat_id)
    if not tips:
        await chat.say(_(texts.NO_TIPS))
        return
    zone = ZoneInfo(core.settings.timezone)
    lines = [_(texts.MY_TIPS), ""]
    for tip in tips:
        category = core.deployment.category_by_code.get(tip.category)
        lines.append(_(texts.MY_TIP_LINE, date=day_in_words(aware(tip.created_at).astimezone(zone), _.language),
                       category=category.label.get(_.language) if category else tip.category,
                       status=_(STATUS_LABELS[Status(tip.status)])))
        code = own_code(core, tip)
        if code:  # to read out on the phone
            lines.append(_(texts.MY_TIP_CODE, code=code))
    await chat.say("\n".join(lines))
    for tip in await unrated_closed(core, chat.chat_id):
        await chat.say(_(texts.RATE_QUESTION), render.rating_keyboard(tip.id, _))


async def status(message: Message, command: CommandObject, core: Core, bot: Bot, state: FSMContext) -> None:
    chat = await Chat.open(core, bot, message.chat.id, state, message.from_user.language_code if message.from_user else None)
    _ = chat._
    if not command.args:
        await chat.say(_(texts.STATUS_USAGE))
        return
    await show_status(chat, command.args)


async def show_status(chat: Chat, code_text: str) -> None:
    """The public timeline of a code, or the same answer for an unknown and a mistyped one."""
    _ = chat._
    try:
        view = await lookups.status(chat.core, Client.telegram(chat.chat_id), code_text[:64], _.language)
    except LookupRefused as refused:
        await chat.say(_(refused.message))
        return
    if view is None:
        await chat.say(_(texts.UNKNOWN_CODE))
        return
    lines = [_(texts.STATUS_TITLE, code=view.code, status=view.status_label)]
    for entry in view.entries:
        lines.extend(["", f"{moment_in_words(entry.at, _.language)} · {entry.label}"])
        if entry.message:
            lines.append(_(texts.OFFICER_WRITES, text=entry.message) if entry.from_officer else entry.message)
        if entry.translation_note:
            lines.append(entry.translation_note)
    await chat.say("\n".join(lines))


async def link(chat: Chat, token: str) -> None:
    """/start <token>: a web reporter links their tip to this chat for notices."""
    tip_id = await use_link_token(chat.core, token[:64], channel=CHANNEL, address=str(chat.chat_id),
                                  user_hash=user_hash(chat.core, chat.chat_id))
    await chat.say(chat._(texts.LINKED if tip_id else texts.LINK_UNKNOWN))


async def idle_message(chat: Chat, message: Message) -> None:
    """A message outside a report: a tracking code (its status), the answer to a staff question
    (added at once), or more for a report whose question was answered (asked first: it may be
    meant for a new report, or for nobody)."""
    if message.text and looks_like_code(message.text):  # a code on its own is a look-up, never a reply
        await show_status(chat, message.text)
        return
    owner = user_hash(chat.core, chat.chat_id)
    waiting = await waiting_tip(chat.core, CHANNEL, owner)
    tip = waiting or await recently_answered_tip(chat.core, CHANNEL, owner)
    if tip is None:
        await chat.say(chat._(texts.IDLE))
        return
    incoming = incoming_file(message)
    if incoming is None and message.text is None:
        await chat.say(chat._(texts.TEXT_EXPECTED))
        return
    text = None
    if incoming is None:
        text = reply_words(message.text or "")
        if isinstance(text, Invalid):
            await chat.say(render.error_text(text, chat._))
            return
    elif message.caption:
        caption = clean_text(message.caption, max_chars=MAX_CAPTION_CHARS)
        text = caption if isinstance(caption, str) and caption else None
    if waiting is not None:
        await add_to_tip(chat, waiting.id, text, incoming)
        return
    await ask_to_add(chat, message.message_id, tip.id, text, incoming)


async def add_to_tip(chat: Chat, tip_id: int, text: str | None, incoming: Incoming | None) -> None:
    """Store the reporter's words (and file) on their tip."""
    data = await download(chat.bot, incoming) if incoming is not None else None
    refused = await add_reply(chat.core, tip_id, text or (chat._(texts.PHOTO_REPLY) if incoming else ""),
                              language=chat._.language, file=data, filename=incoming.name if incoming else "")
    if refused is not None:  # e.g. the store is full: the words are kept, the file is not (the text says so)
        await chat.say(render.error_text(refused, chat._))
        return
    await chat.say(chat._(texts.REPLY_SAVED))


# --- "Add this to your report?" -------------------------------------------------------------
# What waits for the answer is kept in the conversation state, sealed (it is the reporter's
# words), with the id of the message it came from; only the latest question's buttons count.

PENDING = "addition"
_SEALED_FOR = "bot-pending-addition"


async def ask_to_add(chat: Chat, message_id: int, tip_id: int, text: str | None, incoming: Incoming | None) -> None:
    held = {"tip": tip_id, "text": text, "file": asdict(incoming) if incoming else None}
    sealed = base64.b64encode(chat.core.keys.seal(held, purpose=_SEALED_FOR)).decode("ascii")
    await chat.state.update_data({PENDING: {"n": message_id, "sealed": sealed}})
    _ = chat._
    await chat.say(_(texts.ADD_QUESTION), render.Markup(inline_keyboard=[[
        render.button(_(texts.ADD_YES), Addition(n=message_id, go=True).pack()),
        render.button(_(texts.ADD_NO), Addition(n=message_id, go=False).pack()),
    ]]))


async def answered_addition(query: CallbackQuery, callback_data: Addition, core: Core, bot: Bot, state: FSMContext) -> None:
    chat_id = query.message.chat.id if query.message else query.from_user.id
    chat = await Chat.open(core, bot, chat_id, state, query.from_user.language_code)
    pending = (await state.get_data()).get(PENDING)
    if not isinstance(pending, dict) or pending.get("n") != callback_data.n:
        await query.answer(chat._(texts.EXPIRED_BUTTON), show_alert=True)
        return
    await state.update_data({PENDING: None})
    await query.answer()
    await remove_buttons(query)
    if not callback_data.go:
        await chat.say(chat._(texts.NOT_ADDED) + "\n\n" + chat._(texts.IDLE))
        return
    held = core.keys.open_json(base64.b64decode(pending["sealed"]), purpose=_SEALED_FOR)
    if held["tip"] not in {tip.id for tip in await chat_tips(core, chat_id)}:  # erased meanwhile
        await chat.say(chat._(texts.IDLE))
        return
    await add_to_tip(chat, held["tip"], held["text"], Incoming(**held["file"]) if held["file"] else None)


async def rated(query: CallbackQuery, callback_data: Rate, core: Core, bot: Bot, state: FSMContext) -> None:
    chat_id = query.message.chat.id if query.message else query.from_user.id
    chat = await Chat.open(core, bot, chat_id, state, query.from_user.language_code)
    tip_ids = {tip.id for tip in await chat_tips(core, chat_id)}
    if callback_data.t not in tip_ids:  # callback data can be forged: only the chat's own tips
        await query.answer(chat._(texts.EXPIRED_BUTTON), show_alert=True)
        return
    result = await rate(core, callback_data.t, callback_data.v)
    if isinstance(result, Invalid):
        await query.answer(render.error_text(result, chat._)[:190], show_alert=True)
        return
    await query.answer()
    await remove_buttons(query)
    if callback_data.v == "no":  # one optional question, answered by the next message within the hour
        await state.update_data({WHAT_WENT_WRONG: [callback_data.t, core.clock.now().timestamp()]})
        await chat.say(chat._(texts.RATE_WHAT_WENT_WRONG), render.Markup(inline_keyboard=[
            [render.button(chat._(texts.LEAVE_OUT), LeaveOut(t=callback_data.t).pack())]]))
        return
    await chat.say(chat._(texts.RATE_THANKS))


async def what_went_wrong_asked(message: Message, state: FSMContext, core: Core) -> dict | bool:
    """Filter: a text (not a command) in the hour after "what went wrong?" was asked; gives the tip."""
    asked = (await state.get_data()).get(WHAT_WENT_WRONG)
    if not asked or not message.text or message.text.startswith("/"):
        return False
    tip_id, at = asked
    return {"rated_tip": int(tip_id)} if core.clock.now().timestamp() - at <= FOLLOW_UP_WINDOW.total_seconds() else False


async def what_went_wrong(message: Message, core: Core, bot: Bot, state: FSMContext, rated_tip: int) -> None:
    chat = await Chat.open(core, bot, message.chat.id, state, message.from_user.language_code if message.from_user else None)
    if await chat.draft() is not None:  # a report begun since: the text answers its question
        await state.update_data({WHAT_WENT_WRONG: None})
        raise SkipHandler()
    result = await explain(core, rated_tip, message.text or "")
    if isinstance(result, Invalid):
        await chat.say(render.error_text(result, chat._))
        return
    await state.update_data({WHAT_WENT_WRONG: None})
    await chat.say(chat._(texts.RATE_THANKS))


async def left_out(query: CallbackQuery, callback_data: LeaveOut, core: Core, bot: Bot, state: FSMContext) -> None:
    chat = await Chat.open(core, bot, query.message.chat.id if query.message else query.from_user.id, state,
                           query.from_user.language_code)
    await state.update_data({WHAT_WENT_WRONG: None})
    await query.answer()
    await remove_buttons(query)
    await chat.say(chat._(texts.RATE_THANKS))


# --- look-ups ------------------------------------------------------------------------------

async def chat_tips(core: Core, chat_id: int | str) -> list[Tip]:
    return await chat_replies.chat_tips(core, CHANNEL, user_hash(core, chat_id))


async def unrated_closed(core: Core, chat_id: int | str) -> list[Tip]:
    async with core.db.session() as session:
        rows = await session.scalars(
            select(Tip).outerjoin(Rating, Rating.tip_id == Tip.id)
            .where(Tip.channel == CHANNEL, Tip.channel_user_hash == user_hash(core, chat_id), Tip.status == Status.CLOSED,
                   Rating.tip_id.is_(None))
            .order_by(Tip.updated_at.desc(), Tip.id.desc())
        )
        return list(rows.all())


def make_router() -> Router:
    """A new router with this module's handlers (a router joins one Dispatcher only)."""
    router = Router(name="followup")
    router.message.register(my_tips, Command("mytips"))
    router.message.register(status, Command("status"))
    router.callback_query.register(rated, Rate.filter())
    router.callback_query.register(answered_addition, Addition.filter())
    router.callback_query.register(left_out, LeaveOut.filter())
    router.message.register(what_went_wrong, what_went_wrong_asked)  # after the commands, before the report's
    return router
