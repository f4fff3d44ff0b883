"""After the report, in the chat (issue 16): /mytips gives each report's tracking code, so an
elderly reporter can read it out on the phone, long after the receipt has scrolled away; "Not
satisfied" asks what went wrong, and the unit's lead and the coordinators read the answer
without the reporter's name."""
from __future__ import annotations

import re

from bot.users import set_language
from intake.admin.retention import run_retention
from intake.casework.casework import move_tip
from intake.domain.tracking import format_code
from intake.platform.models.tip_records import Rating
from intake.reporting.submission import own_code
from intake.platform.models.tips import Tip
from tests.bot_harness import Choose, answer_until, fake_telegram, new_user, running_bot  # noqa: F401 - fixtures
from tests.console_support import client_for, make_staff, sign_in
from tests.factories import file_tip, staff

UNIT = "990121-civil_affairs"
COORDINATION = "990100-coordination"
WHAT_WENT_WRONG = "What went wrong?"


async def _english_chat(fake_telegram):
    user = new_user(fake_telegram)
    await user.send("/start")
    await user.press("English")
    return user


async def test_mytips_shows_each_tracking_code_until_retention_erases_it(core, clock, fake_telegram, running_bot):
    await running_bot()
    son = await _english_chat(fake_telegram)
    first = await file_tip(core, channel="telegram", channel_address=str(son.chat_id), owner=str(son.chat_id), language="en")
    second = await file_tip(core, channel="telegram", channel_address=str(son.chat_id), owner=str(son.chat_id), language="en")
    someone_else = await file_tip(core, channel="telegram", channel_address="555", owner="555", language="en")

    # Months later the drafts, and the receipts they kept, are gone; the codes are not.
    clock.advance(days=90)
    assert (await run_retention(core)).expired_drafts == 4  # the three sent, and the one /start began
    mine = (await son.send("/mytips"))[0].text
    assert f"Tracking code: {format_code(first.code)}" in mine
    assert f"Tracking code: {format_code(second.code)}" in mine
    assert format_code(someone_else.code) not in mine
    async with core.db.session() as session:
        tip = await session.get(Tip, first.tip_id)
    assert tip.sealed_code and first.code.encode() not in tip.sealed_code  # sealed, like the reporter's contact

    # Retention erases the code with the rest of the reporter's data.
    officer, lead = await staff(core, "li", "officer", UNIT), await staff(core, "zhou", "unit_lead", UNIT)
    for step, who in (("accepted", officer), ("verifying", officer), ("unsubstantiated", officer), ("closed", lead)):
        await move_tip(core, first.tip_id, step, staff=who)
    clock.advance(days=366)
    assert [d.tip_id for d in (await run_retention(core)).erased] == [first.tip_id]
    async with core.db.session() as session:
        assert (await session.get(Tip, first.tip_id)).sealed_code is None
        assert (await session.get(Tip, second.tip_id)).sealed_code is not None
    mine = (await son.send("/mytips"))[0].text
    assert format_code(first.code) not in mine and f"Tracking code: {format_code(second.code)}" in mine


async def _returning_reporter(core, fake_telegram):
    """A chat that reported in English before and has no report open now."""
    user = new_user(fake_telegram)
    await set_language(core, user.chat_id, "en")
    return user


async def _closed_tip_of(core, user) -> int:
    receipt = await file_tip(core, channel="telegram", channel_address=str(user.chat_id), owner=str(user.chat_id), language="en")
    officer, lead = await staff(core, f"o{receipt.tip_id}", "officer", UNIT), await staff(core, f"l{receipt.tip_id}", "unit_lead", UNIT)
    for step, who in (("accepted", officer), ("verifying", officer), ("substantiated", officer), ("closed", lead)):
        await move_tip(core, receipt.tip_id, step, staff=who)
    return receipt.tip_id


async def _rating_of(core, tip_id: int) -> Rating | None:
    async with core.db.session() as session:
        return await session.get(Rating, tip_id)


