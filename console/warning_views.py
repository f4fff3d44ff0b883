"""Warnings and typical cases (预警、典型案例) in the console: coordinators write, propose, approve
(a second coordinator), reject and withdraw; officers, unit leads and coordinators translate.
Each form is one call of intake.prevention.warnings, which checks the two-person rule and audits."""
from __future__ import annotations

import datetime
from collections.abc import Awaitable, Callable

from fastapi import APIRouter
from fastapi.responses import RedirectResponse, Response
from starlette.datastructures import FormData

from console import forms
from console.dependencies import ConsoleDep, SignedForm, SignedIn
from console.refusals import refusal_text
from console.web import Console, Id, Viewer
from i18n import LANGUAGE_NAMES, LANGUAGES, N_
from intake.domain.answers.invalid import Invalid
from intake.domain.warnings import KINDS, address_not_to_open, number_not_to_call
from intake.platform.models.prevention import ScamWarning
from intake.prevention.warnings import (
    TRANSLATOR_ROLES, FormErrors, WarningForm, WarningRefused, approve_warning, create_warning, edit_warning,
    organisation_name, propose_warning, reject_warning, translate_warning, warning_for_staff, warnings_for_staff, withdraw_warning,
)
from intake.staff.staff import Role

router = APIRouter()

STATUS_LABELS = {
    "draft": N_("Draft"), "proposed": N_("Waiting for a second coordinator"), "published": N_("Published"),
    "withdrawn": N_("Withdrawn"),
}
DONE = {
    "created": N_("Saved as a draft. Propose it for publishing when it is ready."),
    "edited": N_("The draft is saved."),
    "proposed": N_("Proposed: a different coordinator must approve it before it is published."),
    "approved": N_("Approved: it is on the public site, the feed and the bot now."),
    "rejected": N_("Sent back with your reason."),
    "withdrawn": N_("Withdrawn: it is off the public site, the feed and the bot now."),
    "translated": N_("The translation is saved. On a proposed or published warning it waits for a second coordinator."),
}


def _may_read(viewer: Viewer) -> bool:
    return viewer.staff is not None and viewer.staff.role in TRANSLATOR_ROLES


def _no_entry(console: Console, viewer: Viewer) -> Response:
    _ = viewer._
    return console.render(viewer, "message.html", status_code=403, title=_("Warnings"),
                          message=_("Only officers, unit leads and coordinators open the warnings."))


def _only_coordinators(console: Console, viewer: Viewer) -> Response:
    return console.render(viewer, "message.html", status_code=403, title=viewer._("Warnings"),
                          message=viewer._("Only coordinators write and publish warnings."))


def _lines(form: FormData, name: str) -> tuple[str, ...]:
    return tuple(line for line in forms.field(form, name).splitlines() if line.strip())


def _form_values(form: FormData) -> WarningForm:
    try:
        until: datetime.date | None = datetime.date.fromisoformat(forms.field(form, "visible_until"))
    except ValueError:
        until = None
    return WarningForm(
        kind=forms.field(form, "kind"), category=forms.field(form, "category"),
        regions=tuple(value for value in form.getlist("regions") if isinstance(value, str)),
        visible_until=until,
        texts={language: (forms.field(form, f"title_{language}"), forms.field(form, f"body_{language}")) for language in LANGUAGES},
        do_not_call=_lines(form, "do_not_call"), do_not_open=_lines(form, "do_not_open"),
        organisation=forms.field(form, "organisation"),
    )


def _values_of(warning: ScamWarning, organisation: str) -> dict:
    """A stored warning as the form's fields, to edit it."""
    values = {"organisation": organisation, "kind": warning.kind, "category": warning.category, "regions": list(warning.regions),
              "visible_until": warning.visible_until.isoformat(), "do_not_call": "\n".join(warning.do_not_call),
              "do_not_open": "\n".join(warning.do_not_open)}
    for language, text in warning.texts.items():
        values[f"title_{language}"], values[f"body_{language}"] = text["title"], text["body"]
    return values


def _raw_values(form: FormData) -> dict:
    values = {name: forms.field(form, name)
              for name in ("kind", "category", "visible_until", "do_not_call", "do_not_open", "organisation")}
    values["regions"] = [value for value in form.getlist("regions") if isinstance(value, str)]
    for language in LANGUAGES:
        values[f"title_{language}"] = forms.field(form, f"title_{language}")
        values[f"body_{language}"] = forms.field(form, f"body_{language}")
    return values


