"""Possible duplicates and organisations: the groups of tips naming the same organisation,
phone, address or website (intake.casework.duplicates), the "possible duplicates" panel of the tip page,
and each organisation's risk colour (红橙黄绿) with the suggestion from its tips.

Merging is the tip page's own workflow step (POST /tips/{id}/move, target "merged"): the panel
only offers it with the other tip's number filled in.
"""
from __future__ import annotations

from urllib.parse import quote

from fastapi import APIRouter
from fastapi.responses import RedirectResponse, Response

from console import forms
from console.dependencies import ConsoleDep, SignedForm, SignedIn
from console.refusals import refusal_text
from console.web import Console, Viewer
from i18n import N_
from intake.platform.clock import aware
from intake.casework.duplicates import (
    COLOUR_ROLES, COLOURS, KINDS, ColourRefused, group_tips, groups, organisation_file,
    Suggestion, organisation_summaries, possible_duplicates, set_colour,
)
from intake.staff.staff import Role
from intake.domain.workflow import STATUS_LABELS, TRANSITION_BY_STEP, Status

COLOUR_LABELS = {
    "green": N_("Green: no risk found"),
    "yellow": N_("Yellow: large prepayments; warning and guidance"),
    "orange": N_("Orange: sued or reported, prepayments used irregularly; warning interview"),
    "red": N_("Red: suspected illegal fundraising, collapsed or insolvent; referred"),
}
KIND_LABELS = {
    "organisation": N_("Company or organisation"),
    "phone": N_("Phone number"),
    "address": N_("Address"),
    "website": N_("Website, app or WeChat account"),
    "credit_code": N_("Unified social credit code"),
}
COLOUR_NAMES = {"green": N_("Green"), "yellow": N_("Yellow"), "orange": N_("Orange"), "red": N_("Red")}


def _suggestion_reasons(viewer: Viewer, suggestion: Suggestion) -> list[str]:
    _ = viewer._
    reasons = [_("%(n)s tips name it (merged ones not counted)", n=suggestion.tips)]
    if suggestion.substantiated:
        reasons.append(_("%(n)s of them substantiated", n=suggestion.substantiated))
    if suggestion.money_fen:
        yuan = f"{suggestion.money_fen / 100:,.2f}"
        reasons.append(_("Money reported lost: %(yuan)s yuan", yuan=yuan))
    return reasons


def _can_merge(tip) -> bool:  # noqa: ANN001 - casefile.TipFile
    step = TRANSITION_BY_STEP.get((Status(tip.status), Status.MERGED))
    return step is not None and bool(tip.capacities & step.who)


async def panel(console: Console, viewer: Viewer, tip) -> dict:  # noqa: ANN001 - casefile.TipFile
    """For the tip page: other tips in this person's scope naming the same things."""
    # tip: read by casefile.tip_file, with whether it names anything at all
    found = await possible_duplicates(console.core, viewer.staff, tip.id, in_scope=True) if tip.has_match_keys else []
    _, c_ = viewer._, viewer.core_
    return {
        "duplicates": [
            {
                "id": item.tip_id, "status": c_(STATUS_LABELS[Status(item.status)]), "created_at": item.created_at,
                "matched": [(_(KIND_LABELS[kind]), value) for kind, value in item.matched],
                "mergeable": item.status != Status.MERGED,
            }
            for item in found
        ],
        "can_merge": _can_merge(tip),
    }


router = APIRouter()


def kind_label(viewer: Viewer, kind: str) -> str:
    return viewer._(KIND_LABELS[kind]) if kind in KIND_LABELS else kind


@router.get("/duplicates")
async def group_list(viewer: SignedIn, console: ConsoleDep, kind: str = "") -> Response:
    kind = kind if kind in KINDS else ""
    found = await groups(console.core, viewer.staff, kind=kind or None)
    return console.render(
        viewer, "duplicates.html", title=viewer._("Possible duplicates"), kind=kind,
        kinds=[(k, kind_label(viewer, k)) for k in KINDS],
        groups=[{"kind": kind_label(viewer, g.kind), "value": g.value, "tips": g.tips,
                 "url": f"/duplicates/group?kind={g.kind}&key={quote(g.key)}"} for g in found],
    )


