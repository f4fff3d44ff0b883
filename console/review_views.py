"""The coordinators' view of the translations' review: per language and per screen, how many
texts a native speaker has checked and how many still wait. The review itself is done in a
spreadsheet with `tipline i18n export` and `import` (i18n/TRANSLATING.md)."""
from __future__ import annotations

import asyncio
from typing import Annotated

from fastapi import APIRouter, Depends
from fastapi.responses import Response

from console.dependencies import ConsoleDep, role
from console.web import Viewer
from i18n import LANGUAGES, N_
from i18n.review import ALL, screen_label, status as catalog_status
from intake.admin import text_review
from intake.staff.staff import Role

Coordinator = Annotated[Viewer, Depends(role(
    Role.COORDINATOR, title=N_("Translation review"), message=N_("The translation review is for coordinators.")))]

#: Each language named in the reader's (the public site names each in its own).
LANGUAGE_LABELS = {"zh_Hans": N_("Chinese"), "bo": N_("Tibetan"), "en": N_("English")}

router = APIRouter()


def _languages(raw: dict) -> list[dict]:
    """Reads the catalogs from disk (and finds each entry's screen in the code): run in a thread."""
    found = []
    for language in LANGUAGES:
        program = catalog_status(language)
        deployment = text_review.status(raw, language)
        everything = next((c for c in program if c.screen == ALL), None)
        total = [sum(c.entries for c in deployment), sum(c.reviewed for c in deployment), sum(c.awaiting for c in deployment)]
        if everything is not None:
            total = [total[0] + everything.entries, total[1] + everything.reviewed, total[2] + everything.awaiting]
        found.append({
            "code": language, "label": LANGUAGE_LABELS[language],
            "program": [(screen_label(c.screen), c) for c in program if c.screen != ALL],
            "deployment": [(c.screen, c) for c in deployment],
            "total": total,
        })
    return found


@router.get("/translation-review")
async def translation_review(viewer: Coordinator, console: ConsoleDep) -> Response:
    raw = console.core.deployment.model_dump(mode="json")
    languages = await asyncio.to_thread(_languages, raw)
    return console.render(viewer, "translation_review.html", title=viewer._("Translation review"), languages=languages)
