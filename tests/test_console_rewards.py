"""The console's rewards area through HTTP: story 5 (duplicates and a reward, two administrators,
the first reporter notified in their language, the others told kindly), the two-person rule in a
second session, an amount outside the tier, revealing the reporter with a reason, access, and the
payout ledger with its exports."""
from __future__ import annotations

import csv
import datetime
import io
import re
from contextlib import asynccontextmanager

import openpyxl
import pytest
import pyotp
from sqlalchemy import select

from intake.domain.dates_in_words import day_in_words
from intake.staff.auth import enrol_totp, new_totp_secret
from intake.platform.models.notifications import Notification
from intake.platform.models.staff import AuditEvent
from intake.platform.models.tips import Tip
from intake.notify.outbox import render_notice
from intake.rewards.awards import get_award
from tests.console_support import LEAD_UNIT, client_for, csrf_of, make_staff, next_code, sign_in, tip_form
from tests.factories import file_tip, move_to

PHONE_AND_COMPANY = {"suspect_phone": "0571-8888 6666", "suspect_organisation": "福寿康养老院"}


async def reward_admin(core, username: str) -> str:
    user = await make_staff(core, username, "reward_admin", None, language="en")
    secret = new_totp_secret()
    assert await enrol_totp(core, user.id, secret, pyotp.TOTP(secret).at(core.clock.now()))
    return secret


@asynccontextmanager
async def signed_in_admin(core, username: str, secret: str):
    async with client_for(core) as client:
        response = await sign_in(client, username, totp_secret=secret, core=core)
        assert response.status_code == 303 and response.headers["location"] != "/signin", response.text
        yield client


async def post_tip_form(client, tip_id: int, path: str, **fields):
    _html, csrf, version = await tip_form(client, tip_id)
    return await client.post(f"/tips/{tip_id}/{path}", data={"csrf": csrf, "version": version or "", **fields})


async def post_reward_form(client, tip_id: int, action: str, **fields):
    """Submit a form of the reward page as the browser does: with that page's CSRF token."""
    page = await client.get(f"/rewards/tips/{tip_id}")
    assert page.status_code == 200, page.text
    return await client.post(action, data={"csrf": csrf_of(page.text), **fields})


def award_id_of(html: str) -> int:
    return int(re.search(r'name="award" value="(\d+)"', html).group(1))


async def substantiate_through_the_console(core, officer_client, tip_id: int, **outcome) -> None:
    for target in ("accepted", "verifying"):
        assert (await post_tip_form(officer_client, tip_id, "move", target=target)).status_code == 303
    done = await post_tip_form(officer_client, tip_id, "move", target="substantiated", template="substantiated", **outcome)
    assert done.status_code == 303, done.text


async def reward_notices(core, tip_id: int) -> list:
    async with core.db.session() as session:
        rows = (await session.scalars(select(Notification).where(Notification.tip_id == tip_id, Notification.kind == "reward")
                                      .order_by(Notification.id))).all()
        return [await render_notice(core, session, row) for row in rows]


