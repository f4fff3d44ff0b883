"""A partner's JSON answers walked through the questionnaire, as a reporter would answer them:
every refused answer at once, and no database work (done before the report's transaction)."""
from __future__ import annotations

import json
from dataclasses import dataclass, replace

from i18n import LANGUAGES, N_
from intake.domain import conversation as conv
from intake.domain.answers.invalid import Invalid
from intake.domain.conversation import SKIP, Context, DraftState
from intake.domain.questionnaire import DONT_KNOW, QUESTIONS, STEP_BY_KEY
from intake.domain.steps import ChannelCapabilities, Kind, Step
from intake.platform.core import Core

#: The API takes no files: evidence is sent later, by the reporter, on the status page.
CAPABILITIES = ChannelCapabilities()

UNKNOWN_FIELD = N_("There is no question with this name.")
NOT_ASKED = N_("This question does not apply with the other answers given, so please leave it out.")
WRONG_TYPE = N_("Please send this answer as text.")
WRONG_LIST = N_("Please send this answer as a list of choices.")


@dataclass(frozen=True)
class FieldError:
    """One answer that was refused: the step key and a message id (with its parameters)."""

    field: str
    error: Invalid


def _raw(step: Step, value: object) -> object:
    """A JSON value as the questionnaire takes it; Invalid for a value of the wrong shape."""
    if value is None:
        return SKIP
    if value == DONT_KNOW and step.dont_know:
        return DONT_KNOW
    if step.kind is Kind.MULTI_CHOICE:
        if isinstance(value, str):
            return [value]
        if isinstance(value, list) and all(isinstance(item, str) for item in value):
            return value
        return Invalid(WRONG_LIST)
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, (int, float)):
        return str(value)
    if isinstance(value, str):
        return value
    return Invalid(WRONG_TYPE)


def check_answers(core: Core, answers: dict[str, object], language: str) -> tuple[DraftState, list[FieldError], tuple[str, ...]]:
    """Walk the questionnaire with `answers` (JSON keyed by step key), as a reporter would.

    Returns the finished state, every refused answer (not only the first) and the notices the
    answers call for (call 110 now)."""
    ctx = Context(core.deployment, core.today(), CAPABILITIES)
    state = conv.start(language, CAPABILITIES)
    errors = [FieldError(key, Invalid(UNKNOWN_FIELD)) for key in answers if key not in STEP_BY_KEY]
    notices: list[str] = []
    asked: set[str] = set()
    for _ in range(len(QUESTIONS) + 1):
        if state.at_review:
            break
        step = STEP_BY_KEY[state.current]
        asked.add(step.key)
        raw = _raw(step, answers.get(step.key))
        outcome = conv.answer(state, raw, ctx) if not isinstance(raw, Invalid) else conv.Outcome(state, raw)
        if outcome.error is not None:
            errors.append(FieldError(step.key, outcome.error))
            following = conv.next_key(state.answers, step.key, CAPABILITIES)
            state = replace(state, current=following, history=[*state.history, step.key])
            continue
        state = outcome.state
        notices.extend(outcome.notices)
    errors.extend(FieldError(key, Invalid(NOT_ASKED)) for key in answers if key in STEP_BY_KEY and key not in asked)
    order = {step.key: index for index, step in enumerate(QUESTIONS)}
    errors.sort(key=lambda e: order.get(e.field, -1))
    return state, errors, tuple(dict.fromkeys(notices))


@dataclass(frozen=True)
class Checked:
    """A request's answers walked through the questionnaire: no database work, so it is done
    before the report's transaction begins."""

    state: DraftState
    errors: list[FieldError]
    notices: tuple[str, ...]
    #: The keyed hash of the request's body (`request_fingerprint`), kept with an Idempotency-Key.
    fingerprint: str = ""


def request_fingerprint(core: Core, body: dict[str, object]) -> str:
    """The keyed hash of a request's JSON body, written one canonical way (sorted keys, no spaces),
    so a retry whose JSON is only formatted differently is the same request. Keyed: the body holds
    names and phone numbers, which a plain hash would let anyone with a guess confirm."""
    canonical = json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return core.keys.keyed_hash(canonical, purpose="api-request-body")[:64]


def check_report(core: Core, answers: dict[str, object], language: str) -> Checked:
    if language not in LANGUAGES:
        raise ValueError(f"unknown language {language!r}")
    state, errors, notices = check_answers(core, answers, language)
    if not errors:
        missing = conv.missing_steps(state, CAPABILITIES)  # cannot happen after a full walk; kept as a guard
        errors = [FieldError(step.key, Invalid(N_("Please answer this question."))) for step in missing]
    return Checked(state, errors, notices)
