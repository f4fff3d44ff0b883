"""The tip page's extras through HTTP and in Chromium: recording a call or visit with the reporter
(internal, audited), the printable assignment sheet (交办单) without the reporter's identity,
confirming the suggested category or choosing another with re-routing, and the action forms
folded in <details> (keyboard, axe)."""
from __future__ import annotations

from pathlib import Path

import pytest
from markupsafe import escape
from sqlalchemy import select

from console.i18n import ConsoleTranslator
from console.tip_extras import CONTACT_LABELS
from intake.domain.refusals import describe
from intake.domain.conversation import display_value
from intake.domain.questionnaire import STEP_BY_KEY
from intake.domain.deployment import CONFIG_DIR, Deployment, read_config
from intake.platform.models.notifications import Notification
from intake.platform.models.staff import AuditEvent
from intake.platform.models.tips import Assignment, StatusEvent, Tip
from intake.domain.routing import Reason, render_reason
from intake.reporting.tips import public_view
from intake.notify.unit_alerts import REROUTED
from tests.console_support import LEAD_UNIT, PASSWORD, client_for, csrf_of, make_staff, sign_in, tip_form
from tests.factories import file_tip, move_to
from tests.test_console_browser import CHROMIUM, assert_accessible, browser, console_url  # noqa: F401 - fixtures

zh = ConsoleTranslator("zh_Hans")
SCRIPT = "<script>alert(1)</script>"
COORDINATION = "990100-coordination"
MARKET = "990121-market_regulation"
HEALTH = "990121-health"
#: The reporter's and victim's identity and contact, and who the reporter is to the victim (tests/walk.py).
PERSONAL = ("李建国", "139-0013-9000", "13900139000", "wang.son@example.com", "王秀英", "138 0013 8000", "13800138000")


def without_totp(core) -> None:
    core.settings = core.settings.model_copy(update={"console_totp_required_roles": ()})


async def events(core, tip_id: int) -> list[StatusEvent]:
    async with core.db.session() as session:
        return list((await session.scalars(select(StatusEvent).where(StatusEvent.tip_id == tip_id).order_by(StatusEvent.id))).all())


async def audit_actions(core, tip_id: int) -> list[tuple[str, str, dict | None]]:
    async with core.db.session() as session:
        rows = (await session.scalars(select(AuditEvent).where(AuditEvent.tip_id == tip_id).order_by(AuditEvent.id))).all()
    return [(r.actor, r.action, r.detail) for r in rows]


async def post_form(client, tip_id: int, path: str, **fields):
    _html, csrf, version = await tip_form(client, tip_id)
    return await client.post(f"/tips/{tip_id}/{path}", data={"csrf": csrf, "version": version or "", **fields})


# --- a call or a visit with the reporter -----------------------------------------------------


