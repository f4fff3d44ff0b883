"""What a button carries back (Telegram allows 64 bytes).

Buttons of the questionnaire carry the draft they belong to and the question they answer, so
a press on an old message is recognised and refused kindly instead of changing anything
(Cofacts' session check). Anything a button names is checked again against the chat: a client
can send any callback data it likes.
"""
from __future__ import annotations

from aiogram.filters.callback_data import CallbackData

DRAFT_REF_CHARS = 12  # enough to tell this chat's drafts apart


def draft_ref(draft_id: str) -> str:
    return draft_id[:DRAFT_REF_CHARS]


class Lang(CallbackData, prefix="lang"):
    code: str


class Step(CallbackData, prefix="a"):
    """An action on the question `k` of draft `d`.

    a: i (choose option x), ex (show the choices' examples), dk (don't know), sk (leave out),
    t (toggle a multi-choice: x is the selection as a bit mask), m (done with the multi-choice
    selection x), fd (files done),
    back, restart (asks first), rs (start over: confirmed), keep (do not start over), help,
    send (from the review), ch (change answer x from the review).
    """

    d: str
    k: str
    a: str
    x: str = ""


#: Actions only the "check your answers" screen offers, and actions only a question offers; a
#: press of one where it is not offered (forged: a client can send any data) has expired.
REVIEW_ACTIONS = frozenset({"send", "ch"})
QUESTION_ACTIONS = frozenset({"i", "ex", "dk", "sk", "t", "m", "fd"})


def offered(action: str, *, at_review: bool) -> bool:
    """Whether a button with `action` is on the screen the draft is at (back, restart, its
    confirmation and help are on every screen)."""
    return action not in (QUESTION_ACTIONS if at_review else REVIEW_ACTIONS)


class Resume(CallbackData, prefix="r"):
    d: str
    go: bool


class Rate(CallbackData, prefix="rate"):
    t: int
    v: str


class Addition(CallbackData, prefix="add"):
    """Yes or no to "Add this to your report?"; `n` is the id of the message it asks about, so
    only the latest question's buttons count."""

    n: int
    go: bool


class LeaveOut(CallbackData, prefix="rlo"):
    """'Leave it out' under "what went wrong?" for tip `t` (after "not satisfied")."""

    t: int


class WarningsFor(CallbackData, prefix="ws"):
    """Hear of new warnings in county `r` (on), or stop subscription `s` (off); checked against
    the chat that presses it."""

    on: bool
    r: str = ""
    s: int = 0
