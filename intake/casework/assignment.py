"""Assigning a tip to one member of its lead unit, and the queue's bulk actions.

Who may assign: the lead unit's unit lead and a coordinator whose region covers the tip, to any
active officer or unit lead of the tip's lead unit; an officer of the lead unit only to
themself ("I take it"). The assignment is an internal timeline event (the reporter is not
told) and is audited. Re-routing the tip to another unit clears it (casework.reroute_tip).

Bulk actions run each tip in its own transaction, with the same checks as one tip: a refusal
of one tip leaves the others done, and nothing is half-done for any tip.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import NamedTuple

from sqlalchemy import bindparam, select

from i18n import N_, Translator
from intake.platform import audit
from intake.casework.casework import CaseworkError, TipNotFound, move_tip, open_for, unit_of_work, write_event
from intake.domain.refusals import describe
from intake.platform.core import Core
from intake.platform.models.staff import StaffUser
from intake.platform.models.tips import StatusEvent
from intake.staff.staff import UNIT_ROLES, Role, visible_units
from intake.domain.workflow import COORDINATOR, LEAD, UNIT, Status

#: Statuses in which a tip is no longer worked, so not assigned.
FINISHED = (Status.DECLINED, Status.CLOSED, Status.MERGED)
#: How many tips one bulk action takes at most.
BULK_LIMIT = 100
ALREADY_ACCEPTED = N_("already accepted")
NOT_FOUND = N_("Tip not found.")


def _refused(error: CaseworkError) -> CaseworkError:
    error.refused = True
    return error


async def assign_tip(core: Core, tip_id: int, assignee: str, *, staff: StaffUser) -> StatusEvent:
    """Give the tip's lead-unit assignment to `assignee` (a user name)."""
    async with unit_of_work(core, staff, "assign", tip_id) as session:
        loaded, caps = await open_for(core, session, staff, tip_id)
        tip = loaded.tip
        if not caps & {UNIT, LEAD, COORDINATOR}:
            raise _refused(CaseworkError(N_("Only the lead unit or a coordinator assigns this tip.")))
        if not caps & {LEAD, COORDINATOR} and assignee != staff.username:
            raise _refused(CaseworkError(N_("An officer can only take a tip for themself; the unit lead assigns it to others.")))
        if tip.status in FINISHED:
            raise CaseworkError(N_("A finished tip is not assigned."))
        colleague = await session.scalar(select(StaffUser).where(StaffUser.username == assignee, StaffUser.active.is_(True)))
        if colleague is None or colleague.role not in UNIT_ROLES or colleague.unit_code != tip.lead_unit:
            raise _refused(CaseworkError(N_("%(name)s is not an officer of the tip's lead unit."), name=assignee or "—"))
        if tip.assignee == assignee:
            raise CaseworkError(N_("Already assigned to %(name)s."), name=colleague.display_name)
        previous = tip.assignee
        tip.assignee = assignee
        tip.updated_at = core.clock.now()
        event = await write_event(
            core, session, tip, to_status=tip.status, actor=staff.username, public=None,
            internal_note=f"→ {colleague.display_name} ({assignee})", action="assign", notify=False,
        )
        audit.record(session, core, staff.username, "tip.assign", tip.id, assignee=assignee, previous=previous or "")
        return event


class Colleague(NamedTuple):
    username: str
    display_name: str
    unit_code: str | None


async def colleagues(core: Core, staff: StaffUser, unit_code: str | None = None) -> list[Colleague]:
    """Whom this person may assign tips to: everyone of the unit(s) they lead or coordinate,
    only themself for an officer. `unit_code` narrows to one lead unit (the tip page)."""
    if staff.role == Role.OFFICER:
        return [Colleague(staff.username, staff.display_name, staff.unit_code)] if unit_code in (None, staff.unit_code) else []
    units = visible_units(core, staff) or set()
    if staff.role not in (Role.UNIT_LEAD, Role.COORDINATOR):
        return []
    if unit_code is not None:
        units = units & {unit_code}
    if not units:
        return []
    async with core.db.session() as session:
        found = (await session.execute(_COLLEAGUES, {"units": sorted(units)})).all()
    return [Colleague(*row) for row in found]


# Built once, three columns: a coordinator's queue page asks for its colleagues every time.
_COLLEAGUES = (
    select(StaffUser.username, StaffUser.display_name, StaffUser.unit_code).where(StaffUser.unit_code.in_(bindparam("units", expanding=True)), StaffUser.role.in_(UNIT_ROLES),
                            StaffUser.active.is_(True))
    .order_by(StaffUser.unit_code, StaffUser.display_name, StaffUser.username)
)


async def staff_names(core: Core, usernames: set[str]) -> dict[str, str]:
    """Display names of the given staff members (for the queue's "assigned to" column)."""
    if not usernames:
        return {}
    async with core.db.session() as session:
        rows = (await session.execute(select(StaffUser.username, StaffUser.display_name).where(StaffUser.username.in_(usernames)))).all()
    return {username: name for username, name in rows}


@dataclass(frozen=True)
class BulkResult:
    tip_id: int
    done: bool
    message: str  # in the staff member's language (the core's catalog): why not, or empty when done


async def bulk(
    core: Core, staff: StaffUser, tip_ids: list[int], action: str, *, assignee: str = "", language: str | None = None,
) -> list[BulkResult]:
    """Accept, or assign to `assignee`, each of the tips, each on its own; one result per tip,
    its message in `language` (the staff member's by default)."""
    language = language or staff.language
    _ = Translator(language)
    results = []
    for tip_id in list(dict.fromkeys(tip_ids))[:BULK_LIMIT]:
        try:
            if action == "accept":
                await move_tip(core, tip_id, Status.ACCEPTED, staff=staff)
            elif action == "assign":
                await assign_tip(core, tip_id, assignee, staff=staff)
            else:
                raise CaseworkError(N_("Choose what to do with the selected tips."))
        except TipNotFound:
            results.append(BulkResult(tip_id, False, _(NOT_FOUND)))
        except CaseworkError as error:
            if action == "accept" and error.params.get("source") == Status.ACCEPTED:
                results.append(BulkResult(tip_id, False, _(ALREADY_ACCEPTED)))
            else:
                results.append(BulkResult(tip_id, False, describe(error, language)))
        else:
            results.append(BulkResult(tip_id, True, ""))
    return results