@router.get("/duplicates/group")
async def group(viewer: SignedIn, console: ConsoleDep, kind: str = "", key: str = "") -> Response:
    tips = await group_tips(console.core, viewer.staff, kind, key)
    if not tips:
        return console.not_found(viewer)
    c_ = viewer.core_
    return console.render(
        viewer, "duplicate_group.html", title=viewer._("Tips naming the same %(what)s", what=kind_label(viewer, kind)),
        kind=kind_label(viewer, kind), key=key, organisation=kind == "organisation",
        organisation_url=f"/organisations/one?key={quote(key)}",
        tips=[{"id": t.id, "status": c_(STATUS_LABELS[Status(t.status)]), "created_at": aware(t.created_at),
               "merged_into": t.merged_into_id} for t in tips],
    )


@router.get("/organisations")
async def organisations(viewer: SignedIn, console: ConsoleDep, done: str = "") -> Response:
    _ = viewer._
    rows = await organisation_summaries(console.core, viewer.staff)
    return console.render(
        viewer, "organisations.html", title=_("Organisations and their risk colours"),
        rows=[{"name": row.display_name if row else g.value, "tips": g.tips, "colour": row.colour if row else "",
               "colour_name": _(COLOUR_NAMES[row.colour]) if row else _("Not set"),
               "url": f"/organisations/one?key={quote(g.key)}"} for g, row in rows],
    )


async def organisation_page(console: Console, viewer: Viewer, key: str, *, error: str | None = None, done: bool = False,
                            status_code: int = 200, **public_list: object) -> Response:
    """The organisation's page; `public_list`: the public risk list's form as posted (console/risk_list_views.py)."""
    _, c_ = viewer._, viewer.core_
    found = await organisation_file(console.core, viewer.staff, key)
    if found is None:
        return console.not_found(viewer)
    return console.render(
        viewer, "organisation.html", status_code=status_code, title=found.name, org=found, key=key,
        error=error, done=done,
        tips=[{"id": t.id, "status": c_(STATUS_LABELS[Status(t.status)]), "created_at": aware(t.created_at)} for t in found.tips],
        money=f"{found.money_fen / 100:,.2f}",
        suggested=found.suggestion.colour, suggested_name=_(COLOUR_NAMES[found.suggestion.colour]),
        reasons=_suggestion_reasons(viewer, found.suggestion),
        colour_name=_(COLOUR_NAMES[found.colour.colour]) if found.colour else "",
        colours=[(c, _(COLOUR_LABELS[c])) for c in COLOURS],
        can_set=viewer.staff.role in COLOUR_ROLES,
        can_publish=viewer.staff.role == Role.COORDINATOR, publishing_on=console.core.settings.public_risk_list,
        publish_errors=public_list.get("errors", {}), publish_values=public_list.get("values", {}),
    )


@router.get("/organisations/one")
async def organisation(viewer: SignedIn, console: ConsoleDep, key: str = "", done: str = "") -> Response:
    return await organisation_page(console, viewer, key, done=done == "1")


@router.post("/organisations/colour")
async def colour(signed: SignedForm, console: ConsoleDep) -> Response:
    viewer, form = signed
    key = forms.field(form, "key")
    try:
        await set_colour(console.core, viewer.staff, key, forms.field(form, "colour"), note=forms.field(form, "note"))
    except ColourRefused as refused:
        # Not a role that sets colours: refused (403) the same for every organisation.
        return await organisation_page(console, viewer, key, status_code=403 if refused.reason == "role" else 400,
                                       error=refusal_text(viewer, refused))
    return RedirectResponse(f"/organisations/one?key={quote(key)}&done=1", status_code=303)
