"""Assigning tips to colleagues and the queue's bulk actions (accept, assign), plus the queue's
region and date filters. Thin translations from forms to intake.casework.assignment and intake.casework.queues;
the core checks scope and permission for every tip and audits."""
from __future__ import annotations

import datetime
from collections.abc import Mapping
from urllib.parse import urlencode

from fastapi import APIRouter
from fastapi.responses import RedirectResponse, Response

from console import forms
from console.dependencies import ConsoleDep, SignedForm
from console.refusals import refusal_text
from console.web import Console, Id, Viewer
from i18n import N_
from intake.casework.assignment import BULK_LIMIT, assign_tip, bulk, colleagues, staff_names
from intake.casework.casework import CaseworkError, TipNotFound
from intake.domain.ids import parse_id
from intake.platform.models.staff import StaffUser
from intake.casework.queues import QueueFilter, tip_state
from intake.staff.staff import Role, staff_region

BULK_ACTIONS = {"accept": N_("Accept the selected tips"), "assign": N_("Assign the selected tips to")}
DATE_PROBLEMS = {
    "start": N_("The “from” date is not a date: write it as YYYY-MM-DD, for example 2026-11-01."),
    "end": N_("The “to” date is not a date: write it as YYYY-MM-DD, for example 2026-11-30."),
    "order": N_("The “from” date is after the “to” date."),
}


def _date(text: str) -> datetime.date | None:
    return datetime.date.fromisoformat(text) if text else None


def queue_filters(console: Console, viewer: Viewer, params: Mapping[str, str], *, status: str, category: str) -> dict:
    """The region and date filters of the queue from its query string: the QueueFilter to use
    (None when a date is wrong: the page says why instead of showing tips), the form's values
    and choices, and the query string that keeps them on the next page."""
    _ = viewer._
    regions = region_choices(console, viewer)
    region = params.get("region", "")
    region = region if region in {code for code, _name in regions} else ""
    start, end = params.get("from", "").strip(), params.get("to", "").strip()
    problem = None
    try:
        start_day = _date(start)
    except ValueError:
        start_day, problem = None, "start"
    try:
        end_day = _date(end)
    except ValueError:
        end_day, problem = None, problem or "end"
    if problem is None and start_day and end_day and start_day > end_day:
        problem = "order"
    kept = {key: value for key, value in (("region", region), ("from", start), ("to", end)) if value}
    return {
        "filters": None if problem else QueueFilter(status=status or None, category=category or None, region=region or None,
                                                    start=start_day, end=end_day),
        "filter_error": _(DATE_PROBLEMS[problem]) if problem else None,
        "date_problem": problem,
        "region": region, "regions": regions, "date_from": start, "date_to": end,
        "filter_query": ("&" + urlencode(kept)) if kept else "",
        "bulk_actions": [(code, _(label)) for code, label in BULK_ACTIONS.items()],
        "bulk_limit": BULK_LIMIT,
        "can_bulk": bool(viewer.staff and viewer.staff.role in (Role.OFFICER, Role.UNIT_LEAD, Role.COORDINATOR)),
    }


def region_choices(console: Console, viewer: Viewer) -> list[tuple[str, str]]:
    """The directory's regions in this person's scope: their unit's region and below."""
    deployment = console.core.deployment
    staff = viewer.staff
    top = staff_region(console.core, staff) if staff else None
    codes = deployment.region_and_below(top or deployment.root_region().code)
    return [(r.code, r.name.get(viewer.language)) for r in deployment.regions if r.code in codes]


async def bulk_choices(console: Console, viewer: Viewer) -> list[tuple[str, str]]:
    """The colleagues the queue's bulk form offers (only oneself for an officer)."""
    people = await colleagues(console.core, viewer.staff)
    many_units = len({p.unit_code for p in people}) > 1
    deployment = console.core.deployment
    return [(p.username, f"{p.display_name} ({p.username})" + (" · " + deployment.unit_name(p.unit_code, viewer.language) if many_units and p.unit_code else ""))
            for p in people]