async def test_an_officer_records_a_call_that_the_reporter_never_sees(core):
    await make_staff(core, "li", "officer", LEAD_UNIT)
    await make_staff(core, "market", "officer", MARKET)
    receipt = await file_tip(core, language="en")
    tip_id = receipt.tip_id
    call = {"kind": "call", "direction": "out", "reached": "yes", "happened_at": "2026-11-27T09:30",
            "summary": f"电话联系举报人，确认收据在手。{SCRIPT}"}
    async with client_for(core) as client:
        await sign_in(client, "li")
        page, _csrf, version_before = await tip_form(client, tip_id)
        assert zh("Record a call or visit with the reporter") in page and 'type="datetime-local"' in page
        assert 'value="2026-11-27T10:00"' in page  # now, in Beijing time, to start from
        future = await post_form(client, tip_id, "contact", **{**call, "happened_at": "2026-11-28T09:00"})
        empty = await post_form(client, tip_id, "contact", **{**call, "summary": "  "})
        garbled = await post_form(client, tip_id, "contact", **{**call, "happened_at": "明天上午"})
        recorded = await post_form(client, tip_id, "contact", **call)
        assert recorded.status_code == 303 and recorded.headers["location"] == f"/tips/{tip_id}?done=contact"
        shown = (await client.get(recorded.headers["location"])).text
        _page, _csrf, version_after = await tip_form(client, tip_id)
    assert future.status_code == empty.status_code == garbled.status_code == 400
    assert describe_zh("The time of the call or visit cannot be in the future.") in future.text
    assert describe_zh("Write a short summary of the conversation.") in empty.text
    assert zh("Give the date and time of the call or visit, for example 2026-11-27 09:30.") in garbled.text
    assert '<details open>\n<summary id="act-contact">' in future.text  # the form that failed stays open
    assert zh("Done: the call or visit is recorded in the timeline (staff only).") in shown
    expected = zh("%(what)s, %(reached)s, at %(time)s", what=zh(CONTACT_LABELS[("call", "out")]),
                  reached=zh("the reporter was reached"), time="2026-11-27 09:30")
    assert expected in shown and "电话联系举报人，确认收据在手。&lt;script&gt;" in shown and SCRIPT not in shown
    assert version_after == version_before  # a record adds; nobody's open form goes stale

    (contact,) = [e for e in await events(core, tip_id) if e.action == "contact"]
    assert contact.public_message is None and contact.actor == "li"
    assert contact.detail == {"kind": "call", "direction": "out", "reached": True, "at": "2026-11-27T09:30:00+08:00"}
    view = await public_view(core, receipt.code)
    assert all("收据" not in (entry.message or "") for entry in view.entries) and len(view.entries) == 1
    async with core.db.session() as session:
        assert (await session.scalars(select(Notification).where(Notification.event_id == contact.id))).all() == []
    assert ("li", "tip.contact", {"kind": "call", "direction": "out", "reached": True}) in await audit_actions(core, tip_id)

    async with client_for(core) as client:  # an assisting unit reads the tip but records no calls
        await sign_in(client, "market")
        page, csrf, _version = await tip_form(client, tip_id)
        assert "/contact" not in page
        refused = await client.post(f"/tips/{tip_id}/contact", data={"csrf": csrf, **call})
    assert refused.status_code == 400
    assert describe_zh("Only the lead unit or a coordinator records calls and visits with the reporter.") in refused.text
    assert ("market", "refused:contact") in [(actor, action) for actor, action, _detail in await audit_actions(core, tip_id)]


def describe_zh(message: str) -> str:
    from intake.casework.casework import CaseworkError

    return describe(CaseworkError(message), "zh_Hans")


async def test_a_visit_by_the_reporter_who_was_not_reached_reads_as_such(core):
    await make_staff(core, "li", "officer", LEAD_UNIT)
    tip_id = (await file_tip(core)).tip_id
    async with client_for(core) as client:
        await sign_in(client, "li")
        await post_form(client, tip_id, "contact", kind="visit", direction="in", reached="no",
                        happened_at="2026-11-27T08:15", summary="举报人来访，未带材料。")
        page, _csrf, _version = await tip_form(client, tip_id)
    assert zh("%(what)s, %(reached)s, at %(time)s", what=zh(CONTACT_LABELS[("visit", "in")]),
              reached=zh("the reporter was not reached"), time="2026-11-27 08:15") in page


# --- the assignment sheet (交办单) ------------------------------------------------------------


