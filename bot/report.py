"""The report as a conversation: language, then the questionnaire of intake one question per
message, evidence, "check your answers", and the receipt.

Handlers only translate: they render the core's prompt, pass what was typed or pressed to
`conversation.answer()`, and save the draft after every step (the draft is the truth).
"""
from __future__ import annotations

import logging
from dataclasses import replace

from aiogram import Bot, Router
from aiogram.filters import Command, CommandObject, CommandStart
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, Message
from sqlalchemy import delete

from bot import answered, followup, render, replies, texts
from bot.callbacks import Lang, Resume, Step, draft_ref, offered
from bot.chat import CAPABILITIES, CHANNEL, Chat
from bot.evidence import download, incoming_file
from bot.users import set_language
from i18n import LANGUAGE_NAMES, LANGUAGES, N_
from intake.platform import attachments
from intake.domain import conversation as conv
from intake.domain import joins
from intake.domain.answers.invalid import Invalid
from intake.domain.channel_kit.navigation import at_first_missing
from intake.domain.channel_kit.receipt import after_receipt
from intake.domain.channel_kit.typed import typed_answer
from intake.domain.conversation import MAX_FILES, SKIP
from intake.platform.core import Core
from intake.reporting.drafts import DraftRecord, discard_draft, evidence_files, new_draft, save_draft
from intake.platform.models.reporting import Attachment
from intake.domain import questionnaire
from intake.domain.questionnaire import DONT_KNOW
from intake.domain.steps import Kind
from intake.reporting.submission import Incomplete, submit_draft

log = logging.getLogger(__name__)

SWITCHING = "switching_language"  # set by /language: after the choice, carry on where we were


# --- entry: /start, languages --------------------------------------------------------------

async def start(message: Message, command: CommandObject, core: Core, bot: Bot, state: FSMContext) -> None:
    chat = await _chat(message, core, bot, state)
    if command.args:
        await followup.link(chat, command.args)
        if chat.language is not None:
            return
    await state.update_data({SWITCHING: False})
    await chat.say(render.language_question(), render.language_keyboard())


async def language(message: Message, core: Core, bot: Bot, state: FSMContext) -> None:
    chat = await _chat(message, core, bot, state)
    await state.update_data({SWITCHING: True})
    await chat.say(render.language_question(), render.language_keyboard())


async def chose_language(query: CallbackQuery, callback_data: Lang, core: Core, bot: Bot, state: FSMContext) -> None:
    chat = await _chat_of_query(query, core, bot, state)
    if callback_data.code not in LANGUAGES:
        await chat.later(query.answer())
        return
    await set_language(core, chat.chat_id, callback_data.code)
    chat.language = callback_data.code
    await chat.later(query.answer())
    await _close(chat, query, LANGUAGE_NAMES[chat.language])
    await chat.say(chat._(texts.LANGUAGE_SET, language=LANGUAGE_NAMES[chat.language]))
    switching = (await state.get_data()).get(SWITCHING, False)
    await state.update_data({SWITCHING: False})
    record = await chat.draft()
    if record is not None:
        if record.state.language != chat.language:
            record.state.language = chat.language
            await save_draft(core, record)
        if record.state.history and not switching:
            await chat.say(chat._(texts.RESUME_QUESTION), render.Markup(inline_keyboard=[
                [render.button(chat._(texts.RESUME_YES), Resume(d=draft_ref(record.id), go=True).pack())],
                [render.button(chat._(texts.RESUME_NO), Resume(d=draft_ref(record.id), go=False).pack())],
            ]))
            return
        await show_step(chat, record)
        return
    if switching:
        await chat.say(chat._(texts.IDLE))
        return
    await _begin(chat)