async def test_story_5_duplicates_and_a_reward(core, clock):
    await make_staff(core, "li", "officer", LEAD_UNIT)
    ann_secret, bo_secret = await reward_admin(core, "ann"), await reward_admin(core, "bo")
    # Three people report the same phone number and company within a week; the first gave a real name.
    first = (await file_tip(core, language="en", **PHONE_AND_COMPANY)).tip_id
    clock.advance(days=2)
    second = (await file_tip(core, language="zh_Hans", **PHONE_AND_COMPANY)).tip_id
    clock.advance(days=3)
    third = (await file_tip(core, language="bo", **PHONE_AND_COMPANY)).tip_id
    async with client_for(core) as officer:
        await sign_in(officer, "li")
        for later in (second, third):
            assert (await post_tip_form(officer, later, "move", target="merged", merged_into=str(first))).status_code == 303
        await substantiate_through_the_console(core, officer, first, penalty_decision_no="东市监罚〔2026〕12号",
                                               penalty_date="2026-11-20")

    async with signed_in_admin(core, "ann", ann_secret) as ann:
        overview = await ann.get("/rewards")
        assert overview.status_code == 200 and f'href="/rewards/tips/{first}"' in overview.text
        assert f'href="/rewards/tips/{second}"' not in overview.text  # merged reports are no candidates
        assert 'href="/rewards"' in overview.text  # the nav link
        page = await ann.get(f"/rewards/tips/{first}")
        assert "Eligible for an award" in page.text and "Not met:" not in page.text
        assert "later reports merged into it: 2" in page.text
        assert "Administrative penalty: 1000 to 5000 yuan" in page.text
        assert "李建国" not in page.text  # the identity stays hidden until revealed with a reason
        # Administrator A proposes from the configured tier.
        proposed = await post_reward_form(ann, first, f"/rewards/tips/{first}/propose", tier="administrative_penalty",
                                          amount="3000", reason="The tip led to a fine; first named reporter.")
        assert proposed.status_code == 303 and proposed.headers["location"] == f"/rewards/tips/{first}?done=proposed"
        page = await ann.get(proposed.headers["location"])
        assert "Proposed, waiting for a second administrator" in page.text and "3000" in page.text
        assert "You proposed this award, so a different reward administrator must approve or reject it." in page.text
        award_id = await latest_award(core, first)
        # A cannot approve it, not even by posting the form.
        refused = await post_reward_form(ann, first, f"/rewards/tips/{first}/approve", award=str(award_id), reason="")
        assert refused.status_code == 400
        assert "You proposed this award, so a different reward administrator must approve or reject it." in refused.text

    # Nor from a second session of the same person.
    async with signed_in_admin(core, "ann", ann_secret) as again:
        refused = await post_reward_form(again, first, f"/rewards/tips/{first}/approve", award=str(award_id), reason="from my other browser")
        assert refused.status_code == 400 and "different reward administrator" in refused.text
    assert (await get_award(core, award_id)).status == "proposed"

    # Administrator B approves; then the award is paid with a reference.
    async with signed_in_admin(core, "bo", bo_secret) as bo:
        page = await bo.get(f"/rewards/tips/{first}")
        assert award_id_of(page.text) == award_id and "Approve the award" in page.text
        approved = await post_reward_form(bo, first, f"/rewards/tips/{first}/approve", award=str(award_id), reason="Decision checked.")
        assert approved.status_code == 303
        page = await bo.get(approved.headers["location"])
        collect_by = (core.today() + datetime.timedelta(days=90)).isoformat()
        assert "Approved, waiting to be collected" in page.text and collect_by in page.text
        no_check = await post_reward_form(bo, first, f"/rewards/tips/{first}/pay", award=str(award_id), reference="东财付〔2026〕0087",
                                          paid_on=core.today().isoformat())
        assert no_check.status_code == 400 and "identity document" in no_check.text
        paid = await post_reward_form(bo, first, f"/rewards/tips/{first}/pay", award=str(award_id), reference="东财付〔2026〕0087",
                                      paid_on=core.today().isoformat(), id_checked="1")
        assert paid.status_code == 303
        page = await bo.get(paid.headers["location"])
        assert "Done: the award is marked paid" in page.text and "东财付〔2026〕0087" in page.text
        ledger = await bo.get("/rewards/ledger")
        assert "东财付〔2026〕0087" in ledger.text and "3000" in ledger.text

    # The first reporter is told in English; the others in their language that their tip was merged
    # and that it is not eligible.
    approved_notice, paid_notice = await reward_notices(core, first)
    collect_by_in_words = day_in_words(datetime.date.fromisoformat(collect_by), "en")  # the reporter reads it in words
    assert "collect a reward of 3000 yuan" in approved_notice.body and f"before {collect_by_in_words}" in approved_notice.body
    assert "0999-6000100" in approved_notice.body and "http" not in approved_notice.body
    assert f"Your reward of 3000 yuan was paid to you on {day_in_words(core.today(), 'en')}" in paid_notice.body
    (second_notice,) = await reward_notices(core, second)
    assert "奖励发给最先举报的人" in second_notice.body
    (third_notice,) = await reward_notices(core, third)
    assert "བྱ་དགའ" in third_notice.body and third_notice.language == "bo"
    async with core.db.session() as session:
        merged = (await session.scalars(select(Notification).where(Notification.tip_id == second, Notification.kind == "status"))).all()
        bodies = [(await render_notice(core, session, n)).body for n in merged]
        actions = (await session.scalars(select(AuditEvent.action).where(AuditEvent.tip_id == first))).all()
    assert any("合并" in body for body in bodies)  # told at the time that the tip was merged
    assert {"reward.propose", "refused:reward.approve", "reward.approve", "reward.pay"} <= set(actions)


