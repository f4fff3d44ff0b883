"""What the notify layer does when a domain event happens (intake/domain/events.py): it queues
the notices and alerts the event calls for, in the event's transaction (the unit of work runs
these handlers before it commits: intake/platform/unit_of_work.py). The composition root
registers them by event type, so the layers that raise the events never import this one.
"""
from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from intake.domain.events import PublicStepTranslated, PublicStepWritten, SupervisionIssued, TipPassedToUnits
from intake.notify.dispatch import DEAD, SENT
from intake.notify.outbox import PASSED, enqueue_for_event
from intake.notify.unit_alerts import REROUTED, queue_supervision_alert, queue_tip_alerts
from intake.platform.core import Core
from intake.platform.models.notifications import Notification
from intake.platform.models.tips import StatusEvent, Tip


async def _tip_and_step(session: AsyncSession, tip_id: int, event_id: int) -> tuple[Tip, StatusEvent]:
    # Both are in the session already (the transition wrote them): no query is sent.
    return await session.get(Tip, tip_id), await session.get(StatusEvent, event_id)


async def tell_reporter(core: Core, session: AsyncSession, event: PublicStepWritten) -> None:
    """The reporter's notices of the step."""
    tip, step = await _tip_and_step(session, event.tip_id, event.event_id)
    await enqueue_for_event(session, core, tip, step)


async def tell_reporter_again(core: Core, session: AsyncSession, event: PublicStepTranslated) -> None:
    """A notice still waiting picks the translation up when it is sent; one already sent (in
    the officer's language) is sent again, now readable."""
    statuses = (await session.scalars(select(Notification.status).where(Notification.event_id == event.event_id))).all()
    if statuses and all(status in (SENT, DEAD, PASSED) for status in statuses):
        tip, step = await _tip_and_step(session, event.tip_id, event.event_id)
        await enqueue_for_event(session, core, tip, step)


async def alert_new_units(core: Core, session: AsyncSession, event: TipPassedToUnits) -> None:
    """Each unit newly on the tip is alerted at once (under the deployment's rule for non-urgent tips)."""
    tip = await session.get(Tip, event.tip_id)
    queue_tip_alerts(core, session, tip, event.units, about=REROUTED, event_id=event.event_id)


async def alert_supervised_unit(core: Core, session: AsyncSession, event: SupervisionIssued) -> None:
    """The lead unit's e-mail address is told a supervision notice (督办) is in the tip's timeline."""
    step = await session.get(StatusEvent, event.event_id)
    queue_supervision_alert(core, session, event.unit, tip_id=event.tip_id, event_id=event.event_id, at=step.at)
