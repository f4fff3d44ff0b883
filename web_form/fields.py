"""Between HTML form fields and the core's answers: what a posted form means as a raw answer,
and how a stored answer is put back into the fields when a page is shown again.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from starlette.datastructures import FormData, UploadFile

from intake.domain.conversation import SKIP, format_when
from intake.domain.questionnaire import DONT_KNOW
from intake.domain.steps import Kind

TYPED_KINDS = (Kind.TEXT, Kind.PHONE, Kind.EMAIL, Kind.DATE, Kind.MONEY)
CHOICE_KINDS = (Kind.CHOICE, Kind.YES_NO, Kind.CATEGORY, Kind.REGION)
#: Texts longer than this get a box of several lines.
LONG_TEXT = 500


@dataclass
class Filled:
    """What the fields of a question page show: the typed text or the chosen values."""

    text: str = ""
    chosen: list[str] = field(default_factory=list)


def raw_answer(kind: Kind, form: FormData) -> object:
    """The raw answer the core validates. A button such as "I don't know" or "No money was
    lost" (name="choice") wins over a typed text; a blank answer is SKIP."""
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


def filled_from_form(kind: Kind, form: FormData) -> Filled:
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
        if isinstance(value, int):
            yuan, fen = divmod(value, 100)
            return Filled(text=f"{yuan}.{fen:02d}" if fen else str(yuan))
        return Filled(chosen=[str(value)])
    if kind is Kind.FILES:
        return Filled(chosen=[str(v) for v in value] if isinstance(value, list) else [])
    return Filled(text=str(value))


def uploads(form: FormData, name: str = "files") -> list[UploadFile]:
    """The files actually chosen (a form with an empty file input posts one nameless part)."""
    return [item for item in form.getlist(name) if isinstance(item, UploadFile) and (item.filename or item.size)]
