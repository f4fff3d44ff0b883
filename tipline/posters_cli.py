"""`tipline posters make`: a poster (A4) or leaflet (A5) of a unit, in one language or two, as
PDF (intake/reports/posters.py)."""
from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from intake.domain.posters import LANGUAGE_CHOICES, PosterRefused
from intake.domain.refusals import describe
from intake.reports.posters import make_poster
from tipline.runner import with_core

posters_app = typer.Typer(help="Posters and leaflets (宣传画) to print.", no_args_is_help=True)


@posters_app.command("make")
def make(
    unit: Annotated[str, typer.Option(help="the unit's code, as in units.toml (e.g. 990121-civil_affairs)")],
    out: Annotated[Path, typer.Option(help="the PDF file to write")],
    lang: Annotated[str, typer.Option("--lang", help=f"one of {', '.join(LANGUAGE_CHOICES)}")] = "zh_Hans",
    paper: Annotated[str, typer.Option(help="A4 (a poster) or A5 (a leaflet)")] = "A4",
    category: Annotated[list[str] | None, typer.Option(
        help="a category whose first example is a warning sign (up to 3, repeat the option); default: the first three")] = None,
) -> None:
    """Print a unit's poster: hotlines, three warning signs (the first examples of categories in
    taxonomy.toml), and a QR code (with its address
    beside it) that opens the report form in the poster's language (TIPLINE_POSTER_URL, else
    TIPLINE_PUBLIC_BASE_URL, with ?lang=…)."""

    if not out.parent.is_dir():
        typer.echo(f"There is no folder {out.parent} to write {out.name} in.", err=True)
        raise typer.Exit(2)

    async def run(core):
        try:
            return await make_poster(core, "cli", unit, lang, paper, category or ())
        except PosterRefused as refused:
            typer.echo(describe(refused, "en"), err=True)
            raise typer.Exit(2) from None

    poster, pdf = with_core(run)
    out.write_bytes(pdf)
    typer.echo(f"{out}: {poster.paper} {'+'.join(poster.languages)} poster of {poster.unit}, "
               f"opening {', '.join(text.target for text in poster.texts)}")