async def test_the_assignment_sheet_has_what_the_unit_needs_and_nothing_of_the_reporter(core):
    await make_staff(core, "li", "officer", LEAD_UNIT)
    await make_staff(core, "emma", "officer", LEAD_UNIT, language="en")
    await make_staff(core, "west", "officer", "990122-civil_affairs")
    tip_id = (await file_tip(core, suspect_organisation=f"福寿康养老院{SCRIPT}")).tip_id
    async with client_for(core) as client:
        await sign_in(client, "li")
        page, _csrf, _version = await tip_form(client, tip_id)
        assert f'href="/tips/{tip_id}/sheet"' in page
        sheet = await client.get(f"/tips/{tip_id}/sheet")
        css = await client.get("/static/sheet.css")
    assert sheet.status_code == 200 and '<html lang="zh-Hans">' in sheet.text
    text = sheet.text
    deployment = core.deployment
    for shown in (
        zh("Assignment sheet (交办单)"), zh("Tip number"), str(tip_id), zh("Terminal"),
        deployment.category_by_code["care_service"].label.zh_Hans, "福寿康养老院&lt;script&gt;", "张经理", display_value(STEP_BY_KEY["suspect_phone"], "+8657188886666", "zh_Hans", deployment),
        "东湖县民政局", deployment.unit_name(MARKET, "zh_Hans"), "2026-12-12", "养老院卖“贵宾卡”，三万元一张，承诺每年返还10%。",
        render_reason(Reason.from_dict((await tip_routing(core, tip_id))["reasons"][0]), "zh_Hans", deployment),
        zh("Head of the lead unit (signature)"), zh("Officer handling it (signature)"), zh("Date"),
        str(escape(zh("Confidential: the reporter's identity and contact are never printed. The lead unit can look them up in the system with a stated reason (every look is recorded) when it must call the reporter back."))),
    ):
        assert shown in text, shown
    for secret in (*PERSONAL, SCRIPT, "<script"):
        assert secret not in text, secret
    from i18n import Translator
    assert Translator("zh_Hans")("I am their son or daughter") not in text  # who the reporter is stays off the paper
    assert '<link rel="stylesheet" href="/static/sheet.css">' in text and "<nav" in text
    assert css.status_code == 200 and "@media print" in css.text
    assert ("li", "tip.sheet", None) in await audit_actions(core, tip_id)

    async with client_for(core) as client:
        await sign_in(client, "emma")
        english = await client.get(f"/tips/{tip_id}/sheet")
    assert '<html lang="en">' in english.text and "Assignment sheet (交办单)" in english.text and "Lead unit (承办单位)" in english.text
    async with client_for(core) as client:
        await sign_in(client, "west")
        outside = await client.get(f"/tips/{tip_id}/sheet")
    assert outside.status_code == 404
    assert ("west", "refused:sheet") in [(actor, action) for actor, action, _detail in await audit_actions(core, tip_id)]


async def tip_routing(core, tip_id: int) -> dict:
    async with core.db.session() as session:
        return (await session.get(Tip, tip_id)).routing


# --- confirming the suggested category -------------------------------------------------------


def with_unit_emails(core, *units: str) -> None:
    raw = read_config(CONFIG_DIR)
    raw["units"] = [{**u, "email": f"{u['code']}@example.gov.cn"} if u["code"] in units else u for u in raw["units"]]
    core.deployment = Deployment.model_validate(raw)