async def panel(console: Console, viewer: Viewer, tip) -> dict:  # noqa: ANN001 - casefile.TipFile
    """The tip page's assignment: who has it, and the form to give it to a colleague."""
    core = console.core
    caps = tip.capacities
    assignee = getattr(tip, "assignee", None)
    names = await staff_names(core, {assignee}) if assignee else {}
    people = []
    if tip.status not in ("declined", "closed", "merged") and caps & {"unit", "lead", "coordinator"}:
        if caps & {"lead", "coordinator"}:
            people = [(p.username, f"{p.display_name} ({p.username})") for p in await colleagues(core, viewer.staff, tip.lead_unit)]
            if viewer.staff.role == Role.COORDINATOR and not people:
                people = [(p.username, f"{p.display_name} ({p.username})") for p in await _unit_members(console, tip.lead_unit)]
        elif viewer.staff.role == Role.OFFICER:
            people = [(viewer.staff.username, f"{viewer.staff.display_name} ({viewer.staff.username})")]
    return {
        "assignee": assignee,
        "assignee_name": f"{names.get(assignee, assignee)} ({assignee})" if assignee else "",
        "assign_choices": [(u, label) for u, label in people if u != assignee],
        "assign_self_only": viewer.staff.role == Role.OFFICER,
    }


async def _unit_members(console: Console, unit_code: str | None) -> list[StaffUser]:
    from sqlalchemy import select

    from intake.staff.staff import UNIT_ROLES

    if not unit_code:
        return []
    async with console.core.db.session() as session:
        return list((await session.scalars(
            select(StaffUser).where(StaffUser.unit_code == unit_code, StaffUser.role.in_(UNIT_ROLES), StaffUser.active.is_(True))
            .order_by(StaffUser.display_name, StaffUser.username)
        )).all())


router = APIRouter()


def results_page(console: Console, viewer: Viewer, results: list[dict], *, title: str, back: str,
                 status_code: int = 200) -> Response:
    return console.render(viewer, "queue_bulk.html", status_code=status_code, title=title, results=results, back=back)


@router.post("/tips/{tip_id}/assign")
async def assign(tip_id: Id, signed: SignedForm, console: ConsoleDep) -> Response:
    viewer, form = signed
    _, core = viewer._, console.core
    state = await tip_state(core, viewer.staff, tip_id)
    back = f"/tips/{tip_id}"
    if state is not None and forms.field(form, "version") != state.version:
        return results_page(console, viewer, [{"id": tip_id, "done": False, "message": _(
            "Someone else changed this tip while you had it open, so your action was not carried out. "
            "The page now shows the latest state: check it and act again if it is still needed.")}],
            title=_("The tip was not assigned"), back=back, status_code=409)
    try:
        await assign_tip(core, tip_id, forms.field(form, "assignee"), staff=viewer.staff)
    except TipNotFound:
        return console.not_found(viewer)
    except CaseworkError as error:
        return results_page(console, viewer, [{"id": tip_id, "done": False, "message": refusal_text(viewer, error)}],
                            title=_("The tip was not assigned"), back=back, status_code=400)
    return RedirectResponse(f"/tips/{tip_id}?done=assigned", status_code=303)


@router.post("/queue/bulk")
async def bulk_action(signed: SignedForm, console: ConsoleDep) -> Response:
    viewer, form = signed
    _ = viewer._
    action = forms.field(form, "action")
    tip_ids = [tip_id for tip_id in (parse_id(value) for value in form.getlist("tip")) if tip_id is not None]
    problem = None
    if not tip_ids:
        problem = _("Select at least one tip with its check box, then choose what to do.")
    elif action not in BULK_ACTIONS:
        problem = _("Choose what to do with the selected tips.")
    elif len(tip_ids) > BULK_LIMIT:
        problem = _("Select at most %(max)s tips at a time.", max=BULK_LIMIT)
    elif action == "assign" and not forms.field(form, "assignee"):
        problem = _("Choose the colleague to assign the tips to.")
    if problem:
        return console.render(viewer, "queue_bulk.html", status_code=400, title=_("Nothing was done"), results=[],
                              error=problem, back="/queue")
    outcome = await bulk(console.core, viewer.staff, tip_ids, action, assignee=forms.field(form, "assignee"),
                         language=viewer.language)
    results = [{"id": r.tip_id, "done": r.done, "message": r.message} for r in outcome]
    done = sum(1 for r in outcome if r.done)
    return console.render(
        viewer, "queue_bulk.html", title=_("Done for %(done)s of %(total)s tips", done=done, total=len(outcome)),
        results=results, back="/queue", action_label=_(BULK_ACTIONS[action]),
    )
