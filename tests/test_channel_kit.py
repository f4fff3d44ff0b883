"""The channel kit: what every channel does around the conversation engine, tested once here."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import pytest

from intake.domain import conversation as conv
from intake.domain.channel_kit import navigation
from intake.domain.channel_kit.fields import Filled, filled_from_answer, filled_from_form, raw_answer, yuan_text
from intake.domain.channel_kit.kinds import TYPED_KINDS
from intake.domain.channel_kit.receipt import after_receipt
from intake.domain.channel_kit.typed import typed_answer
from intake.domain.conversation import REVIEW, SKIP, Context
from intake.domain.questionnaire import DONT_KNOW, NO_MONEY, QUESTIONS, URGENT_AFTER_SENDING, URGENT_NOTICE
from intake.domain.steps import ChannelCapabilities, Kind
from tests.walk import ANSWERS_ANONYMOUS_SELF, ANSWERS_FOR_MOTHER, walk

TERMINAL = ChannelCapabilities()


class Posted:
    """A plain multidict, as any web framework's form is."""

    def __init__(self, *pairs: tuple[str, str]) -> None:
        self.pairs = pairs

    def get(self, key: str, default: object = None) -> object:
        return next((value for name, value in self.pairs if name == key), default)

    def getlist(self, key: str) -> list:
        return [value for name, value in self.pairs if name == key]


@pytest.fixture(scope="module")
def ctx(deployment) -> Context:
    return Context(deployment, date(2026, 11, 27), TERMINAL)


def prompt_at(ctx: Context, key: str) -> conv.Prompt:
    state = walk(conv.start("en", TERMINAL), ctx, ANSWERS_FOR_MOTHER, stop_at=key)
    return conv.prompt(state, ctx)


def test_every_kind_is_typed_or_chosen_and_the_engine_asks_for_typing_where_it_is_typed(ctx):
    assert {step.kind for step in QUESTIONS if step.kind in TYPED_KINDS} == {Kind.TEXT, Kind.PHONE, Kind.EMAIL, Kind.DATE, Kind.MONEY}
    state = walk(conv.start("en", TERMINAL), ctx, ANSWERS_FOR_MOTHER, stop_at="description")
    assert conv.answer(state, SKIP, ctx).error.message == "Please answer this question."
    state = walk(conv.start("en", TERMINAL), ctx, ANSWERS_FOR_MOTHER, stop_at="ongoing")
    assert conv.answer(state, SKIP, ctx).error.message == "Please choose one of the answers."


def test_a_typed_number_stands_for_its_choice_in_any_script(ctx):
    age = prompt_at(ctx, "victim_age")
    assert typed_answer(age, "2") == "60_69"
    assert typed_answer(age, "༣") == "70_79"  # Tibetan three
    assert typed_answer(age, "４") == "80_plus"  # full-width four
    assert typed_answer(age, "0") == DONT_KNOW
    assert typed_answer(age, "9") == "9"  # no such choice: the core refuses it
    assert typed_answer(age, " 80 or older ") == "80 or older"  # words go to the core, which knows the labels
    assert typed_answer(age, "   ") == SKIP


def test_several_numbers_answer_a_multiple_choice_and_words_with_spaces_stay_one(ctx):
    paid = prompt_at(ctx, "payment_method")
    assert typed_answer(paid, "1,3") == ["cash", "mobile_payment"]
    assert typed_answer(paid, "1，３") == ["cash", "mobile_payment"]
    assert typed_answer(paid, "1 3") == ["cash", "mobile_payment"]
    assert typed_answer(paid, "Bank transfer") == ["Bank transfer"]
    assert typed_answer(paid, "0") == DONT_KNOW
    assert conv.answer(walk(conv.start("en", TERMINAL), ctx, ANSWERS_FOR_MOTHER, stop_at="payment_method"),
                       typed_answer(paid, "Bank transfer, 1"), ctx).state.answers["payment_method"] == ["bank_transfer", "cash"]


def test_a_typed_question_takes_the_line_as_it_is(ctx):
    description = prompt_at(ctx, "description")
    assert typed_answer(description, "3") == "3"
    assert typed_answer(description, "  They called twice.  ") == "  They called twice.  "


def test_form_fields_become_the_answer_the_core_validates():
    assert raw_answer(Kind.MONEY, Posted(("answer", "3000"), ("choice", NO_MONEY))) == NO_MONEY  # the button wins
    assert raw_answer(Kind.TEXT, Posted(("answer", "  "))) == SKIP
    assert raw_answer(Kind.MULTI_CHOICE, Posted(("answer", "cash"), ("answer", DONT_KNOW))) == ["cash"]
    assert raw_answer(Kind.MULTI_CHOICE, Posted(("answer", DONT_KNOW))) == DONT_KNOW
    assert raw_answer(Kind.MULTI_CHOICE, Posted()) == SKIP
    assert raw_answer(Kind.CHOICE, Posted(("answer", "family"))) == "family"


def test_what_was_typed_is_shown_again_after_an_error():
    assert filled_from_form(Kind.PHONE, Posted(("answer", "138 001"))) == Filled(text="138 001")
    assert filled_from_form(Kind.CHOICE, Posted(("answer", "family"))) == Filled(chosen=["family"])
    assert filled_from_form(Kind.MONEY, Posted(("choice", DONT_KNOW))) == Filled()  # typed kinds keep only the text
    assert filled_from_form(Kind.MULTI_CHOICE, Posted(("answer", "cash"), ("answer", "card"))) == Filled(chosen=["cash", "card"])