async def test_confirming_the_suggested_category_sends_the_tip_where_the_routing_rules_say(core):
    without_totp(core)
    with_unit_emails(core, MARKET, HEALTH)
    await make_staff(core, "qian", "officer", COORDINATION)
    await make_staff(core, "zhou", "coordinator", COORDINATION)
    await make_staff(core, "market", "officer", MARKET)
    tip_id = (await file_tip(core, category="other", description="免费讲座后卖保健品，说能治百病。")).tip_id
    async with core.db.session() as session:
        assert (await session.get(Tip, tip_id)).lead_unit == COORDINATION  # "not sure": the coordinating office
    care_product = core.deployment.category_by_code["care_product"].label.zh_Hans
    other = core.deployment.category_by_code["other"].label.zh_Hans

    async with client_for(core) as client:  # an officer: the change would move the tip, which takes a lead or coordinator
        await sign_in(client, "qian")
        page, _csrf, _version = await tip_form(client, tip_id)
        assert zh("Confirm the suggested category or choose another") in page and '<option value="care_product" selected>' in page
        refused = await post_form(client, tip_id, "category", category="care_product", reason="")
    assert refused.status_code == 400
    assert describe(_refusal(care_product), "zh_Hans") in refused.text
    assert ("qian", "refused:category") in [(a, b) for a, b, _c in await audit_actions(core, tip_id)]

    async with client_for(core) as client:
        await sign_in(client, "zhou")
        moved = await post_form(client, tip_id, "category", category="care_product", reason="描述是保健品讲座")
        assert moved.status_code == 303 and moved.headers["location"] == "/queue?done=rerouted"
    async with core.db.session() as session:
        tip = await session.get(Tip, tip_id)
        assignments = (await session.scalars(select(Assignment).where(Assignment.tip_id == tip_id))).all()
        alerts = (await session.scalars(select(Notification).where(Notification.kind == "unit_alert"))).all()
    assert (tip.category, tip.lead_unit) == ("care_product", MARKET)
    assert {(a.unit_code, a.role) for a in assignments if a.active} == {(MARKET, "lead"), (HEALTH, "assisting")}
    assert [r["params"] for r in tip.routing["reasons"]][-1] == {"category": "care_product"}
    assert sorted((n.payload["unit"], n.payload["about"]) for n in alerts) == sorted([(MARKET, REROUTED), (HEALTH, REROUTED)])
    (changed,) = [e for e in await events(core, tip_id) if e.action == "category"]
    assert changed.detail == {"from": "other", "to": "care_product", "rerouted": True, "lead_from": COORDINATION, "lead_to": MARKET}
    assert changed.internal_note == "描述是保健品讲座" and changed.public_message is None
    assert ("zhou", "tip.category") in [(a, b) for a, b, _c in await audit_actions(core, tip_id)]

    async with client_for(core) as client:  # the new unit reads why, and confirms without moving it
        await sign_in(client, "market")
        page, _csrf, _version = await tip_form(client, tip_id)
        assert zh("Category changed from %(from)s to %(to)s", **{"from": other, "to": care_product}) in page
        assert zh("Confirm the suggested category or choose another") not in page  # staff have decided
        confirmed = await post_form(client, tip_id, "category", category="care_product")
        assert confirmed.headers["location"] == f"/tips/{tip_id}?done=category"
        page = (await client.get(confirmed.headers["location"])).text
    assert zh("Category confirmed: %(to)s", to=care_product) in page and zh("Done: the category is saved.") in page


def _refusal(category_label: str):
    from intake.casework.casework import CaseworkError

    return CaseworkError(
        "The category %(category)s sends this tip to %(unit)s: only the unit lead or a coordinator can make that change.",
        category=category_label, unit="东湖县市场监督管理局")


async def test_the_suggestion_shows_its_reason_words_and_says_when_it_is_not_sure(core):
    without_totp(core)
    await make_staff(core, "zhou", "coordinator", COORDINATION)
    sure_id = (await file_tip(core, category="other", description="有人打电话说我儿子出车祸了，要我马上转两万块钱")).tip_id
    vague_id = (await file_tip(core, category="other", description="please call me back")).tip_id
    async with core.db.session() as session:
        sure, vague = await session.get(Tip, sure_id), await session.get(Tip, vague_id)
        assert sure.suggestion["category"] == "online_telecom" and sure.suggestion["sure"] is True
        assert sure.suggestion["model_version"].startswith("suggest-")  # the tip records which model suggested it
        assert vague.suggestion["sure"] is False
        # A "not sure" suggestion of a real category (the model's second thought on a vague text).
        vague.suggestion = {**vague.suggestion, "category": "online_telecom"}
        await session.commit()
    label = core.deployment.category_by_code["online_telecom"].label.zh_Hans
    async with client_for(core) as client:
        await sign_in(client, "zhou")
        page, _csrf, _version = await tip_form(client, sure_id)
        shown = zh("Suggested from the description: %(category)s (%(confidence)s%%, words: %(words)s)",
                   category=label, confidence=round(100 * sure.suggestion["confidence"]), words="、".join(sure.suggestion["reasons"]))
        assert str(escape(shown)) in page and "电话" in sure.suggestion["reasons"]
        assert zh("Not sure: please decide the category yourself.") not in page
        assert '<option value="online_telecom" selected>' in page
        page, _csrf, _version = await tip_form(client, vague_id)
        assert zh("Not sure: please decide the category yourself.") in page
        assert '<option value="online_telecom" selected>' not in page and '<option value="other" selected>' in page


