"""Turning the core's prompts, reviews and receipts into chat messages and inline keyboards.

Pure functions: text in the reporter's language in, (text, keyboard) out. Messages are plain
text (no parse mode), so whatever a reporter typed is shown as typed and never interpreted.
"""
from __future__ import annotations

from aiogram.types import InlineKeyboardButton, InlineKeyboardMarkup

from bot import texts
from bot.callbacks import Lang, Rate, Step, draft_ref
from i18n import LANGUAGE_NAMES, LANGUAGES, Translator
from intake.domain import conversation as conv
from intake.domain import joins
from intake.domain.answers.invalid import Invalid
from intake.domain.channel_kit.kinds import TYPED_KINDS
from intake.domain.channel_kit.progress import questions_left
from intake.domain.channel_kit.typed import choice_number, dont_know_number
from intake.domain.conversation import REVIEW
from intake.domain.steps import Kind
from intake.reporting.ratings import CHOICES as RATING_CHOICES

MAX_MESSAGE_CHARS = 4096  # Telegram's limit for one message
REVIEW_VALUE_CHARS = 300

Markup = InlineKeyboardMarkup


def button(text: str, data: str) -> InlineKeyboardButton:
    return InlineKeyboardButton(text=text, callback_data=data)


def language_keyboard() -> Markup:
    return Markup(inline_keyboard=[[button(LANGUAGE_NAMES[lang], Lang(code=lang).pack()) for lang in LANGUAGES]])


def language_question() -> str:
    """The question in all three languages: the reporter has not chosen yet."""
    return "\n".join(Translator(lang)(texts.CHOOSE_LANGUAGE) for lang in LANGUAGES)


def error_text(error: Invalid, _: Translator) -> str:
    text = _(error.message, **error.params) if error.params else _(error.message)
    return f"{text}\n{error.suggestion}" if error.suggestion else text


def mask_of(values: list[str], choices: list[conv.Choice]) -> int:
    return sum(1 << i for i, choice in enumerate(choices) if choice.value in values)


def values_of(mask: int, choices: list[conv.Choice]) -> list[str]:
    return [choice.value for i, choice in enumerate(choices) if mask & (1 << i)]


def numbered(number: str | None, label: str) -> str:
    """A button's label with the number that types it ("2. No"), so "type its number" can be done."""
    return f"{number}. {label}" if number is not None else label


def question(prompt: conv.Prompt, draft_id: str, _: Translator, *, selected: int = 0, files: int = 0,
             examples: bool = False) -> tuple[str, Markup]:
    """One question as a message: how many are left, question, hint, and buttons for every
    answer plus Back / Start over / Help. The choices' explanations (a category's examples: 600 characters
    for eleven categories) are shown when asked for with "Show examples"."""
    d, k = draft_ref(draft_id), prompt.key
    lines = [questions_left(prompt.left, _), ""]
    lines.append(prompt.question + (" " + _(texts.OPTIONAL) if prompt.optional else ""))
    if prompt.hint:
        lines.append(prompt.hint)
    explained = [c for c in prompt.choices if c.hint]
    if explained and examples:
        lines.append("")
        lines.extend("• " + joins.labelled(c.label, c.hint, _.language) for c in explained if c.hint)
    rows: list[list[InlineKeyboardButton]] = []
    if prompt.kind is Kind.MULTI_CHOICE:
        for i, choice in enumerate(prompt.choices):
            mark = "☑ " if selected & (1 << i) else "☐ "
            label = mark + numbered(choice_number(prompt, i), choice.label)
            rows.append([button(label, Step(d=d, k=k, a="t", x=str(selected ^ (1 << i))).pack())])
        rows.append([button(_(texts.DONE), Step(d=d, k=k, a="m", x=str(selected)).pack())])
        hint = texts.CHOOSE_SEVERAL
    elif prompt.kind is Kind.FILES:
        rows.append([button(_(texts.FILES_DONE if files else texts.FILES_NONE), Step(d=d, k=k, a="fd").pack())])
        hint = None
    else:
        rows.extend([button(numbered(choice_number(prompt, i), choice.label), Step(d=d, k=k, a="i", x=str(i)).pack())]
                    for i, choice in enumerate(prompt.choices))
        hint = texts.TYPE_OR_PRESS if prompt.kind in TYPED_KINDS else texts.PRESS_OR_TYPE_NUMBER
    if explained and not examples:
        rows.append([button(_(texts.SHOW_EXAMPLES), Step(d=d, k=k, a="ex").pack())])
    if prompt.dont_know:
        rows.append([button(numbered(dont_know_number(prompt), prompt.dont_know), Step(d=d, k=k, a="dk").pack())])
    if prompt.optional and prompt.kind is not Kind.FILES:
        rows.append([button(_(texts.SKIP), Step(d=d, k=k, a="sk").pack())])
    rows.append(nav_row(d, k, _))
    if hint:
        lines.extend(["", _(hint)])
    return "\n".join(lines), Markup(inline_keyboard=rows)


def nav_row(d: str, k: str, _: Translator) -> list[InlineKeyboardButton]:
    return [
        button(_(texts.BACK), Step(d=d, k=k, a="back").pack()),
        button(_(texts.START_OVER), Step(d=d, k=k, a="restart").pack()),
        button(_(texts.HELP_BUTTON), Step(d=d, k=k, a="help").pack()),
    ]


def restart_question(draft_id: str, key: str, _: Translator) -> tuple[str, Markup]:
    """"Start over" asks first: one tap on it must not delete a whole report."""
    d = draft_ref(draft_id)
    return _(texts.START_OVER_QUESTION), Markup(inline_keyboard=[
        [button(_(texts.START_OVER_YES), Step(d=d, k=key, a="rs").pack())],
        [button(_(texts.START_OVER_NO), Step(d=d, k=key, a="keep").pack())],
    ])


def review(items: list[conv.ReviewItem], draft_id: str, _: Translator) -> tuple[str, Markup]:
    d = draft_ref(draft_id)
    lines = [_(texts.CHECK_ANSWERS), ""]
    for item in items:
        value = item.value if len(item.value) <= REVIEW_VALUE_CHARS else item.value[: REVIEW_VALUE_CHARS - 1] + "…"
        lines.append(joins.labelled(item.label, value, _.language))
    lines.extend(["", _(texts.CHECK_HINT)])
    rows = [[button(_(texts.SEND_REPORT), Step(d=d, k=REVIEW, a="send").pack())]]
    rows.extend([button(_(texts.CHANGE, label=item.label), Step(d=d, k=REVIEW, a="ch", x=item.key).pack())] for item in items)
    rows.append(nav_row(d, REVIEW, _))
    return "\n".join(lines), Markup(inline_keyboard=rows)


def rating_keyboard(tip_id: int, _: Translator) -> Markup:
    return Markup(inline_keyboard=[[button(_(label), Rate(t=tip_id, v=value).pack())] for value, label in RATING_CHOICES.items()])


def split(text: str, limit: int = MAX_MESSAGE_CHARS) -> list[str]:
    """Cut a long text into messages Telegram accepts: at paragraph, then line, then word ends."""
    parts: list[str] = []
    rest = text
    while len(rest) > limit:
        window = rest[:limit]
        cut = max(window.rfind("\n\n"), -1)
        if cut < limit // 2:
            cut = window.rfind("\n")
        if cut < limit // 2:
            cut = window.rfind(" ")
        if cut < limit // 2:
            cut = limit
        parts.append(rest[:cut].rstrip())
        rest = rest[cut:].lstrip("\n ")
    if rest or not parts:
        parts.append(rest)
    return parts
