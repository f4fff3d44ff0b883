"""The reporter's rating of how a closed tip was handled (回访/评价)."""
from __future__ import annotations

from i18n import N_
from intake.platform import audit
from intake.domain.answers.invalid import Invalid
from intake.domain.answers.text import clean_text
from intake.platform.core import Core
from intake.platform.models.tip_records import Rating
from intake.platform.models.tips import Tip
from intake.domain.workflow import Status

CHOICES = {"yes": N_("Satisfied"), "partly": N_("Mostly satisfied"), "no": N_("Not satisfied")}


async def rate(core: Core, tip_id: int, satisfied: str, comment: str = "") -> Rating | Invalid:
    """Record (or change) the rating; only a closed tip can be rated."""
    if satisfied not in CHOICES:
        return Invalid(N_("Please choose one of the answers."))
    cleaned = clean_text(comment, max_chars=2000) if comment else ""
    if isinstance(cleaned, Invalid):
        return cleaned
    async with core.db.transaction() as session:
        tip = await session.get(Tip, tip_id)
        if tip is None or tip.status != Status.CLOSED:
            return Invalid(N_("You can say how your report was handled once it is finished."))
        rating = await session.get(Rating, tip_id)
        if rating is None:
            rating = Rating(tip_id=tip_id, satisfied=satisfied, comment=cleaned or None, at=core.clock.now())
            session.add(rating)
        else:
            rating.satisfied, rating.comment, rating.at = satisfied, cleaned or None, core.clock.now()
        audit.record(session, core, "reporter", "tip.rated", tip_id, satisfied=satisfied)
        return rating


async def explain(core: Core, tip_id: int, what_went_wrong: str) -> Rating | Invalid:
    """The reporter's answer to "what went wrong?" (the one question after "not satisfied"),
    kept with the rating; staff read it without the reporter's identity (casework.casefile)."""
    cleaned = clean_text(what_went_wrong, max_chars=2000, min_chars=1)
    if isinstance(cleaned, Invalid):
        return cleaned
    async with core.db.transaction() as session:
        rating = await session.get(Rating, tip_id)
        if rating is None:
            return Invalid(N_("You can say how your report was handled once it is finished."))
        rating.comment = cleaned
        audit.record(session, core, "reporter", "tip.rating_explained", tip_id)
        return rating
