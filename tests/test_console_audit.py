"""Oversight: auditors read the audit log (read-only, a page at a time, filtered); coordinators
see the overdue tips of their region and send a supervision notice (督办) to a tip's lead unit,
which reaches the unit's e-mail through the outbox without any personal data."""
from __future__ import annotations

import re
from pathlib import Path

import pytest
from sqlalchemy import func, select

from intake.platform import audit
from intake.casework.casefile import reveal_reporter
from intake.domain.deployment import CONFIG_DIR, Deployment, read_config
from intake.notify.dispatch import Dispatcher
from intake.platform.models.notifications import Notification
from intake.platform.models.staff import AuditEvent
from intake.platform.models.tips import StatusEvent, Tip
from intake.notify.outbox import render_notice
from intake.casework.supervision import overdue_list
from intake.reporting.tips import public_view
from tests.console_support import LEAD_UNIT, client_for, csrf_of, make_staff, sign_in
from tests.factories import file_tip
from tests.test_console_browser import CHROMIUM, assert_accessible, browser, console_url  # noqa: F401 - fixtures
from tests.test_outbox import smtp_server, smtp_settings  # noqa: F401 - the real SMTP server fixture
from tipline.channels import EmailChannel

SCRIPT = "<script>alert(1)</script>"
ESCAPED = "&lt;script&gt;alert(1)&lt;/script&gt;"
COORDINATION = "990100-coordination"


def without_totp(core) -> None:
    core.settings = core.settings.model_copy(update={"console_totp_required_roles": ()})


def with_unit_email(core, unit: str, address: str) -> None:
    raw = read_config(CONFIG_DIR)
    raw["units"] = [{**u, "email": address} if u["code"] == unit else u for u in raw["units"]]
    core.deployment = Deployment.model_validate(raw)


async def test_the_auditor_reads_the_log_filtered_and_a_page_at_a_time(core):
    officer = await make_staff(core, "li", "officer", LEAD_UNIT)
    await make_staff(core, "audit", "auditor", None)
    tip_id = (await file_tip(core)).tip_id
    await reveal_reporter(core, officer, tip_id, reason=f"回电核实{SCRIPT}")
    for n in range(60):
        await audit.record_now(core, "zhang", "tip.view", 1000 + n)
    async with client_for(core) as client:
        await sign_in(client, "li")
        assert (await client.get("/audit")).status_code == 403  # officers do not read the log
    async with client_for(core) as client:
        await sign_in(client, "audit")
        first = await client.get("/audit")
        assert first.status_code == 200 and first.text.count('<th scope="row">') == 50
        following = re.search(r'href="(/audit\?[^"]*before=\d+)"', first.text).group(1).replace("&amp;", "&")
        second = await client.get(following)
        assert second.status_code == 200 and "personal_data.reveal" in second.text
        assert ESCAPED in second.text and SCRIPT not in second.text
        by_actor = await client.get("/audit", params={"actor": "li", "action": "personal_data.reveal"})
        by_tip = await client.get("/audit", params={"tip": str(tip_id)})
        reflected = await client.get("/audit", params={"actor": SCRIPT})
    assert by_actor.text.count('<th scope="row">') == 1 and "回电核实" in by_actor.text
    assert "zhang" not in by_tip.text and "personal_data.reveal" in by_tip.text
    assert reflected.status_code == 200 and SCRIPT not in reflected.text and "没有符合条件的审计记录" in reflected.text
    assert "<form" not in first.text.split("</form>", 2)[-1].split("</main>")[0]  # no action besides the filter and sign-out
    async with core.db.session() as session:
        assert await session.scalar(select(func.count()).select_from(AuditEvent)) > 60