async def latest_award(core, tip_id: int) -> int:
    from intake.rewards.awards import awards_of

    return (await awards_of(core, tip_id))[-1].id


async def eligible_tip(core) -> int:
    async with client_for(core) as officer:
        if (await sign_in(officer, "li")).status_code != 303:
            raise AssertionError("officer cannot sign in")
        tip_id = (await file_tip(core)).tip_id
        await substantiate_through_the_console(core, officer, tip_id, penalty_decision_no="东市监罚〔2026〕13号")
    return tip_id


async def test_an_amount_outside_the_tier_is_refused_with_a_clear_message(core):
    await make_staff(core, "li", "officer", LEAD_UNIT)
    secret = await reward_admin(core, "ann")
    tip_id = await eligible_tip(core)
    async with signed_in_admin(core, "ann", secret) as ann:
        refused = await post_reward_form(ann, tip_id, f"/rewards/tips/{tip_id}/propose", tier="administrative_penalty",
                                         amount="6000", reason="x")
        assert refused.status_code == 400
        assert "The amount must be between 1000 and 5000 yuan for this tier (you gave 6000 yuan)." in refused.text
        garbled = await post_reward_form(ann, tip_id, f"/rewards/tips/{tip_id}/propose", tier="administrative_penalty",
                                         amount="lots", reason="x")
        assert garbled.status_code == 400 and "There is a problem" in garbled.text


async def test_the_identity_only_after_a_reason_and_audited(core):
    await make_staff(core, "li", "officer", LEAD_UNIT)
    secret = await reward_admin(core, "ann")
    tip_id = await eligible_tip(core)
    async with signed_in_admin(core, "ann", secret) as ann:
        no_reason = await post_reward_form(ann, tip_id, f"/rewards/tips/{tip_id}/reveal", reason=" ")
        assert no_reason.status_code == 400 and "李建国" not in no_reason.text
        shown = await post_reward_form(ann, tip_id, f"/rewards/tips/{tip_id}/reveal", reason="To check the claimant's ID.")
        assert shown.status_code == 200 and "李建国" in shown.text and "recorded in the audit log" in shown.text
    async with core.db.session() as session:
        reveal = await session.scalar(select(AuditEvent).where(AuditEvent.action == "personal_data.reveal"))
    assert reveal.actor == "ann" and reveal.detail["reason"] == "To check the claimant's ID."


async def test_only_reward_administrators_open_the_rewards_area(core):
    await make_staff(core, "li", "officer", LEAD_UNIT)
    async with client_for(core) as officer:
        await sign_in(officer, "li")
        page = await officer.get("/rewards")
        assert page.status_code == 403
        assert (await officer.get("/rewards/ledger.csv")).status_code == 403
        queue = await officer.get("/queue")
        assert 'href="/rewards"' not in queue.text
    async with client_for(core) as nobody:
        assert (await nobody.get("/rewards")).status_code == 303


async def test_exclusion_through_the_console_makes_the_tip_ineligible(core):
    await make_staff(core, "li", "officer", LEAD_UNIT)
    secret = await reward_admin(core, "ann")
    tip_id = await eligible_tip(core)
    async with signed_in_admin(core, "ann", secret) as ann:
        done = await post_reward_form(ann, tip_id, f"/rewards/tips/{tip_id}/exclude", reason="participant",
                                      note="Sold the cards himself until 2025.")
        assert done.status_code == 303
        page = await ann.get(done.headers["location"])
        assert "Not eligible for an award" in page.text and "took part in the scheme" in page.text
        assert "Propose the award" not in page.text


