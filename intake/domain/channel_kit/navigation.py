"""Moving around the questionnaire from outside the engine's own answer/back: open a question
by its key (a page the browser went Back to, a Change link), the page before a question, and
where to go when a submit finds questions unanswered."""
from __future__ import annotations

from collections.abc import Sequence

from intake.domain import conversation as conv
from intake.domain.conversation import REVIEW, DraftState
from intake.domain import questionnaire
from intake.domain.steps import ChannelCapabilities, Step


def can_show(state: DraftState, key: str, capabilities: ChannelCapabilities) -> bool:
    """The question is the current one, or one already answered that still applies."""
    step = questionnaire.STEP_BY_KEY.get(key)
    if step is None:
        return False
    return key == state.current or (key in state.answers and conv.applies(step, state.answers, capabilities))


def go_to(state: DraftState, key: str, capabilities: ChannelCapabilities, *, from_review: bool) -> DraftState | None:
    """Put the conversation at `key`, the question the reporter is answering (it may be an
    earlier one reached with the browser's Back button, or a Change link from "check your
    answers"); None if that question is not open."""
    if key == state.current and not (from_review and not state.back_to_review):
        return state
    if not can_show(state, key, capabilities):
        return None
    if not from_review and not state.back_to_review and key in state.history:
        while state.current != key and state.history:
            state = conv.back(state)
        return state
    moved = conv.change(state, key, capabilities)
    return moved if moved.current == key else None


def before(state: DraftState, key: str, *, from_review: bool) -> str | None:
    """The question (or REVIEW) a Back from `key` goes to; None before the first question."""
    if from_review or state.back_to_review:
        return REVIEW
    if key in state.history:
        index = state.history.index(key)
        return state.history[index - 1] if index > 0 else None
    return state.history[-1] if state.history else None


def at_first_missing(state: DraftState, missing: Sequence[Step], capabilities: ChannelCapabilities) -> DraftState:
    """After a submit that found questions unanswered: the first of them, then back to the check."""
    return conv.change(state, missing[0].key, capabilities) if missing else state
