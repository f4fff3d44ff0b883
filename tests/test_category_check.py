"""A reporter who chose "not sure" is asked about the suggested category (issue 19 item 4): after
the description, "It sounds like <category>. Is that right?" with the next two categories and
"still not sure", only when the suggestion is sure; routing follows what the reporter took, the
tip records what was offered and answered, and staff still confirm. One step of the channel
kit, so the web form (no JavaScript) and the bot ask it alike."""
from __future__ import annotations

import re
from datetime import date

from sqlalchemy import select

from intake.domain import conversation as conv
from intake.domain.conversation import Context
from intake.domain.questionnaire import CATEGORY_OFFER
from intake.domain.routing import route
from intake.domain.suggest import Suggestion
from intake.platform.models.tips import Tip
from intake.reporting.conversation_context import report_context
from tests.bot_harness import (  # noqa: F401 - fixtures
    Choose, Multi, answer_until, fake_telegram, new_user, running_bot,
)
from tests.walk import ANSWERS_ANONYMOUS_SELF, walk
from tests.webclient import Reporter, text_of, web_client

PHONE_SCAM_ZH = "有人打电话说我儿子出车祸了，要我马上转两万块钱"
PHONE_SCAM_EN = "A man phoned my father pretending to be a police officer and told him to transfer his savings to a safe account"
NOT_SURE = {**ANSWERS_ANONYMOUS_SELF, "category": "other"}
TERMINAL = conv.ChannelCapabilities()
IN_THE_BOT = {
    "urgent": Choose("no"), "reporting_for": Choose("self"), "category": Choose("other"), "suspect_known": Choose("no"),
    "region": Choose("990122"), "when": "2026-10", "ongoing": Choose("no"), "money_lost": "6000",
    "payment_method": Multi(("cash",)), "victim_age": Choose("80_plus"), "contact_mode": Choose("anonymous"),
    "notify": Choose("no"), "consent": Choose("yes"),
}


async def the_tip(core) -> Tip:
    async with core.db.session() as session:
        return await session.scalar(select(Tip))


# --- the step, as every channel walks it ------------------------------------------------------


def suggesting(category: str, *, sure: bool = True):
    def suggest(text: str, language: str) -> Suggestion:
        return Suggestion(category, 0.9 if sure else 0.3, (), (("other", 0.04), ("medical", 0.03), ("posters", 0.02)), "v1", sure)
    return suggest


def test_only_a_sure_suggestion_to_a_reporter_not_sure_is_put_and_a_new_description_asks_again(deployment):
    ctx = Context(deployment, date(2026, 11, 27), TERMINAL, suggest=suggesting("care_product"))
    state = walk(conv.start("en", TERMINAL), ctx, {**NOT_SURE, "description": "Pills after a free lecture."}, stop_at="category_check")
    assert state.current == "category_check"
    prompt = conv.prompt(state, ctx)
    assert prompt.question == "It sounds like “Health products and “elder-care products””. Is that right?"
    # The next two, never "not sure" itself: that is "still not sure".
    label = {c.code: c.label.get("en") for c in deployment.categories}
    assert [(c.value, c.label) for c in prompt.choices] == [
        ("care_product", "Yes, that is right"), ("medical", label["medical"]), ("posters", label["posters"]),
        ("still_unsure", "Still not sure")]
    state = conv.answer(state, "Yes, that is right", ctx).state  # a typed label counts, as in the terminal chat
    assert (state.answers["category_check"], state.current) == ("care_product", "suspect_known")
    # Back to the description, and another one: the offer changes and the reporter is asked again.
    ctx = Context(deployment, date(2026, 11, 27), TERMINAL, suggest=suggesting("medical"))
    state = conv.answer(conv.back(conv.back(state)), "A clinic with no licence.", ctx).state
    assert state.current == "category_check" and "category_check" not in state.answers
    assert state.answers[CATEGORY_OFFER]["category"] == "medical"

    for ctx, answers in (
        (Context(deployment, date(2026, 11, 27), TERMINAL, suggest=suggesting("care_product", sure=False)), NOT_SURE),
        (Context(deployment, date(2026, 11, 27), TERMINAL, suggest=suggesting("other")), NOT_SURE),
        (Context(deployment, date(2026, 11, 27), TERMINAL, suggest=suggesting("care_product")), ANSWERS_ANONYMOUS_SELF),
        (Context(deployment, date(2026, 11, 27), TERMINAL), NOT_SURE),  # the partners' API: nothing asked back
    ):
        state = walk(conv.start("en", TERMINAL), ctx, answers, stop_at="suspect_known")
        assert state.current == "suspect_known" and CATEGORY_OFFER not in state.answers


