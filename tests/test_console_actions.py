"""Every action form of the tip page, through HTTP: the 核查 steps with their messages to the
reporter, re-routing, the extension, notes and findings, the outcome, and the conflict guard."""
from __future__ import annotations

from sqlalchemy import select

from intake.casework.casework import move_tip, reporter_reply
from intake.domain.messages import render
from intake.platform.models.notifications import Notification
from intake.platform.models.tip_records import Outcome, TipNote
from intake.platform.models.tips import Assignment, StatusEvent, Tip
from intake.notify.outbox import render_notice
from intake.casework.queues import tip_state
from tests.console_support import LEAD_UNIT, client_for, make_staff, sign_in, tip_form
from tests.factories import file_tip, move_to


async def post(client, tip_id: int, path: str, **fields):
    """Submit one of the tip page's forms as the browser would: with the page's CSRF token and version."""
    _html, csrf, version = await tip_form(client, tip_id)
    return await client.post(f"/tips/{tip_id}/{path}", data={"csrf": csrf, "version": version or "", **fields})


async def tip_row(core, tip_id: int) -> Tip:
    async with core.db.session() as session:
        return await session.get(Tip, tip_id)


async def events(core, tip_id: int) -> list[StatusEvent]:
    async with core.db.session() as session:
        return list((await session.scalars(select(StatusEvent).where(StatusEvent.tip_id == tip_id).order_by(StatusEvent.id))).all())


async def test_an_officer_accepts_checks_asks_and_substantiates_with_an_outcome(core):
    await make_staff(core, "li", "officer", LEAD_UNIT)
    tip_id = (await file_tip(core, language="en")).tip_id
    async with client_for(core) as client:
        await sign_in(client, "li")
        accepted = await post(client, tip_id, "move", target="accepted", template="accepted", internal_note="接手")
        assert accepted.status_code == 303 and accepted.headers["location"] == f"/tips/{tip_id}?done=moved"
        page = await client.get(accepted.headers["location"])
        assert "已完成：线索状态已更新" in page.text and "线索 %s · 已受理" % tip_id in page.text
        assert (await post(client, tip_id, "move", target="verifying")).status_code == 303
        asked = await post(client, tip_id, "move", target="needs_info", text="您办卡时拿到收据了吗？",
                           tr_en="Did you get a receipt for the card?", tr_bo="")
        assert asked.status_code == 303
        core.clock.advance(minutes=20)
        await reporter_reply(core, tip_id, "Yes, <b>I kept</b> the receipt.", language="en")
        page, _csrf, _version = await tip_form(client, tip_id)
        assert "Yes, &lt;b&gt;I kept&lt;/b&gt; the receipt." in page and '<blockquote lang="en">' in page
        assert "正在核查" in page  # the answer brought the tip back to checking
        done = await post(client, tip_id, "move", target="substantiated", template="substantiated",
                          penalty_decision_no="东市监罚〔2026〕12号", penalty_date="2026-11-20", money_recovered="3万",
                          criminal_case_filed="1")
        assert done.status_code == 303
        page, _csrf, _version = await tip_form(client, tip_id)
    assert "东市监罚〔2026〕12号" in page and "30000.00" in page
    assert (await tip_row(core, tip_id)).status == "substantiated"
    async with core.db.session() as session:
        outcome = await session.get(Outcome, tip_id)
        notices = (await session.scalars(select(Notification).where(Notification.tip_id == tip_id).order_by(Notification.id))).all()
        bodies = [(await render_notice(core, session, n)).body for n in notices]
    assert (outcome.money_recovered_fen, outcome.criminal_case_filed, outcome.convicted) == (3_000_000, True, False)
    assert outcome.penalty_date == "2026-11-20" and outcome.updated_by == "li"
    assert any("Did you get a receipt for the card?" in body for body in bodies)
    assert any("We checked your report and it is true." in body for body in bodies)
    assert not any("接手" in body for body in bodies)  # internal notes stay inside