async def test_the_ledger_exports_neutralise_formulas(core):
    await make_staff(core, "li", "officer", LEAD_UNIT)
    ann_secret, bo_secret = await reward_admin(core, "ann"), await reward_admin(core, "bo")
    tip_id = await eligible_tip(core)
    async with signed_in_admin(core, "ann", ann_secret) as ann:
        await post_reward_form(ann, tip_id, f"/rewards/tips/{tip_id}/propose", tier="administrative_penalty", amount="2500.50",
                               reason="x")
    award_id = await latest_award(core, tip_id)
    async with signed_in_admin(core, "bo", bo_secret) as bo:
        await post_reward_form(bo, tip_id, f"/rewards/tips/{tip_id}/approve", award=str(award_id))
        paid = await post_reward_form(bo, tip_id, f"/rewards/tips/{tip_id}/pay", award=str(award_id), reference='=HYPERLINK("x","y")',
                                      paid_on="2026-11-27", id_checked="1")
        assert paid.status_code == 303
        page = await bo.get("/rewards/ledger")
        assert "2500.50" in page.text and "Committed (proposed, approved and paid)" in page.text
        exported = await bo.get("/rewards/ledger.csv")
        assert exported.headers["content-type"].startswith("text/csv")
        rows = list(csv.reader(io.StringIO(exported.text.lstrip("\ufeff"))))
        assert rows[0][0] == "Award" and rows[1][5] == "250050" and rows[1][4] == "2500.50"
        assert rows[1][16] == '\'=HYPERLINK("x","y")'
        xlsx = await bo.get("/rewards/ledger.xlsx")
        sheet = openpyxl.load_workbook(io.BytesIO(xlsx.content)).active
        values = [cell.value for cell in sheet[2]]
        assert values[5] == 250050 and values[16] == '\'=HYPERLINK("x","y")'


async def test_an_anonymous_reporter_comes_forward_at_the_counter(core):
    from intake.casework.casework import record_outcome

    li = await make_staff(core, "li", "officer", LEAD_UNIT)
    secret = await reward_admin(core, "ann")
    receipt = await file_tip(core, contact_mode="anonymous")
    await move_to(core, receipt.tip_id, "substantiated", staff=li)
    await record_outcome(core, receipt.tip_id, staff=li, penalty_decision_no="东市监罚〔2026〕14号")
    async with signed_in_admin(core, "ann", secret) as ann:
        page = await ann.get("/rewards")
        fields = {"csrf": csrf_of(page.text), "code": receipt.code, "name": "王秀英", "phone": "138 0013 8000"}
        wrong = await ann.post("/rewards/come-forward", data={**fields, "pin": "0000" if receipt.pin != "0000" else "1111"})
        assert wrong.status_code == 400 and "There is a problem" in wrong.text
        done = await ann.post("/rewards/come-forward", data={**fields, "pin": receipt.pin})
        assert done.status_code == 303 and done.headers["location"] == f"/rewards/tips/{receipt.tip_id}?done=came_forward"
        page = await ann.get(done.headers["location"])
        assert "Eligible for an award" in page.text and "the tip is now a named report" in page.text


