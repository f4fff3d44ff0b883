"""The tip page's extras: recording a call or visit with the reporter, confirming the suggested
category or choosing another (the tip follows the routing rules), and the printable assignment
sheet (交办单). The two forms' actions run through tip_views' `act` (session, CSRF, conflict guard,
errors shown on the page with the failed form open); the core does the work and the audit."""
from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from zoneinfo import ZoneInfo

from fastapi import APIRouter
from fastapi.responses import Response

from console import forms
from console.forms import FormError
from console.report_views import LEDGER_WORDS
from console.dependencies import ConsoleDep, SignedIn
from console.web import Console, Id, Viewer
from i18n import N_
from intake.casework.casefile import TipFile
from intake.casework.casework import TipNotFound
from intake.casework.categorising import CATEGORY, set_category
from intake.platform.core import Core
from intake.casework.contacts import CONTACT, DIRECTIONS, KINDS, record_contact
from intake.reports.sheet import Sheet, assignment_sheet
from intake.domain.workflow import COORDINATOR, UNIT

CONTACT_LABELS = {
    ("call", "out"): N_("Call: we called the reporter"),
    ("call", "in"): N_("Call: the reporter called us"),
    ("visit", "out"): N_("Visit: we visited the reporter"),
    ("visit", "in"): N_("Visit: the reporter came to us"),
}
KIND_LABELS = {"call": N_("A phone call"), "visit": N_("A visit")}
DIRECTION_LABELS = {
    "out": N_("We got in touch with the reporter (we called or visited)"),
    "in": N_("The reporter got in touch with us (called or came in)"),
}
REACHED_LABELS = {True: N_("the reporter was reached"), False: N_("the reporter was not reached")}
PRIORITY_WORDS = {"urgent": N_("Urgent"), "high": N_("High"), "normal": N_("Normal")}
LOCAL_INPUT = "%Y-%m-%dT%H:%M"  # what <input type="datetime-local"> sends


def contact_fields(form: Mapping[str, object], timezone: str) -> dict[str, object]:
    """The call-or-visit form as record_contact's arguments; the time is the deployment's local time."""
    kind, direction, reached = forms.field(form, "kind"), forms.field(form, "direction"), forms.field(form, "reached")
    if kind not in KINDS:
        raise FormError(N_("Choose whether it was a call or a visit."))
    if direction not in DIRECTIONS:
        raise FormError(N_("Choose who got in touch with whom."))
    if reached not in ("yes", "no"):
        raise FormError(N_("Say whether you reached the reporter."))
    try:
        happened_at = datetime.strptime(forms.field(form, "happened_at"), LOCAL_INPUT).replace(tzinfo=ZoneInfo(timezone))
    except ValueError:
        raise FormError(N_("Give the date and time of the call or visit, for example 2026-11-27 09:30.")) from None
    return {"kind": kind, "direction": direction, "reached": reached == "yes", "happened_at": happened_at,
            "summary": forms.field(form, "summary")}


async def panel(console: Console, viewer: Viewer, tip: TipFile) -> dict:
    """What the tip page needs for the extras: facts of internal steps beside the timeline, and
    whether this person may record a call or set the category."""
    _, lang, core = viewer._, viewer.language, console.core
    deployment = core.deployment
    details = tip.details  # read with the tip file
    extra: dict[int, str] = {}
    settled = False
    if [action for action, _detail in details] == [entry["action"] for entry in tip.timeline]:
        for index, (action, detail) in enumerate(details):
            if not detail:
                continue
            if action == CONTACT:
                known = CONTACT_LABELS.get((detail.get("kind"), detail.get("direction")))
                label = _(known) if known else str(detail.get("kind"))
                moment = console.local_time(datetime.fromisoformat(detail["at"])) if detail.get("at") else ""
                extra[index] = _("%(what)s, %(reached)s, at %(time)s", what=label,
                                 reached=_(REACHED_LABELS[bool(detail.get("reached"))]), time=moment)
            elif action == CATEGORY:
                settled = True
                names = {key: deployment.category_label(detail.get(key), lang) for key in ("from", "to")}
                text = (_("Category confirmed: %(to)s", **names) if detail.get("from") == detail.get("to")
                        else _("Category changed from %(from)s to %(to)s", **{"from": names["from"], "to": names["to"]}))
                if detail.get("rerouted"):
                    text += " · " + _("the tip went to %(unit)s", unit=deployment.unit_name(detail.get("lead_to") or "", lang))
                extra[index] = text
    caps = tip.capacities
    preselected = tip.category
    if (tip.suggestion and tip.suggestion.get("category") in deployment.category_by_code and not settled
            and tip.suggestion.get("sure", True)):  # "not sure": the officer chooses, nothing preselected
        preselected = tip.suggestion["category"]
    return {
        "timeline_extra": extra,
        "category_settled": settled,
        "can_contact": bool(caps & {UNIT, COORDINATOR}),
        "contact_now": console.local_time(core.clock.now()).replace(" ", "T"),
        "contact_kinds": [(k, _(KIND_LABELS[k])) for k in KINDS],
        "contact_directions": [(d, _(DIRECTION_LABELS[d])) for d in DIRECTIONS],
        "can_categorise": bool(caps & {UNIT, COORDINATOR}) and tip.status != "merged",
        "category_choices": [(c.code, c.label.get(lang)) for c in deployment.active_categories()],
        "category_preselected": preselected,
    }



async def record_contact_work(core: Core, tip_id: int, viewer: Viewer, form: Mapping[str, object]) -> str:
    """The call-or-visit form's action, run by tip_views' `act` (session, CSRF, errors on the tip page)."""
    await record_contact(core, tip_id, staff=viewer.staff, **contact_fields(form, core.settings.timezone))  # type: ignore[arg-type]
    return "contact"


async def set_category_work(core: Core, tip_id: int, viewer: Viewer, form: Mapping[str, object]) -> str:
    """The category form's action, run by tip_views' `act` (it also checks the tip's version)."""
    event = await set_category(core, tip_id, forms.field(form, "category"), staff=viewer.staff,
                               reason=forms.field(form, "reason"))
    return "rerouted" if (event.detail or {}).get("rerouted") else "category"


router = APIRouter()


@router.get("/tips/{tip_id}/sheet")
async def sheet(tip_id: Id, viewer: SignedIn, console: ConsoleDep) -> Response:
    try:
        facts = await assignment_sheet(console.core, viewer.staff, tip_id)
    except TipNotFound:
        return console.not_found(viewer)
    return console.render(viewer, "sheet.html", title=viewer._("Assignment sheet (交办单) for tip %(id)s", id=tip_id),
                          **sheet_context(console, viewer, facts))


def sheet_context(console: Console, viewer: Viewer, sheet: Sheet) -> dict:
    _, lang = viewer._, viewer.language
    deployment = console.core.deployment
    source = _(LEDGER_WORDS.get(f"channel:{sheet.source}", sheet.source)) if f"channel:{sheet.source}" in LEDGER_WORDS else sheet.source
    return {
        "sheet": sheet,
        "source": source,
        "priority_label": _(PRIORITY_WORDS.get(sheet.priority, PRIORITY_WORDS["normal"])),
        "region_name": deployment.region_name(sheet.region_code, lang),
        "lead_name": deployment.unit_name(sheet.lead_unit, lang) if sheet.lead_unit else "—",
        "assisting_names": [deployment.unit_name(code, lang) for code in sheet.assisting],
        "printed_at": console.local_time(console.core.clock.now()),
    }
