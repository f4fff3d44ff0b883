"""The console's defences: CSRF on every form, security headers and no inline script, every
text escaped, and no personal data on a page unless revealed with a reason (audited)."""
from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from console.app import create_app
from intake.casework.casework import add_note, move_tip, reporter_reply
from intake.domain.messages import PublicMessage
from intake.platform.models.staff import AuditEvent
from intake.platform.models.tip_records import TipNote
from intake.platform.models.tips import Tip
from tests.console_support import LEAD_UNIT, client_for, csrf_of, make_staff, sign_in, tip_form
from tests.factories import file_tip

SCRIPT = "<script>alert(1)</script>"
ESCAPED = "&lt;script&gt;alert(1)&lt;/script&gt;"




def post_paths(routes) -> set[str]:
    """Every POST route of the app, looking inside included routers."""
    found: set[str] = set()
    for route in routes:
        if hasattr(route, "original_router"):
            found |= post_paths(route.original_router.routes)
        elif "POST" in (getattr(route, "methods", None) or ()):
            found.add(route.path)
    return found


async def test_every_form_is_refused_without_the_sessions_csrf_token(core):
    await make_staff(core, "li", "officer", LEAD_UNIT)
    tip_id = (await file_tip(core)).tip_id
    app = create_app(core)
    posts = sorted(post_paths(app.routes))
    assert len(posts) >= 11, posts  # sign-in (3), account, sign-out, and six tip actions
    async with client_for(core) as other:
        foreign_token = csrf_of((await other.get("/signin")).text)
    async with client_for(core) as client:
        await sign_in(client, "li")
        _page, _csrf, version = await tip_form(client, tip_id)
        for path in posts:
            url = re.sub(r"\{\w+\}", "1", path.replace("{tip_id}", str(tip_id)))  # a warning's, an objection's: 1
            fields = {"version": version, "target": "accepted", "text": "x", "reason": "x", "unit": "990122-civil_affairs",
                      "days": "5", "public_reason": "x", "username": "li", "password": "x", "code": "123456"}
            for token in (None, "", foreign_token):
                data = dict(fields, **({"csrf": token} if token is not None else {}))
                response = await client.post(url, data=data)
                assert response.status_code == 403, (url, token, response.status_code)
                assert "表单已过期" in response.text
        assert (await client.get("/queue")).status_code == 200  # still signed in: sign-out was refused too
    async with core.db.session() as session:
        tip = await session.get(Tip, tip_id)
        notes = (await session.scalars(select(TipNote))).all()
    assert tip.status == "submitted" and tip.lead_unit == LEAD_UNIT and not notes


async def test_pages_carry_security_headers_and_no_inline_script_or_style(core):
    await make_staff(core, "li", "officer", LEAD_UNIT)
    tip_id = (await file_tip(core)).tip_id
    async with client_for(core) as client:
        pages = [await client.get("/signin")]
        await sign_in(client, "li")
        pages += [await client.get("/queue"), await client.get(f"/tips/{tip_id}"), await client.get("/tips/424242"),
                  await client.get("/account")]
        css = await client.get("/static/console.css")
    for page in pages:
        csp = page.headers["content-security-policy"]
        assert "default-src 'none'" in csp and "unsafe-inline" not in csp and "script-src" not in csp
        assert "frame-ancestors 'none'" in csp and "form-action 'self'" in csp
        assert page.headers["x-content-type-options"] == "nosniff"
        assert page.headers["x-frame-options"] == "DENY"
        assert page.headers["referrer-policy"] == "no-referrer"
        assert page.headers["cache-control"] == "no-store"
        assert "<script" not in page.text.lower()
        assert not re.search(r"\sstyle=", page.text) and not re.search(r"\son[a-z]+=", page.text)
    assert css.status_code == 200 and css.headers["x-content-type-options"] == "nosniff"


async def test_a_tip_with_script_in_every_field_is_harmless(core):
    officer = await make_staff(core, "li", "officer", LEAD_UNIT)
    await make_staff(core, "market", "officer", "990121-market_regulation")
    tip_id = (await file_tip(
        core, description=f"保健品讲座 {SCRIPT} 骗钱", suspect_organisation=SCRIPT, suspect_person=SCRIPT,
        suspect_address=SCRIPT, place=SCRIPT, suspect_online=SCRIPT,
    )).tip_id
    await move_tip(core, tip_id, "accepted", staff=officer, internal_note=SCRIPT)
    await move_tip(core, tip_id, "needs_info", staff=officer,
                   public=PublicMessage(text=f"请问 {SCRIPT}", language="zh_Hans", translations={"en": SCRIPT}))
    core.clock.advance(minutes=1)
    await reporter_reply(core, tip_id, SCRIPT, language="zh_Hans")
    await add_note(core, tip_id, SCRIPT, staff=officer)
    async with client_for(core) as client:
        await sign_in(client, "li")
        page, _csrf, _version = await tip_form(client, tip_id)
        queue = await client.get("/queue")
    assert "<script" not in page and "<script" not in queue.text
    assert page.count(ESCAPED) >= 8  # every field, the note, the message, the reply: shown, as text


async def test_no_personal_data_on_a_page_until_revealed_with_a_reason_which_is_audited(core):
    await make_staff(core, "li", "officer", LEAD_UNIT)
    await make_staff(core, "market", "officer", "990121-market_regulation")
    tip_id = (await file_tip(core)).tip_id  # a named reporter (李建国) reporting for his mother (王秀英)
    personal = ("李建国", "王秀英", "13900139000", "139-0013-9000", "13800138000", "wang.son@example.com")
    async with client_for(core) as client:
        await sign_in(client, "li")
        page, csrf, _version = await tip_form(client, tip_id)
        queue = await client.get("/queue")
        assert not any(value in page or value in queue.text for value in personal)
        no_reason = await client.post(f"/tips/{tip_id}/reveal", data={"csrf": csrf, "reason": "  "})
        assert no_reason.status_code == 400 and not any(value in no_reason.text for value in personal)
        revealed = await client.post(f"/tips/{tip_id}/reveal", data={"csrf": csrf, "reason": "回电核实办卡时间"})
        assert revealed.status_code == 200 and revealed.headers["cache-control"] == "no-store"
        assert "李建国" in revealed.text and "王秀英" in revealed.text and "wang.son@example.com" in revealed.text
        assert "本次查看已记入审计日志" in revealed.text
        again = await client.get(f"/tips/{tip_id}")
        assert "李建国" not in again.text  # a reveal shows once; it is not kept in the session
    async with client_for(core) as client:
        await sign_in(client, "market")  # an assisting unit does not call the reporter back
        page, csrf, _version = await tip_form(client, tip_id)
        assert f"/tips/{tip_id}/reveal" not in page
        refused = await client.post(f"/tips/{tip_id}/reveal", data={"csrf": csrf, "reason": "想看看"})
        assert refused.status_code == 404 and "李建国" not in refused.text
    async with core.db.session() as session:
        rows = (await session.scalars(select(AuditEvent).where(AuditEvent.tip_id == tip_id, AuditEvent.action.in_(
            ("personal_data.reveal", "refused:reveal"))).order_by(AuditEvent.id))).all()
    assert [(r.actor, r.action) for r in rows] == [("li", "personal_data.reveal"), ("market", "refused:reveal")]
    assert rows[0].detail["reason"] == "回电核实办卡时间"


@pytest.mark.parametrize("path", ["/queue", "/tips/1", "/account"])
async def test_pages_need_a_signed_in_session(core, path):
    async with client_for(core) as client:
        response = await client.get(path)
    assert response.status_code == 303 and response.headers["location"].startswith("/signin")