async def test_joint_reporters_marked_in_the_console_share_the_award_in_the_ledger(core):
    from intake.casework.casework import move_tip

    li = await make_staff(core, "li", "officer", LEAD_UNIT)
    ann_secret, bo_secret = await reward_admin(core, "ann"), await reward_admin(core, "bo")
    first = await eligible_tip(core)
    neighbour = (await file_tip(core, language="zh_Hans")).tip_id
    await move_tip(core, neighbour, "merged", staff=li, merged_into=first)
    async with signed_in_admin(core, "ann", ann_secret) as ann:
        page = await ann.get(f"/rewards/tips/{first}")
        assert "Joint reporters" in page.text and "Mark as a joint report" in page.text
        no_note = await post_reward_form(ann, first, f"/rewards/tips/{first}/joint", tip=str(neighbour), note="")
        assert no_note.status_code == 400 and "Write a note on how the report was made jointly." in no_note.text
        stranger = await post_reward_form(ann, first, f"/rewards/tips/{first}/joint", tip=str(first + 1000), note="x")
        assert stranger.status_code == 400 and "Choose one of the reports merged into this case." in stranger.text
        marked = await post_reward_form(ann, first, f"/rewards/tips/{first}/joint", tip=str(neighbour),
                                        note="Came to report together with her neighbour.")
        assert marked.status_code == 303
        page = await ann.get(marked.headers["location"])
        assert "its reporter shares the award" in page.text and f"Joint reporters share the award: tips {neighbour}." in page.text
        await post_reward_form(ann, first, f"/rewards/tips/{first}/propose", tier="administrative_penalty", amount="3000.01",
                               reason="A fine; two neighbours reported together.")
        page = await ann.get(f"/rewards/tips/{first}")
        assert f"Tip {first}: 1500.01 yuan" in page.text and f"Tip {neighbour}: 1500 yuan" in page.text
        assert "Mark as a joint report" not in page.text  # fixed once proposed
    award_id = await latest_award(core, first)
    async with signed_in_admin(core, "bo", bo_secret) as bo:
        assert (await post_reward_form(bo, first, f"/rewards/tips/{first}/approve", award=str(award_id))).status_code == 303
        ledger = await bo.get("/rewards/ledger")
        assert f"{first}: 1500.01; {neighbour}: 1500" in ledger.text
        rows = list(csv.reader(io.StringIO((await bo.get("/rewards/ledger.csv")).text.lstrip("\ufeff"))))
        assert rows[0][18] == "Shares of joint reporters (tip: yuan)" and rows[1][18] == f"{first}: 1500.01; {neighbour}: 1500"
    (notice,) = await reward_notices(core, neighbour)
    assert "您可以领取举报奖励 1500 元" in notice.body


async def test_each_tip_shows_the_tiers_of_the_scheme_in_force_when_it_was_reported(core, clock, tmp_path):
    from intake.rewards.scheme import scheme_in_force
    from tests.test_rewards import use_scheme
    from tests.test_rewards_versions_joint import DEARER

    await make_staff(core, "li", "officer", LEAD_UNIT)
    secret = await reward_admin(core, "ann")
    await scheme_in_force(core)  # the scheme as the service first saw it
    before = await eligible_tip(core)
    clock.advance(days=1)
    use_scheme(core, tmp_path / "config", *DEARER)
    await scheme_in_force(core)
    clock.advance(hours=1)
    after = await eligible_tip(core)
    async with signed_in_admin(core, "ann", secret) as ann:
        overview = await ann.get("/rewards")
        assert "Administrative penalty: 2000 to 6000 yuan" in overview.text and "within 30 days" in overview.text
        assert "Versions of the scheme" in overview.text and "Administrative penalty: 1000 to 5000 yuan" in overview.text
        old_page, new_page = await ann.get(f"/rewards/tips/{before}"), await ann.get(f"/rewards/tips/{after}")
        assert "Administrative penalty: 1000 to 5000 yuan" in old_page.text and "2000 to 6000" not in old_page.text
        assert "Administrative penalty: 2000 to 6000 yuan" in new_page.text
        refused = await post_reward_form(ann, after, f"/rewards/tips/{after}/propose", tier="administrative_penalty",
                                         amount="1500", reason="x")
        assert refused.status_code == 400 and "between 2000 and 6000 yuan" in refused.text
        done = await post_reward_form(ann, before, f"/rewards/tips/{before}/propose", tier="administrative_penalty",
                                      amount="1500", reason="x")
        assert done.status_code == 303


# -- story 5 in a real browser ------------------------------------------------------------------------

from tests.test_console_browser import CHROMIUM, assert_accessible, browser, console_url  # noqa: E402,F401 - fixtures
from tests.console_support import PASSWORD  # noqa: E402


async def browser_sign_in(browser, console_url, core, username: str, secret: str):
    from playwright.async_api import expect

    context = await browser.new_context(locale="en-GB", viewport={"width": 1280, "height": 900})
    page = await context.new_page()
    await page.goto(f"{console_url}/signin")
    await page.get_by_label("User name").fill(username)
    await page.get_by_label("Password").fill(PASSWORD)
    await page.get_by_role("button", name="Sign in", exact=True).click()
    await page.get_by_label("6-digit code from your authenticator app").fill(next_code(core, secret))
    await page.get_by_role("button", name="Continue").click()
    await page.get_by_role("link", name="Rewards", exact=True).click()
    await expect(page.get_by_role("heading", name="Rewards", level=1)).to_be_visible()
    return context, page


