"""Domain events (intake/domain/events.py) collected by the unit of work
(intake/platform/unit_of_work.py) and handled after the transition, in its transaction: a notice
is committed with the change it announces or not at all, and no event goes unheard."""
from __future__ import annotations

from dataclasses import dataclass

import pytest
from sqlalchemy import func, select

from intake.casework.casework import move_tip, write_event
from intake.domain import events
from intake.domain.events import Event, PublicStepWritten
from intake.domain.workflow import Status
from intake.platform.clock import aware
from intake.platform import unit_of_work
from intake.platform.models.notifications import Notification
from intake.platform.models.tips import StatusEvent, Tip
from intake.platform.unit_of_work import check_handled, raise_event, transaction
from tests.factories import file_tip, staff

LEAD_UNIT = "990121-civil_affairs"  # leads the tip of tests/walk.py ANSWERS_FOR_MOTHER


class Boom(Exception):
    pass


@dataclass(frozen=True)
class Unheard(Event):
    """An event nobody registered a handler for."""


@dataclass(frozen=True)
class First(Event):
    n: int


@dataclass(frozen=True)
class Then(Event):
    n: int


async def _count(core, model, *where) -> int:
    async with core.db.session() as session:
        return await session.scalar(select(func.count()).select_from(model).where(*where))


async def test_a_step_for_the_reporter_is_queued_by_its_handler_in_the_transition_s_transaction(core):
    officer = await staff(core, "officer", "officer", LEAD_UNIT)
    receipt = await file_tip(core)
    step = await move_tip(core, receipt.tip_id, Status.ACCEPTED, staff=officer)
    async with core.db.session() as session:
        notices = (await session.scalars(select(Notification).where(Notification.event_id == step.id))).all()
    assert notices and {n.kind for n in notices} == {"status"}
    assert all(n.tip_id == receipt.tip_id and aware(n.created_at) == step.at for n in notices)


async def test_events_raised_in_a_transaction_that_rolls_back_leave_no_outbox_row(core):
    receipt = await file_tip(core)
    before = await _count(core, Notification)
    with pytest.raises(Boom):
        async with transaction(core) as session:
            tip = await session.get(Tip, receipt.tip_id, with_for_update=True)
            step = await write_event(core, session, tip, to_status=Status.ACCEPTED, actor="officer",
                                     public={"template": "accepted", "params": {}}, internal_note=None)
            raise Boom()
    assert await _count(core, Notification) == before
    assert await _count(core, StatusEvent, StatusEvent.id == step.id) == 0


async def test_a_handler_that_fails_rolls_the_transition_back(core, monkeypatch):
    officer = await staff(core, "officer", "officer", LEAD_UNIT)
    receipt = await file_tip(core)
    notices, steps = await _count(core, Notification), await _count(core, StatusEvent)

    async def failing(core, session, event):
        raise Boom()

    monkeypatch.setitem(unit_of_work._handlers, PublicStepWritten, [failing])
    with pytest.raises(Boom):
        await move_tip(core, receipt.tip_id, Status.ACCEPTED, staff=officer)
    async with core.db.session() as session:
        assert (await session.get(Tip, receipt.tip_id)).status == Status.SUBMITTED
    assert (await _count(core, Notification), await _count(core, StatusEvent)) == (notices, steps)


async def test_an_event_nobody_handles_is_refused_when_raised_and_nothing_is_committed(core):
    receipt = await file_tip(core)
    steps = await _count(core, StatusEvent)
    with pytest.raises(LookupError, match="Unheard"):
        async with transaction(core) as session:
            tip = await session.get(Tip, receipt.tip_id, with_for_update=True)
            await write_event(core, session, tip, to_status=tip.status, actor="officer", public=None,
                              internal_note="a note", action="note", notify=False)
            raise_event(session, Unheard())
    assert await _count(core, StatusEvent) == steps


async def test_every_declared_event_has_a_handler_and_a_missing_one_stops_the_wiring(core, monkeypatch):
    declared = events.declared()
    assert {kind.__name__ for kind in declared} == {
        "PublicStepWritten", "PublicStepTranslated", "TipPassedToUnits", "SupervisionIssued", "WarningPublished"}
    check_handled(declared)  # bootstrap (the `core` fixture) wired them all
    monkeypatch.delitem(unit_of_work._handlers, events.SupervisionIssued)
    with pytest.raises(LookupError, match="SupervisionIssued"):
        check_handled(declared)


async def test_an_event_raised_outside_a_unit_of_work_is_refused(core, monkeypatch):
    async def heard(core, session, event):
        pass

    monkeypatch.setitem(unit_of_work._handlers, First, [heard])
    with pytest.raises(RuntimeError, match="outside a unit of work"):
        async with core.db.transaction() as session:  # a plain transaction collects nothing
            raise_event(session, First(1))


async def test_handlers_run_after_the_block_in_the_order_raised_and_may_raise_more(core, monkeypatch):
    seen: list[object] = []

    async def on_first(core, session, event):
        seen.append(event)
        raise_event(session, Then(event.n))

    async def on_then(core, session, event):
        seen.append(event)

    monkeypatch.setitem(unit_of_work._handlers, First, [on_first])
    monkeypatch.setitem(unit_of_work._handlers, Then, [on_then])
    async with transaction(core) as session:
        raise_event(session, First(1))
        raise_event(session, First(2))
        seen.append("block done")
    assert seen == ["block done", First(1), First(2), Then(1), Then(2)]


def test_registering_a_handler_twice_runs_it_once(monkeypatch):
    async def heard(core, session, event):
        pass

    monkeypatch.setitem(unit_of_work._handlers, First, [])
    unit_of_work.register_handler(First, heard)
    unit_of_work.register_handler(First, heard)  # bootstrap runs once per core, in tests many times
    assert unit_of_work._handlers[First] == [heard]
