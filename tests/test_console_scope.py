"""Story 6 (staff only see their own) and the unit's queue: views, filters, urgent first, pages."""
from __future__ import annotations

import re

from sqlalchemy import select

from intake.casework.casework import move_tip, reporter_reply
from intake.domain.messages import PublicMessage
from intake.platform.models.staff import AuditEvent
from intake.casework.queues import unit_queue
from tests.console_support import LEAD_UNIT, client_for, make_staff, sign_in, tip_form
from tests.factories import file_tip


def tip_ids(html: str) -> list[int]:
    return [int(n) for n in re.findall(r'href="/tips/(\d+)"', html)]


async def test_story_6_an_officer_of_another_county_gets_not_found_and_the_coordinator_sees_both(core):
    county_x_tip = (await file_tip(core)).tip_id  # Donghu (990121) civil affairs, market regulation assisting
    county_y_tip = (await file_tip(core, region="990122")).tip_id  # Xihu (990122) civil affairs
    await make_staff(core, "market_x", "officer", "990121-market_regulation")
    await make_staff(core, "coordinator", "coordinator", "990100-coordination")
    core.settings = core.settings.model_copy(update={"console_totp_required_roles": ()})

    async with client_for(core) as officer:
        await sign_in(officer, "market_x")
        queue = await officer.get("/queue")
        assert tip_ids(queue.text) == [county_x_tip]
        refused = await officer.get(f"/tips/{county_y_tip}")
        missing = await officer.get("/tips/999999")
        assert (await officer.get(f"/tips/{county_x_tip}")).status_code == 200
    assert refused.status_code == missing.status_code == 404
    assert "没有这条线索，或者您无权查看" in refused.text
    assert "福寿康" not in refused.text
    # The refused page says no more than the page of a tip that does not exist.
    assert refused.text == missing.text
    async with core.db.session() as session:
        attempts = (await session.scalars(select(AuditEvent).where(AuditEvent.action == "refused:view"))).all()
    assert [(a.actor, a.tip_id) for a in attempts] == [("market_x", county_y_tip), ("market_x", 999999)]

    async with client_for(core) as coordinator:
        await sign_in(coordinator, "coordinator")
        queue = await coordinator.get("/queue")
        assert set(tip_ids(queue.text)) == {county_x_tip, county_y_tip}
        for tip_id in (county_x_tip, county_y_tip):
            assert (await coordinator.get(f"/tips/{tip_id}")).status_code == 200


async def test_acting_on_a_tip_out_of_scope_is_not_found_and_audited(core):
    county_y_tip = (await file_tip(core, region="990122")).tip_id
    await make_staff(core, "li", "officer", LEAD_UNIT)
    other = (await file_tip(core)).tip_id
    async with client_for(core) as client:
        await sign_in(client, "li")
        _html, csrf, version = await tip_form(client, other)
        response = await client.post(f"/tips/{county_y_tip}/move", data={"csrf": csrf, "version": version, "target": "accepted"})
        note = await client.post(f"/tips/{county_y_tip}/note", data={"csrf": csrf, "text": "x"})
        reveal = await client.post(f"/tips/{county_y_tip}/reveal", data={"csrf": csrf, "reason": "call back"})
    assert response.status_code == note.status_code == reveal.status_code == 404
    async with core.db.session() as session:
        refused = (await session.scalars(select(AuditEvent.action).where(AuditEvent.tip_id == county_y_tip, AuditEvent.action.like("refused:%")))).all()
    assert {"refused:move", "refused:note", "refused:reveal"} <= set(refused)


async def test_the_queue_views_new_waiting_answered_and_overdue(core):
    officer = await make_staff(core, "li", "officer", LEAD_UNIT)
    fresh = (await file_tip(core)).tip_id
    waiting = (await file_tip(core)).tip_id
    answered = (await file_tip(core, language="en")).tip_id
    for tip_id in (waiting, answered):
        await move_tip(core, tip_id, "accepted", staff=officer)
        await move_tip(core, tip_id, "needs_info", staff=officer, public=PublicMessage(text="请问是哪一天？", language="zh_Hans"))
    core.clock.advance(hours=5)
    await reporter_reply(core, answered, "It was on Monday.", language="en")

    async with client_for(core) as client:
        await sign_in(client, "li")
        views = {view: tip_ids((await client.get(f"/queue?view={view}")).text) for view in ("new", "waiting", "answered", "overdue")}
        assert views == {"new": [fresh], "waiting": [waiting], "answered": [answered], "overdue": []}
        answered_page = await client.get("/queue?view=answered")
        assert "举报人已回复" in answered_page.text
        core.clock.advance(days=17)  # past the 15 days to accept
        await sign_in(client, "li")  # a new day, a new session
        overdue = await client.get("/queue?view=overdue")
        assert tip_ids(overdue.text) == [fresh] and "逾期未受理" in overdue.text
        # Once staff act again, the reply no longer counts as unanswered.
        await move_tip(core, answered, "substantiated", staff=officer)
        assert tip_ids((await client.get("/queue?view=answered")).text) == []


async def test_the_queue_filters_by_status_and_category_and_puts_urgent_tips_first(core):
    await make_staff(core, "zhou", "coordinator", "990100-coordination")
    core.settings = core.settings.model_copy(update={"console_totp_required_roles": ()})
    care_home = (await file_tip(core)).tip_id
    lecture = (await file_tip(core, category="care_product", region="990121")).tip_id
    urgent = (await file_tip(core, urgent="yes")).tip_id
    later = (await file_tip(core)).tip_id
    async with client_for(core) as client:
        await sign_in(client, "zhou")
        everything = tip_ids((await client.get("/queue")).text)
        assert everything[0] == urgent and set(everything) == {care_home, lecture, urgent, later}
        assert everything.index(later) < everything.index(care_home)  # newest first after urgency
        by_category = tip_ids((await client.get("/queue?category=care_product")).text)
        assert by_category == [lecture]
        assert tip_ids((await client.get("/queue?status=accepted")).text) == []
        page = await client.get("/queue?status=submitted&category=nonsense&view=bogus")
        assert page.status_code == 200 and set(tip_ids(page.text)) == {care_home, lecture, urgent, later}


async def test_the_queue_pages_by_keyset(core):
    officer = await make_staff(core, "li", "officer", LEAD_UNIT)
    ids = [(await file_tip(core, urgent="yes" if n == 2 else "no")).tip_id for n in range(5)]
    seen, after = [], None
    while True:
        page = await unit_queue(core, officer, limit=2, after=after)
        seen += [item.id for item in page.items]
        if page.next_cursor is None:
            break
        after = page.next_cursor
    # The urgent one leads (its lead is the police; civil affairs assists, so it is in this queue).
    assert seen[0] == ids[2] and sorted(seen) == sorted(ids) and len(seen) == len(set(seen))
    assert seen[1:] == sorted((i for i in ids if i != ids[2]), reverse=True)