from tests.bot_harness import fake_telegram  # noqa: E402,F401 - fixture


@pytest.mark.skipif(not __import__("pathlib").Path(CHROMIUM).exists(), reason="needs Debian's chromium")
async def test_story_5_in_a_real_browser(core, clock, console_url, browser, fake_telegram):
    from playwright.async_api import expect

    from bot.app import make_bot
    from bot.notifier import TelegramChannel
    from intake.casework.casework import move_tip, record_outcome
    from intake.notify.dispatch import Dispatcher
    from tests.fake_telegram import TOKEN

    li = await make_staff(core, "li", "officer", LEAD_UNIT)
    ann_secret, bo_secret = await reward_admin(core, "ann"), await reward_admin(core, "bo")
    # Both reporters used the Telegram bot; the first wrote in English, the later one in Chinese.
    first_chat, later_chat = 8_100_001, 8_100_002
    first = (await file_tip(core, language="en", channel="telegram", channel_address=str(first_chat), owner=str(first_chat),
                            **PHONE_AND_COMPANY)).tip_id
    clock.advance(days=3)
    later = (await file_tip(core, language="zh_Hans", channel="telegram", channel_address=str(later_chat), owner=str(later_chat),
                            **PHONE_AND_COMPANY)).tip_id
    await move_tip(core, later, "merged", staff=li, merged_into=first)
    await move_to(core, first, "substantiated", staff=li)
    await record_outcome(core, first, staff=li, penalty_decision_no="东市监罚〔2026〕12号", penalty_date="2026-11-20")

    context, page = await browser_sign_in(browser, console_url, core, "ann", ann_secret)
    await assert_accessible(page, "rewards")
    await page.get_by_role("link", name=f"Tip {first}", exact=True).click()
    await expect(page.get_by_text("Eligible for an award")).to_be_visible()
    await assert_accessible(page, "rewards-tip")
    await page.get_by_label("Amount (yuan)").fill("3000")
    await page.get_by_label("Reason for the award").fill("Led to a fine; first named reporter.")
    await page.get_by_role("button", name="Propose the award").click()
    await expect(page.get_by_role("status")).to_contain_text("A different reward administrator must approve it")
    await expect(page.get_by_text("You proposed this award")).to_be_visible()
    await expect(page.get_by_role("button", name="Approve the award")).to_have_count(0)
    await context.close()

    context, page = await browser_sign_in(browser, console_url, core, "bo", bo_secret)
    await page.get_by_role("link", name=f"Tip {first}", exact=True).click()
    await page.get_by_role("button", name="Approve the award").click()
    await expect(page.get_by_role("status")).to_contain_text("the award is approved")
    await assert_accessible(page, "rewards-approved")
    await page.get_by_label("I checked the claimant's identity document against the reporter's name").check()
    await page.get_by_label("Payment reference").fill("东财付〔2026〕0087")
    await page.get_by_role("button", name="Mark as paid").click()
    await expect(page.get_by_role("status")).to_contain_text("the award is marked paid")
    await page.get_by_role("link", name="Back to the rewards area").click()
    await page.get_by_role("link", name="Payout ledger").first.click()
    await expect(page.get_by_role("heading", name="Payout ledger", level=1)).to_be_visible()
    await expect(page.locator("main")).to_contain_text("东财付〔2026〕0087")
    await assert_accessible(page, "rewards-ledger")
    await context.close()

    # The notices reach the reporters' Telegram chats through the outbox, each in their language.
    bot = make_bot(TOKEN, api_base=fake_telegram.base_url)
    try:
        outbox = Dispatcher(core, {"telegram": TelegramChannel(bot, core)}, worker_id="story5")
        for _round in range(5):
            await outbox.run_once()
    finally:
        await bot.session.close()
    first_texts = [m.text for m in fake_telegram.sent_to(first_chat)]
    approved = next(text for text in first_texts if "collect a reward of 3000 yuan" in text)
    assert "original ID card" in approved and "12345" in approved and "0999-6000100" in approved
    for link in ("http", "www.", "t.me", "://"):
        assert link not in approved
    assert any("Your reward of 3000 yuan was paid" in text for text in first_texts)
    assert first_texts.index(approved) < len(first_texts) - 1  # the payment notice came after the approval
    later_texts = [m.text for m in fake_telegram.sent_to(later_chat)]
    assert any("奖励发给最先举报的人" in text for text in later_texts)
    assert not any("3000" in text for text in later_texts)