async def test_the_coordinator_sends_a_supervision_notice_that_reaches_the_units_email(core, settings, smtp_server):  # noqa: F811
    mailbox, port = smtp_server
    without_totp(core)
    with_unit_email(core, LEAD_UNIT, "minzheng@donghu.example.gov.cn")
    coordinator = await make_staff(core, "zhou", "coordinator", COORDINATION)
    receipt = await file_tip(core, suspect_organisation=f"福寿康{SCRIPT}")
    late = receipt.tip_id
    core.clock.advance(days=16)
    on_time = (await file_tip(core)).tip_id
    found = await overdue_list(core, coordinator)
    assert [t.id for t in found] == [late] and found[0].overdue == "accept" and found[0].days_late >= 0

    async with client_for(core) as client:
        await sign_in(client, "zhou")
        page = await client.get("/overdue")
        assert page.status_code == 200 and f'href="/tips/{late}"' in page.text and f'href="/tips/{on_time}"' not in page.text
        assert "东湖县民政局" in page.text and SCRIPT not in page.text
        empty = await client.post(f"/tips/{late}/supervise", data={"csrf": csrf_of(page.text), "text": ""})
        assert empty.status_code == 400
        sent = await client.post(f"/tips/{late}/supervise", data={"csrf": csrf_of(page.text), "text": f"请于三日内受理并报告{SCRIPT}"})
        assert sent.status_code == 303 and sent.headers["location"] == "/overdue?done=alerted"
        page = await client.get(sent.headers["location"])
        assert "已完成" in page.text
        tip_page = await client.get(f"/tips/{late}")
        assert "督办" in tip_page.text and ESCAPED in tip_page.text and SCRIPT not in tip_page.text
        assert "minzheng@" not in tip_page.text and tip_page.text.count("<tr><td>电子邮箱</td>") == 1  # the reporter's one notice

    async with core.db.session() as session:
        event = await session.scalar(select(StatusEvent).where(StatusEvent.tip_id == late, StatusEvent.action == "supervision"))
        alerts = (await session.scalars(select(Notification).where(Notification.kind == "unit_alert"))).all()
        alert = next(a for a in alerts if a.payload["about"] == "supervision")  # beside the new-tip alerts (unit_alerts.py)
        tip = await session.get(Tip, late)
        notice = await render_notice(core, session, alert)
    assert event.public_message is None and event.actor == "zhou" and tip.status == "submitted"
    assert notice.address == "minzheng@donghu.example.gov.cn" and f"线索 {late}" in notice.subject
    for secret in ("福寿康", "李建国", "王秀英", "13800138000", "wang.son@example.com"):
        assert secret not in notice.body and secret not in notice.subject
    assert all(e.message is None or "督办" not in e.message for e in (await public_view(core, receipt.code)).entries)

    dispatcher = Dispatcher(core, {"email": EmailChannel(smtp_settings(settings, port))}, worker_id="w1")
    await dispatcher.run_once()
    to_unit = [m for m in mailbox.messages if m["To"] == "minzheng@donghu.example.gov.cn" and "督办" in m["Subject"]]
    assert len(to_unit) == 1 and f"线索 {late}" in to_unit[0]["Subject"]


async def test_a_unit_without_an_address_gets_the_notice_in_the_timeline_only(core):
    without_totp(core)
    await make_staff(core, "zhou", "coordinator", COORDINATION)
    await make_staff(core, "li", "officer", LEAD_UNIT)
    tip_id = (await file_tip(core)).tip_id
    async with client_for(core) as client:
        await sign_in(client, "li")
        page = await client.get(f"/tips/{tip_id}")
        assert "/supervise" not in page.text
        refused = await client.post(f"/tips/{tip_id}/supervise", data={"csrf": csrf_of(page.text), "text": "x"})
        assert refused.status_code == 400 and "只有协调员可以发督办通知" in refused.text
    async with client_for(core) as client:
        await sign_in(client, "zhou")
        page = await client.get(f"/tips/{tip_id}")
        sent = await client.post(f"/tips/{tip_id}/supervise", data={"csrf": csrf_of(page.text), "back": "tip", "text": "请加快办理"})
        assert sent.headers["location"] == f"/tips/{tip_id}?done=supervised"
        shown = await client.get(sent.headers["location"])
        assert "请加快办理" in shown.text
    async with core.db.session() as session:
        alerts = (await session.scalars(select(Notification).where(Notification.kind == "unit_alert"))).all()
        record = await session.scalar(select(AuditEvent).where(AuditEvent.action == "tip.supervise"))
    assert alerts == [] and record.detail == {"unit": LEAD_UNIT, "alerted": False}


