"""Oversight: the audit log for auditors (read-only, a page at a time, filtered by tip, actor and
action), the coordinator's overdue list, and the supervision notice (督办) a coordinator sends
to a tip's lead unit."""
from __future__ import annotations

import json
from typing import Annotated

from fastapi import APIRouter, Depends
from fastapi.responses import RedirectResponse, Response

from console import forms
from console.dependencies import ConsoleDep, SignedForm, role
from console.web import Id, Viewer
from i18n import N_
from intake.platform import audit
from intake.platform.audit import actions, read_log
from intake.casework.casework import TipNotFound
from intake.platform.clock import aware
from intake.domain.ids import parse_id
from intake.staff.staff import Role
from intake.casework.supervision import SupervisionRefused, overdue_list, send_supervision
from intake.domain.workflow import STATUS_LABELS, Status

OVERDUE_KINDS = {"accept": N_("Not accepted in time"), "finish": N_("Not finished in time")}
DONE = {
    "alerted": N_("Done: the supervision notice is in the tip's timeline and the unit is alerted by e-mail."),
    "recorded": N_("Done: the supervision notice is in the tip's timeline. The unit has no e-mail address configured, so tell it another way."),
}


Auditor = Annotated[Viewer, Depends(role(
    Role.AUDITOR, title=N_("Audit log"), message=N_("The audit log is read by auditors.")))]
Coordinator = Annotated[Viewer, Depends(role(
    Role.COORDINATOR, title=N_("Overdue tips"),
    message=N_("The overdue list is for coordinators; officers see their unit's overdue tips in the queue.")))]

router = APIRouter()


@router.get("/audit")
async def audit_log(viewer: Auditor, console: ConsoleDep, tip: str = "", actor: str = "", action: str = "",
                    before: str = "") -> Response:
    _, core = viewer._, console.core
    tip_id = parse_id(tip)
    rows, next_before = await read_log(core, tip_id=tip_id, actor=actor.strip() or None, action=action or None,
                                       before=parse_id(before))
    return console.render(
        viewer, "audit.html", title=_("Audit log"), tip=tip if tip_id else "", actor=actor.strip(), action=action,
        actions=await actions(core), next_before=next_before,
        rows=[{"id": r.id, "at": aware(r.at), "actor": r.actor, "action": r.action, "tip_id": r.tip_id,
               "detail": json.dumps(r.detail, ensure_ascii=False, sort_keys=True) if r.detail else ""} for r in rows],
    )


@router.get("/overdue")
async def overdue(viewer: Coordinator, console: ConsoleDep, done: str = "") -> Response:
    _, c_, lang = viewer._, viewer.core_, viewer.language
    deployment = console.core.deployment
    found = await overdue_list(console.core, viewer.staff)
    units: dict[str, list[dict]] = {}
    for item in found:
        units.setdefault(deployment.unit_name(item.lead_unit, lang) if item.lead_unit else _("No unit"), []).append({
            "id": item.id, "status": c_(STATUS_LABELS[Status(item.status)]), "kind": _(OVERDUE_KINDS[item.overdue]),
            "category": deployment.category_label(item.category, lang),
            "due": item.due, "days": item.days_late, "supervised": item.supervised, "last": item.last_supervised,
        })
    return console.render(viewer, "overdue.html", title=_("Overdue tips"), units=units, total=len(found),
                          done=_(DONE[done]) if done in DONE else None)


@router.post("/tips/{tip_id}/supervise")
async def supervise(tip_id: Id, signed: SignedForm, console: ConsoleDep) -> Response:
    """A refusal shows "There is a problem" (console/app.py); a role's, the same for every tip, is audited."""
    viewer, form = signed
    try:
        _event, alerted = await send_supervision(console.core, viewer.staff, tip_id, forms.field(form, "text"))
    except TipNotFound:
        return console.not_found(viewer)
    except SupervisionRefused as refused:
        if refused.reason == "role":
            await audit.record_now(console.core, viewer.staff.username, "refused:supervise", tip_id, reason="role")
        raise
    if forms.field(form, "back") == "tip":
        return RedirectResponse(f"/tips/{tip_id}?done=supervised", status_code=303)
    return RedirectResponse(f"/overdue?done={'alerted' if alerted else 'recorded'}", status_code=303)
