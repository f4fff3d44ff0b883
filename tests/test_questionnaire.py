"""Every path through the questionnaire, as the conversation engine walks it."""
from __future__ import annotations

from datetime import date

import pytest

from intake.domain import conversation as conv
from intake.domain.conversation import SKIP, Context
from intake.domain.questionnaire import QUESTIONS, URGENT_NOTICE
from intake.domain.steps import ChannelCapabilities
from tests.walk import ANSWERS_ANONYMOUS_SELF, ANSWERS_FOR_MOTHER, walk

TERMINAL = ChannelCapabilities()
WEB = ChannelCapabilities(frozenset({"files"}))


@pytest.fixture(scope="module")
def ctx(deployment) -> Context:
    return Context(deployment, date(2026, 11, 27), TERMINAL)


def asked(state: conv.DraftState) -> list[str]:
    return [*state.history]


def test_reporting_for_myself_skips_relationship_and_victim_questions(ctx):
    state = walk(conv.start("en", TERMINAL), ctx, ANSWERS_ANONYMOUS_SELF)
    assert state.at_review
    for key in ("relationship", "victim_name", "victim_phone", "victim_region", "reporter_name"):
        assert key not in asked(state)
    assert "suspect_organisation" not in asked(state)  # they said they know nothing of the suspect


def test_reporting_for_a_parent_asks_relationship_and_the_victims_details(ctx):
    state = walk(conv.start("zh_Hans", TERMINAL), ctx, ANSWERS_FOR_MOTHER)
    for key in ("relationship", "victim_name", "victim_phone", "victim_region", "reporter_name", "suspect_organisation"):
        assert key in asked(state)
    answers = conv.final_answers(state, TERMINAL)
    assert answers["money_lost"] == 3_000_000  # 3万 yuan in fen
    assert answers["victim_phone"] == "+8613800138000"
    assert answers["when"] == {"month": "2026-10"}


def test_urgency_comes_first_and_tells_to_call_110_at_once(ctx):
    state = conv.start("en", TERMINAL)
    assert state.current == QUESTIONS[0].key == "urgent"
    outcome = conv.answer(state, "yes", ctx)
    assert outcome.notices == (URGENT_NOTICE,)
    assert "110" in URGENT_NOTICE and "96110" in URGENT_NOTICE
    assert conv.answer(state, "no", ctx).notices == ()


def test_not_sure_of_the_category_is_a_valid_answer(ctx):
    state = walk(conv.start("en", TERMINAL), ctx, ANSWERS_ANONYMOUS_SELF, stop_at="category")
    outcome = conv.answer(state, "other", ctx)
    assert outcome.error is None and outcome.state.answers["category"] == "other"


def test_online_scams_ask_where_the_victim_lives(ctx):
    answers = {**ANSWERS_ANONYMOUS_SELF, "category": "online_telecom"}
    state = walk(conv.start("en", TERMINAL), ctx, answers, stop_at="region")
    assert "where the person who was targeted lives" in conv.prompt(state, ctx).hint


def test_named_reporter_must_give_a_phone_anonymous_need_not(ctx):
    named = walk(conv.start("en", TERMINAL), ctx, {**ANSWERS_ANONYMOUS_SELF, "contact_mode": "named", "reporter_name": "Li"}, stop_at="reporter_phone")
    refused = conv.answer(named, SKIP, ctx)
    assert refused.error is not None and refused.error.message == "Please answer this question."
    anonymous = walk(conv.start("en", TERMINAL), ctx, ANSWERS_ANONYMOUS_SELF, stop_at="reporter_phone")
    assert conv.prompt(anonymous, ctx).optional
    assert conv.answer(anonymous, SKIP, ctx).error is None


def test_bad_answers_are_refused_with_a_message_and_nothing_changes(ctx):
    state = walk(conv.start("en", TERMINAL), ctx, ANSWERS_FOR_MOTHER, stop_at="money_lost")
    for bad in ("lots", "-5", "30a00"):
        outcome = conv.answer(state, bad, ctx)
        assert outcome.error is not None
        assert outcome.state is state
    future = walk(conv.start("en", TERMINAL), ctx, ANSWERS_FOR_MOTHER, stop_at="when")
    assert "future" in conv.answer(future, "2027-03-01", ctx).error.message


