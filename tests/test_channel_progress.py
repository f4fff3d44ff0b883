"""The count every channel shows ("question N of M", and how many are left), over every path of
the questionnaire: it never goes up as the reporter answers, and Back shows it again as it was."""
from __future__ import annotations

from datetime import date

import pytest

from intake.domain import conversation as conv
from intake.domain.channel_kit.progress import progress
from intake.domain.conversation import SKIP, Context, DraftState
from intake.domain.questionnaire import DONT_KNOW, QUESTIONS, STEP_BY_KEY
from intake.domain.steps import ChannelCapabilities, Kind, Offered, Unless
from intake.domain.suggest import Suggestion
from tests.walk import ANSWERS_ANONYMOUS_SELF, walk

TERMINAL = ChannelCapabilities()
WEB = ChannelCapabilities(frozenset({"files"}))
SAMPLES = {
    Kind.TEXT: "Free health lectures, then pills for 2000 yuan a box.",
    Kind.PHONE: "13800138000",
    Kind.EMAIL: "son@example.com",
    Kind.DATE: "2026-10",
    Kind.MONEY: "3000",
    Kind.FILES: ["a" * 32],
}


def _deciding_key(condition) -> str:
    condition = condition.condition if isinstance(condition, Unless) else condition
    return condition.when.key if isinstance(condition, Offered) else condition.key


#: The answers that decide which questions are asked: every path branches on these.
DECIDING = {_deciding_key(s.skip_if) for s in QUESTIONS if s.skip_if is not None}


def sure_suggestion(text: str, language: str) -> Suggestion:
    """A suggestion sure of itself, so the path where "not sure" is asked about it is walked too."""
    return Suggestion("care_product", 0.9, (), (("care_service", 0.05), ("other", 0.03), ("medical", 0.01)), "test", True)


def answers_to_try(state: DraftState, ctx: Context) -> list[object]:
    """Every answer that leads somewhere different at a deciding question; one good answer elsewhere."""
    step = STEP_BY_KEY[state.current]
    choices = [c.value for c in conv.options(step, state.language, ctx.deployment, state.answers)]
    sample = SAMPLES.get(step.kind, choices[:1] and choices[0])
    if step.kind is Kind.MULTI_CHOICE:
        sample = choices[:1]
    if step.key not in DECIDING:
        return [sample]
    if step.kind is Kind.CATEGORY:  # a category, or "not sure" (then the suggestion is put)
        return [choices[0], "other"]
    tried = [*choices, *([sample] if step.kind in SAMPLES else [])]
    if step.dont_know:
        tried.append(DONT_KNOW)
    if not step.is_required(state.answers):
        tried.append(SKIP)
    return tried


def every_path(ctx: Context):
    """Depth first: each path is the list of states the reporter passes through, to the review."""
    def follow(path: list[DraftState]):
        state = path[-1]
        if state.at_review:
            yield path
            return
        for raw in answers_to_try(state, ctx):
            outcome = conv.answer(state, raw, ctx)
            assert outcome.error is None, (state.current, raw, outcome.error)
            yield from follow([*path, outcome.state])

    yield from follow([conv.start("en", ctx.capabilities)])


@pytest.mark.parametrize("capabilities", [TERMINAL, WEB], ids=["terminal", "web"])
def test_the_count_never_goes_up_and_back_shows_it_again_on_every_path(deployment, capabilities):
    ctx = Context(deployment, date(2026, 11, 27), capabilities, suggest=sure_suggestion)
    lengths = []
    first_total = conv.prompt(conv.start("en", capabilities), ctx).total
    for path in every_path(ctx):
        questions = path[:-1]
        shown = [conv.prompt(state, ctx) for state in questions]
        lengths.append(len(questions))
        assert [p.number for p in shown] == list(range(1, len(questions) + 1))
        for earlier, later in zip(shown, shown[1:]):
            assert later.left < earlier.left, (earlier.key, later.key)
            assert later.total <= earlier.total, (earlier.key, later.key)
        assert shown[-1].left == 1 and shown[-1].total == len(questions)  # exact at the last question
        for state, following, seen in zip(questions, path[1:], shown):
            again = conv.back(following)
            assert again.current == state.current
            assert conv.prompt(again, ctx).left == seen.left  # Back: the count the reporter saw there
    assert len(lengths) >= 24  # reporting for (3) x suspect known (2) x money (3) x name (2) and more
    assert max(lengths) == first_total  # the first count is the longest path, not more


def test_changing_an_answer_from_the_check_counts_only_the_questions_it_opens(deployment):
    ctx = Context(deployment, date(2026, 11, 27), TERMINAL)
    state = walk(conv.start("en", TERMINAL), ctx, ANSWERS_ANONYMOUS_SELF)
    assert conv.prompt(conv.change(state, "place", TERMINAL), ctx).left == 1
    changing = conv.change(state, "reporting_for", TERMINAL)
    assert conv.prompt(changing, ctx).left == 5  # this one, then relationship and three of the victim's
    state = conv.answer(changing, "family", ctx).state
    assert (state.current, conv.prompt(state, ctx).left) == ("relationship", 4)


def test_every_channel_gets_the_same_count_from_the_same_answers(deployment):
    answers = {"urgent": "no", "reporting_for": "self"}
    for capabilities, evidence in ((TERMINAL, 0), (WEB, 1)):
        count = progress("category", answers, capabilities)
        # 22 from "what was it about" to the consent: the suspect's five, how it was paid, the
        # reporter's name and the check of a suggested category are counted until the answers that
        # skip them are given; the victim's are not
        assert (count.number, count.left, count.total) == (3, 22 + evidence, 24 + evidence)
        chosen = progress("description", {**answers, "category": "care_product"}, capabilities)
        assert chosen.left == 20 + evidence  # a category chosen: no suggestion to check
