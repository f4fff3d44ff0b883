"""Oversight: the audit log for auditors (read-only, a page at a time, filtered by tip, actor and
action), the coordinator's overdue list, and the supervision notice (督办) a coordinator sends
to a tip's lead unit."""
from __future__ import annotations

import json

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response

from console import forms
from console.web import Console, Id
from i18n import N_
from intake.platform import audit
from intake.platform.audit import actions, read_log
from intake.casework.casework import TipNotFound
from intake.platform.clock import aware
from intake.domain.ids import parse_id
from intake.staff.staff import Role
from intake.casework.supervision import SupervisionRefused, overdue_list, send_supervision
from intake.domain.workflow import STATUS_LABELS, Status

REFUSALS = {
    "role": N_("Only coordinators send supervision notices."),
    "no_unit": N_("This tip has no lead unit to send a supervision notice to."),
}
OVERDUE_KINDS = {"accept": N_("Not accepted in time"), "finish": N_("Not finished in time")}
DONE = {
    "alerted": N_("Done: the supervision notice is in the tip's timeline and the unit is alerted by e-mail."),
    "recorded": N_("Done: the supervision notice is in the tip's timeline. The unit has no e-mail address configured, so tell it another way."),
}


def routes(console: Console) -> APIRouter:
    router = APIRouter()
    core = console.core
    deployment = core.deployment


    @router.get("/audit")
    async def audit_log(request: Request, tip: str = "", actor: str = "", action: str = "", before: str = "") -> Response:
        viewer = await console.viewer(request)
        if viewer is None:
            return console.sign_in_again(request)
        _ = viewer._
        if viewer.staff.role != Role.AUDITOR:
            return console.render(viewer, "message.html", status_code=403, title=_("Audit log"),
                                  message=_("The audit log is read by auditors."))
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
    async def overdue(request: Request, done: str = "") -> Response:
        viewer = await console.viewer(request)
        if viewer is None:
            return console.sign_in_again(request)
        _, c_, lang = viewer._, viewer.core_, viewer.language
        if viewer.staff.role != Role.COORDINATOR:
            return console.render(viewer, "message.html", status_code=403, title=_("Overdue tips"),
                                  message=_("The overdue list is for coordinators; officers see their unit's overdue tips in the queue."))
        found = await overdue_list(core, viewer.staff)
        units: dict[str, list[dict]] = {}
        for item in found:
            category = deployment.category_by_code.get(item.category)
            units.setdefault(deployment.unit_name(item.lead_unit, lang) if item.lead_unit else _("No unit"), []).append({
                "id": item.id, "status": c_(STATUS_LABELS[Status(item.status)]), "kind": _(OVERDUE_KINDS[item.overdue]),
                "category": category.label.get(lang) if category else item.category,
                "due": item.due, "days": item.days_late, "supervised": item.supervised, "last": item.last_supervised,
            })
        return console.render(viewer, "overdue.html", title=_("Overdue tips"), units=units, total=len(found),
                              done=_(DONE[done]) if done in DONE else None)

    @router.post("/tips/{tip_id}/supervise")
    async def supervise(request: Request, tip_id: Id) -> Response:
        signed = await console.signed_form(request)
        if isinstance(signed, Response):
            return signed
        viewer, form = signed
        _ = viewer._
        try:
            _event, alerted = await send_supervision(core, viewer.staff, tip_id, forms.field(form, "text"))
        except TipNotFound:
            return console.not_found(viewer)
        except SupervisionRefused as refused:
            if refused.reason == "role":  # not a coordinator: the same answer for every tip, and audited
                await audit.record_now(core, viewer.staff.username, "refused:supervise", tip_id, reason="role")
            message = (viewer.core_(refused.invalid.message, **refused.invalid.params) if refused.invalid
                       else _(REFUSALS[refused.reason]))
            return console.render(viewer, "message.html", status_code=400, title=_("There is a problem"), message=message)
        if forms.field(form, "back") == "tip":
            return RedirectResponse(f"/tips/{tip_id}?done=supervised", status_code=303)
        return RedirectResponse(f"/overdue?done={'alerted' if alerted else 'recorded'}", status_code=303)

    return router
