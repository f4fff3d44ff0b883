"""How far along a reporter is: the question's place, and how many questions are left, at most.

The count uses the skip rules that are still open: a question whose skip rule depends on an
answer not given yet is counted. So as the reporter answers, "left" goes down by one or more
and never up, and the total ("question 7 of N") never grows; it is exact at the last question.
It depends only on the answers before the current question, so Back shows the count again
that the reporter saw there before. Every channel shows this one count.
"""
from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass

from i18n import N_
from intake.domain import questionnaire
from intake.domain.steps import ChannelCapabilities, Condition, Offered, Step, Unless


QUESTIONS_LEFT = N_("About %(n)s questions left")
LAST_QUESTION = N_("Last question")


def questions_left(left: int, _: Callable[..., str]) -> str:
    """What every channel shows of the count: "about 7 questions left" rather than "question 5 of
    28", because a total that shrinks as skip rules close reads as a jump; what is left only goes down."""
    return _(LAST_QUESTION) if left <= 1 else _(QUESTIONS_LEFT, n=left)


@dataclass(frozen=True)
class Progress:
    number: int  # the current question's place among the questions that apply
    total: int  # number - 1 + the questions from here to the end that may still apply
    left: int  # questions still to answer, this one included, at most (to "check your answers")


def _condition_key(condition: Condition) -> str:
    return condition.condition.key if isinstance(condition, Unless) else condition.key


def _may_apply(step: Step, answers: Mapping[str, object], capabilities: ChannelCapabilities, settled: set[str]) -> bool:
    """False only when the step is sure to be skipped: the answer its skip rule reads is settled
    (for a suggestion offered, the answer it follows, or an answer that rules it out)."""
    if not capabilities.supports(step):
        return False
    if isinstance(step.skip_if, Unless) and isinstance(step.skip_if.condition, Offered):
        offered = step.skip_if.condition
        if offered.when.key in settled and not offered.when(dict(answers)):
            return False
        return offered.after not in settled or offered(dict(answers))
    if step.skip_if is None or _condition_key(step.skip_if) not in settled:
        return True
    return not step.skip_if(dict(answers))


def progress(current: str, answers: Mapping[str, object], capabilities: ChannelCapabilities, *,
             back_to_review: bool = False) -> Progress:
    """The count at question `current`; `back_to_review` while changing one answer from
    "check your answers" (then only the questions that answer opens are left)."""
    questions = questionnaire.QUESTIONS  # read at each call, so a question added later is counted
    here = next(index for index, step in enumerate(questions) if step.key == current)
    before = {step.key for step in questions[:here]}
    number = 1 + sum(1 for step in questions[:here] if _may_apply(step, answers, capabilities, before))
    ahead = 1 + sum(1 for step in questions[here + 1:] if _may_apply(step, answers, capabilities, before))
    if not back_to_review:
        return Progress(number, number - 1 + ahead, ahead)
    given = set(answers) - {current}
    gaps = sum(
        1 for step in questions
        if step.key != current and step.key not in answers and _may_apply(step, answers, capabilities, given)
    )
    return Progress(number, number - 1 + ahead, 1 + gaps)