# --- the web form, without JavaScript ---------------------------------------------------------


async def test_web_in_chinese_the_reporter_takes_the_suggestion_and_the_tip_goes_where_it_says(core):
    answers = {**NOT_SURE, "description": PHONE_SCAM_ZH}
    assert route({**answers, "category": "online_telecom"}, core.deployment).lead != route(answers, core.deployment).lead
    async with web_client(core, language="zh_Hans") as client:
        reporter = Reporter(client)
        await reporter.start()
        await reporter.walk(answers, stop_at="category_check")
        page = text_of(reporter.page)
        assert "听起来像是“电话、网络诈骗”。对吗？" in page and "这是根据您写的内容给出的建议，工作人员还会再核实。" in page
        assert "对，就是这个" in page and "还是不确定" in page and "其他，或者不确定" not in page
        assert reporter.page.count('type="radio"') == 4  # yes, the next two, still not sure
        await reporter.answer("online_telecom")
        assert reporter.current_key == "suspect_known"
        await reporter.walk(answers)
        assert "根据描述判断的类别 电话、网络诈骗" in text_of(reporter.page)  # on "check your answers"
        await reporter.send()
        assert reporter.url == "/report/done"
    tip = await the_tip(core)
    assert tip.category == "online_telecom" and tip.answers["category_check"] == "online_telecom"
    assert tip.lead_unit == route({**answers, "category": "online_telecom"}, core.deployment).lead
    asked = tip.suggestion["reporter"]
    assert (asked["offered"], asked["answer"], asked["accepted"]) == ("online_telecom", "online_telecom", True)
    assert tip.suggestion["category"] == "online_telecom"
    # Staff see what the reporter was asked and answered, and still confirm the category.
    from tests.console_support import client_for, make_staff, sign_in

    await make_staff(core, "li", "officer", tip.lead_unit)
    async with client_for(core) as client:
        await sign_in(client, "li")
        response = await client.get(f"/tips/{tip.id}")
        assert response.status_code == 200, (response.status_code, response.headers.get("location"))
        page = text_of(response.text)
    assert "举报人原先不确定；问到是不是“电话、网络诈骗”时，回答：对，就是这个。" not in page
    assert "举报人原先不确定；问到是不是“电话、网络诈骗”时，回答：电话、网络诈骗。" in page
    assert "根据描述判断的类别 电话、网络诈骗" in page  # among the reporter's answers


async def test_web_in_english_still_not_sure_keeps_not_sure_and_a_vague_description_is_not_asked(core):
    answers = {**NOT_SURE, "description": PHONE_SCAM_EN}
    async with web_client(core, language="en") as client:
        reporter = Reporter(client)
        await reporter.start()
        await reporter.walk(answers, stop_at="category_check")
        assert "It sounds like “Phone and online scams”. Is that right?" in text_of(reporter.page)
        await reporter.answer("still_unsure")
        await reporter.walk(answers)
        assert "What it sounds like Still not sure" in text_of(reporter.page)
        await reporter.send()
    tip = await the_tip(core)
    assert tip.category == "other" and tip.lead_unit == route(answers, core.deployment).lead
    assert (tip.suggestion["reporter"]["answer"], tip.suggestion["reporter"]["accepted"]) == ("still_unsure", False)

    async with web_client(core, language="en") as client:
        reporter = Reporter(client)
        await reporter.start()
        await reporter.walk({**answers, "description": "please call me back"}, stop_at="suspect_known")
        assert reporter.current_key == "suspect_known"  # not sure of itself: nothing is put to the reporter


# --- the bot ------------------------------------------------------------------------------------


