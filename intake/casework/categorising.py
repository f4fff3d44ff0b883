"""Staff confirm or correct a tip's category (DESIGN.md: "a suggested category, which staff
confirm"), and the tip follows the routing rules of its new category.

One transaction: the category, the routing (routing.route on the tip's answers with the new
category: the same pure function as at submission, so escalations such as "police lead when
money is leaving now" still hold), the assignments, an internal timeline step (action
"category", its facts in the event's `detail`), the alerts to units newly on the tip, and the
audit record.

Routing follows only while a tip may still be re-routed (workflow.REROUTE_FROM: not yet being
checked); later the category is corrected (for the statistics and the ledger) and the tip stays
with its units. A change that gives the tip another lead unit is a re-routing, so it takes the
unit lead or a coordinator (workflow.REROUTE_WHO), as re-routing by hand does; an officer may
confirm or correct a category that keeps the tip in the unit.
"""
from __future__ import annotations

from i18n import N_
from intake.platform import audit
from intake.casework import category_examples
from intake.casework.casework import CaseworkError, open_for, unit_of_work, write_event
from intake.domain.events import TipPassedToUnits
from intake.platform.core import Core
from intake.platform.unit_of_work import raise_event
from intake.platform.models.staff import StaffUser
from intake.platform.models.tips import Assignment, StatusEvent
from intake.domain.routing import Reason, route
from intake.domain.workflow import ACCEPT_DAYS, COORDINATOR, FINISH_DAYS, REROUTE_FROM, REROUTE_WHO, UNIT, Status, due_after

CATEGORY = "category"
MAX_REASON_CHARS = 1000


def _refused(message: str, **params: object) -> CaseworkError:
    error = CaseworkError(message, **params)
    error.refused = True  # audited as a refusal
    return error


async def set_category(core: Core, tip_id: int, category: str, *, staff: StaffUser, reason: str = "") -> StatusEvent:
    """Confirm (the same category) or change a tip's category, re-routing it where the rules say."""
    deployment = core.deployment
    chosen = deployment.category_by_code.get(category)
    if chosen is None or chosen.retired:
        raise CaseworkError(N_("Choose one of the categories."))
    reason = reason.strip()
    if len(reason) > MAX_REASON_CHARS:
        raise CaseworkError(N_("The reason is %(count)s characters long; the most is %(max)s."), count=len(reason), max=MAX_REASON_CHARS)
    async with unit_of_work(core, staff, "category", tip_id) as session:
        loaded, caps = await open_for(core, session, staff, tip_id)
        if not caps & {UNIT, COORDINATOR}:
            raise _refused(N_("Only the lead unit or a coordinator sets a tip's category."))
        tip = loaded.tip
        if tip.status == Status.MERGED:
            raise CaseworkError(N_("This tip was joined with another one: set the category on that tip."))
        old_category, old_lead = tip.category, tip.lead_unit
        detail: dict = {"from": old_category, "to": category, "rerouted": False}
        now = core.clock.now()
        added: list[tuple[str, str]] = []
        if category != old_category and tip.status in REROUTE_FROM:
            decision = route({**tip.answers, "category": category}, deployment)
            if decision.lead != old_lead and not caps & REROUTE_WHO:
                raise _refused(
                    N_("The category %(category)s sends this tip to %(unit)s: only the unit lead or a coordinator can make that change."),
                    category=chosen.label.get(staff.language), unit=deployment.unit_name(decision.lead or "", staff.language))
            active = [a for a in loaded.assignments if a.active]
            wanted = {decision.lead: "lead", **{u: "assisting" for u in decision.assisting if u != decision.lead}}
            for assignment in active:
                if wanted.get(assignment.unit_code) != assignment.role:
                    assignment.active = False
            kept = {(a.unit_code, a.role) for a in active if a.active}
            for unit, role in wanted.items():
                if unit and (unit, role) not in kept:
                    session.add(Assignment(tip_id=tip.id, unit_code=unit, role=role, assigned_at=now))
                    added.append((unit, role))
            reasons = [*decision.to_dict()["reasons"], Reason(N_("Category set by staff: %(category)s."), {"category": category}).to_dict()]
            tip.routing = {**decision.to_dict(), "reasons": reasons}
            tip.region_code = decision.region
            if decision.lead != old_lead:
                tip.lead_unit = decision.lead
                tip.assignee = None  # the colleague it was assigned to belongs to the old unit
                if tip.status == Status.SUBMITTED:
                    tip.accept_due = due_after(now, ACCEPT_DAYS, core.settings.timezone)
                else:
                    tip.finish_due = due_after(now, FINISH_DAYS, core.settings.timezone)
            detail.update(rerouted=decision.lead != old_lead, lead_from=old_lead, lead_to=decision.lead)
        tip.category = category
        tip.updated_at = now
        await category_examples.record(core, session, tip, category, now)  # the suggestion learns from it
        event = await write_event(core, session, tip, to_status=tip.status, actor=staff.username, public=None,
                                   internal_note=reason or None, action=CATEGORY, notify=False)
        event.detail = detail
        if added:
            raise_event(session, TipPassedToUnits(tip.id, event.id, tuple(added)))
        audit.record(session, core, staff.username, "tip.category", tip.id, source=old_category, target=category,
                     lead_from=old_lead, lead_to=tip.lead_unit)
        return event
