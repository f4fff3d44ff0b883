"""Issue 17, item 3: each yes/no question is answered in words that answer it ("do you know"
takes 知道/不知道 and ཡོད།/མེད།, "do you want" 需要/不需要 and དགོས།/མི་དགོས།), on the bot's buttons,
the web form's radios and the check screens; the plain 是/否, yes/no and ཡིན/མིན typed are
still understood."""
from __future__ import annotations

import html
import re
from datetime import date

import pytest

from i18n import Translator
from intake.domain import conversation as conv
from intake.domain.conversation import Context
from intake.domain.questionnaire import QUESTIONS, STEP_BY_KEY
from intake.domain.steps import ChannelCapabilities, Kind
from tests.bot_harness import Choose, answer_until, fake_telegram, new_user, running_bot  # noqa: F401
from tests.walk import ANSWERS_ANONYMOUS_SELF, walk
from tests.webclient import Reporter, text_of, web_client

TERMINAL = ChannelCapabilities()
YES_NO_KEYS = ("suspect_known", "ongoing", "notify", "consent")

#: The two buttons of each yes/no question, as a reader of each language sees them.
LABELS = {
    "zh_Hans": {"suspect_known": ("知道", "不知道"), "ongoing": ("还在继续", "已经停了"),
                "notify": ("需要", "不需要"), "consent": ("同意", "不同意")},
    "bo": {"suspect_known": ("ཡོད།", "མེད།"), "ongoing": ("ད་དུང་མུ་མཐུད་བཞིན་ཡོད།", "མཚམས་ཆད་ཟིན།"),
           "notify": ("དགོས།", "མི་དགོས།"), "consent": ("མོས་མཐུན་ཡོད།", "མོས་མཐུན་མེད།")},
    "en": {"suspect_known": ("Yes, I know", "No, I don't know"), "ongoing": ("Yes, it is still going on", "No, it has stopped"),
           "notify": ("Yes, please tell me", "No, thank you"), "consent": ("Yes, I agree", "No, I do not agree")},
}
GENERIC = {"zh_Hans": ("是", "否"), "bo": ("ཡིན།", "མིན།"), "en": ("Yes", "No")}


@pytest.fixture(scope="module")
def ctx(deployment) -> Context:
    return Context(deployment, date(2026, 11, 27), TERMINAL)


def test_every_yes_no_question_has_answers_of_its_own_in_every_language():
    yes_no = [step for step in QUESTIONS if {o.value for o in step.options} == {"yes", "no"}]
    assert [step.key for step in yes_no] == list(YES_NO_KEYS)
    for step in yes_no:
        assert step.kind is Kind.YES_NO
        for language, labels in LABELS.items():
            shown = tuple(Translator(language)(option.label) for option in step.options)
            assert shown == labels[step.key]
            assert not set(shown) & set(GENERIC[language]), (step.key, language)


def _at(key: str, language: str, ctx: Context) -> conv.DraftState:
    answers = {**ANSWERS_ANONYMOUS_SELF, "suspect_known": "yes", "money_lost": "2000"}
    return walk(conv.start(language, TERMINAL), ctx, answers, stop_at=key)


@pytest.mark.parametrize("language,typed,expected", [
    ("zh_Hans", "是", "yes"), ("zh_Hans", "否", "no"), ("zh_Hans", "知道", "yes"), ("zh_Hans", "不知道", "no"),
    ("bo", "ཡིན", "yes"), ("bo", "མིན།", "no"), ("bo", "ཡོད", "yes"), ("bo", "མེད།", "no"),
    ("en", "yes", "yes"), ("en", "No", "no"), ("en", "yes i know", "yes"), ("en", "No, I don't know", "no"),
    ("en", "是", "yes"), ("zh_Hans", "no", "no"),  # a plain yes or no in another of the three languages
])
def test_a_plain_yes_or_no_and_the_questions_own_words_are_understood_when_typed(ctx, language, typed, expected):
    outcome = conv.answer(_at("suspect_known", language, ctx), typed, ctx)
    assert outcome.error is None and outcome.state.answers["suspect_known"] == expected


@pytest.mark.parametrize("language,typed,expected", [
    ("zh_Hans", "不需要", "no"), ("zh_Hans", "需要", "yes"), ("bo", "མི་དགོས", "no"), ("bo", "དགོས།", "yes"),
    ("en", "no, thank you", "no"),
])
def test_the_progress_question_takes_want_and_do_not_want(ctx, language, typed, expected):
    outcome = conv.answer(_at("notify", language, ctx), typed, ctx)
    assert outcome.error is None and outcome.state.answers["notify"] == expected


