"""The 核查 workflow: who may make each step, the clocks, re-routing, re-opening, findings,
the outcome, and the reporter's answer; every step visible on the public timeline."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from intake.casework.casefile import overdue, queue, reveal_reporter, tip_file
from intake.casework.casework import (
    CaseworkError, TipNotFound, add_note, extend_deadline, move_tip, record_outcome, reporter_reply, reroute_tip,
)
from intake.domain.messages import PublicMessage
from intake.platform.models.staff import AuditEvent
from intake.platform.models.tips import Tip
from intake.reporting.tips import public_view
from intake.domain.workflow import TRANSITIONS, Status
from tests.factories import file_tip, staff

# The mother's care-home tip routes to Donghu county civil affairs, with market regulation
# and the financial office assisting (tests/walk.py ANSWERS_FOR_MOTHER).
LEAD_UNIT = "990121-civil_affairs"


@pytest.fixture
async def people(core):
    return {
        "officer": await staff(core, "officer", "officer", LEAD_UNIT),
        "lead": await staff(core, "lead", "unit_lead", LEAD_UNIT),
        "assisting": await staff(core, "assist", "officer", "990121-market_regulation"),
        "stranger": await staff(core, "stranger", "officer", "990122-civil_affairs"),
        "coordinator": await staff(core, "coord", "coordinator", "990100-coordination"),
        "police": await staff(core, "cop", "officer", "990121-police"),
        "auditor": await staff(core, "auditor", "auditor", "990100-coordination"),
    }


async def tip_row(core, tip_id) -> Tip:
    async with core.db.session() as session:
        return await session.get(Tip, tip_id)


async def test_submitted_tip_is_routed_with_its_clock_running(core):
    receipt = await file_tip(core)
    tip = await tip_row(core, receipt.tip_id)
    assert tip.lead_unit == LEAD_UNIT and tip.status == "submitted"
    assert tip.accept_due is not None and tip.finish_due is None


async def test_the_terminal_reporter_sees_every_step_in_their_language(core, people):
    receipt = await file_tip(core, language="en")
    officer, lead = people["officer"], people["lead"]
    await move_tip(core, receipt.tip_id, "accepted", staff=officer)
    await move_tip(core, receipt.tip_id, "verifying", staff=officer, internal_note="visited the care home")
    await move_tip(core, receipt.tip_id, "needs_info", staff=officer,
                   public=PublicMessage(text="您办卡时拿到收据了吗？", language="zh_Hans", translations={"en": "Did you get a receipt for the card?"}))
    await reporter_reply(core, receipt.tip_id, "Yes, I have the receipt.", language="en")
    await move_tip(core, receipt.tip_id, "substantiated", staff=officer, public=PublicMessage(template="substantiated"))
    await move_tip(core, receipt.tip_id, "closed", staff=lead)
    view = await public_view(core, receipt.code)
    assert [e.status for e in view.entries] == [
        "submitted", "accepted", "verifying", "needs_info", "needs_info", "verifying", "substantiated", "closed"]
    texts = " ".join(e.message or "" for e in view.entries)
    assert "Did you get a receipt for the card?" in texts
    assert "Your report has been taken on by the Donghu County Civil Affairs Bureau" in texts
    assert "visited the care home" not in texts  # internal notes never reach the reporter
    assert view.status_label == "Finished"


@pytest.mark.parametrize("transition", TRANSITIONS, ids=lambda t: f"{t.source}->{t.target}")
async def test_every_allowed_transition_works_for_its_role(core, people, transition):
    receipt = await file_tip(core)
    await _bring_to(core, people, receipt.tip_id, transition.source)
    actor = {"unit": people["officer"], "lead": people["lead"], "coordinator": people["coordinator"],
             "police": people["police"], "reporter": None}[sorted(transition.who)[0]]
    if transition.source == Status.NEEDS_INFO and actor is not None:
        core.clock.advance(days=16)  # staff go on without the reporter only after 15 days
    merged_into = (await file_tip(core)).tip_id if transition.target == Status.MERGED else None
    public = PublicMessage(text="请问您还记得具体日期吗？", language="zh_Hans") if transition.target == Status.NEEDS_INFO else None
    await move_tip(core, receipt.tip_id, transition.target, staff=actor, public=public,
                   internal_note="note", merged_into=merged_into)
    assert (await tip_row(core, receipt.tip_id)).status == transition.target


async def _bring_to(core, people, tip_id, status):
    path = {
        "submitted": [], "accepted": ["accepted"], "verifying": ["accepted", "verifying"],
        "needs_info": ["accepted", "needs_info"], "transferred_police": ["accepted", "transferred_police"],
        "substantiated": ["accepted", "verifying", "substantiated"],
        "unsubstantiated": ["accepted", "verifying", "unsubstantiated"],
        "closed": ["accepted", "verifying", "substantiated", "closed"],
    }[status]
    for step in path:
        actor = people["lead"] if step == "closed" else people["officer"]
        public = PublicMessage(text="请补充情况。", language="zh_Hans") if step == "needs_info" else None
        await move_tip(core, tip_id, step, staff=actor, public=public)


@pytest.mark.parametrize(
    "who,source,target",
    [
        ("assisting", "submitted", "accepted"),     # an assisting unit cannot change the status
        ("officer", "substantiated", "closed"),     # only the unit lead closes
        ("coordinator", "accepted", "verifying"),   # coordinators accept, they do not verify
        ("police", "accepted", "verifying"),        # police act only on transferred tips
        ("officer", "closed", "verifying"),         # only a coordinator re-opens
        ("lead", "closed", "verifying"),            # not even the unit lead
        ("stranger", "submitted", "accepted"),      # another county's unit
        ("auditor", "submitted", "accepted"),       # auditors read
    ],
)
async def test_a_role_outside_the_table_is_refused_and_audited(core, people, who, source, target):
    receipt = await file_tip(core)
    await _bring_to(core, people, receipt.tip_id, source)
    with pytest.raises(CaseworkError):
        await move_tip(core, receipt.tip_id, target, staff=people[who], internal_note="x")
    assert (await tip_row(core, receipt.tip_id)).status == source
    async with core.db.session() as session:
        refused = (await session.scalars(select(AuditEvent).where(AuditEvent.action.like("refused:%")))).all()
    assert refused and refused[-1].actor == people[who].username


async def test_a_step_not_in_the_table_is_refused(core, people):
    receipt = await file_tip(core)
    with pytest.raises(CaseworkError) as error:
        await move_tip(core, receipt.tip_id, "closed", staff=people["lead"])
    assert "cannot go from submitted to closed" in str(error.value)


async def test_staff_of_another_unit_get_not_found_and_the_attempt_is_audited(core, people):
    receipt = await file_tip(core)
    with pytest.raises(TipNotFound):
        await tip_file(core, people["stranger"], receipt.tip_id)
    with pytest.raises(TipNotFound):
        await move_tip(core, receipt.tip_id, "accepted", staff=people["stranger"])
    async with core.db.session() as session:
        actions = [e.action for e in (await session.scalars(select(AuditEvent).where(AuditEvent.actor == "stranger").order_by(AuditEvent.id))).all()]
    assert actions == ["refused:view", "refused:move"]
    assert [row.id for row in await queue(core, people["coordinator"])] == [receipt.tip_id]
    assert await queue(core, people["stranger"]) == []


async def test_needs_info_pauses_the_finish_clock(core, people):
    receipt = await file_tip(core)
    await move_tip(core, receipt.tip_id, "accepted", staff=people["officer"])
    due = (await tip_row(core, receipt.tip_id)).finish_due
    await move_tip(core, receipt.tip_id, "needs_info", staff=people["officer"], public=PublicMessage(text="请问在哪家银行转的账？", language="zh_Hans"))
    core.clock.advance(days=70)
    assert overdue(await tip_row(core, receipt.tip_id), core.clock.now()) is None  # paused
    await reporter_reply(core, receipt.tip_id, "工商银行", language="zh_Hans")
    tip = await tip_row(core, receipt.tip_id)
    assert tip.status == "verifying"
    assert (tip.finish_due.replace(tzinfo=None) - due.replace(tzinfo=None)).days == 70


async def test_staff_wait_fifteen_days_for_an_answer_then_go_on_with_a_note(core, people):
    receipt = await file_tip(core)
    await move_tip(core, receipt.tip_id, "accepted", staff=people["officer"])
    await move_tip(core, receipt.tip_id, "needs_info", staff=people["officer"], public=PublicMessage(text="请补充情况。", language="zh_Hans"))
    with pytest.raises(CaseworkError):
        await move_tip(core, receipt.tip_id, "verifying", staff=people["officer"], internal_note="no answer")
    core.clock.advance(days=15, minutes=1)
    with pytest.raises(CaseworkError):
        await move_tip(core, receipt.tip_id, "verifying", staff=people["officer"])  # a note is needed
    await move_tip(core, receipt.tip_id, "verifying", staff=people["officer"], internal_note="no answer in 15 days")


async def test_due_dates_are_the_end_of_the_local_day_as_stored_and_read_back(core):
    from zoneinfo import ZoneInfo

    receipt = await file_tip(core)  # the clock: 2026-11-27 10:00 in Shanghai
    tip = await tip_row(core, receipt.tip_id)
    from intake.platform.clock import aware

    local = aware(tip.accept_due).astimezone(ZoneInfo("Asia/Shanghai"))
    assert (local.date().isoformat(), local.hour, local.minute) == ("2026-12-12", 23, 59)


async def test_overdue_to_accept_after_fifteen_days_and_to_finish_after_sixty(core, people):
    receipt = await file_tip(core)
    core.clock.advance(days=15)
    assert overdue(await tip_row(core, receipt.tip_id), core.clock.now()) is None
    core.clock.advance(days=1)
    assert overdue(await tip_row(core, receipt.tip_id), core.clock.now()) == "accept"
    await move_tip(core, receipt.tip_id, "accepted", staff=people["officer"])
    core.clock.advance(days=61)
    assert overdue(await tip_row(core, receipt.tip_id), core.clock.now()) == "finish"
    rows = await queue(core, people["officer"])
    assert rows[0].overdue == "finish"


async def test_one_extension_of_up_to_thirty_days_by_the_unit_lead_told_to_the_reporter(core, people):
    receipt = await file_tip(core, language="en")
    await move_tip(core, receipt.tip_id, "accepted", staff=people["officer"])
    before = (await tip_row(core, receipt.tip_id)).finish_due
    with pytest.raises(CaseworkError):
        await extend_deadline(core, receipt.tip_id, 20, staff=people["officer"], reason="x", public_reason="y")
    with pytest.raises(CaseworkError):
        await extend_deadline(core, receipt.tip_id, 31, staff=people["lead"], reason="x", public_reason="y")
    await extend_deadline(core, receipt.tip_id, 20, staff=people["lead"], reason="waiting for bank records",
                          public_reason="We are waiting for records from the bank.")
    after = (await tip_row(core, receipt.tip_id)).finish_due
    assert (after - before).days == 20
    with pytest.raises(CaseworkError):
        await extend_deadline(core, receipt.tip_id, 5, staff=people["lead"], reason="x", public_reason="y")
    view = await public_view(core, receipt.code)
    assert "extended by 20 days" in view.entries[-1].message
    assert "records from the bank" in view.entries[-1].message


async def test_rerouting_moves_the_tip_keeps_its_status_and_restarts_the_clock(core, people):
    receipt = await file_tip(core)
    core.clock.advance(days=10)
    with pytest.raises(CaseworkError):
        await reroute_tip(core, receipt.tip_id, "990121-police", staff=people["officer"], reason="crime")
    await reroute_tip(core, receipt.tip_id, "990121-police", staff=people["lead"], reason="suspected crime")
    tip = await tip_row(core, receipt.tip_id)
    assert tip.lead_unit == "990121-police" and tip.status == "submitted"
    assert overdue(tip, core.clock.now().replace(year=2026)) is None
    with pytest.raises(TipNotFound):
        await tip_file(core, people["officer"], receipt.tip_id)  # no longer theirs
    assert (await tip_file(core, people["police"], receipt.tip_id)).lead_unit == "990121-police"
    view = await public_view(core, receipt.code)
    assert [e.status for e in view.entries] == ["submitted"]  # re-routing is internal


async def test_assisting_units_add_findings_but_cannot_move_the_tip(core, people):
    receipt = await file_tip(core)
    await add_note(core, receipt.tip_id, "该机构未办理预付卡备案。", staff=people["assisting"], kind="finding")
    file = await tip_file(core, people["officer"], receipt.tip_id)
    assert file.notes[0]["kind"] == "finding" and file.notes[0]["unit"] == "990121-market_regulation"


async def test_the_outcome_is_recorded_and_can_be_corrected(core, people):
    receipt = await file_tip(core)
    with pytest.raises(CaseworkError):
        await record_outcome(core, receipt.tip_id, staff=people["officer"], convicted=True)  # not yet checked
    await _bring_to(core, people, receipt.tip_id, "substantiated")
    await record_outcome(core, receipt.tip_id, staff=people["officer"], penalty_decision_no="东市监罚〔2026〕12号",
                         penalty_date="2026-12-01", money_recovered_fen=3_000_000)
    await record_outcome(core, receipt.tip_id, staff=people["officer"], criminal_case_filed=True)
    file = await tip_file(core, people["officer"], receipt.tip_id)
    assert file.outcome["penalty_decision_no"] == "东市监罚〔2026〕12号" and file.outcome["criminal_case_filed"]
    assert file.outcome["money_recovered_fen"] == 3_000_000


async def test_a_coordinator_reopens_a_closed_tip_with_a_reason(core, people):
    receipt = await file_tip(core)
    await _bring_to(core, people, receipt.tip_id, "closed")
    with pytest.raises(CaseworkError):
        await move_tip(core, receipt.tip_id, "verifying", staff=people["coordinator"])
    await move_tip(core, receipt.tip_id, "verifying", staff=people["coordinator"], internal_note="new evidence")
    assert (await tip_row(core, receipt.tip_id)).status == "verifying"


async def test_public_messages_never_carry_links_or_ask_for_money(core, people):
    receipt = await file_tip(core)
    for text in ("请访问 http://evil.example.com 查看进度", "请提供您的银行卡号和密码", "Please transfer the deposit fee", "请拨打13800138000联系我"):
        with pytest.raises(CaseworkError):
            await move_tip(core, receipt.tip_id, "accepted", staff=people["officer"], public=PublicMessage(text=text, language="zh_Hans"))
    await move_tip(core, receipt.tip_id, "accepted", staff=people["officer"],
                   public=PublicMessage(text="已受理。请不要再交任何费用，有疑问请拨打96110。", language="zh_Hans"))


async def test_revealing_the_reporter_needs_a_reason_and_is_audited(core, people):
    receipt = await file_tip(core)
    file = await tip_file(core, people["officer"], receipt.tip_id)
    assert "李建国" not in repr(file)
    people_data = await reveal_reporter(core, people["officer"], receipt.tip_id, reason="call back about the receipt")
    assert people_data["reporter"]["name"] == "李建国" and people_data["victim"]["name"] == "王秀英"
    with pytest.raises(TipNotFound):
        await reveal_reporter(core, people["assisting"], receipt.tip_id, reason="curious")
    async with core.db.session() as session:
        reveals = (await session.scalars(select(AuditEvent).where(AuditEvent.action == "personal_data.reveal"))).all()
    assert [(r.actor, r.detail["reason"]) for r in reveals] == [("officer", "call back about the receipt")]


async def test_a_finished_report_takes_no_more_information(core, people):
    from intake.reporting.tips import REPORT_FINISHED, ReplyRefused, reply_with_pin

    receipt = await file_tip(core)
    await reply_with_pin(core, receipt.code, receipt.pin, "我还想补充：他们又来了。")
    await _bring_to(core, people, receipt.tip_id, "closed")
    with pytest.raises(ReplyRefused) as refused:
        await reply_with_pin(core, receipt.code, receipt.pin, "还有一件事")
    assert refused.value.message == REPORT_FINISHED
