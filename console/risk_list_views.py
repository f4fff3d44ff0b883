"""The public risk list in the console (coordinators only): publish an organisation on its
official determination, withdraw it at once, and answer organisations' objections (异议).
The core (intake.casework.risk_list) checks and audits every step."""
from __future__ import annotations

from urllib.parse import quote

from fastapi import APIRouter
from fastapi.responses import RedirectResponse, Response

from console import forms
from console.dependencies import ConsoleDep, SignedForm, SignedIn
from console.duplicate_views import organisation_page
from console.refusals import refusal_text
from intake.casework.risk_list import Determination, RiskListRefused, answer_objection, objections, publish, withdraw
from intake.domain.ids import parse_id
from intake.staff.staff import Role

router = APIRouter()

FIELDS = ("credit_code", "unit", "reference", "decided_on", "expires_on", "phone", "website")


@router.post("/organisations/publish")
async def publish_organisation(signed: SignedForm, console: ConsoleDep) -> Response:
    viewer, form = signed
    key = forms.field(form, "key")
    values = {name: forms.field(form, name) for name in FIELDS}
    confirmed = forms.field(form, "organisation_confirmed") == "yes"
    try:
        await publish(console.core, viewer.staff, key, Determination(**values, organisation_confirmed=confirmed))
    except RiskListRefused as refused:
        errors = {name: viewer.core_(invalid.message, **invalid.params) for name, invalid in refused.errors.items()}
        return await organisation_page(
            console, viewer, key, status_code=403 if refused.reason == "role" else 400,
            error=refusal_text(viewer, refused) if not errors else viewer._("Check the fields marked below."),
            errors=errors, values=values)
    return RedirectResponse(f"/organisations/one?key={quote(key)}&done=1", status_code=303)


@router.post("/organisations/withdraw")
async def withdraw_organisation(signed: SignedForm, console: ConsoleDep) -> Response:
    viewer, form = signed
    key = forms.field(form, "key")
    try:
        await withdraw(console.core, viewer.staff, key, reason=forms.field(form, "reason"))
    except RiskListRefused as refused:
        return await organisation_page(console, viewer, key, status_code=403 if refused.reason == "role" else 400,
                                       error=refusal_text(viewer, refused))
    return RedirectResponse(f"/organisations/one?key={quote(key)}&done=1", status_code=303)


@router.get("/risk-list/objections")
async def objection_list(viewer: SignedIn, console: ConsoleDep, done: str = "") -> Response:
    if viewer.staff.role != Role.COORDINATOR:
        return console.not_found(viewer)
    return console.render(viewer, "objections.html", title=viewer._("Objections to the public risk list"),
                          objections=await objections(console.core, viewer.staff), done=done == "1", error=None,
                          org_url=lambda key: f"/organisations/one?key={quote(key)}")


@router.post("/risk-list/objections/{objection_id}/answer")
async def answer(objection_id: str, signed: SignedForm, console: ConsoleDep) -> Response:
    viewer, form = signed
    number = parse_id(objection_id)
    if number is None:
        return console.not_found(viewer)
    try:
        await answer_objection(console.core, viewer.staff, number, forms.field(form, "answer"),
                               withdraw_entry=forms.field(form, "withdraw") == "yes")
    except RiskListRefused as refused:
        if refused.reason in ("role", "unknown"):
            return console.not_found(viewer)
        invalid = next(iter(refused.errors.values()))
        return console.render(viewer, "objections.html", status_code=400, title=viewer._("Objections to the public risk list"),
                              objections=await objections(console.core, viewer.staff), done=False,
                              error=viewer.core_(invalid.message, **invalid.params),
                              org_url=lambda key: f"/organisations/one?key={quote(key)}")
    return RedirectResponse("/risk-list/objections?done=1", status_code=303)
