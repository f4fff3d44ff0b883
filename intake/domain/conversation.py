"""Walking the questionnaire: pure functions from (draft state, input) to a new state.

No I/O here, so every channel shares one behaviour and every path is testable: the
channel renders `prompt()`, passes what the user typed or pressed to `answer()`, and
saves the returned state (drafts.py) after every step.
"""
from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import asdict, dataclass, field, replace
from datetime import date
from decimal import Decimal

from babel.numbers import format_currency

from i18n import LANGUAGES, N_, Translator
from intake.domain import joins
from intake.domain.answers.dates import parse_date
from intake.domain.answers.emails import parse_email
from intake.domain.answers.invalid import Invalid
from intake.domain.answers.matching import normalize_for_match
from intake.domain.answers.money import parse_amount
from intake.domain.answers.phones import parse_phone
from intake.domain.answers.text import clean_text
from intake.domain.answers.yes_no import typed_yes_no
from intake.domain.channel_kit import category_check
from intake.domain.channel_kit.kinds import TYPED_KINDS
from intake.domain.channel_kit.progress import progress
from intake.domain.dates_in_words import day_in_words, when_in_words
from intake.domain.deployment import Deployment
from intake.domain.questionnaire import DONT_KNOW, NO_MONEY, QUESTIONS, STEP_BY_KEY
from intake.domain.steps import NO, YES, ChannelCapabilities, Kind, Step
from intake.domain.suggest import Suggestion

REVIEW = "__review__"
#: A channel passes SKIP when the user leaves an optional question blank.
SKIP = "__skip__"

MAX_FILES = 10
_ATTACHMENT_ID = re.compile(r"[0-9a-f]{32}")  # intake.platform.attachments.store: uuid4().hex


@dataclass
class DraftState:
    """Where a reporter is in the questionnaire. JSON-serialisable (see to_dict)."""

    language: str
    answers: dict[str, object] = field(default_factory=dict)
    current: str = QUESTIONS[0].key
    history: list[str] = field(default_factory=list)
    back_to_review: bool = False  # set while changing one answer from "check your answers"
    # Files that answered a question by voice: they go with the report, but are not evidence files.
    voice_answers: list[str] = field(default_factory=list)
    # The channel's id of the message that gave the last stored answer: a message delivered twice
    # is known by it, never by its words (the same words may be meant for the next question).
    last_message_id: int | None = None

    def to_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict) -> DraftState:
        return cls(**data)

    @property
    def at_review(self) -> bool:
        return self.current == REVIEW


@dataclass(frozen=True)
class Context:
    deployment: Deployment
    today: date
    capabilities: ChannelCapabilities = field(default_factory=ChannelCapabilities)
    # (description, language) -> the category suggestion put to a reporter not sure (channel_kit.category_check)
    suggest: Callable[[str, str], Suggestion] | None = None


@dataclass(frozen=True)
class Outcome:
    state: DraftState
    error: Invalid | None = None
    notices: tuple[str, ...] = ()  # msgids to show at once (e.g. call 110 now)


# --- which steps apply -------------------------------------------------------------------

def applies(step: Step, answers: dict, capabilities: ChannelCapabilities) -> bool:
    if not capabilities.supports(step):
        return False
    return not (step.skip_if and step.skip_if(answers))


def next_key(answers: dict, after: str | None, capabilities: ChannelCapabilities) -> str:
    keys = [s.key for s in QUESTIONS]
    start = 0 if after is None else keys.index(after) + 1
    for step in QUESTIONS[start:]:
        if applies(step, answers, capabilities):
            return step.key
    return REVIEW


def start(language: str, capabilities: ChannelCapabilities) -> DraftState:
    return DraftState(language=language, current=next_key({}, None, capabilities))


def applicable_steps(answers: dict, capabilities: ChannelCapabilities) -> list[Step]:
    return [s for s in QUESTIONS if applies(s, answers, capabilities)]


def missing_steps(state: DraftState, capabilities: ChannelCapabilities) -> list[Step]:
    """Applicable steps never answered, or required ones answered blank."""
    return [
        s
        for s in applicable_steps(state.answers, capabilities)
        if s.key not in state.answers or (state.answers[s.key] is None and s.is_required(state.answers))
    ]


def final_answers(state: DraftState, capabilities: ChannelCapabilities) -> dict[str, object]:
    """The answers that count: those of steps that apply to the answers given.

    Changing "reporting for" from family to myself drops the victim's details, for example.
    """
    return {s.key: state.answers.get(s.key) for s in applicable_steps(state.answers, capabilities)}


# --- moving ------------------------------------------------------------------------------