def _form_page(console: Console, viewer: Viewer, *, action: str, values: dict, errors: dict[str, Invalid] | None = None,
               status_code: int = 200) -> Response:
    _, lang = viewer._, viewer.language
    deployment = console.core.deployment
    errors = errors or {}
    return console.render(
        viewer, "warning_form.html", status_code=status_code,
        title=_("Write a warning") if action == "/warnings/new" else _("Change the draft"), action=action, values=values,
        errors={name: viewer.core_(invalid.message, **invalid.params) for name, invalid in errors.items()},
        kinds=[(code, viewer.core_(label)) for code, label in KINDS.items()],
        categories=[(c.code, c.label.get(lang)) for c in deployment.active_categories()],
        regions=[(r.code, r.name.get(lang)) for r in deployment.regions if not r.retired],
        languages=[(language, LANGUAGE_NAMES[language]) for language in LANGUAGES],
        today=console.core.today().isoformat(),
    )


@router.get("/warnings")
async def overview(viewer: SignedIn, console: ConsoleDep, done: str = "") -> Response:
    if not _may_read(viewer):
        return _no_entry(console, viewer)
    _, lang = viewer._, viewer.language
    rows = [{"id": w.id, "title": w.texts["zh_Hans"]["title"], "status": _(STATUS_LABELS[w.status]),
             "kind": viewer.core_(KINDS[w.kind]), "category": console.core.deployment.category_label(w.category, lang),
             "until": w.visible_until.isoformat(), "waiting": bool(w.pending_texts),
             "languages": ", ".join(LANGUAGE_NAMES[code] for code in LANGUAGES if code in w.texts)}
            for w in await warnings_for_staff(console.core, viewer.staff)]
    return console.render(viewer, "warnings.html", title=_("Warnings"), rows=rows,
                          may_write=viewer.staff.role == Role.COORDINATOR, done=_(DONE[done]) if done in DONE else None)


@router.get("/warnings/new")
async def new(viewer: SignedIn, console: ConsoleDep) -> Response:
    if viewer.staff.role != Role.COORDINATOR:
        return _only_coordinators(console, viewer)
    until = console.core.today() + datetime.timedelta(days=90)
    return _form_page(console, viewer, action="/warnings/new", values={"kind": "warning", "visible_until": until.isoformat(),
                                                                        "regions": []})


@router.post("/warnings/new")
async def create(signed: SignedForm, console: ConsoleDep) -> Response:
    viewer, form = signed
    try:
        warning = await create_warning(console.core, viewer.staff, _form_values(form))
    except FormErrors as problems:
        return _form_page(console, viewer, action="/warnings/new", values=_raw_values(form), errors=problems.errors,
                          status_code=400)
    except WarningRefused as refused:
        return _refusal(console, viewer, refused)
    return RedirectResponse(f"/warnings/{warning.id}?done=created", status_code=303)


def _status(refused: WarningRefused) -> int:
    return 403 if refused.reason == "role" else 400  # not for this role: as every console page answers it


def _refusal(console: Console, viewer: Viewer, refused: WarningRefused) -> Response:
    return console.render(viewer, "message.html", status_code=_status(refused), title=viewer._("There is a problem"),
                          message=refusal_text(viewer, refused))


@router.get("/warnings/{warning_id}")
async def show(warning_id: Id, viewer: SignedIn, console: ConsoleDep, done: str = "") -> Response:
    return await warning_page(console, viewer, warning_id, done=done)


async def warning_page(console: Console, viewer: Viewer, warning_id: int, *, done: str = "", error: str | None = None,
                       status_code: int = 200) -> Response:
    if not _may_read(viewer):
        return _no_entry(console, viewer)
    warning = await warning_for_staff(console.core, viewer.staff, warning_id)
    if warning is None:
        return _not_found(console, viewer)
    _, lang = viewer._, viewer.language
    deployment = console.core.deployment
    me = viewer.staff.username
    coordinator = viewer.staff.role == Role.COORDINATOR
    waiting = warning.pending_texts or {}
    deciders = ({warning.proposed_by, warning.edited_by} if warning.status == "proposed"
                else {entry["by"] for entry in waiting.values()})
    return console.render(
        viewer, "warning.html", status_code=status_code, title=_("Warning %(id)s", id=warning.id), warning=warning,
        status_label=_(STATUS_LABELS[warning.status]), kind=viewer.core_(KINDS[warning.kind]),
        category=deployment.category_label(warning.category, lang),
        regions=[deployment.region_name(code, lang) for code in warning.regions],
        texts=[(code, LANGUAGE_NAMES[code], warning.texts.get(code)) for code in LANGUAGES],
        waiting=[(code, LANGUAGE_NAMES[code], waiting[code]) for code in LANGUAGES if code in waiting],
        numbers=[number_not_to_call(n) for n in warning.do_not_call],
        addresses=[address_not_to_open(a) for a in warning.do_not_open],
        organisation=await organisation_name(console.core, warning.organisation_id),
        done=_(DONE[done]) if done in DONE else None, error=error,
        may_edit=coordinator and warning.status == "draft",
        may_propose=coordinator and warning.status == "draft",
        may_decide=coordinator and (warning.status == "proposed" or (warning.status == "published" and bool(waiting))),
        decides_own=me in deciders,
        may_withdraw=coordinator and warning.status in ("published", "proposed"),
        may_translate=warning.status != "withdrawn",
        translation_languages=[(code, LANGUAGE_NAMES[code]) for code in LANGUAGES if code != "zh_Hans"],
    )


