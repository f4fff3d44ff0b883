"""The queue as staff use it: assigning a tip to a colleague, the "mine" view, the region and
date filters, bulk accept and bulk assign on selected tips, and keyset pages over filters.

Staff here read the console in English, so the assertions read the texts as written."""
from __future__ import annotations

import datetime
import html
import re

from sqlalchemy import func, select

from intake.casework.casework import move_tip, reroute_tip
from intake.platform.models.notifications import Notification
from intake.platform.models.staff import AuditEvent
from intake.platform.models.tips import StatusEvent, Tip
from intake.casework.queues import QueueFilter, unit_queue
from tests.console_support import LEAD_UNIT, client_for, csrf_of, make_staff, sign_in, tip_form
from tests.factories import file_tip

OTHER_COUNTY_UNIT = "990122-civil_affairs"


def tip_ids(html: str) -> list[int]:
    return [int(n) for n in re.findall(r'href="/tips/(\d+)">Tip', html)]


def no_totp(core) -> None:
    core.settings = core.settings.model_copy(update={"console_totp_required_roles": ()})


async def assign(client, tip_id: int, assignee: str):
    _html, csrf, version = await tip_form(client, tip_id)
    return await client.post(f"/tips/{tip_id}/assign", data={"csrf": csrf, "version": version, "assignee": assignee})


async def bulk(client, action: str, tip_ids: list[int], assignee: str = ""):
    page = await client.get("/queue")
    data = {"csrf": csrf_of(page.text), "action": action, "assignee": assignee, "tip": [str(i) for i in tip_ids]}
    return await client.post("/queue/bulk", data=data)


async def test_the_unit_lead_assigns_a_tip_and_the_officer_finds_it_under_mine(core):
    await make_staff(core, "zhao", "unit_lead", LEAD_UNIT, language="en")
    await make_staff(core, "wang", "officer", LEAD_UNIT, language="en")
    tip_id = (await file_tip(core)).tip_id
    other = (await file_tip(core)).tip_id
    async with core.db.session() as session:
        notices_before = await session.scalar(select(func.count()).select_from(Notification))

    async with client_for(core) as lead:
        await sign_in(lead, "zhao")
        page, _csrf, _version = await tip_form(lead, tip_id)
        assert "Nobody in the lead unit yet." in page and '<option value="wang">wang (wang)</option>' in page
        response = await assign(lead, tip_id, "wang")
        assert response.status_code == 303 and response.headers["location"] == f"/tips/{tip_id}?done=assigned"
        page = (await lead.get(response.headers["location"])).text
        assert "Done: the tip is assigned." in page
        assert "Assigned to a colleague" in page and "→ wang (wang)" in page  # the internal timeline event
        queue = (await lead.get("/queue")).text
        assert "<td>wang</td>" in queue  # the queue's "assigned to" column

    async with client_for(core) as officer:
        await sign_in(officer, "wang")
        mine = await officer.get("/queue?view=mine")
        assert "Assigned to me" in mine.text and tip_ids(mine.text) == [tip_id]
        assert set(tip_ids((await officer.get("/queue")).text)) == {tip_id, other}

    async with core.db.session() as session:
        tip = await session.get(Tip, tip_id)
        event = (await session.scalars(select(StatusEvent).where(StatusEvent.tip_id == tip_id).order_by(StatusEvent.id.desc()))).first()
        audited = (await session.scalars(select(AuditEvent).where(AuditEvent.action == "tip.assign"))).all()
        notices_after = await session.scalar(select(func.count()).select_from(Notification))
    assert tip.assignee == "wang" and tip.status == "submitted"
    assert (event.action, event.actor, event.public_message) == ("assign", "zhao", None)
    assert [(a.actor, a.tip_id, a.detail["assignee"]) for a in audited] == [("zhao", tip_id, "wang")]
    assert notices_after == notices_before  # the reporter is not told of an internal assignment


async def test_an_officer_takes_a_tip_for_themself_but_does_not_hand_it_to_others(core):
    await make_staff(core, "li", "officer", LEAD_UNIT, language="en")
    await make_staff(core, "wang", "officer", LEAD_UNIT, language="en")
    tip_id = (await file_tip(core)).tip_id
    async with client_for(core) as client:
        await sign_in(client, "li")
        page, _csrf, _version = await tip_form(client, tip_id)
        assert "Take this tip myself" in page and '<option value="wang"' not in page
        refused = await assign(client, tip_id, "wang")
        assert refused.status_code == 400
        assert "An officer can only take a tip for themself; the unit lead assigns it to others." in html.unescape(refused.text)
        taken = await assign(client, tip_id, "li")
        assert taken.status_code == 303
        page, _csrf, _version = await tip_form(client, tip_id)
        assert "Take this tip myself" not in page and "li (li)" in page
        again = await assign(client, tip_id, "li")
        assert tip_ids((await client.get("/queue?view=mine")).text) == [tip_id]
    assert again.status_code == 400 and "Already assigned to li." in again.text