async def resume(query: CallbackQuery, callback_data: Resume, core: Core, bot: Bot, state: FSMContext) -> None:
    chat = await _chat_of_query(query, core, bot, state)
    record = await chat.draft()
    if record is None or draft_ref(record.id) != callback_data.d:
        await chat.later(query.answer(chat._(texts.EXPIRED_BUTTON), show_alert=True))
        return
    await chat.later(query.answer())
    await _close(chat, query, chat._(texts.RESUME_YES if callback_data.go else texts.RESUME_NO))
    if callback_data.go:
        await show_step(chat, record)
        return
    await _discard(chat, record)
    await _begin(chat)


async def _begin(chat: Chat) -> None:
    record = await new_draft(chat.core, CHANNEL, chat.owner, chat.language or chat.guessed, CAPABILITIES)
    await chat.point_at(record)
    await chat.say(chat._(texts.WELCOME) + "\n\n" + chat._(texts.PHONES))
    await show_step(chat, record)


# --- commands that work at every step ------------------------------------------------------

async def help_(message: Message, core: Core, bot: Bot, state: FSMContext) -> None:
    chat = await _chat(message, core, bot, state)
    await chat.say(chat._(texts.HELP) + " " + chat._(texts.HELP_WARNINGS) + "\n\n" + chat._(texts.PHONES))
    record = await chat.draft()
    if record is not None:
        await show_step(chat, record)


async def cancel(message: Message, core: Core, bot: Bot, state: FSMContext) -> None:
    chat = await _chat(message, core, bot, state)
    record = await chat.draft()
    if record is None:
        await chat.say(chat._(texts.NOTHING_TO_CANCEL))
        return
    await _discard(chat, record)
    await chat.say(chat._(texts.CANCELLED))


async def _discard(chat: Chat, record: DraftRecord) -> None:
    await _drop_files(chat.core, record.id)
    await discard_draft(chat.core, record.id)
    await chat.point_at(None)


async def _drop_files(core: Core, draft_id: str) -> None:
    async with core.db.transaction() as session:
        await session.execute(delete(Attachment).where(Attachment.draft_id == draft_id, Attachment.tip_id.is_(None)))


# --- showing a step ------------------------------------------------------------------------

async def show_step(chat: Chat, record: DraftRecord, *, selected: int = 0, examples: bool = False) -> None:
    if record.state.at_review:
        await show_review(chat, record)
        return
    prompt = conv.prompt(record.state, chat.context())
    files = len(await evidence_files(chat.core, record)) if prompt.kind is Kind.FILES else 0
    if prompt.kind is Kind.MULTI_CHOICE and not selected:
        current = record.state.answers.get(prompt.key)
        selected = render.mask_of(current if isinstance(current, list) else [], prompt.choices)
    text, markup = render.question(prompt, record.id, chat._, selected=selected, files=files, examples=examples)
    await chat.say(text, markup)


async def show_review(chat: Chat, record: DraftRecord) -> None:
    await _sync_evidence(chat, record)
    text, markup = render.review(conv.review(record.state, chat.context()), record.id, chat._)
    await chat.say(text, markup)


def _files_step(record: DraftRecord) -> str | None:
    for step in conv.applicable_steps(record.state.answers, CAPABILITIES):
        if step.kind is Kind.FILES:
            return step.key
    return None


async def _sync_evidence(chat: Chat, record: DraftRecord) -> None:
    """The evidence answer is every file sent into the draft as evidence (a voice note that
    answered a text question moves to the tip on its own, see DraftState.voice_answers)."""
    key = _files_step(record)
    if key is None or key not in record.state.answers:
        return
    ids = await evidence_files(chat.core, record)
    if ids and record.state.answers.get(key) != ids:
        record.state.answers[key] = ids
        await save_draft(chat.core, record)


# --- answers -------------------------------------------------------------------------------

async def apply_answer(chat: Chat, record: DraftRecord, raw: object, *, query: CallbackQuery | None = None,
                       label: str | None = None, message: Message | None = None) -> None:
    """Store the answer, then say what comes next. `message`: the message the answer came in,
    remembered with it so that the same message delivered again is not taken twice."""
    outcome = conv.answer(record.state, raw, chat.context())
    if outcome.error:
        await chat.say(render.error_text(outcome.error, chat._))
        await show_step(chat, record)
        return
    record.state = outcome.state if message is None else replace(outcome.state, last_message_id=message.message_id)
    await save_draft(chat.core, record)
    replies.input_stored()
    if query is not None and label:
        await _close(chat, query, label)
    for notice in outcome.notices:
        await chat.say("⚠ " + chat._(notice))
    await show_step(chat, record)


