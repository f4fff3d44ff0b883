"""Posters and leaflets (宣传画) to print: coordinators make them for any unit, unit leads for
their own. The form names a unit, a language (or Chinese and Tibetan together) and a paper
size; the PDF comes from intake.reports.posters, as `tipline posters make` makes it."""
from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query
from fastapi.responses import Response

from console.dependencies import ConsoleDep, role
from console.refusals import refusal_text
from console.web import Console, Viewer
from i18n import N_
from intake.domain.posters import LANGUAGE_CHOICES, PAPERS, SIGNS, PosterRefused, chosen_categories, sign_categories
from intake.reports.posters import make_poster
from intake.staff.staff import Role

POSTER_ROLES = (Role.COORDINATOR, Role.UNIT_LEAD)
PosterMaker = Annotated[Viewer, Depends(role(
    *POSTER_ROLES, title=N_("Posters and leaflets"), message=N_("Posters and leaflets are made by coordinators and unit leads.")))]

#: Each choice in the staff member's language (the poster itself is in the chosen one).
LANGUAGE_LABELS = {"zh_Hans": N_("Chinese"), "bo": N_("Tibetan"), "en": N_("English"), "zh_Hans+bo": N_("Chinese and Tibetan")}
PAPER_LABELS = {"A4": N_("A4 poster, for a wall"), "A5": N_("A5 leaflet, to hand out")}
OWN_UNIT_ONLY = N_("A unit lead makes posters for their own unit only.")

router = APIRouter()


def units_for(console: Console, viewer: Viewer) -> list[tuple[str, str]]:
    """The units this person may make posters for, by name in their language."""
    deployment = console.core.deployment
    codes = [u.code for u in deployment.units if not u.retired]
    if viewer.staff.role != Role.COORDINATOR:
        codes = [code for code in codes if code == viewer.staff.unit_code]
    return [(code, deployment.unit_name(code, viewer.language)) for code in codes]


def form_page(console: Console, viewer: Viewer, *, unit: str = "", lang: str = "", paper: str = "",
              categories: list[str] | None = None, error: str | None = None, status_code: int = 200) -> Response:
    _ = viewer._
    deployment = console.core.deployment
    return console.render(
        viewer, "posters.html", status_code=status_code, title=_("Posters and leaflets"), error=error,
        units=units_for(console, viewer), unit=unit or viewer.staff.unit_code or "",
        languages=[(code, _(LANGUAGE_LABELS[code])) for code in LANGUAGE_CHOICES], lang=lang or viewer.language,
        papers=[(code, _(PAPER_LABELS[code])) for code in PAPERS], paper=paper or PAPERS[0],
        address=console.core.settings.poster_base_url, most=SIGNS,
        categories=[(code, deployment.category_label(code, viewer.language)) for code in sign_categories(deployment)],
        checked=set(categories if categories is not None else chosen_categories(deployment)),
    )


@router.get("/posters")
async def posters(viewer: PosterMaker, console: ConsoleDep) -> Response:
    return form_page(console, viewer)


@router.get("/posters/poster.pdf")
async def poster_pdf(viewer: PosterMaker, console: ConsoleDep, unit: str = "", lang: str = "", paper: str = "",
                     category: Annotated[list[str], Query()] = []) -> Response:  # noqa: B006 - FastAPI copies it
    """The PDF, to download; a choice that cannot be printed shows the form again with why."""
    chosen = dict(unit=unit, lang=lang, paper=paper, categories=category)
    if viewer.staff.role != Role.COORDINATOR and unit != viewer.staff.unit_code:
        return form_page(console, viewer, **chosen, error=viewer._(OWN_UNIT_ONLY), status_code=403)
    try:
        poster, pdf = await make_poster(console.core, viewer.staff.username, unit, lang, paper, category)
    except PosterRefused as refused:
        return form_page(console, viewer, **chosen, error=refusal_text(viewer, refused), status_code=400)
    name = f"poster-{poster.unit}-{'+'.join(poster.languages)}-{poster.paper}.pdf"
    return Response(pdf, media_type="application/pdf", headers={"content-disposition": f'attachment; filename="{name}"'})