async def test_assignments_outside_the_unit_or_the_scope_are_refused(core):
    await make_staff(core, "zhao", "unit_lead", LEAD_UNIT, language="en")
    await make_staff(core, "far", "officer", OTHER_COUNTY_UNIT, language="en")
    tip_id = (await file_tip(core)).tip_id
    elsewhere = (await file_tip(core, region="990122")).tip_id  # Xihu county: not zhao's unit
    async with client_for(core) as lead:
        await sign_in(lead, "zhao")
        outside = await assign(lead, tip_id, "far")
        nobody = await assign(lead, tip_id, "ghost")
        _html, csrf, version = await tip_form(lead, tip_id)
        out_of_scope = await lead.post(f"/tips/{elsewhere}/assign", data={"csrf": csrf, "version": version, "assignee": "zhao"})
        without_token = await lead.post(f"/tips/{tip_id}/assign", data={"version": version, "assignee": "zhao"})
    assert outside.status_code == nobody.status_code == 400
    assert "far is not an officer of the tip's lead unit." in html.unescape(outside.text)
    assert "ghost is not an officer of the tip's lead unit." in html.unescape(nobody.text)
    assert out_of_scope.status_code == 404 and "There is no such tip, or it is not one you may see." in out_of_scope.text
    assert without_token.status_code == 403
    async with core.db.session() as session:
        tips = {t.id: t.assignee for t in (await session.scalars(select(Tip))).all()}
        refused = (await session.scalars(select(AuditEvent.tip_id).where(AuditEvent.action == "refused:assign"))).all()
    assert tips == {tip_id: None, elsewhere: None}
    assert elsewhere in refused and tip_id in refused  # out of scope, and the colleague outside the unit


async def test_re_routing_clears_the_assignee(core):
    lead = await make_staff(core, "zhao", "unit_lead", LEAD_UNIT, language="en")
    await make_staff(core, "wang", "officer", LEAD_UNIT, language="en")
    tip_id = (await file_tip(core)).tip_id
    from intake.casework.assignment import assign_tip

    await assign_tip(core, tip_id, "wang", staff=lead)
    await reroute_tip(core, tip_id, OTHER_COUNTY_UNIT, staff=lead, reason="wrong county")
    async with core.db.session() as session:
        assert (await session.get(Tip, tip_id)).assignee is None


async def test_bulk_accept_says_for_each_tip_what_happened(core):
    officer = await make_staff(core, "li", "officer", LEAD_UNIT, language="en")
    first, second, third = [(await file_tip(core)).tip_id for _ in range(3)]
    elsewhere = (await file_tip(core, region="990122")).tip_id
    await move_tip(core, second, "accepted", staff=officer)
    async with client_for(core) as client:
        await sign_in(client, "li")
        queue = await client.get("/queue")
        assert f'name="tip" value="{first}"' in queue.text and 'action="/queue/bulk"' in queue.text
        response = await bulk(client, "accept", [first, second, third, elsewhere])
    assert response.status_code == 200
    text = re.sub(r"<[^>]+>", "", response.text)
    assert "Done for 2 of 4 tips" in text
    assert f"Tip {first}: done" in text and f"Tip {third}: done" in text
    assert f"Tip {second}: not done: already accepted" in text
    assert f"Tip {elsewhere}: not done: Tip not found." in text
    async with core.db.session() as session:
        statuses = {t.id: t.status for t in (await session.scalars(select(Tip))).all()}
        accepted_events = await session.scalar(
            select(func.count()).select_from(StatusEvent).where(StatusEvent.to_status == "accepted"))
        refused = (await session.scalars(select(AuditEvent.tip_id).where(AuditEvent.action.like("refused:%")))).all()
    assert statuses == {first: "accepted", second: "accepted", third: "accepted", elsewhere: "submitted"}
    assert accepted_events == 3  # one each, none twice
    assert elsewhere in refused and second in refused


async def test_bulk_assign_and_a_bulk_form_without_tips(core):
    await make_staff(core, "zhao", "unit_lead", LEAD_UNIT, language="en")
    await make_staff(core, "wang", "officer", LEAD_UNIT, language="en")
    await make_staff(core, "far", "officer", OTHER_COUNTY_UNIT, language="en")
    tips = [(await file_tip(core)).tip_id for _ in range(2)]
    async with client_for(core) as lead:
        await sign_in(lead, "zhao")
        queue = await lead.get("/queue")
        assert '<option value="wang">' in queue.text and '<option value="far">' not in queue.text
        done = await bulk(lead, "assign", tips, "wang")
        nothing = await bulk(lead, "assign", [], "wang")
        outside = await bulk(lead, "assign", tips[:1], "far")
    text = re.sub(r"<[^>]+>", "", done.text)
    assert done.status_code == 200 and "Done for 2 of 2 tips" in text
    assert nothing.status_code == 400 and "Select at least one tip with its check box, then choose what to do." in nothing.text
    assert f"Tip {tips[0]}: not done: far is not an officer of the tip's lead unit." in html.unescape(re.sub(r"<[^>]+>", "", outside.text))
    async with client_for(core) as officer:
        await sign_in(officer, "wang")
        assert sorted(tip_ids((await officer.get("/queue?view=mine")).text)) == sorted(tips)


