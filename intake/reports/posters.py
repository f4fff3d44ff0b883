"""Posters and leaflets (宣传画) as PDF: the words of intake/domain/posters.py laid out by an
HTML template (poster/) and printed by WeasyPrint, whose Pango and HarfBuzz shape Tibetan's
stacked letters as a browser does. The QR codes are segno's, as SVG. Making one is audited
(`poster.made`), so the campaign's figures can count them.
"""
from __future__ import annotations

import asyncio
import logging
from collections.abc import Sequence
from pathlib import Path

import segno
from jinja2 import Environment, FileSystemLoader, select_autoescape

from intake.domain.posters import Poster, compose_poster
from intake.platform import audit
from intake.platform.core import Core

#: The audit action of each poster or leaflet made: the campaign's figures count them (prevention_figures).
POSTER_MADE = "poster.made"
TEMPLATES = Path(__file__).parent / "poster"
#: The base size of the type in points (poster.css sizes everything in rem), by paper and number
#: of languages: a headline of about 32 pt and numbers of 26 pt on an A4 poster in one language.
BASE_SIZE = {("A4", 1): 12.5, ("A4", 2): 10.0, ("A5", 1): 11.0, ("A5", 2): 9.5}
#: Sides of paper: a poster has one; a leaflet two (warnings on the front, numbers and codes on the back).
SIDES = {"A4": 1, "A5": 2}
#: Type a little larger where the texts leave room (English is short), else smaller, step by
#: step, for texts longer than the demo deployment's: the largest that keeps to the sides is used.
SCALES = (1.15, 1.0, 0.93, 0.86, 0.8)
log = logging.getLogger(__name__)
_environment = Environment(loader=FileSystemLoader(TEMPLATES), autoescape=select_autoescape(("html",)))


def qr_code(address: str) -> str:
    """The address as a QR code, an SVG data URI; error correction M survives a worn print."""
    return segno.make(address, error="m", micro=False).svg_data_uri(dark="#000", light="#fff", border=4)


def poster_html(poster: Poster, scale: float = 1.0) -> str:
    codes = {text.language: qr_code(text.target) for text in poster.texts}
    css = (TEMPLATES / "poster.css").read_text(encoding="utf-8")
    base_size = round(BASE_SIZE[poster.paper, len(poster.texts)] * scale, 2)
    return _environment.get_template("poster.html").render(poster=poster, codes=codes, css=css, base_size=base_size)


def poster_pdf(poster: Poster) -> bytes:
    """The poster printed (about a second of one core: callers in an event loop use a thread). A
    deployment's longer texts get smaller type, step by step, until it keeps to its sides; short
    ones larger."""
    from weasyprint import HTML  # loads Pango: only where a poster is printed

    for scale in SCALES:
        document = HTML(string=poster_html(poster, scale), base_url=str(TEMPLATES)).render()
        if len(document.pages) <= SIDES[poster.paper]:
            break
    else:
        log.warning("the %s poster of %s takes %s pages even in the smallest type", poster.paper, poster.unit,
                    len(document.pages))
    return document.write_pdf()


async def make_poster(core: Core, actor: str, unit: str, languages: str, paper: str,
                      categories: Sequence[str] = ()) -> tuple[Poster, bytes]:
    """The poster for `unit`, printed, and its making audited. Raises PosterRefused."""
    poster = compose_poster(core.deployment, unit, languages, paper, core.settings.poster_base_url, categories)
    pdf = await asyncio.to_thread(poster_pdf, poster)
    await audit.record_now(core, actor, POSTER_MADE, unit=poster.unit, languages="+".join(poster.languages),
                           paper=poster.paper, categories=list(poster.categories))
    return poster, pdf
