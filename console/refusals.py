"""The core's refusals (intake.domain.refusals.Refused) as the console shows them: one text for
each, and one page for those no form shows beside itself."""
from __future__ import annotations

from fastapi.responses import HTMLResponse

from console.web import Console, Viewer
from i18n import N_
from intake.casework.duplicates import ColourRefused
from intake.casework.risk_list import RiskListRefused
from intake.casework.supervision import SupervisionRefused
from intake.casework.translations import TranslationRefused
from intake.domain.refusals import Refused, describe

#: The console's own words for a refusal the core gives only a reason code for.
REASONS: dict[tuple[type[Refused], str], str] = {
    (SupervisionRefused, "role"): N_("Only coordinators send supervision notices."),
    (SupervisionRefused, "no_unit"): N_("This tip has no lead unit to send a supervision notice to."),
    (ColourRefused, "role"): N_("Only a unit lead or a coordinator sets an organisation's colour."),
    (ColourRefused, "colour"): N_("Choose one of the four colours."),
    (ColourRefused, "unknown"): N_("There is no such organisation among the tips you may see."),
    (RiskListRefused, "role"): N_("Only coordinators publish organisations or withdraw them from the public list."),
    (RiskListRefused, "colour"): N_("Only an organisation coloured red or orange on an official determination may be published."),
    (RiskListRefused, "unknown"): N_("There is no such organisation."),
    (TranslationRefused, "language"): N_("Choose a language other than the one the text is written in."),
    (TranslationRefused, "nothing"): N_("There is no such text to translate on this tip."),
}


def refusal_text(viewer: Viewer, refused: Refused) -> str:
    """Why, in the viewer's language: the console's words for its reason, else the core's message."""
    wording = REASONS.get((type(refused), refused.reason))
    return viewer._(wording) if wording is not None else describe(refused, viewer.language)


def problem_page(console: Console, viewer: Viewer, refused: Refused) -> HTMLResponse:
    _ = viewer._
    return console.render(viewer, "message.html", status_code=400, title=_("There is a problem"),
                          message=refusal_text(viewer, refused))