async def test_region_and_date_filters_with_a_clear_message_for_a_bad_date(core):
    await make_staff(core, "zhou", "coordinator", "990100-coordination", language="en")
    no_totp(core)
    donghu_early = (await file_tip(core)).tip_id  # 2026-11-27, Shanghai time
    core.clock.advance(days=3)
    xihu = (await file_tip(core, region="990122")).tip_id  # 2026-11-30
    core.clock.advance(days=3)
    donghu_late = (await file_tip(core)).tip_id  # 2026-12-03
    async with client_for(core) as client:
        await sign_in(client, "zhou")
        page = await client.get("/queue")
        assert set(tip_ids(page.text)) == {donghu_early, xihu, donghu_late}
        assert '<option value="990122">' in page.text  # the directory's regions in scope
        assert tip_ids((await client.get("/queue?region=990122")).text) == [xihu]
        assert tip_ids((await client.get("/queue?region=990121")).text) == [donghu_late, donghu_early]
        assert tip_ids((await client.get("/queue?from=2026-11-28&to=2026-11-30")).text) == [xihu]
        assert tip_ids((await client.get("/queue?from=2026-11-30")).text) == [donghu_late, xihu]
        assert tip_ids((await client.get("/queue?to=2026-11-27&region=990121")).text) == [donghu_early]
        bad = await client.get("/queue?from=2026-02-30")
        backwards = await client.get("/queue?from=2026-12-01&to=2026-11-01")
    assert bad.status_code == 200 and tip_ids(bad.text) == []
    assert "The “from” date is not a date: write it as YYYY-MM-DD, for example 2026-11-01." in bad.text
    assert 'value="2026-02-30" aria-invalid="true"' in bad.text  # kept, to be fixed
    assert "The “from” date is after the “to” date." in backwards.text and tip_ids(backwards.text) == []


async def test_keyset_pages_over_filters_and_views(core):
    officer = await make_staff(core, "li", "officer", LEAD_UNIT, language="en")
    ids = []
    for n in range(7):
        ids.append((await file_tip(core, urgent="yes" if n == 3 else "no")).tip_id)
        core.clock.advance(days=1)
    for tip_id in ids[:2]:
        await move_tip(core, tip_id, "accepted", staff=officer)
    start = datetime.date(2026, 11, 28)  # leaves out the first tip
    wanted = QueueFilter(status="submitted", start=start, end=datetime.date(2026, 12, 31))
    seen, after = [], None
    while True:
        page = await unit_queue(core, officer, view="all", filters=wanted, limit=2, after=after)
        seen += [item.id for item in page.items]
        if page.next_cursor is None:
            break
        after = page.next_cursor
    expected_rest = sorted((i for i in ids[2:] if i != ids[3]), reverse=True)
    assert seen == [ids[3], *expected_rest]  # urgent first, then newest first, each once

    # The HTML's next-page link keeps the filters.
    for _ in range(50):
        await file_tip(core)
    async with client_for(core) as client:
        await sign_in(client, "li")
        first = await client.get("/queue?view=new&from=2026-11-28")
        link = re.search(r'href="(/queue\?[^"]*after=[^"]*)"', first.text).group(1).replace("&amp;", "&")
        assert "from=2026-11-28" in link and "view=new" in link
        second = await client.get(link)
    first_ids, second_ids = tip_ids(first.text), tip_ids(second.text)
    assert len(first_ids) == 50 and second_ids and not set(first_ids) & set(second_ids)
    assert ids[0] not in first_ids + second_ids and ids[1] not in first_ids + second_ids


async def test_assigning_does_not_hide_the_reporters_answer_but_acting_on_it_does(core):
    from intake.casework.assignment import assign_tip
    from intake.casework.casework import reporter_reply
    from intake.domain.messages import PublicMessage

    lead = await make_staff(core, "zhao", "unit_lead", LEAD_UNIT, language="en")
    await make_staff(core, "wang", "officer", LEAD_UNIT, language="en")
    tip_id = (await file_tip(core, language="en")).tip_id
    await move_tip(core, tip_id, "accepted", staff=lead)
    await move_tip(core, tip_id, "needs_info", staff=lead, public=PublicMessage(text="哪一天？", language="zh_Hans"))
    core.clock.advance(hours=2)
    await reporter_reply(core, tip_id, "On Monday.", language="en")
    await assign_tip(core, tip_id, "wang", staff=lead)
    async with client_for(core) as client:
        await sign_in(client, "wang")
        assert tip_ids((await client.get("/queue?view=answered")).text) == [tip_id]
        assert tip_ids((await client.get("/queue?view=mine")).text) == [tip_id]
        await move_tip(core, tip_id, "substantiated", staff=lead)
        assert tip_ids((await client.get("/queue?view=answered")).text) == []
