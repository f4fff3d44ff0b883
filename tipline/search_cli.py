"""`tipline search …`: the full-text search index of the console's queue (intake/casework/search.py)."""
from __future__ import annotations

import sys
import time

import typer

from intake.casework import search
from tipline.runner import with_core

search_app = typer.Typer(help="The full-text search index of the tips.", no_args_is_help=True)


@search_app.command("reindex")
def reindex() -> None:
    """Rebuild the search index from every tip (after upgrading, or to repair it)."""

    def progress(done: int) -> None:
        sys.stderr.write(f"\r  {done:,} tips indexed")
        sys.stderr.flush()

    async def run(core):
        begun = time.perf_counter()
        done = await search.reindex(core, progress=progress)
        return done, time.perf_counter() - begun

    done, seconds = with_core(run)
    if done:
        sys.stderr.write("\n")
    typer.echo(f"search index rebuilt: {done:,} tips in {seconds:.1f} s")
