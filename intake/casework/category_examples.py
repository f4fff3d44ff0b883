"""Categories staff confirm or correct become training examples for the suggestion (issue 19
item 3): the description's words only, scrubbed of the names, numbers and addresses in it
(intake/domain/scrubbing.py). One example per tip, the latest word standing; retention erases it
with the tip's personal data (intake/admin/retention.py). `tipline suggest train` and the
service's daily retraining read them (intake/admin/suggest_learning.py).
"""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from intake.domain import purposes
from intake.domain.category_training import CONFIRMED_WEIGHT, Example
from intake.domain.scrubbing import personal_words, scrub
from intake.platform.core import Core
from intake.platform.models.tips import CategoryExample, Person, Tip

SOURCE = "confirmed"  # an Example's source: a category staff confirmed


async def record(core: Core, session: AsyncSession, tip: Tip, category: str, now: datetime) -> None:
    """Keep (or update) the tip's example, in the caller's transaction. A tip whose personal data
    is already erased gives none: nothing would erase it later."""
    description = str((tip.answers or {}).get("description") or "").strip()
    if tip.personal_erased_at is not None or not description:
        return
    people = []
    for person_id in (tip.reporter_id, tip.victim_id):
        person = await session.get(Person, person_id) if person_id else None
        if person is not None:
            people.append(core.keys.open_json(person.sealed, purpose=purposes.PEOPLE))
    names, addresses = personal_words(tip.answers or {}, people)
    text = scrub(description, names=names, addresses=addresses)
    suggested = (tip.suggestion or {}).get("category")
    example = await session.scalar(select(CategoryExample).where(CategoryExample.tip_id == tip.id))
    if example is None:
        session.add(CategoryExample(tip_id=tip.id, category=category, language=tip.language, text=text,
                                    suggested=suggested, confirmed_at=now))
    else:
        example.category, example.text, example.confirmed_at = category, text, now


async def erase(session: AsyncSession, tip_id: int) -> None:
    await session.execute(delete(CategoryExample).where(CategoryExample.tip_id == tip_id))


async def confirmed(core: Core) -> list[tuple[Example, datetime]]:
    """Every example, oldest confirmation first."""
    async with core.db.session() as session:
        rows = (await session.execute(select(
            CategoryExample.category, CategoryExample.language, CategoryExample.text, CategoryExample.confirmed_at,
        ).order_by(CategoryExample.confirmed_at, CategoryExample.id))).all()
    return [(Example(category=c, language=lang, text=text, source=SOURCE, weight=CONFIRMED_WEIGHT), at) for c, lang, text, at in rows]