@pytest.mark.parametrize(("kind", "stored", "filled"), [
    (Kind.MONEY, 3_000_000, Filled(text="30000")),
    (Kind.MONEY, 150, Filled(text="1.50")),
    (Kind.MONEY, NO_MONEY, Filled(chosen=[NO_MONEY])),
    (Kind.DATE, {"month": "2026-10"}, Filled(text="2026-10")),
    (Kind.DATE, DONT_KNOW, Filled(chosen=[DONT_KNOW])),
    (Kind.REGION, "990121", Filled(chosen=["990121"])),
    (Kind.MULTI_CHOICE, ["cash"], Filled(chosen=["cash"])),
    (Kind.FILES, ["a" * 32], Filled(chosen=["a" * 32])),
    (Kind.TEXT, None, Filled()),
    (Kind.PHONE, "13800138000", Filled(text="13800138000")),
])
def test_a_stored_answer_goes_back_into_its_fields(kind, stored, filled):
    assert filled_from_answer(kind, stored) == filled


def test_an_amount_in_fen_is_typed_back_in_yuan_and_read_the_same(ctx):
    state = walk(conv.start("en", TERMINAL), ctx, ANSWERS_FOR_MOTHER, stop_at="money_lost")
    for fen in (3_000_000, 150, 1, 99_999_99):
        assert conv.answer(state, yuan_text(fen), ctx).state.answers["money_lost"] == fen


def test_going_to_an_answered_question_walks_back_and_a_change_link_comes_back_to_the_check(ctx):
    state = walk(conv.start("en", TERMINAL), ctx, ANSWERS_FOR_MOTHER, stop_at="region")
    back = navigation.go_to(state, "description", TERMINAL, from_review=False)
    assert back.current == "description" and back.history[-1] == "category" and not back.back_to_review
    assert navigation.before(back, "description", from_review=False) == "category"
    assert navigation.before(back, "urgent", from_review=False) is None
    assert navigation.go_to(state, "consent", TERMINAL, from_review=False) is None  # not reached yet
    assert navigation.go_to(state, "nonsense", TERMINAL, from_review=False) is None
    done = walk(state, ctx, ANSWERS_FOR_MOTHER)
    changing = navigation.go_to(done, "place", TERMINAL, from_review=True)
    assert changing.current == "place" and changing.back_to_review
    assert navigation.before(changing, "place", from_review=True) == REVIEW
    assert navigation.go_to(done, "reporter_name", TERMINAL, from_review=True).current == "reporter_name"


def test_an_incomplete_submit_opens_the_first_missing_question_then_the_check(ctx):
    state = walk(conv.start("en", TERMINAL), ctx, ANSWERS_ANONYMOUS_SELF)
    answers = dict(state.answers)
    del answers["region"], answers["when"]
    state = conv.DraftState(**{**state.to_dict(), "answers": answers})
    missing = conv.missing_steps(state, TERMINAL)
    assert [s.key for s in missing] == ["region", "when"]
    state = navigation.at_first_missing(state, missing, TERMINAL)
    assert state.current == "region" and state.back_to_review
    state = conv.answer(state, "990122", ctx).state
    assert state.current == "when"
    assert conv.answer(state, DONT_KNOW, ctx).state.at_review
    assert navigation.at_first_missing(state, [], TERMINAL) is state


@dataclass
class Sent:
    code: str = "482109375562"
    pin: str = "1234"
    urgent: bool = False
    category: str = "care_product"
    language: str = "bo"


def test_after_a_receipt_every_channel_shows_the_grouped_code_the_pin_the_advice_and_call_110_when_urgent(deployment):
    shown = after_receipt(Sent(), deployment)
    assert (shown.code, shown.pin, shown.urgent_notice) == ("4821 0937 5562", "1234", None)
    advice = deployment.category_by_code["care_product"].advice
    assert shown.advice_in() == advice.get("bo") and shown.advice_in("zh_Hans") == advice.get("zh_Hans")
    urgent = after_receipt(Sent(urgent=True), deployment).urgent_notice
    # Sent: "call 110 now" again, but no longer "carry on with this report" (there is none to carry on with).
    assert urgent == URGENT_AFTER_SENDING != URGENT_NOTICE and "110" in urgent and "carry on" not in urgent
    assert after_receipt(Sent(category="retired-or-unknown"), deployment).advice_in() is None


def test_the_chat_channels_words_are_declared_once_in_the_kit():
    """A word every chat channel says (the welcome, the receipt, "we could not receive this file")
    is a msgid of intake/domain/channel_kit/texts.py; no channel declares it again (a second
    declaration drifts: one channel's wording changes, the other's translation goes stale)."""
    import ast
    from pathlib import Path

    from intake.domain.channel_kit import texts as kit

    shared = {value for name, value in vars(kit).items() if name.isupper() and isinstance(value, str)}
    root = Path(__file__).parent.parent
    again = []
    for path in ("bot/texts.py", "bot/report.py", "wechat/texts.py", "wechat/conversation.py", "tipline/chat.py"):
        for node in ast.walk(ast.parse((root / path).read_text(encoding="utf-8"))):
            if (isinstance(node, ast.Call) and getattr(node.func, "id", "") == "N_" and node.args
                    and isinstance(node.args[0], ast.Constant) and node.args[0].value in shared):
                again.append(f"{path}:{node.lineno}")
    assert again == []
    from bot import texts as bot_texts
    from wechat import texts as wechat_texts

    assert bot_texts.WELCOME is kit.WELCOME and wechat_texts.VOICE_TAKEN is kit.VOICE_TAKEN
