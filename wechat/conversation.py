"""The report as a WeChat conversation: every message in, one text reply out. An Official
Account has no buttons, so choices are numbered ("reply 1, 2 or 3") and the rest is words
(wechat/commands.py). The draft is the truth, saved after every answer, so a report survives
a restart; the channel kit reads the numbers and shows the receipt, as for the bot.

`reply(core, message)` is the whole job: (the person, what they sent) -> the text to send back.
"""
from __future__ import annotations

from dataclasses import dataclass, replace

from i18n import LANGUAGE_NAMES, LANGUAGES, N_, Translator
from intake.domain import conversation as conv
from intake.domain.answers.digits import normalize_digits
from intake.domain.answers.invalid import Invalid
from intake.domain.channel_kit.kinds import TYPED_KINDS
from intake.domain.channel_kit.navigation import at_first_missing
from intake.domain.channel_kit.progress import questions_left
from intake.domain.channel_kit.receipt import after_receipt
from intake.domain.channel_kit.typed import choice_number, dont_know_number, numbered, typed_answer
from intake.domain.conversation import MAX_FILES, SKIP, Context, DraftState
from intake.domain.dates_in_words import moment_in_words
from intake.domain.questionnaire import DONT_KNOW, STEP_BY_KEY
from intake.domain.steps import ChannelCapabilities, Kind
from intake.domain.tracking import looks_like_code
from intake.notify.outbox import has_waiting, take_waiting
from intake.platform import attachments, ratelimit
from intake.platform.core import Core
from intake.platform.voice_files import recording_seconds
from intake.reporting import lookups
from intake.reporting.drafts import DraftRecord, discard_draft, evidence_files, find_draft, new_draft, save_draft
from intake.reporting.lookups import Client, LookupRefused
from intake.reporting.submission import Incomplete, submit_draft
from wechat import answers, media, pages, texts
from wechat.answers import Sent
from wechat.consent import CONSENT_PATH, can_ask_consent
from wechat.commands import MENU_KEYS, Command, command_of, language_chosen
from wechat.messages import Incoming
from wechat.users import CHANNEL, CHOOSING, language_of, set_language, unfollowed, user_hash

CAPABILITIES = ChannelCapabilities(frozenset({"files"}))  # photos and voice messages as evidence
PERSON_LIMIT = ratelimit.Limit("wechat-person", 60, 60)  # messages per person per minute, as the bot's
TOO_MANY_FILES = N_("You can add at most %(max)s files.")  # the core's words (intake.domain.conversation)
REVIEW_VALUE_CHARS = 80  # a long answer shortened in "check your answers" (it pages less)
SEND = "0"  # at "check your answers": send the report
FILES_DONE = "1"  # at the evidence question: no more files
MEDIA_KINDS = ("image", "voice")  # what WeChat sends with a file (MediaId)


@dataclass
class Person:
    core: Core
    openid: str
    language: str

    @property
    def _(self) -> Translator:
        return Translator(self.language)

    def word(self, command: Command) -> str:
        return self._(command.value)

    def context(self) -> Context:
        return Context(self.core.deployment, self.core.today(), CAPABILITIES)


async def reply(core: Core, message: Incoming) -> str | None:
    """What to answer `message` with; None: nothing (an event we need not answer)."""
    if message.kind == "event" and message.event == "click" and message.event_key in MENU_KEYS:
        message = replace(message, kind="text", text=MENU_KEYS[message.event_key].value)  # a menu tap: its word
    if message.kind == "event":
        return await _event(core, message)
    language = await language_of(core, message.sender)
    if not await ratelimit.hit(core, PERSON_LIMIT, f"wechat:{user_hash(core, message.sender)}"):
        return Translator(language or core.settings.default_language)(texts.SLOW_DOWN)
    if language is None:
        chosen = language_chosen(message.text) if message.kind == "text" else None
        if chosen is None:
            return language_question()
        person = Person(core, message.sender, chosen)
        return await _paged(person, await _language_set(person))
    person = Person(core, message.sender, language)
    if message.kind == "text" and command_of(message.text) == (Command.MORE, ""):
        page = await pages.next_page(core, message.sender, person._, person.word(Command.MORE))
        if page is not None:
            return page
    if message.kind in MEDIA_KINDS:
        text = await _media(person, message)
    elif message.kind != "text":
        text = await _with_step(person, person._(texts.TEXT_ONLY))
    else:
        text = await _text(person, message.text)
    # Notices no message could carry (an account without customer-service messages): told now, first.
    waiting = [notice.body for notice in await take_waiting(core, CHANNEL, user_hash(core, message.sender))]
    return await _paged(person, _join(*waiting, text))


async def _paged(person: Person, text: str) -> str:
    """The reply's first page; the rest waits for "more" (wechat/pages.py)."""
    return await pages.first_page(person.core, person.openid, text, person._, person.word(Command.MORE))