async def test_a_category_corrected_once_checking_began_keeps_the_tip_with_its_unit(core):
    officer = await make_staff(core, "li", "officer", LEAD_UNIT)
    tip_id = (await file_tip(core)).tip_id
    await move_to(core, tip_id, "verifying", staff=officer)
    async with client_for(core) as client:
        await sign_in(client, "li")
        bad = await post_form(client, tip_id, "category", category="no_such_category")
        saved = await post_form(client, tip_id, "category", category="medical", reason="实为无资质诊疗")
    assert bad.status_code == 400 and saved.headers["location"] == f"/tips/{tip_id}?done=category"
    async with core.db.session() as session:
        tip = await session.get(Tip, tip_id)
    assert (tip.category, tip.lead_unit, tip.status) == ("medical", LEAD_UNIT, "verifying")
    (changed,) = [e for e in await events(core, tip_id) if e.action == "category"]
    assert changed.detail == {"from": "care_service", "to": "medical", "rerouted": False}


# --- the folded forms ------------------------------------------------------------------------


async def test_every_action_form_is_folded_until_opened(core):
    await make_staff(core, "li", "officer", LEAD_UNIT)
    tip_id = (await file_tip(core)).tip_id
    async with client_for(core) as client:
        await sign_in(client, "li")
        page, _csrf, _version = await tip_form(client, tip_id)
    actions = page.split('<h2 id="actions">')[1]
    assert actions.count("<form") == actions.count("<details>") == actions.count("<summary") > 4
    assert "<details open" not in actions


@pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="needs Debian's chromium")
@pytest.mark.same_on_every_database  # what the browser shows of the markup: checked in the SQLite run
async def test_the_folded_forms_open_from_the_keyboard_and_the_pages_pass_axe(core, console_url, browser):  # noqa: F811
    await make_staff(core, "li", "officer", LEAD_UNIT)
    tip_id = (await file_tip(core, category="other", description="免费讲座后卖保健品，说能治百病。", region="990121")).tip_id
    await make_staff(core, "zhou", "coordinator", COORDINATION)
    without_totp(core)
    page = await browser.new_page(locale="zh-CN", viewport={"width": 1280, "height": 900})
    await page.goto(f"{console_url}/signin")
    await page.get_by_label("用户名").fill("zhou")
    await page.get_by_label("密码").fill(PASSWORD)
    await page.get_by_role("button", name="登录", exact=True).click()
    await page.wait_for_url(f"{console_url}/queue")
    await page.goto(f"{console_url}/tips/{tip_id}")
    summary = page.locator("summary#act-contact")
    form = page.locator('form[action$="/contact"]')
    assert not await form.is_visible()
    await summary.focus()
    await page.keyboard.press("Enter")
    assert await form.is_visible()
    await page.get_by_label(zh("Summary of the conversation (staff only, never sent to the reporter)")).fill("举报人来电补充情况")
    await assert_accessible(page, "tip-extras-open")
    await form.get_by_role("button", name=zh("Record the call or visit")).click()
    await page.wait_for_url(f"{console_url}/tips/{tip_id}?done=contact")
    await assert_accessible(page, "tip-extras")
    await page.goto(f"{console_url}/tips/{tip_id}/sheet")
    await assert_accessible(page, "sheet")
    await page.emulate_media(media="print")
    assert not await page.locator("nav.sheet-tools").is_visible()  # only the sheet is printed
    await page.close()