async def test_decline_with_a_reply_template_or_in_own_words_with_translations(core):
    await make_staff(core, "li", "officer", LEAD_UNIT)
    by_template = (await file_tip(core)).tip_id
    in_own_words = (await file_tip(core, language="bo")).tip_id
    async with client_for(core) as client:
        await sign_in(client, "li")
        page, _csrf, _version = await tip_form(client, by_template)
        # The reply templates of each status are offered, in the officer's language.
        assert "这件事不属于养老诈骗，我们这里没法办理" in page and "这件事已由其他部门处理" in page
        assert "您的举报已由东湖县民政局受理" in page
        assert (await post(client, by_template, "move", target="declined", template="declined_elsewhere")).status_code == 303
        response = await post(client, in_own_words, "move", target="declined", template="free", text="此事属于消费纠纷，请拨打12345咨询。",
                              tr_en="This is a consumer dispute: please call 12345.", tr_bo="BO translation 12345")
        assert response.status_code == 303
    declined = (await events(core, by_template))[-1]
    assert declined.to_status == "declined" and declined.public_message["template"] == "declined_elsewhere"
    own = (await events(core, in_own_words))[-1].public_message
    assert own["text"] == "此事属于消费纠纷，请拨打12345咨询。" and own["language"] == "zh_Hans"
    assert render(own, "en", core.deployment) == "This is a consumer dispute: please call 12345."
    assert render(own, "bo", core.deployment) == "BO translation 12345"


async def test_own_words_are_required_and_checked_like_every_public_message(core):
    await make_staff(core, "li", "officer", LEAD_UNIT)
    tip_id = (await file_tip(core)).tip_id
    async with client_for(core) as client:
        await sign_in(client, "li")
        await post(client, tip_id, "move", target="accepted")
        empty = await post(client, tip_id, "move", target="needs_info", text="")
        linked = await post(client, tip_id, "move", target="needs_info", text="请看 www.example.com 上的说明")
        free_but_empty = await post(client, tip_id, "move", target="verifying", template="free", text="")
    assert empty.status_code == linked.status_code == free_but_empty.status_code == 400
    assert "请填写给举报人的消息" in empty.text
    assert "给举报人的消息里不能有链接" in linked.text
    assert (await tip_row(core, tip_id)).status == "accepted"


async def test_transfer_to_the_police_brings_in_the_county_police(core):
    await make_staff(core, "li", "officer", LEAD_UNIT)
    tip_id = (await file_tip(core)).tip_id
    async with client_for(core) as client:
        await sign_in(client, "li")
        await post(client, tip_id, "move", target="accepted")
        response = await post(client, tip_id, "move", target="transferred_police", template="transferred_police", internal_note="涉嫌非法集资")
    assert response.status_code == 303
    async with core.db.session() as session:
        units = (await session.scalars(select(Assignment.unit_code).where(Assignment.tip_id == tip_id, Assignment.active.is_(True)))).all()
    assert "990121-police" in units and (await tip_row(core, tip_id)).status == "transferred_police"


async def test_only_the_unit_lead_closes_and_refusals_read_in_the_staff_language(core):
    officer = await make_staff(core, "li", "officer", LEAD_UNIT)
    await make_staff(core, "emma", "officer", LEAD_UNIT, language="en")
    await make_staff(core, "wang", "unit_lead", LEAD_UNIT)
    tip_id = (await file_tip(core)).tip_id
    await move_to(core, tip_id, "unsubstantiated", staff=officer)
    async with client_for(core) as client:
        await sign_in(client, "li")
        page, csrf, _version = await tip_form(client, tip_id)
        assert 'value="closed"' not in page  # no form for a step this role cannot make
        version = (await tip_state(core, officer, tip_id)).version  # as a hand-made request would carry
        refused = await client.post(f"/tips/{tip_id}/move", data={"csrf": csrf, "version": version, "target": "closed"})
    assert refused.status_code == 400 and "您的角色不能把这条线索从“未能核实”改为“已办结”" in refused.text
    async with client_for(core) as client:
        await sign_in(client, "emma")
        _page, csrf, _version = await tip_form(client, tip_id)
        refused = await client.post(f"/tips/{tip_id}/move", data={"csrf": csrf, "version": version, "target": "closed"})
    assert "Your role cannot move this tip from Not confirmed to Finished." in refused.text
    assert '<html lang="en">' in refused.text and "There is a problem" in refused.text
    async with client_for(core) as client:
        await sign_in(client, "wang")
        closed = await post(client, tip_id, "move", target="closed", template="closed")
    assert closed.status_code == 303 and (await tip_row(core, tip_id)).status == "closed"