async def _event(core: Core, message: Incoming) -> str | None:
    if message.event == "subscribe":
        await set_language(core, message.sender, CHOOSING, following=True)
        return language_question()
    if message.event == "unsubscribe":  # nothing reaches them now; a reply would be dropped
        await unfollowed(core, message.sender)
    return None  # menu views, locations, …: nothing to say


def language_question() -> str:
    """In all three languages: the person has not chosen yet."""
    lines = [Translator(language)(texts.CHOOSE_LANGUAGE) for language in LANGUAGES]
    lines.append("")
    lines.extend(f"{number}  {LANGUAGE_NAMES[language]}" for number, language in enumerate(LANGUAGES, 1))
    return "\n".join(lines)


async def _language_set(person: Person) -> str:
    await set_language(person.core, person.openid, person.language)
    said = person._(texts.LANGUAGE_SET, language=LANGUAGE_NAMES[person.language], command=person.word(Command.LANGUAGE))
    record = await find_draft(person.core, CHANNEL, person.openid)
    if record is None:
        return await _begin(person, said)
    if record.state.language != person.language:
        record.state.language = person.language
        await save_draft(person.core, record)
    return _join(said, _step(person, record.state))


async def _begin(person: Person, *before: str) -> str:
    record = await new_draft(person.core, CHANNEL, person.openid, person.language, CAPABILITIES)
    _ = person._
    return _join(*before, _(texts.WELCOME) + "\n" + _(texts.PHONES), _step(person, record.state))


async def _text(person: Person, text: str) -> str:
    _ = person._
    command = command_of(text)
    record = await find_draft(person.core, CHANNEL, person.openid)
    if command is not None:
        what, rest = command
        if what is Command.LANGUAGE:
            await set_language(person.core, person.openid, CHOOSING)
            return language_question()
        if what is Command.PROGRESS:
            return await _status(person, rest) if rest else _(texts.STATUS_USAGE, command=person.word(Command.PROGRESS))
        if what is Command.HELP:
            return _join(_help(person), _step(person, record.state) if record else _idle(person))
        if what is Command.CANCEL:
            if record is None:
                return _(texts.NOTHING_TO_CANCEL)
            await discard_draft(person.core, record.id)
            return _(texts.CANCELLED, report=person.word(Command.REPORT))
        if what is Command.MORE:  # nothing more was waiting: where the person is
            return _step(person, record.state) if record else _idle(person)
        if what is Command.REPORT:
            return _step(person, record.state) if record else await _begin(person)
        if record is not None and what is Command.BACK:
            record.state = conv.back(record.state)
            await save_draft(person.core, record)
            return _step(person, record.state)
        if record is not None and what is Command.SKIP and not record.state.at_review:
            if conv.prompt(record.state, person.context()).kind is Kind.FILES:  # "skip" after sending some: kept
                return await _files_done(person, record)
            return await _answer(person, record, SKIP)
        if record is None:  # "back" or "skip" with no report: never an answer to a staff question
            return _idle(person)
    if record is None:
        if looks_like_code(text):  # a code on its own is a look-up, never an answer
            return await _status(person, text)
        return await _after_report(person, Sent(text=text)) or _idle(person)
    if record.state.at_review:
        return await _review_choice(person, record, text)
    prompt = conv.prompt(record.state, person.context())
    if prompt.kind is Kind.FILES:
        if normalize_digits(text.strip()) == FILES_DONE:
            return await _files_done(person, record)
        return _join(person._(texts.FILES_ONLY, done=FILES_DONE), _step(person, record.state))
    extra = _typed_extras(prompt).get(text.strip().casefold()) if prompt.kind in TYPED_KINDS else None
    return await _answer(person, record, extra if extra is not None else typed_answer(prompt, text))


async def _answer(person: Person, record: DraftRecord, raw: object) -> str:
    outcome = conv.answer(record.state, raw, person.context())
    if outcome.error:
        return _join(_error(outcome.error, person._), _step(person, record.state))
    record.state = outcome.state
    await save_draft(person.core, record)
    notices = ["⚠ " + person._(notice) for notice in outcome.notices]
    return _join(*notices, _step(person, record.state))


async def _after_report(person: Person, sent: Sent) -> str | None:
    """The answer to a staff question, or more for a tip answered within the hour (wechat/answers.py);
    None: neither. While notices wait untold (an account that can only answer: told after this
    message's reply), a staff question may be among them: this message cannot be its answer yet."""
    if await has_waiting(person.core, CHANNEL, user_hash(person.core, person.openid)):
        return None
    said = await answers.after_report(person.core, person.openid, person._, sent, idle=_idle(person))
    if isinstance(said, Invalid):  # nothing was stored: the person sends again
        return _error(said, person._)
    return said