async def test_a_reward_administrator_reveals_only_where_the_tip_is_a_reward_case(core):
    """#14.8: a tip in the administrator's region with no reward candidate and no award answers
    "not found" to a reveal (as a tip out of scope does), from the rewards page and the tip page,
    and the refusal is audited; on a candidate the reveal works, with a reason, audited."""
    await make_staff(core, "li", "officer", LEAD_UNIT)
    secret = await reward_admin(core, "ann")
    fresh = (await file_tip(core)).tip_id  # just reported: nothing to reward (yet)
    candidate = await eligible_tip(core)
    async with signed_in_admin(core, "ann", secret) as ann:
        page = await ann.get(f"/rewards/tips/{fresh}")
        assert page.status_code == 200 and f'action="/rewards/tips/{fresh}/reveal"' not in page.text
        csrf = csrf_of(page.text)
        for path in (f"/rewards/tips/{fresh}/reveal", f"/tips/{fresh}/reveal"):
            refused = await ann.post(path, data={"csrf": csrf, "reason": "Just curious who it was."})
            assert refused.status_code == 404, (path, refused.status_code)
            assert "There is no such tip, or it is not one you may see." in refused.text and "李建国" not in refused.text
        tip_page = await ann.get(f"/tips/{fresh}")
        assert f'action="/tips/{fresh}/reveal"' not in tip_page.text
        shown = await post_reward_form(ann, candidate, f"/rewards/tips/{candidate}/reveal", reason="To check the claimant's ID.")
        assert shown.status_code == 200 and "李建国" in shown.text
    async with core.db.session() as session:
        events = (await session.scalars(select(AuditEvent).where(AuditEvent.actor == "ann").order_by(AuditEvent.id))).all()
    refusals = [e for e in events if e.action == "refused:reveal"]
    assert [e.tip_id for e in refusals] == [fresh, fresh]
    reveals = [e for e in events if e.action == "personal_data.reveal"]
    assert [(e.tip_id, e.detail["reason"]) for e in reveals] == [(candidate, "To check the claimant's ID.")]


async def test_a_reward_administrator_reveals_a_joint_reporter_sharing_an_award(core):
    """#14.8: a later report merged into a rewarded case, marked as joint, shares the award: its
    reporter may be revealed (to pay their share); another merged report, not joint, may not."""
    await make_staff(core, "li", "officer", LEAD_UNIT)
    secret = await reward_admin(core, "ann")
    first = (await file_tip(core, **PHONE_AND_COMPANY)).tip_id
    joint = (await file_tip(core, **PHONE_AND_COMPANY)).tip_id
    other = (await file_tip(core, **PHONE_AND_COMPANY)).tip_id
    async with client_for(core) as officer:
        await sign_in(officer, "li")
        for later in (joint, other):
            assert (await post_tip_form(officer, later, "move", target="merged", merged_into=str(first))).status_code == 303
        await substantiate_through_the_console(core, officer, first, penalty_decision_no="东市监罚〔2026〕14号")
    async with signed_in_admin(core, "ann", secret) as ann:
        marked = await post_reward_form(ann, first, f"/rewards/tips/{first}/joint", tip=str(joint), note="Came together.")
        assert marked.status_code == 303, marked.text
        csrf = csrf_of((await ann.get(f"/rewards/tips/{first}")).text)
        shown = await ann.post(f"/rewards/tips/{joint}/reveal", data={"csrf": csrf, "reason": "To pay the joint share."})
        assert shown.status_code == 200 and "李建国" in shown.text
        refused = await ann.post(f"/rewards/tips/{other}/reveal", data={"csrf": csrf, "reason": "Just looking."})
        assert refused.status_code == 404 and "李建国" not in refused.text