async def test_the_unit_lead_extends_the_deadline_once_with_reasons(core):
    officer = await make_staff(core, "li", "officer", LEAD_UNIT)
    await make_staff(core, "wang", "unit_lead", LEAD_UNIT)
    tip_id = (await file_tip(core, language="en")).tip_id
    await move_tip(core, tip_id, "accepted", staff=officer)
    before = (await tip_row(core, tip_id)).finish_due
    async with client_for(core) as client:
        await sign_in(client, "li")
        page, _csrf, _version = await tip_form(client, tip_id)
        assert "/extend" not in page
        refused = await post(client, tip_id, "extend", days="10", reason="r", public_reason="p")
        assert refused.status_code == 400 and "只有单位负责人可以批准延期" in refused.text
    async with client_for(core) as client:
        await sign_in(client, "wang")
        # The reporter reads English: the reason goes with its translation (else the lead is warned first).
        response = await post(client, tip_id, "extend", days="20", reason="需要调取银行流水", public_reason="需要向银行调取材料",
                              tr_en="We need records from the bank.")
        assert response.status_code == 303
        page, _csrf, _version = await tip_form(client, tip_id)
        assert "/extend" not in page and "已延长20天" in page
    assert ((await tip_row(core, tip_id)).finish_due - before).days == 20
    extension = (await events(core, tip_id))[-1]
    assert extension.action == "extension" and extension.internal_note == "需要调取银行流水"


async def test_the_unit_lead_sends_a_tip_to_another_unit_with_a_reason(core):
    await make_staff(core, "wang", "unit_lead", LEAD_UNIT)
    tip_id = (await file_tip(core)).tip_id
    async with client_for(core) as client:
        await sign_in(client, "wang")
        missing_reason = await post(client, tip_id, "reroute", unit="990122-civil_affairs", reason="")
        assert missing_reason.status_code == 400
        response = await post(client, tip_id, "reroute", unit="990122-civil_affairs", reason="养老院实际在西湖县")
        assert response.headers["location"] == "/queue?done=rerouted"
        queue = await client.get(response.headers["location"])
        assert "线索已转交其他单位" in queue.text
        assert (await client.get(f"/tips/{tip_id}")).status_code == 404  # it left this unit
    assert (await tip_row(core, tip_id)).lead_unit == "990122-civil_affairs"
    assert (await events(core, tip_id))[-1].internal_note == "养老院实际在西湖县"


async def test_notes_from_the_lead_unit_and_findings_from_an_assisting_unit(core):
    await make_staff(core, "li", "officer", LEAD_UNIT)
    await make_staff(core, "market", "officer", "990121-market_regulation")
    tip_id = (await file_tip(core)).tip_id
    async with client_for(core) as client:
        await sign_in(client, "li")
        assert (await client.post(f"/tips/{tip_id}/note", data={"csrf": (await tip_form(client, tip_id))[1], "text": "已电话联系养老院"})).status_code == 303
    async with client_for(core) as client:
        await sign_in(client, "market")
        page, csrf, _version = await tip_form(client, tip_id)
        assert 'action="/tips/%s/move"' % tip_id not in page  # an assisting unit cannot change the status
        response = await client.post(f"/tips/{tip_id}/note", data={"csrf": csrf, "kind": "finding", "text": "该机构无养老服务备案"})
        assert response.status_code == 303
        page, _csrf, _version = await tip_form(client, tip_id)
    assert "已电话联系养老院" in page and "该机构无养老服务备案" in page and "协办意见" in page
    async with core.db.session() as session:
        notes = (await session.scalars(select(TipNote).where(TipNote.tip_id == tip_id).order_by(TipNote.id))).all()
    assert [(n.kind, n.unit_code) for n in notes] == [("note", LEAD_UNIT), ("finding", "990121-market_regulation")]