async def _files_done(person: Person, record: DraftRecord) -> str:
    """The evidence question answered by the files sent to it (none: left out)."""
    ids = await evidence_files(person.core, record)
    return await _answer(person, record, ids or SKIP)


async def _media(person: Person, message: Incoming) -> str:
    """A photo or a voice message: evidence at the evidence question, and a voice message also
    the answer to a question asking for words ("what happened"), as on the bot. Its file is
    fetched from WeChat, then checked and sealed by the core; nothing is kept when that fails."""
    _ = person._
    record = await find_draft(person.core, CHANNEL, person.openid)
    if record is None:
        return await _after_report(person, Sent(kind=message.kind, media_id=message.media_id)) or _join(_(texts.NOT_KEPT), _idle(person))
    if record.state.at_review:
        return _join(_(texts.READY_TO_CHECK), _step(person, record.state))
    prompt = conv.prompt(record.state, person.context())
    if prompt.kind is Kind.FILES:
        held = await evidence_files(person.core, record)
        if len(held) >= MAX_FILES:
            return _join(_(TOO_MANY_FILES, max=MAX_FILES), _step(person, record.state))
        stored = await _store(person, record, message)
        if isinstance(stored, Invalid):
            return _join(_error(stored, _), _step(person, record.state))
        return _(texts.FILE_ADDED, count=len(held) + 1, max=MAX_FILES, done=FILES_DONE)
    if message.kind == "voice" and prompt.kind is Kind.TEXT:
        return await _voice_answer(person, record, message)
    return _join(_(texts.FILES_HERE), _step(person, record.state))


async def _voice_answer(person: Person, record: DraftRecord, message: Incoming) -> str:
    _ = person._
    if len(record.state.voice_answers) >= MAX_FILES:  # voice answers have their own limit: they are not evidence
        return _join(_(TOO_MANY_FILES, max=MAX_FILES), _step(person, record.state))
    data = await media.fetch(person.core, message.media_id, kind=message.kind)
    if isinstance(data, Invalid):
        return _join(_error(data, _), _step(person, record.state))
    text = _(texts.VOICE_ANSWER, seconds=recording_seconds(data))
    step = STEP_BY_KEY[record.state.current]
    if not step.min_chars <= len(text) <= step.max_chars:
        return _join(_(texts.TEXT_ONLY), _step(person, record.state))
    stored = await attachments.store(person.core, data, media.NAMES[message.kind], draft_id=record.id)
    if isinstance(stored, Invalid):
        return _join(_error(stored, _), _step(person, record.state))
    record.state.voice_answers.append(stored)  # saved with the answer; not one of the evidence files
    return _join(_(texts.VOICE_TAKEN), await _answer(person, record, text))


async def _store(person: Person, record: DraftRecord, message: Incoming) -> str | Invalid:
    data = await media.fetch(person.core, message.media_id, kind=message.kind)
    if isinstance(data, Invalid):
        return data
    return await attachments.store(person.core, data, media.NAMES[message.kind], draft_id=record.id)


async def _review_choice(person: Person, record: DraftRecord, text: str) -> str:
    line = normalize_digits(text.strip())
    if line == SEND:
        return await _submit(person, record)
    items = conv.review(record.state, person.context())
    key = numbered([conv.Choice(item.key, item.label) for item in items], line)
    if key in {item.key for item in items}:
        record.state = conv.change(record.state, key, CAPABILITIES)
        await save_draft(person.core, record)
        return _step(person, record.state)
    return _join(person._(texts.READY_TO_CHECK), _step(person, record.state))


async def _submit(person: Person, record: DraftRecord) -> str:
    _ = person._
    result = await submit_draft(person.core, record.id, CAPABILITIES, channel_address=person.openid)
    if isinstance(result, Incomplete):
        record.state = at_first_missing(record.state, result.missing, CAPABILITIES)
        await save_draft(person.core, record)
        return _join(_(texts.ANSWER_THIS), _step(person, record.state))
    shown = after_receipt(result, person.core.deployment)
    parts = ["\n".join([_(texts.SENT), "", _(texts.TRACKING_CODE), shown.code, "", _(texts.REPLY_PIN), shown.pin,
                        "", _(texts.WRITE_DOWN)])]
    if shown.urgent_notice:
        parts.append("⚠ " + _(shown.urgent_notice))
    parts.append(_(texts.STATUS_HINT, command=person.word(Command.PROGRESS), code=shown.code))
    base = person.core.settings.public_base_url
    if base:
        parts.append(_(texts.STATUS_PAGE, url=base.rstrip("/") + "/status"))
        if record.state.answers.get("notify") == "yes" and can_ask_consent(person.core):
            parts.append(_(texts.ALLOW_NOTICES, url=f"{base.rstrip('/')}{CONSENT_PATH}?lang={person.language}"))
    advice = shown.advice_in()
    if advice:  # last: the one part that may be cut off when the reply is too long for one message
        parts.append(_(texts.WHAT_NOW) + "\n" + advice)
    return _join(*parts)


