"""After the report, in the chat (issue 16): /mytips gives each report's tracking code, so an
elderly reporter can read it out on the phone, long after the receipt has scrolled away."""
from __future__ import annotations

from intake.admin.retention import run_retention
from intake.casework.casework import move_tip
from intake.domain.tracking import format_code
from intake.platform.models.tips import Tip
from tests.bot_harness import fake_telegram, new_user, running_bot  # noqa: F401 - fixtures
from tests.factories import file_tip, staff

UNIT = "990121-civil_affairs"


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