def answer(state: DraftState, raw: object, ctx: Context) -> Outcome:
    """Validate raw input for the current step; on success store it and move on."""
    if state.at_review:
        return Outcome(state, Invalid(N_("Your answers are ready to check. Please confirm or change one.")))
    step = STEP_BY_KEY[state.current]
    value = validate(step, raw, state, ctx)
    if isinstance(value, Invalid):
        return Outcome(state, value)
    answers = {**state.answers, step.key: value}
    if step.key in ("category", "description"):
        answers = category_check.offer_category(answers, state.language, ctx.deployment, ctx.suggest)
    notices = tuple(notice for condition, notice in step.notice_when if condition(answers))
    if state.back_to_review:
        following = _first_gap(answers, ctx.capabilities)
        new = replace(state, answers=answers, current=following, back_to_review=following != REVIEW)
    else:
        new = replace(
            state,
            answers=answers,
            current=next_key(answers, step.key, ctx.capabilities),
            history=[*state.history, step.key],
        )
    return Outcome(new, None, notices)


def _first_gap(answers: dict, capabilities: ChannelCapabilities) -> str:
    for step in applicable_steps(answers, capabilities):
        if step.key not in answers:
            return step.key
    return REVIEW


def back(state: DraftState) -> DraftState:
    if state.back_to_review:
        return replace(state, current=REVIEW, back_to_review=False)
    if not state.history:
        return state
    *history, previous = state.history
    return replace(state, current=previous, history=history)


def change(state: DraftState, key: str, capabilities: ChannelCapabilities) -> DraftState:
    """From "check your answers", go to one question and come back after it."""
    step = STEP_BY_KEY.get(key)
    if step is None or not applies(step, state.answers, capabilities):
        return state
    return replace(state, current=key, back_to_review=True)


def restart(state: DraftState, capabilities: ChannelCapabilities) -> DraftState:
    return start(state.language, capabilities)


# --- validation --------------------------------------------------------------------------

def _is_blank(raw: object) -> bool:
    return raw is None or raw == SKIP or (isinstance(raw, str) and not raw.strip()) or raw == []


def validate(step: Step, raw: object, state: DraftState, ctx: Context) -> object | Invalid:
    if _is_blank(raw):
        if step.is_required(state.answers):
            if step.kind in TYPED_KINDS:
                return Invalid(N_("Please answer this question."))
            return Invalid(N_("Please choose one of the answers."))
        return None
    if raw == DONT_KNOW and step.dont_know:
        return DONT_KNOW
    match step.kind:
        case Kind.CHOICE | Kind.YES_NO | Kind.CATEGORY | Kind.REGION:
            return _one_option(step, raw, state, ctx)
        case Kind.MULTI_CHOICE:
            return _many_options(step, raw, state, ctx)
        case Kind.TEXT:
            return clean_text(str(raw), max_chars=step.max_chars, min_chars=step.min_chars)
        case Kind.PHONE:
            return parse_phone(str(raw))
        case Kind.EMAIL:
            return parse_email(str(raw))
        case Kind.DATE:
            return _today_in_words(parse_date(str(raw), ctx.today), ctx.today, state.language)
        case Kind.MONEY:
            if raw == NO_MONEY:
                return NO_MONEY
            return parse_amount(str(raw))
        case Kind.FILES:
            # The channel passes the ids of stored attachments; anything else is not a file of ours.
            if not isinstance(raw, list) or not all(isinstance(item, str) and _ATTACHMENT_ID.fullmatch(item) for item in raw):
                return Invalid(N_("Please add the files again."))
            if len(raw) > MAX_FILES:
                return Invalid(N_("You can add at most %(max)s files."), {"max": MAX_FILES})
            return raw
    raise AssertionError(f"unhandled step kind {step.kind}")


def _today_in_words(result: object, today: date, language: str) -> object:
    """"That date is in the future … today, 2026年11月27日, or earlier": today as the reporter
    reads days (the examples of what to type stay year-month-day)."""
    if isinstance(result, Invalid) and "today" in result.params:
        return replace(result, params={**result.params, "today": day_in_words(today, language)})
    return result


def _one_option(step: Step, raw: object, state: DraftState, ctx: Context) -> str | Invalid:
    if not isinstance(raw, str):
        return Invalid(N_("Please choose one of the answers."))
    choices = options(step, state.language, ctx.deployment, state.answers)
    value = _match_option(raw, choices)
    if value is None and {YES, NO} <= {choice.value for choice in choices}:
        value = typed_yes_no(raw, {o.value: [Translator(lang)(o.label) for lang in LANGUAGES] for o in step.options})
    if value is None:
        return Invalid(N_("Please choose one of the answers."))
    if step.key == "consent" and value != "yes":
        return Invalid(
            N_("We can only pass on your report if you agree. If you prefer, you can call 12345 or 96110 instead.")
        )
    return value


def _many_options(step: Step, raw: object, state: DraftState, ctx: Context) -> list[str] | Invalid:
    items = raw if isinstance(raw, list) else [part for part in str(raw).replace("，", ",").split(",")]
    choices = options(step, state.language, ctx.deployment)
    values: list[str] = []
    for item in items:
        value = _match_option(str(item), choices)
        if value is None:
            return Invalid(N_("Please choose one of the answers."))
        if value not in values:
            values.append(value)
    return values