async def pressed(query: CallbackQuery, callback_data: Step, core: Core, bot: Bot, state: FSMContext) -> None:
    chat = await _chat_of_query(query, core, bot, state)
    record = await chat.draft()
    if (record is None or draft_ref(record.id) != callback_data.d or record.state.current != callback_data.k
            or not offered(callback_data.a, at_review=record.state.at_review)):
        # An old message's button, or one forged ("change" from a question would skip the ones between).
        await chat.later(query.answer(chat._(texts.EXPIRED_BUTTON), show_alert=True))
        return
    await chat.later(query.answer())
    action, arg = callback_data.a, callback_data.x
    if action == "back" and not record.state.history and not record.state.back_to_review:
        # Nothing before the first question but the language: choosing one carries on here.
        await state.update_data({SWITCHING: True})
        await chat.say(render.language_question(), render.language_keyboard())
        return
    if action == "back":
        record.state = conv.back(record.state)
    elif action == "restart":
        await chat.say(*render.restart_question(record.id, record.state.current, chat._))
        return
    elif action == "keep":
        await _close(chat, query, chat._(texts.START_OVER_NO))
        await show_step(chat, record)
        return
    elif action == "rs":
        await _close(chat, query, chat._(texts.START_OVER_YES))
        await _drop_files(core, record.id)
        record.state = conv.restart(record.state, CAPABILITIES)
        await chat.say(chat._(texts.STARTING_OVER))
    elif action == "help":
        await chat.say(chat._(texts.HELP) + " " + chat._(texts.HELP_WARNINGS) + "\n\n" + chat._(texts.PHONES))
        await show_step(chat, record)
        return
    elif action == "ch":
        record.state = conv.change(record.state, arg, CAPABILITIES)
    elif action == "send":
        await _submit(chat, record, query)
        return
    else:
        await _answer_button(chat, record, query, action, arg)
        return
    await save_draft(core, record)
    replies.input_stored()
    await show_step(chat, record)


async def _answer_button(chat: Chat, record: DraftRecord, query: CallbackQuery, action: str, arg: str) -> None:
    prompt = conv.prompt(record.state, chat.context())
    if action == "i" and arg.isdigit() and int(arg) < len(prompt.choices):
        choice = prompt.choices[int(arg)]
        await apply_answer(chat, record, choice.value, query=query, label=choice.label)
    elif action == "ex":
        await show_step(chat, record, examples=True)
    elif action == "dk" and prompt.dont_know:
        await apply_answer(chat, record, DONT_KNOW, query=query, label=prompt.dont_know)
    elif action == "sk":
        await apply_answer(chat, record, SKIP, query=query, label=chat._(texts.SKIP))
    elif action == "t" and arg.isdigit() and prompt.kind is Kind.MULTI_CHOICE:
        text, markup = render.question(prompt, record.id, chat._, selected=int(arg))
        # The ticks on the question's own buttons; or the question again, ticked, if it cannot be edited.
        await chat.later(query.message.edit_reply_markup(reply_markup=markup), instead=chat.messages(text, markup))
    elif action == "m" and arg.isdigit() and prompt.kind is Kind.MULTI_CHOICE:
        values = render.values_of(int(arg), prompt.choices)
        labels = joins.listed((c.label for c in prompt.choices if c.value in values), chat._.language)
        await apply_answer(chat, record, values or SKIP, query=query, label=labels or chat._(texts.SKIP))
    elif action == "fd" and prompt.kind is Kind.FILES:
        ids = await evidence_files(chat.core, record)
        label = chat._.plural("%(n)s file", "%(n)s files", len(ids)) if ids else chat._(texts.NO_FILES)
        await apply_answer(chat, record, ids or SKIP, query=query, label=label)
    else:
        await chat.say(chat._(texts.EXPIRED_BUTTON))
        await show_step(chat, record)


