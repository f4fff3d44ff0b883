"""Calls and visits with the reporter, recorded by staff: an internal step of the tip's
timeline (action "contact", no public message: the reporter never sees it) with its facts in
the event's `detail`: call or visit, who got in touch with whom, whether the reporter was
reached, and when it happened. Audited; the tip's state and version stay as they were (like a
note, a record adds and never overwrites).

Who: the lead unit (who may reveal the reporter's identity to call them back) and coordinators.
"""
from __future__ import annotations

from datetime import datetime, timedelta

from i18n import N_
from intake.platform import audit
from intake.domain.answers.invalid import Invalid
from intake.domain.answers.text import clean_text
from intake.casework.casework import CaseworkError, open_for, unit_of_work, write_event
from intake.platform.clock import aware, local_date
from intake.platform.core import Core
from intake.platform.models.staff import StaffUser
from intake.platform.models.tips import StatusEvent
from intake.domain.workflow import COORDINATOR, UNIT

CONTACT = "contact"
KINDS = ("call", "visit")
#: "out": staff called or visited the reporter; "in": the reporter called or came in.
DIRECTIONS = ("out", "in")
MAX_SUMMARY_CHARS = 2000
#: A clock a few minutes ahead on the officer's computer is not "the future".
CLOCK_SKEW = timedelta(minutes=10)


async def record_contact(
    core: Core, tip_id: int, *, staff: StaffUser, kind: str, direction: str, reached: bool, happened_at: datetime,
    summary: str,
) -> StatusEvent:
    if kind not in KINDS:
        raise CaseworkError(N_("Choose whether it was a call or a visit."))
    if direction not in DIRECTIONS:
        raise CaseworkError(N_("Choose who got in touch with whom."))
    if not summary.strip():
        raise CaseworkError(N_("Write a short summary of the conversation."))
    cleaned = clean_text(summary, max_chars=MAX_SUMMARY_CHARS, min_chars=1)
    if isinstance(cleaned, Invalid):
        raise CaseworkError(cleaned.message, **cleaned.params)
    happened_at = aware(happened_at)
    if happened_at > core.clock.now() + CLOCK_SKEW:
        raise CaseworkError(N_("The time of the call or visit cannot be in the future."))
    async with unit_of_work(core, staff, "contact", tip_id) as session:
        loaded, caps = await open_for(core, session, staff, tip_id)
        if not caps & {UNIT, COORDINATOR}:
            error = CaseworkError(N_("Only the lead unit or a coordinator records calls and visits with the reporter."))
            error.refused = True  # audited as a refusal
            raise error
        tip = loaded.tip
        tz = core.settings.timezone
        if local_date(happened_at, tz) < local_date(aware(tip.created_at), tz):
            raise CaseworkError(N_("The call or visit cannot be before the day the tip was received."))
        event = await write_event(core, session, tip, to_status=tip.status, actor=staff.username, public=None,
                                   internal_note=cleaned, action=CONTACT, notify=False)
        event.detail = {"kind": kind, "direction": direction, "reached": bool(reached), "at": happened_at.isoformat()}
        audit.record(session, core, staff.username, "tip.contact", tip_id, kind=kind, direction=direction, reached=bool(reached))
        return event