async def test_bot_in_english_the_reporter_takes_the_next_category_instead(core, fake_telegram, running_bot):
    await running_bot()
    user = new_user(fake_telegram, "en-GB")
    await user.send("/start")
    await user.press("English")
    answers = {**IN_THE_BOT, "description": "She bought supplements at a lecture after they gave her free eggs"}
    assert await answer_until(user, core, "en", answers, stop_at="category_check") == "category_check"
    asked = user.last_with_buttons()
    assert "It sounds like “Health products and “elder-care products””. Is that right?" in asked.text
    labels = [label.split(". ", 1)[-1] for label, _ in asked.buttons()]  # buttons are numbered: "1. …"
    assert labels[0] == "Yes, that is right" and "Still not sure" in labels
    codes = {c.label.get("en"): c.code for c in core.deployment.categories}
    assert len(labels) >= 4 and labels[1] in codes and labels[2] in codes and "Something else, or not sure" not in labels
    next_one = codes[labels[1]]
    await user.press(f"2. {labels[1]}")
    assert await answer_until(user, core, "en", answers) == conv.REVIEW
    await user.press("Send the report")
    tip = await the_tip(core)
    assert tip.category == next_one
    assert (tip.suggestion["reporter"]["answer"], tip.suggestion["reporter"]["accepted"]) == (next_one, False)


async def test_bot_in_chinese_the_reporter_says_yes(core, fake_telegram, running_bot):
    await running_bot()
    user = new_user(fake_telegram, "zh-hans")
    await user.send("/start")
    await user.press("中文")
    answers = {**IN_THE_BOT, "description": PHONE_SCAM_ZH}
    assert await answer_until(user, core, "zh_Hans", answers, stop_at="category_check") == "category_check"
    assert "听起来像是“电话、网络诈骗”。对吗？" in user.last_with_buttons().text
    await user.press("1. 对，就是这个")
    assert await answer_until(user, core, "zh_Hans", answers) == conv.REVIEW
    await user.press("发送举报")
    tip = await the_tip(core)
    assert (tip.category, tip.suggestion["reporter"]["accepted"]) == ("online_telecom", True)


def test_the_channels_context_suggests_with_the_model_in_force(core):
    ctx = report_context(core, TERMINAL)
    assert ctx.suggest(PHONE_SCAM_ZH, "zh_Hans").category == "online_telecom"


# --- the terminal chat and the console's phone intake walk the same step --------------------


async def test_terminal_chat_in_chinese_asks_and_the_reporter_says_yes(core):
    from tests.test_terminal_chat import SELF_ANONYMOUS, make_chat

    lines = [*SELF_ANONYMOUS[:2], "11", PHONE_SCAM_ZH, "1", *SELF_ANONYMOUS[4:]]  # 11: not sure; 1: yes, that is right
    chat, console = make_chat(core, lines)
    receipt = await chat.run("zh_Hans")
    output = console.export_text()
    assert receipt is not None, output[-2000:]
    assert "听起来像是“电话、网络诈骗”。对吗？" in output and "还是不确定" in output
    tip = await the_tip(core)
    assert (tip.category, tip.suggestion["reporter"]["accepted"]) == ("online_telecom", True)


async def test_console_phone_intake_asks_in_the_officer_s_language_for_an_english_caller(core):
    from tests.console_support import LEAD_UNIT, client_for, csrf_of, make_staff, sign_in
    from tests.test_console_phone_intake import start, walk as walk_intake

    await make_staff(core, "li", "officer", LEAD_UNIT)
    answers = {**NOT_SURE, "description": PHONE_SCAM_EN, "category_check": "still_unsure"}
    async with client_for(core) as client:
        await sign_in(client, "li")
        url = await start(client, "phone", "en")
        for _ in range(6):  # up to the check
            page = await client.get(url)
            if 'name="key" value="category_check"' in page.text:
                break
            key = re.search(r'name="key" value="(\w+)"', page.text).group(1)
            await client.post(f"{url}/answer", data={"csrf": csrf_of(page.text), "key": key, "answer": answers[key]})
        assert "听起来像是“电话、网络诈骗”。对吗？" in text_of(page.text) and "还是不确定" in text_of(page.text)
        review = await walk_intake(client, url, answers)
        await client.post(f"{url}/submit", data={"csrf": csrf_of(review)})
    tip = await the_tip(core)
    assert (tip.category, tip.language, tip.suggestion["reporter"]["answer"]) == ("other", "en", "still_unsure")