async def _submit(chat: Chat, record: DraftRecord, query: CallbackQuery) -> None:
    await _sync_evidence(chat, record)
    result = await submit_draft(chat.core, record.id, CAPABILITIES, channel_address=str(chat.chat_id))
    if isinstance(result, Incomplete):
        record.state = at_first_missing(record.state, result.missing, CAPABILITIES)
        await save_draft(chat.core, record)
        await chat.say(chat._(texts.ANSWER_THIS))
        await show_step(chat, record)
        return
    replies.input_stored()  # submitted: pressed again, "Send" would find no draft
    await _close(chat, query, chat._(texts.SEND_REPORT))
    await chat.point_at(None)
    _ = chat._
    shown = after_receipt(result, chat.core.deployment)
    await chat.say("\n".join([
        _(texts.SENT), "", _(texts.TRACKING_CODE), shown.code, "", _(texts.REPLY_PIN), shown.pin, "", _(texts.WRITE_DOWN),
    ]))
    if shown.urgent_notice:
        await chat.say("⚠ " + _(shown.urgent_notice))
    advice = shown.advice_in()
    if advice:
        await chat.say(_(texts.WHAT_NOW) + "\n\n" + advice)
    closing = [_(texts.STATUS_HINT, code=shown.code)]
    if record.state.answers.get("notify") == "yes":
        closing.append(_(texts.NOTICES_HERE))
    base = chat.core.settings.public_base_url
    if base:
        closing.append(_(texts.STATUS_PAGE, url=base.rstrip("/") + "/status"))
    await chat.say("\n".join(closing))


# --- everything else a chat sends --------------------------------------------------------

async def any_message(message: Message, core: Core, bot: Bot, state: FSMContext) -> None:
    chat = await _chat(message, core, bot, state)
    if chat.language is None:
        await chat.say(render.language_question(), render.language_keyboard())
        return
    record = await chat.draft()
    if record is None:
        await followup.idle_message(chat, message)
        return
    if record.state.at_review:
        await chat.say(chat._(texts.READY_TO_CHECK))
        await show_review(chat, record)
        return
    if _taken_already(record, message):
        # Telegram delivered it again (it did not hear we took it): its answer is stored; the
        # question it led to is shown again, and nothing is filed under it.
        await show_step(chat, record)
        return
    prompt = conv.prompt(record.state, chat.context())
    incoming = incoming_file(message)
    if incoming is not None:
        if prompt.kind is Kind.FILES:
            await _add_file(chat, record, incoming, message)
        elif incoming.kind in ("voice", "audio") and prompt.kind is Kind.TEXT:
            await _voice_answer(chat, record, incoming, message)
        else:
            await chat.say(chat._(texts.FILES_HERE))
            await show_step(chat, record)
        return
    if message.text is None or message.text.startswith("/"):
        await chat.say(chat._(texts.TEXT_EXPECTED))
        await show_step(chat, record)
        return
    if prompt.kind is Kind.FILES:
        await chat.say(chat._(texts.FILES_ONLY_HERE))
        await show_step(chat, record)
        return
    before = record.state
    await apply_answer(chat, record, typed_answer(prompt, message.text), message=message)
    await answered.remember(chat, record, message, before)  # an edit of it may replace it (bot/edits.py)


def _taken_already(record: DraftRecord, message: Message) -> bool:
    """A message whose answer is stored (message ids only grow within a chat)."""
    last = record.state.last_message_id
    return last is not None and message.message_id <= last