async def test_the_outcome_can_be_corrected_and_a_bad_amount_is_explained(core):
    officer = await make_staff(core, "li", "officer", LEAD_UNIT)
    tip_id = (await file_tip(core)).tip_id
    await move_to(core, tip_id, "substantiated", staff=officer)
    async with client_for(core) as client:
        await sign_in(client, "li")
        page, csrf, _version = await tip_form(client, tip_id)
        outcome_version = page.split('name="outcome_version" value="')[1].split('"')[0]
        bad = await client.post(f"/tips/{tip_id}/outcome", data={"csrf": csrf, "outcome_version": outcome_version, "money_recovered": "很多"})
        assert bad.status_code == 400 and "请用数字写金额" in bad.text
        bad_date = await client.post(f"/tips/{tip_id}/outcome", data={"csrf": csrf, "outcome_version": outcome_version, "penalty_date": "20.11.2026"})
        assert bad_date.status_code == 400 and "YYYY-MM-DD" in bad_date.text
        saved = await client.post(f"/tips/{tip_id}/outcome", data={
            "csrf": csrf, "outcome_version": outcome_version, "money_recovered": "1,200.50", "convicted": "1"})
        assert saved.headers["location"] == f"/tips/{tip_id}?done=outcome"
        # A second form still showing the old outcome is refused rather than overwriting.
        stale = await client.post(f"/tips/{tip_id}/outcome", data={"csrf": csrf, "outcome_version": outcome_version, "money_recovered": "5"})
        assert stale.status_code == 409
    async with core.db.session() as session:
        outcome = await session.get(Outcome, tip_id)
    assert (outcome.money_recovered_fen, outcome.convicted) == (120050, True)


async def test_merge_into_another_tip(core):
    await make_staff(core, "li", "officer", LEAD_UNIT)
    first = (await file_tip(core)).tip_id
    second = (await file_tip(core)).tip_id
    async with client_for(core) as client:
        await sign_in(client, "li")
        response = await post(client, second, "move", target="merged", merged_into=str(first), template="merged")
    assert response.status_code == 303
    tip = await tip_row(core, second)
    assert (tip.status, tip.merged_into_id) == ("merged", first)


async def test_two_officers_at_once_the_second_gets_a_clear_conflict_message(core):
    await make_staff(core, "li", "officer", LEAD_UNIT)
    await make_staff(core, "zhang", "officer", LEAD_UNIT)
    tip_id = (await file_tip(core)).tip_id
    async with client_for(core) as li, client_for(core) as zhang:
        await sign_in(li, "li")
        await sign_in(zhang, "zhang")
        _page, li_csrf, li_version = await tip_form(li, tip_id)
        _page, zhang_csrf, zhang_version = await tip_form(zhang, tip_id)
        assert li_version == zhang_version
        core.clock.advance(seconds=5)
        first = await li.post(f"/tips/{tip_id}/move", data={"csrf": li_csrf, "version": li_version, "target": "accepted"})
        second = await zhang.post(f"/tips/{tip_id}/move", data={"csrf": zhang_csrf, "version": zhang_version, "target": "declined", "template": "declined"})
    assert first.status_code == 303
    assert second.status_code == 409 and "其他人已处理了这条线索，因此您的操作没有执行" in second.text
    assert "线索 %s · 已受理" % tip_id in second.text  # and it shows the latest state
    assert [e.to_status for e in await events(core, tip_id)] == ["submitted", "accepted"]


async def test_the_console_speaks_english_to_an_english_speaking_officer(core):
    await make_staff(core, "emma", "officer", LEAD_UNIT, language="en")
    tip_id = (await file_tip(core)).tip_id
    async with client_for(core) as client:
        await sign_in(client, "emma")
        page, _csrf, _version = await tip_form(client, tip_id)
        queue = await client.get("/queue")
    assert '<html lang="en">' in page and "Accept the tip" in page and "Received" in page
    assert "Your report has been taken on by the Donghu County Civil Affairs Bureau" in page  # template preview
    assert "Care services" in page or "care" in page.lower()
    assert "Waiting for the reporter" in queue.text