def test_words_that_are_neither_yes_nor_no_are_refused(ctx):
    for typed in ("maybe", "也许", "不一定", "ཡིན་མིན"):
        outcome = conv.answer(_at("suspect_known", "zh_Hans", ctx), typed, ctx)
        assert outcome.error is not None and outcome.error.message == "Please choose one of the answers."


# --- the bot ------------------------------------------------------------------------------------

LANGUAGE_BUTTONS = {"zh_Hans": "中文", "bo": "བོད་ཡིག", "en": "English"}
BOT_ANSWERS = {
    "urgent": Choose("no"),
    "reporting_for": Choose("self"),
    "category": Choose("care_product"),
    "description": "Free lectures every week and then pills for 2000 yuan a box.",
    "region": Choose("990121"),
    "when": "2026-10",
    "money_lost": "2000",
    "victim_age": Choose("80_plus"),
    "contact_mode": Choose("anonymous"),
}


def _buttons(message) -> list[str]:
    return [label for label, _ in message.buttons()][:2]


@pytest.mark.parametrize("language", ["zh_Hans", "bo", "en"])
async def test_the_bot_asks_each_yes_no_question_with_its_own_answers_and_takes_typed_ones(
        core, fake_telegram, running_bot, language):
    await running_bot()
    user = new_user(fake_telegram, language_code=None)
    await user.send("/start")
    await user.press(LANGUAGE_BUTTONS[language])
    labels, (plain_yes, plain_no) = LABELS[language], GENERIC[language]

    assert await answer_until(user, core, language, BOT_ANSWERS, stop_at="suspect_known") == "suspect_known"
    assert _buttons(user.last_with_buttons()) == [f"1. {labels['suspect_known'][0]}", f"2. {labels['suspect_known'][1]}"]
    await user.send(plain_yes)  # the plain word still answers

    assert await answer_until(user, core, language, BOT_ANSWERS, stop_at="ongoing") == "ongoing"
    assert _buttons(user.last_with_buttons()) == [f"1. {labels['ongoing'][0]}", f"2. {labels['ongoing'][1]}"]
    await user.send(labels["ongoing"][1])  # the button's own words, typed

    assert await answer_until(user, core, language, BOT_ANSWERS, stop_at="notify") == "notify"
    assert _buttons(user.last_with_buttons()) == [f"1. {labels['notify'][0]}", f"2. {labels['notify'][1]}"]
    await user.send(plain_no)

    assert await answer_until(user, core, language, BOT_ANSWERS, stop_at="consent") == "consent"
    assert _buttons(user.last_with_buttons()) == [f"1. {labels['consent'][0]}", f"2. {labels['consent'][1]}"]
    await user.press(f"1. {labels['consent'][0]}")

    assert await answer_until(user, core, language, BOT_ANSWERS) == "__review__"
    review = user.last_with_buttons().text
    for key, value in (("suspect_known", 0), ("ongoing", 1), ("notify", 1), ("consent", 0)):
        label = Translator(language)(STEP_BY_KEY[key].summary_label)
        assert any(line.startswith(label) and line.endswith(labels[key][value]) for line in review.splitlines()), (key, review)


# --- the web form ---------------------------------------------------------------------------------

@pytest.mark.parametrize("language", ["zh_Hans", "bo", "en"])
async def test_the_web_forms_radios_and_check_page_answer_each_yes_no_question_in_its_words(core, language):
    answers = {**ANSWERS_ANONYMOUS_SELF, "suspect_known": "yes", "suspect_organisation": "",
               "ongoing": "no", "notify": "no", "consent": "yes"}
    labels = LABELS[language]
    async with web_client(core, language=language) as client:
        reporter = Reporter(client)
        await reporter.start()
        for key in YES_NO_KEYS:
            await reporter.walk(answers, stop_at=key)
            assert reporter.current_key == key
            radios = re.findall(r'<label class="choice-label" for="answer-\d+">([^<]*)', reporter.page)
            assert html.unescape(" | ".join(radios[:2])) == " | ".join(labels[key]), key
        await reporter.walk(answers)
        assert reporter.url == "/report/review"
        review = text_of(reporter.page)
    for key, value in (("suspect_known", 0), ("ongoing", 1), ("notify", 1), ("consent", 0)):
        assert labels[key][value] in review, key
