"""Between a form's fields and the core's answers, on a plain multidict (the web form and the
phone intake post the same fields): `answer` (typed text, a radio, or ticked boxes) and
`choice` (a button such as "I don't know" or "No money was lost", which wins over typed text)."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Protocol

from intake.domain.channel_kit.kinds import CHOICE_KINDS, TYPED_KINDS
from intake.domain.conversation import SKIP
from intake.domain.questionnaire import DONT_KNOW
from intake.domain.steps import Kind


class MultiDict(Protocol):
    """What a posted form offers (Starlette's FormData is one)."""

    def get(self, key: str, default: object = None) -> object: ...

    def getlist(self, key: str) -> list: ...


@dataclass
class Filled:
    """What the fields of a question page show: the typed text or the chosen values."""

    text: str = ""
    chosen: list[str] = field(default_factory=list)


def raw_answer(kind: Kind, form: MultiDict) -> object:
    """The raw answer the core validates; a blank answer is SKIP."""
    button = form.get("choice")
    if isinstance(button, str) and button:
        return button
    if kind is Kind.MULTI_CHOICE:
        values = [v for v in form.getlist("answer") if isinstance(v, str) and v]
        if values == [DONT_KNOW]:
            return DONT_KNOW
        values = [v for v in values if v != DONT_KNOW]  # "don't know" ticked with answers: keep the answers
        return values or SKIP
    value = form.get("answer")
    if not isinstance(value, str) or not value.strip():
        return SKIP
    return value


def filled_from_form(kind: Kind, form: MultiDict) -> Filled:
    """What was typed or chosen, to show again after an error (nothing typed is ever lost)."""
    if kind is Kind.MULTI_CHOICE:
        return Filled(chosen=[v for v in form.getlist("answer") if isinstance(v, str)])
    value = form.get("answer")
    value = value if isinstance(value, str) else ""
    if kind in TYPED_KINDS:
        return Filled(text=value)
    button = form.get("choice")
    return Filled(chosen=[button if isinstance(button, str) and button else value])


def filled_from_answer(kind: Kind, value: object) -> Filled:
    """A stored answer back in its fields, for a question the reporter goes back to."""
    if value is None:
        return Filled()
    if kind is Kind.MULTI_CHOICE:
        return Filled(chosen=[str(v) for v in value] if isinstance(value, list) else [str(value)])
    if kind in CHOICE_KINDS:
        return Filled(chosen=[str(value)])
    if value == DONT_KNOW:
        return Filled(chosen=[DONT_KNOW])
    if kind is Kind.DATE and isinstance(value, dict):
        return Filled(text=format_when(value))
    if kind is Kind.MONEY:
        return Filled(text=yuan_text(value)) if isinstance(value, int) else Filled(chosen=[str(value)])
    if kind is Kind.FILES:
        return Filled(chosen=[str(v) for v in value] if isinstance(value, list) else [])
    return Filled(text=str(value))


def yuan_text(fen: int) -> str:
    """An amount stored in fen as a reporter types it in yuan: 3000000 -> "30000", 150 -> "1.50"."""
    yuan, rest = divmod(fen, 100)
    return f"{yuan}.{rest:02d}" if rest else str(yuan)


def format_when(value: dict) -> str:
    """An answer to "when" as it goes back into a form field to be edited: 2026-10-03, 2026-10, 2026."""
    return value.get("date") or value.get("month") or value.get("year") or ""
