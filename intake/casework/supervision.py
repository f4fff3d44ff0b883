"""Deadlines and supervision (督办): the overdue list a coordinator works through, and the
supervision notice a coordinator sends to a tip's lead unit.

A supervision notice is an internal step of the tip's timeline (action "supervision": no
public message, so the reporter never sees it, and the tip's state and version stay as they
were) and the event SupervisionIssued, whose handler alerts the unit's e-mail address
(`Unit.email` in units.toml) through the outbox, in the same transaction
(intake/notify/unit_alerts.py writes the alert).
"""
from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select

from intake.platform import audit
from intake.domain.answers.invalid import Invalid
from intake.domain.refusals import Refused
from intake.domain.answers.text import clean_text
from intake.domain.events import SupervisionIssued
from intake.casework.casework import TipNotFound, open_for, unit_of_work, write_event
from intake.platform.clock import aware
from intake.platform.core import Core
from intake.platform.unit_of_work import raise_event
from intake.platform.models.staff import StaffUser
from intake.platform.models.tips import StatusEvent
from intake.casework.queues import unit_queue
from intake.staff.staff import Role
from intake.domain.workflow import COORDINATOR

#: The timeline action of a supervision notice.
SUPERVISION = "supervision"
MAX_NOTICE_CHARS = 2000
OVERDUE_LIMIT = 500


class SupervisionRefused(Refused):
    """`reason`: "role" (only coordinators send them), "text" (with `invalid`), "no_unit"."""

    def __init__(self, reason: str, invalid: Invalid | None = None) -> None:
        super().__init__(invalid.message if invalid else "", invalid.params if invalid else None, reason=reason)


@dataclass(frozen=True)
class OverdueTip:
    id: int
    status: str
    category: str
    lead_unit: str | None
    overdue: str  # "accept" or "finish"
    due: datetime
    days_late: int
    supervised: int  # supervision notices sent so far
    last_supervised: datetime | None


async def overdue_list(core: Core, staff: StaffUser, *, limit: int = OVERDUE_LIMIT) -> list[OverdueTip]:
    """The tips past a deadline now in a coordinator's region, by lead unit, latest first."""
    if staff.role != Role.COORDINATOR:
        return []
    page = await unit_queue(core, staff, view="overdue", limit=limit)
    ids = [item.id for item in page.items]
    counts: Counter[int] = Counter()
    last: dict[int, datetime] = {}
    if ids:
        async with core.db.session() as session:
            rows = (await session.execute(
                select(StatusEvent.tip_id, func.count(), func.max(StatusEvent.at))
                .where(StatusEvent.tip_id.in_(ids), StatusEvent.action == SUPERVISION)
                .group_by(StatusEvent.tip_id)
            )).all()
        for tip_id, count, at in rows:
            counts[tip_id], last[tip_id] = count, aware(at)
    now = core.clock.now()
    found = []
    for item in page.items:
        due = item.accept_due if item.overdue == "accept" else item.finish_due
        if item.overdue is None or due is None:
            continue
        found.append(OverdueTip(item.id, item.status, item.category, item.lead_unit, item.overdue, due,
                                (now - due).days, counts[item.id], last.get(item.id)))
    return sorted(found, key=lambda t: (t.lead_unit or "", -t.days_late, t.id))


async def send_supervision(core: Core, staff: StaffUser, tip_id: int, text: str) -> tuple[StatusEvent, bool]:
    """A coordinator's supervision notice to the tip's lead unit; returns the timeline event and
    whether an e-mail alert was queued (the unit may have no address configured)."""
    if staff.role != Role.COORDINATOR:
        raise SupervisionRefused("role")
    cleaned = clean_text(text, max_chars=MAX_NOTICE_CHARS, min_chars=1)
    if isinstance(cleaned, Invalid):
        raise SupervisionRefused("text", cleaned)
    async with unit_of_work(core, staff, "supervise", tip_id) as session:
        loaded, caps = await open_for(core, session, staff, tip_id)
        if COORDINATOR not in caps:
            raise TipNotFound()
        tip = loaded.tip
        if not tip.lead_unit:
            raise SupervisionRefused("no_unit")
        event = await write_event(core, session, tip, to_status=tip.status, actor=staff.username, public=None,
                                   internal_note=cleaned, action=SUPERVISION, notify=False)
        raise_event(session, SupervisionIssued(tip.id, event.id, tip.lead_unit))
        unit = core.deployment.unit_by_code.get(tip.lead_unit)
        alerted = bool(unit and unit.email)  # the handler alerts the unit's e-mail address, if it has one
        audit.record(session, core, staff.username, "tip.supervise", tip.id, unit=tip.lead_unit, alerted=alerted)
        return event, alerted