async def test_every_new_form_refuses_a_post_without_the_sessions_token(core):
    without_totp(core)
    await make_staff(core, "zhou", "coordinator", COORDINATION)
    tip_id = (await file_tip(core, language="en")).tip_id
    async with client_for(core) as client:
        await sign_in(client, "zhou")
        intake = await client.post("/intake", data={"csrf": csrf_of((await client.get("/intake")).text), "source": "phone", "language": "en"})
        ref_url = intake.headers["location"].split("/q/")[0]
        paths = ["/intake", f"{ref_url}/answer", f"{ref_url}/back", f"{ref_url}/change", f"{ref_url}/submit", f"{ref_url}/discard",
                 f"/tips/{tip_id}/translate/message", f"/tips/{tip_id}/translate/words", "/organisations/colour",
                 f"/tips/{tip_id}/supervise"]
        for path in paths:
            for token in (None, "", "forged"):
                data = {"key": "urgent", "answer": "yes", "text": "x", "part": "description", "colour": "red", "event_id": "1",
                        "language": "zh_Hans", "source": "phone", **({"csrf": token} if token is not None else {})}
                response = await client.post(path, data=data)
                assert response.status_code == 403 and "表单已过期" in response.text, (path, token)
        assert (await client.get(ref_url)).status_code == 200  # the intake is untouched
    async with core.db.session() as session:
        assert await session.scalar(select(func.count()).select_from(StatusEvent).where(StatusEvent.action == "supervision")) == 0
        assert (await session.get(Tip, tip_id)).reporter_words_translation is None


@pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="needs Debian's chromium")
@pytest.mark.same_on_every_database  # what the browser shows of the markup: checked in the SQLite run
async def test_the_new_pages_pass_axe_in_the_browser(core, console_url, browser):  # noqa: F811
    from intake.casework.casework import move_tip
    from intake.domain.messages import PublicMessage
    from tests.console_support import PASSWORD

    without_totp(core)
    officer = await make_staff(core, "li", "officer", LEAD_UNIT)
    await make_staff(core, "zhou", "coordinator", COORDINATION)
    await make_staff(core, "audit", "auditor", None)
    first = (await file_tip(core, language="en")).tip_id
    second = (await file_tip(core, language="bo", suspect_phone="0571 8888 6666")).tip_id
    await move_tip(core, first, "accepted", staff=officer)
    await move_tip(core, first, "needs_info", staff=officer, public=PublicMessage(text="请问是哪一天？", language="zh_Hans"))
    core.clock.advance(days=20)

    async def signed_in(username: str):
        page = await browser.new_page(locale="zh-CN", viewport={"width": 1280, "height": 900})
        await page.goto(f"{console_url}/signin")
        await page.get_by_label("用户名").fill(username)
        await page.get_by_label("密码").fill(PASSWORD)
        await page.get_by_role("button", name="登录", exact=True).click()
        await page.wait_for_url(f"{console_url}/queue")
        return page

    page = await signed_in("li")
    for path, name in ((f"/tips/{second}", "tip-duplicates"), ("/translations", "translations"),
                       (f"/tips/{second}/translate", "translate-tip"), ("/duplicates", "duplicates"),
                       ("/organisations", "organisations")):
        await page.goto(console_url + path)
        await assert_accessible(page, name)
    await page.goto(f"{console_url}/duplicates")
    await page.locator("table a").first.click()
    await assert_accessible(page, "duplicate-group")
    await page.goto(f"{console_url}/organisations")
    await page.locator("table a").first.click()
    await assert_accessible(page, "organisation")
    await page.close()
    page = await signed_in("zhou")
    await page.goto(f"{console_url}/overdue")
    await assert_accessible(page, "overdue")
    await page.close()
    page = await signed_in("audit")
    await page.goto(f"{console_url}/audit")
    await assert_accessible(page, "audit")
    await page.close()
