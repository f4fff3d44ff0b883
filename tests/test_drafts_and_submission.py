"""Drafts survive restarts and expire; submitting is one transaction, once per draft."""
from __future__ import annotations

import asyncio

from sqlalchemy import func, select

from intake.domain import conversation as conv
from intake.domain.conversation import Context
from intake.reporting.drafts import discard_draft, find_draft, get_draft, new_draft, purge_expired_drafts, save_draft
from intake.platform.models.reporting import Draft
from intake.platform.models.tips import Person, StatusEvent, Tip
from intake.domain.steps import ChannelCapabilities
from intake.reporting.submission import Incomplete, Receipt, submit_draft
from intake.reporting.tips import public_view
from intake.domain.tracking import format_code, is_valid
from tipline.bootstrap import bootstrap
from tests.walk import ANSWERS_ANONYMOUS_SELF, ANSWERS_FOR_MOTHER, walk

TERMINAL = ChannelCapabilities()


async def count(core, model) -> int:
    async with core.db.session() as session:
        return await session.scalar(select(func.count()).select_from(model))


async def filled_draft(core, answers, *, owner="grandma", language="zh_Hans"):
    ctx = Context(core.deployment, core.today(), TERMINAL)
    record = await new_draft(core, "terminal", owner, language, TERMINAL)
    record.state = walk(record.state, ctx, answers)
    await save_draft(core, record)
    return record


async def test_a_report_resumes_at_the_fifth_question_after_a_restart(core, settings, clock):
    ctx = Context(core.deployment, core.today(), TERMINAL)
    record = await new_draft(core, "terminal", "grandma", "en", TERMINAL)
    for _ in range(4):
        key = record.state.current
        record.state = conv.answer(record.state, ANSWERS_FOR_MOTHER[key], ctx).state
        await save_draft(core, record)
    fifth = record.state.current
    await core.db.dispose()

    restarted = await bootstrap(settings, clock=clock)  # a new process, same database and keys
    try:
        resumed = await find_draft(restarted, "terminal", "grandma")
        assert resumed is not None and resumed.id == record.id
        assert resumed.state.current == fifth == "description"
        assert resumed.state.answers == record.state.answers
        assert await find_draft(restarted, "terminal", "someone-else") is None
    finally:
        await restarted.db.dispose()


async def test_drafts_expire_after_thirty_days_without_activity(core, clock):
    record = await new_draft(core, "terminal", "grandma", "en", TERMINAL)
    clock.advance(days=29)
    await save_draft(core, record)  # activity pushes the expiry back
    clock.advance(days=29)
    assert await find_draft(core, "terminal", "grandma") is not None
    clock.advance(days=2)
    assert await find_draft(core, "terminal", "grandma") is None
    assert await get_draft(core, record.id) is None
    assert await purge_expired_drafts(core) == 1
    assert await count(core, Draft) == 0


async def test_a_discarded_draft_is_gone(core):
    record = await new_draft(core, "terminal", "community-centre", "en", TERMINAL)
    await discard_draft(core, record.id)
    assert await find_draft(core, "terminal", "community-centre") is None
    assert await count(core, Draft) == 0


async def test_submitting_creates_the_tip_its_first_event_and_a_valid_code(core):
    record = await filled_draft(core, ANSWERS_FOR_MOTHER)
    receipt = await submit_draft(core, record.id, TERMINAL)
    assert isinstance(receipt, Receipt) and not receipt.repeated
    assert is_valid(receipt.code) and len(receipt.pin) == 4
    async with core.db.session() as session:
        tip = await session.get(Tip, receipt.tip_id)
        assert tip.status == "submitted"
        assert tip.category == "care_service" and tip.region_code == "990121"
        assert tip.anonymous is False and tip.notify is True
        assert "victim_name" not in tip.answers and "reporter_phone" not in tip.answers
        assert tip.answers["suspect_organisation"] == "福寿康养老院"
        events = (await session.scalars(select(StatusEvent).where(StatusEvent.tip_id == tip.id))).all()
        assert [e.to_status for e in events] == ["submitted"]
    assert await count(core, Person) == 2  # the reporter and the victim, sealed
    view = await public_view(core, format_code(receipt.code))
    assert view is not None and view.status == "submitted" and view.language == "zh_Hans"


async def test_submitting_the_same_draft_twice_creates_one_tip(core):
    record = await filled_draft(core, ANSWERS_ANONYMOUS_SELF)
    first = await submit_draft(core, record.id, TERMINAL)
    second = await submit_draft(core, record.id, TERMINAL)
    assert isinstance(second, Receipt) and second.repeated
    assert (second.tip_id, second.code, second.pin) == (first.tip_id, first.code, first.pin)
    assert await count(core, Tip) == 1


async def test_two_submits_at_the_same_moment_create_one_tip(core):
    record = await filled_draft(core, ANSWERS_ANONYMOUS_SELF)
    receipts = await asyncio.gather(*(submit_draft(core, record.id, TERMINAL) for _ in range(3)))
    assert len({r.tip_id for r in receipts}) == 1
    assert await count(core, Tip) == 1


async def test_an_unfinished_draft_is_not_submitted(core):
    record = await new_draft(core, "terminal", "grandma", "en", TERMINAL)
    result = await submit_draft(core, record.id, TERMINAL)
    assert isinstance(result, Incomplete) and result.missing[0].key == "urgent"
    assert await count(core, Tip) == 0


async def test_anonymous_reporter_without_contact_stores_no_person(core):
    record = await filled_draft(core, ANSWERS_ANONYMOUS_SELF)
    receipt = await submit_draft(core, record.id, TERMINAL)
    async with core.db.session() as session:
        tip = await session.get(Tip, receipt.tip_id)
        assert tip.anonymous and tip.reporter_id is None and tip.victim_id is None
    assert await count(core, Person) == 0


async def test_the_code_is_found_whatever_digits_and_separators_are_typed(core):
    record = await filled_draft(core, ANSWERS_ANONYMOUS_SELF)
    receipt = await submit_draft(core, record.id, TERMINAL)
    full_width = "".join(chr(ord(d) + 0xFEE0) for d in receipt.code)
    tibetan = "".join(chr(0x0F20 + int(d)) for d in receipt.code)
    dashed = "-".join(receipt.code[i : i + 4] for i in (0, 4, 8))
    for typed in (receipt.code, full_width, tibetan, dashed, f"  {format_code(receipt.code)} "):
        view = await public_view(core, typed)
        assert view is not None, typed
    wrong = receipt.code[:-1] + str((int(receipt.code[-1]) + 1) % 10)
    assert await public_view(core, wrong) is None
