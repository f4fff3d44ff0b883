"""Hostile input through the conversation engine, which every channel walks: any Unicode,
NUL, right-to-left overrides, 100 KB strings, lone surrogates and non-text values at every
question. Each is either refused with a message every language can show, or accepted as clean,
storable text; the draft that holds it survives a round trip through the database."""
from __future__ import annotations

import json
import unicodedata

import pytest
from hypothesis import given
from hypothesis import strategies as st

from intake.domain import conversation as conv
from intake.domain.conversation import Context, DraftState
from intake.reporting.drafts import get_draft, new_draft, save_draft
from intake.domain.questionnaire import QUESTIONS
from intake.domain.steps import ChannelCapabilities
from tests.hostile import HOSTILE_SETTINGS, NASTIES, RTL_OVERRIDE, json_values, readable_everywhere
from tests.walk import ANSWERS_FOR_MOTHER

CAPABILITIES = ChannelCapabilities(frozenset({"files"}))


def at_step(key: str, language: str = "en") -> DraftState:
    """A reporter standing at question `key`, with the mother's answers to the questions before."""
    earlier = {}
    for step in QUESTIONS:
        if step.key == key:
            break
        earlier[step.key] = ANSWERS_FOR_MOTHER.get(step.key)
    return DraftState(language=language, answers=earlier, current=key, history=list(earlier))


def assert_clean(value: object) -> None:
    """An accepted answer holds no hidden characters and is valid JSON text (storable)."""
    json.dumps(value, ensure_ascii=False).encode("utf-8")  # raises on a lone surrogate
    texts = [value] if isinstance(value, str) else [v for v in value if isinstance(v, str)] if isinstance(value, list) else []
    for text in texts:
        assert "\x00" not in text and RTL_OVERRIDE not in text
        assert not any(unicodedata.category(ch) == "Cs" for ch in text)


@pytest.mark.parametrize("step", QUESTIONS, ids=lambda step: step.key)
@HOSTILE_SETTINGS
@given(raw=json_values)
def test_every_question_answers_hostile_input_with_a_message_or_a_clean_value(deployment, clock, step, raw):
    ctx = Context(deployment, clock.now().date(), CAPABILITIES)
    state = at_step(step.key)
    outcome = conv.answer(state, raw, ctx)
    if outcome.error is not None:
        readable_everywhere(outcome.error.message, outcome.error.params)
        assert outcome.state == state  # nothing changed: the reporter can fix it
        if outcome.error.suggestion is not None:
            assert_clean(outcome.error.suggestion)
    else:
        assert_clean(outcome.state.answers[step.key])
        conv.prompt(outcome.state, ctx)  # the next question still renders


@pytest.mark.parametrize("nasty", NASTIES, ids=lambda text: repr(text[:12]))
def test_the_hand_picked_nasties_at_every_text_question(deployment, clock, nasty):
    ctx = Context(deployment, clock.now().date(), CAPABILITIES)
    for step in QUESTIONS:
        outcome = conv.answer(at_step(step.key, "bo"), nasty, ctx)
        if outcome.error is not None:
            readable_everywhere(outcome.error.message, outcome.error.params)
        else:
            assert_clean(outcome.state.answers[step.key])


async def test_a_draft_with_every_accepted_oddity_survives_the_database(core):
    """Tibetan, emoji and 5000-character answers are sealed, stored and read back unchanged."""
    record = await new_draft(core, "web", "hostile-owner", "bo", CAPABILITIES)
    ctx = Context(core.deployment, core.today(), CAPABILITIES)
    state = at_step("description", "bo")
    long_story = ("ཁོང་ཚོས་སྨན་བཙོང་། 👵🏽💊 " * 400)[:5000]
    outcome = conv.answer(state, long_story, ctx)
    assert outcome.error is None
    record.state = outcome.state
    await save_draft(core, record)
    again = await get_draft(core, record.id)
    assert again.state.answers["description"] == long_story.strip()


@HOSTILE_SETTINGS
@given(language=st.one_of(st.sampled_from(["bo", "en", "zh_Hans", "xx", ""]), st.text(max_size=20)))
def test_an_unknown_language_falls_back_and_never_breaks_a_prompt(deployment, clock, language):
    ctx = Context(deployment, clock.now().date(), CAPABILITIES)
    state = conv.start(language, CAPABILITIES)
    prompt = conv.prompt(state, ctx)
    assert prompt.question