async def _status(person: Person, code_text: str) -> str:
    """The public timeline of a code, counted against this person's limits like every look-up."""
    _ = person._
    client = Client.wechat(user_hash(person.core, person.openid))
    try:
        view = await lookups.status(person.core, client, code_text[:64], person.language)
    except LookupRefused as refused:
        return _(refused.message)
    if view is None:
        return _(texts.UNKNOWN_CODE)
    lines = [_(texts.STATUS_TITLE, code=view.code, status=view.status_label)]
    for entry in view.entries:
        lines.extend(["", f"{moment_in_words(entry.at, person.language)} · {entry.label}"])
        if entry.message:
            lines.append(_(texts.OFFICER_WRITES, text=entry.message) if entry.from_officer else entry.message)
    return "\n".join(lines)


# --- rendering ------------------------------------------------------------------------------

def _step(person: Person, state: DraftState) -> str:
    if state.at_review:
        return _review(person, state)
    _ = person._
    prompt = conv.prompt(state, person.context())
    lines = [questions_left(prompt.left, _), "", prompt.question + (" " + _(texts.OPTIONAL) if prompt.optional else "")]
    if prompt.hint:
        lines.append(prompt.hint)
    choices = [f"{choice_number(prompt, i)}. {choice.label}" for i, choice in enumerate(prompt.choices)]
    if prompt.kind is Kind.FILES:
        lines.extend(["", _(texts.FILES_HOW, done=FILES_DONE)])
    elif prompt.kind not in TYPED_KINDS:
        if choices:
            lines.append("")
            lines.extend(choices)
        if prompt.dont_know:
            lines.append(f"{dont_know_number(prompt)}. {prompt.dont_know}")
        lines.extend(["", _(texts.SEVERAL if prompt.kind is Kind.MULTI_CHOICE else texts.REPLY_NUMBER)])
    elif prompt.choices or prompt.dont_know:  # a typed question's other answers ("no money was lost"): letters
        lines.append("")
        lines.extend(f"{letter}. {label}" for letter, label in _typed_labels(prompt))
    if prompt.optional and prompt.kind is not Kind.FILES:
        lines.append(_(texts.SEND_TO_SKIP, skip=person.word(Command.SKIP)))
    lines.append(_(texts.HOW_TO_MOVE, back=person.word(Command.BACK), help=person.word(Command.HELP)))
    return "\n".join(lines)


LETTERS = "abcdefghij"


def _typed_labels(prompt: conv.Prompt) -> list[tuple[str, str]]:
    """A typed question's other answers, lettered (a number typed there is an amount or a date)."""
    labels = [choice.label for choice in prompt.choices] + ([prompt.dont_know] if prompt.dont_know else [])
    return list(zip(LETTERS, labels))


def _typed_extras(prompt: conv.Prompt) -> dict[str, object]:
    values: list[object] = [choice.value for choice in prompt.choices] + ([DONT_KNOW] if prompt.dont_know else [])
    return dict(zip(LETTERS, values))


def _review(person: Person, state: DraftState) -> str:
    _ = person._
    lines = [_(texts.CHECK_ANSWERS), ""]
    for number, item in enumerate(conv.review(state, person.context()), 1):
        value = item.value if len(item.value) <= REVIEW_VALUE_CHARS else item.value[:REVIEW_VALUE_CHARS - 1] + "…"
        lines.append(f"{number}. {item.label}: {value}")
    lines.extend(["", _(texts.SEND_OR_CHANGE)])
    return "\n".join(lines)


def _help(person: Person) -> str:
    _ = person._
    return _(texts.HELP, back=person.word(Command.BACK), cancel=person.word(Command.CANCEL),
             language=person.word(Command.LANGUAGE), progress=person.word(Command.PROGRESS)) + "\n" + _(texts.PHONES)


def _idle(person: Person) -> str:
    return person._(texts.IDLE, report=person.word(Command.REPORT), progress=person.word(Command.PROGRESS))


async def _with_step(person: Person, said: str) -> str:
    record = await find_draft(person.core, CHANNEL, person.openid)
    return _join(said, _step(person, record.state) if record else _idle(person))


def _error(error: Invalid, _: Translator) -> str:
    text = _(error.message, **error.params) if error.params else _(error.message)
    return f"{text}\n{error.suggestion}" if error.suggestion else text


def _join(*parts: str) -> str:
    """Blocks of one reply: shown a blank line apart, and kept whole on its pages."""
    return pages.BLOCK.join(part for part in parts if part)