def _not_found(console: Console, viewer: Viewer) -> Response:
    _ = viewer._
    return console.render(viewer, "message.html", status_code=404, title=_("Not found"),
                          message=_("There is no such warning, or it is not one of your region."))


@router.get("/warnings/{warning_id}/edit")
async def edit_form(warning_id: Id, viewer: SignedIn, console: ConsoleDep) -> Response:
    warning = await warning_for_staff(console.core, viewer.staff, warning_id) if _may_read(viewer) else None
    if warning is None:
        return _not_found(console, viewer) if _may_read(viewer) else _no_entry(console, viewer)
    if viewer.staff.role != Role.COORDINATOR:  # only coordinators write: the form is not shown to others either
        return _only_coordinators(console, viewer)
    return _form_page(console, viewer, action=f"/warnings/{warning_id}/edit", values=_values_of(warning, await organisation_name(console.core, warning.organisation_id)))


@router.post("/warnings/{warning_id}/edit")
async def edit(warning_id: Id, signed: SignedForm, console: ConsoleDep) -> Response:
    viewer, form = signed
    try:
        await edit_warning(console.core, viewer.staff, warning_id, _form_values(form))
    except FormErrors as problems:
        return _form_page(console, viewer, action=f"/warnings/{warning_id}/edit", values=_raw_values(form),
                          errors=problems.errors, status_code=400)
    except WarningRefused as refused:
        return await warning_page(console, viewer, warning_id, error=refusal_text(viewer, refused),
                                  status_code=_status(refused))
    return RedirectResponse(f"/warnings/{warning_id}?done=edited", status_code=303)


Step = Callable[[Viewer, FormData], Awaitable[object]]


async def _step(console: Console, warning_id: int, signed, done: str, step: Step) -> Response:  # noqa: ANN001 - Signed
    viewer, form = signed
    try:
        await step(viewer, form)
    except WarningRefused as refused:
        return await warning_page(console, viewer, warning_id, error=refusal_text(viewer, refused),
                                  status_code=_status(refused))
    return RedirectResponse(f"/warnings/{warning_id}?done={done}", status_code=303)


@router.post("/warnings/{warning_id}/propose")
async def propose(warning_id: Id, signed: SignedForm, console: ConsoleDep) -> Response:
    return await _step(console, warning_id, signed, "proposed",
                       lambda viewer, form: propose_warning(console.core, viewer.staff, warning_id))


@router.post("/warnings/{warning_id}/approve")
async def approve(warning_id: Id, signed: SignedForm, console: ConsoleDep) -> Response:
    return await _step(console, warning_id, signed, "approved", lambda viewer, form: approve_warning(
        console.core, viewer.staff, warning_id, nothing_identifies=forms.field(form, "nothing_identifies") == "yes"))


@router.post("/warnings/{warning_id}/reject")
async def reject(warning_id: Id, signed: SignedForm, console: ConsoleDep) -> Response:
    return await _step(console, warning_id, signed, "rejected", lambda viewer, form: reject_warning(
        console.core, viewer.staff, warning_id, reason=forms.field(form, "reason")))


@router.post("/warnings/{warning_id}/withdraw")
async def withdraw(warning_id: Id, signed: SignedForm, console: ConsoleDep) -> Response:
    return await _step(console, warning_id, signed, "withdrawn", lambda viewer, form: withdraw_warning(
        console.core, viewer.staff, warning_id, reason=forms.field(form, "reason")))


@router.post("/warnings/{warning_id}/translate")
async def translate(warning_id: Id, signed: SignedForm, console: ConsoleDep) -> Response:
    return await _step(console, warning_id, signed, "translated", lambda viewer, form: translate_warning(
        console.core, viewer.staff, warning_id, forms.field(form, "language"), forms.field(form, "title"),
        forms.field(form, "body")))