def _match_option(raw: str, choices: list[Choice]) -> str | None:
    """The choice whose value or label was typed; the label also without its punctuation
    ("ཡོད" for "ཡོད།", "yes i know" for "Yes, I know")."""
    wanted = raw.strip().casefold()
    for choice in choices:
        if wanted in (choice.value.casefold(), choice.label.casefold()):
            return choice.value
    key = normalize_for_match(raw)
    for choice in choices:
        if key and key == normalize_for_match(choice.label):
            return choice.value
    return None


# --- presentation (shared by every channel) -----------------------------------------------

@dataclass(frozen=True)
class Choice:
    value: str
    label: str
    hint: str | None = None


@dataclass(frozen=True)
class Prompt:
    """A question ready to show, in the reporter's language."""

    key: str
    kind: Kind
    question: str
    hint: str | None
    choices: list[Choice]
    optional: bool
    dont_know: str | None  # label of the "don't know" answer where it is valid
    number: int  # the count, from channel_kit.progress
    total: int
    left: int


def options(step: Step, language: str, deployment: Deployment, answers: dict | None = None) -> list[Choice]:
    _ = Translator(language)
    if step.choices_from:
        offer = (answers or {}).get(step.choices_from)
        return [Choice(value, label) for value, label in category_check.choices(offer, language, deployment)]
    if step.kind is Kind.CATEGORY:
        return [
            Choice(c.code, c.label.get(language), " · ".join(e.get(language) for e in c.examples) or None)
            for c in deployment.active_categories()
        ]
    if step.kind is Kind.REGION:
        return [
            Choice(r.code, _region_label(r.code, language, deployment)) for r in deployment.reportable_regions()
        ]
    return [Choice(o.value, _(o.label), _(o.hint) if o.hint else None) for o in step.options]


def _region_label(code: str, language: str, deployment: Deployment) -> str:
    """County and city, enough to tell places apart, joined as each language writes a place
    (青山市东湖县, ཆིང་ཧྲན་གྲོང་ཁྱེར་ཏུང་ཧུའུ་རྫོང, Donghu County, Qingshan City)."""
    return joins.place([r.name.get(language) for r in deployment.region_path(code)[:2]], language)


def prompt(state: DraftState, ctx: Context) -> Prompt:
    _ = Translator(state.language)
    step = STEP_BY_KEY[state.current]
    count = progress(step.key, state.answers, ctx.capabilities, back_to_review=state.back_to_review)
    hint = step.hint_for(state.answers)
    question = _(step.question)
    if step.choices_from:  # the check of a suggested category names it
        question = category_check.question(question, state.answers.get(step.choices_from), state.language, ctx.deployment)
    return Prompt(
        key=step.key,
        kind=step.kind,
        question=question,
        hint=_(hint) if hint else None,
        choices=options(step, state.language, ctx.deployment, state.answers),
        optional=not step.is_required(state.answers),
        dont_know=_(N_("I don't know")) if step.dont_know else None,
        number=count.number,
        total=count.total,
        left=count.left,
    )


@dataclass(frozen=True)
class ReviewItem:
    key: str
    label: str
    value: str


def review(state: DraftState, ctx: Context) -> list[ReviewItem]:
    _ = Translator(state.language)
    items = []
    for step in applicable_steps(state.answers, ctx.capabilities):
        label = _(step.summary_label or step.question)
        items.append(ReviewItem(step.key, label, display_value(step, state.answers.get(step.key), state.language, ctx.deployment)))
    return items


def display_value(step: Step, value: object, language: str, deployment: Deployment) -> str:
    """An answer as the reporter (or staff) reads it, in `language`."""
    _ = Translator(language)
    if value is None or value == []:
        return _(N_("Not provided"))
    if value == DONT_KNOW:
        return _(N_("I don't know"))
    if step.choices_from:
        return category_check.answer_in_words(value, language, deployment)
    match step.kind:
        case Kind.CHOICE | Kind.YES_NO | Kind.CATEGORY | Kind.REGION:
            labels = {c.value: c.label for c in options(step, language, deployment)}
            if step.kind is Kind.CATEGORY and value in deployment.category_by_code:
                return deployment.category_by_code[str(value)].label.get(language)
            if step.kind is Kind.REGION and value in deployment.region_by_code:
                return _region_label(str(value), language, deployment)
            return labels.get(str(value), str(value))
        case Kind.MULTI_CHOICE:
            labels = {c.value: c.label for c in options(step, language, deployment)}
            return joins.listed((labels.get(v, v) for v in value), language)  # type: ignore[union-attr]
        case Kind.MONEY:
            if value == NO_MONEY:
                return _(N_("No money was lost"))
            return format_money(int(value), language)  # type: ignore[arg-type]
        case Kind.DATE:
            return when_in_words(value, language)  # type: ignore[arg-type]
        case Kind.FILES:
            return _.plural("%(n)s file", "%(n)s files", len(value))  # type: ignore[arg-type]
    return str(value)


def format_money(fen: int, language: str) -> str:
    locale = {"zh_Hans": "zh_Hans_CN", "bo": "bo_CN", "en": "en"}.get(language, "zh_Hans_CN")
    return format_currency(Decimal(fen) / 100, "CNY", locale=locale)