async def test_not_satisfied_asks_what_went_wrong_and_the_lead_and_coordinator_read_it_without_the_name(core, fake_telegram, running_bot):
    await running_bot()
    son = await _returning_reporter(core, fake_telegram)
    tip_id = await _closed_tip_of(core, son)
    await son.send("/mytips")

    asked = await son.press("Not satisfied")
    assert WHAT_WENT_WRONG in asked[-1].text and "without your name" in asked[-1].text
    assert [label for label, _ in asked[-1].buttons()] == ["Leave it out"]
    answer = "Nobody called me back, and the lecture hall still sells the pills."
    thanked = await son.send(answer)
    assert thanked[-1].text == "Thank you for telling us."
    rating = await _rating_of(core, tip_id)
    assert (rating.satisfied, rating.comment) == ("no", answer)
    await son.send("hello")  # asked once: a later message is no longer the answer
    assert (await _rating_of(core, tip_id)).comment == answer

    # The unit's lead and a coordinator read it on the tip page, without the reporter's name; an officer does not.
    core.settings = core.settings.model_copy(update={"console_totp_required_roles": ()})  # a coordinator's second factor is not the point
    await make_staff(core, "lead", "unit_lead", UNIT, language="en")
    await make_staff(core, "coord", "coordinator", COORDINATION, language="en")
    await make_staff(core, "officer", "officer", UNIT, language="en")
    for username, sees in (("lead", True), ("coord", True), ("officer", False)):
        async with client_for(core) as client:
            await sign_in(client, username)
            page = (await client.get(f"/tips/{tip_id}")).text
        assert (answer in page and "Not satisfied" in page) is sees, username
        assert "李建国" not in page and "139-0013-9000" not in page


async def test_what_went_wrong_can_be_left_out(core, fake_telegram, running_bot):
    await running_bot()
    son = await _returning_reporter(core, fake_telegram)
    tip_id = await _closed_tip_of(core, son)
    await son.send("/mytips")
    await son.press("Not satisfied")
    left_out = await son.press("Leave it out")
    assert left_out[-1].text == "Thank you for telling us."
    await son.send("the pills were expensive")
    rating = await _rating_of(core, tip_id)
    assert (rating.satisfied, rating.comment) == ("no", None)


async def test_a_tibetan_reporter_reads_her_code_and_is_asked_what_went_wrong_in_tibetan(core, fake_telegram, running_bot):
    await running_bot()
    grandmother = new_user(fake_telegram, "bo")
    await set_language(core, grandmother.chat_id, "bo")
    tip_id = await _closed_tip_of(core, grandmother)
    async with core.db.session() as session:
        code = own_code(core, await session.get(Tip, tip_id))

    shown = await grandmother.send("/mytips")
    assert code in shown[0].text
    asked = await grandmother.press("ཡིད་མ་ཚིམ།")  # "Not satisfied"
    for message in (*shown, asked[-1]):
        text = message.text.replace(code, "") + "".join(label for label, _ in message.buttons())
        assert re.search(r"[\u0F00-\u0FFF]", text) and not re.search(r"[A-Za-z\u4E00-\u9FFF]", text), text
    assert [label for label, _ in asked[-1].buttons()] == ["འདི་མི་འབྲི།"]  # "Leave it out"


async def test_after_an_urgent_report_is_sent_the_bot_says_call_110_but_not_carry_on(core, fake_telegram, running_bot):
    """Issue 17, item 8: the warning given at the first question came back after sending, still
    saying "carry on with this report"."""
    await running_bot()
    user = await _english_chat(fake_telegram)
    answers = {"urgent": Choose("yes"), "reporting_for": Choose("self"), "category": Choose("care_product"),
               "description": "They are at my door asking for 5000 yuan now.", "suspect_known": Choose("no"),
               "region": Choose("990121"), "when": "2026-11", "ongoing": Choose("yes"), "money_lost": "5000",
               "victim_age": Choose("80_plus"), "contact_mode": Choose("anonymous"), "notify": Choose("no"),
               "consent": Choose("yes")}
    await answer_until(user, core, "en", answers, stop_at="reporting_for")
    at_once = "\n".join(m.text for m in fake_telegram.sent_to(user.chat_id))
    assert "Then carry on with this report when you are safe." in at_once  # while reporting, it should
    assert await answer_until(user, core, "en", answers) == "__review__"
    before = len(fake_telegram.sent_to(user.chat_id))
    await user.press(message=user.last_with_buttons(), index=0)  # "Send the report"
    after = "\n".join(m.text for m in fake_telegram.sent_to(user.chat_id)[before:])
    assert "call the police on 110 now" in after and "96110" in after
    assert "carry on" not in after