def test_consent_no_explains_other_ways_to_report(ctx):
    state = walk(conv.start("en", TERMINAL), ctx, ANSWERS_ANONYMOUS_SELF, stop_at="consent")
    outcome = conv.answer(state, "no", ctx)
    assert "12345" in outcome.error.message


def test_back_returns_to_the_previous_question_with_the_answer_kept(ctx):
    state = walk(conv.start("en", TERMINAL), ctx, ANSWERS_FOR_MOTHER, stop_at="category")
    previous = conv.back(state)
    assert previous.current == "relationship"
    assert previous.answers["relationship"] == "child"
    assert conv.back(conv.start("en", TERMINAL)).current == "urgent"  # nothing before the first


def test_changing_an_answer_from_review_returns_to_review(ctx):
    state = walk(conv.start("en", TERMINAL), ctx, ANSWERS_FOR_MOTHER)
    state = conv.change(state, "money_lost", TERMINAL)
    state = conv.answer(state, "5000", ctx).state
    assert state.at_review
    assert conv.final_answers(state, TERMINAL)["money_lost"] == 500_000


def test_switching_to_someone_else_from_review_asks_the_new_questions_first(ctx):
    state = walk(conv.start("en", TERMINAL), ctx, ANSWERS_ANONYMOUS_SELF)
    state = conv.answer(conv.change(state, "reporting_for", TERMINAL), "family", ctx).state
    assert state.current == "relationship"
    state = conv.answer(state, "child", ctx).state
    assert state.current == "victim_name"  # optional questions never seen are asked once
    while not state.at_review:
        state = conv.answer(state, SKIP, ctx).state
    assert conv.missing_steps(state, TERMINAL) == []


def test_answers_of_questions_that_no_longer_apply_are_dropped(ctx):
    state = walk(conv.start("en", TERMINAL), ctx, ANSWERS_FOR_MOTHER)
    state = conv.answer(conv.change(state, "reporting_for", TERMINAL), "self", ctx).state
    answers = conv.final_answers(state, TERMINAL)
    assert "victim_name" not in answers and "relationship" not in answers


def test_files_are_asked_only_where_the_channel_takes_them(ctx):
    web_ctx = Context(ctx.deployment, ctx.today, WEB)
    on_web = walk(conv.start("en", WEB), web_ctx, ANSWERS_ANONYMOUS_SELF)
    assert "evidence" in asked(on_web)
    on_terminal = walk(conv.start("en", TERMINAL), ctx, ANSWERS_ANONYMOUS_SELF)
    assert "evidence" not in asked(on_terminal)


def test_every_date_and_amount_question_offers_dont_know():
    from intake.domain.steps import Kind

    for step in QUESTIONS:
        if step.kind in (Kind.DATE, Kind.MONEY):
            assert step.dont_know, step.key


@pytest.mark.parametrize("language,expected", [("zh_Hans", "您是为谁举报"), ("en", "Who are you reporting for?")])
def test_prompts_are_in_the_reporters_language(ctx, language, expected):
    state = conv.answer(conv.start(language, TERMINAL), "no", ctx).state
    assert expected in conv.prompt(state, ctx).question


def test_review_shows_every_answer_readably(ctx):
    state = walk(conv.start("en", TERMINAL), ctx, ANSWERS_FOR_MOTHER)
    values = {item.key: item.value for item in conv.review(state, ctx)}
    assert values["money_lost"] == "CN¥30,000.00"
    assert values["region"] == "Donghu County, Qingshan City"
    assert values["suspect_online"] == "Not provided"
    assert values["relationship"] == "I am their son or daughter"


def test_choices_can_be_typed_as_their_words(ctx):
    outcome = conv.answer(conv.start("en", TERMINAL), "No", ctx)
    assert outcome.error is None and outcome.state.answers["urgent"] == "no"