async def _store(chat: Chat, record: DraftRecord, incoming, *, voice_answer: bool = False) -> str | Invalid:
    held = record.state.voice_answers if voice_answer else await evidence_files(chat.core, record)
    if len(held) >= MAX_FILES:  # voice answers have their own limit: they are not evidence
        return Invalid(N_("You can add at most %(max)s files."), {"max": MAX_FILES})
    data = await download(chat.bot, incoming)
    if isinstance(data, Invalid):
        return data
    return await attachments.store(chat.core, data, incoming.name, draft_id=record.id)


async def _add_file(chat: Chat, record: DraftRecord, incoming, message: Message) -> None:
    stored = await _store(chat, record, incoming)
    if isinstance(stored, Invalid):
        await chat.say(render.error_text(stored, chat._))
        await show_step(chat, record)
        return
    record.state = replace(record.state, last_message_id=message.message_id)  # the same photo again is not a second file
    await save_draft(chat.core, record)
    replies.input_stored()
    count = len(await evidence_files(chat.core, record))
    prompt = conv.prompt(record.state, chat.context())
    _, markup = render.question(prompt, record.id, chat._, files=count)
    await chat.say(chat._(texts.FILE_RECEIVED, count=count, max=MAX_FILES), markup)


async def _voice_answer(chat: Chat, record: DraftRecord, incoming, message: Message) -> None:
    """A voice note answers a free-text question ("what happened") for people who cannot type."""
    step = questionnaire.STEP_BY_KEY[record.state.current]
    text = chat._(texts.VOICE_ANSWER, seconds=incoming.duration or 0)
    if len(text) < step.min_chars or len(text) > step.max_chars:
        await chat.say(chat._(texts.TEXT_EXPECTED))
        await show_step(chat, record)
        return
    stored = await _store(chat, record, incoming, voice_answer=True)
    if isinstance(stored, Invalid):
        await chat.say(render.error_text(stored, chat._))
        await show_step(chat, record)
        return
    record.state.voice_answers.append(stored)  # saved with the answer; not one of the evidence files
    await chat.say(chat._(texts.VOICE_TAKEN))
    await apply_answer(chat, record, text, message=message)


# --- small helpers -------------------------------------------------------------------------

async def _chat(message: Message, core: Core, bot: Bot, state: FSMContext) -> Chat:
    user = message.from_user
    return await Chat.open(core, bot, message.chat.id, state, user.language_code if user else None)


async def _chat_of_query(query: CallbackQuery, core: Core, bot: Bot, state: FSMContext) -> Chat:
    chat_id = query.message.chat.id if query.message else query.from_user.id
    return await Chat.open(core, bot, chat_id, state, query.from_user.language_code)


async def _close(chat: Chat, query: CallbackQuery, label: str) -> None:
    """Mark the answered question with the answer and take its buttons away (a message too old
    to edit, or edited already, stays as it is: the answer stands)."""
    message = query.message
    if not isinstance(message, Message) or message.text is None:
        return
    text = f"{message.text}\n\n✓ {label}"
    if len(text) <= render.MAX_MESSAGE_CHARS:
        await chat.later(message.edit_text(text, reply_markup=None))
    else:
        await chat.later(message.edit_reply_markup(reply_markup=None))


def make_router() -> Router:
    """A new router with this module's handlers (a router joins one Dispatcher only)."""
    router = Router(name="report")
    router.message.register(start, CommandStart())
    router.message.register(language, Command("language"))
    router.callback_query.register(chose_language, Lang.filter())
    router.callback_query.register(resume, Resume.filter())
    router.message.register(help_, Command("help"))
    router.message.register(cancel, Command("cancel"))
    router.callback_query.register(pressed, Step.filter())
    router.message.register(any_message)
    router.callback_query.register(unknown_button)  # last: data no button of ours carries
    return router


async def unknown_button(query: CallbackQuery, core: Core, bot: Bot, state: FSMContext) -> None:
    """A press whose data we never sent (a forged or very old button): answered, so the
    person's button stops spinning, and nothing else happens."""
    chat = await _chat_of_query(query, core, bot, state)
    await chat.later(query.answer(chat._(texts.EXPIRED_BUTTON), show_alert=True))
