"""What the public sees of warnings and typical cases: those published and not past their last
day, in the reader's language or in Chinese (saying so), on the site, in the feed, in the bot and
in "check before you pay"; and how often each was opened (a count per day, nobody's identity).
Everything here is read afresh each time, so a withdrawn warning is gone at once."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import select

from i18n import DEFAULT_LANGUAGE
from intake.platform.core import Core
from intake.platform.counters import add_one
from intake.platform.models.prevention import ScamWarning, WarningViews
from intake.platform.models.tip_records import Organisation


@dataclass(frozen=True)
class PublicWarning:
    """A published warning as a reader sees it, in their language or in Chinese when not yet translated."""

    id: int
    kind: str
    category: str
    regions: tuple[str, ...]
    title: str
    body: str
    language: str  # the language the title and body are in
    translated: bool  # False: shown in Chinese, the reader's language is missing
    do_not_call: tuple[str, ...]
    do_not_open: tuple[str, ...]
    published_at: datetime
    updated_at: datetime
    visible_until: date
    organisation: str | None = None  # the name of the organisation it is about, when linked


def public_view(core: Core, warning: ScamWarning, language: str, organisation: str | None = None) -> PublicWarning:
    shown = language if language in warning.texts else DEFAULT_LANGUAGE
    text = warning.texts[shown]
    return PublicWarning(
        id=warning.id, kind=warning.kind, category=warning.category, regions=tuple(warning.regions), title=text["title"],
        body=text["body"], language=shown, translated=shown == language, do_not_call=tuple(warning.do_not_call),
        do_not_open=tuple(warning.do_not_open), published_at=warning.published_at,
        updated_at=max(warning.published_at, warning.approved_at or warning.published_at), visible_until=warning.visible_until,
        organisation=organisation)


def shown_today(core: Core):  # noqa: ANN202 - a SQLAlchemy condition
    return (ScamWarning.status == "published") & (ScamWarning.visible_until >= core.today())


async def published_warnings(core: Core, language: str, *, region: str | None = None, category: str | None = None,
                             limit: int = 100) -> list[PublicWarning]:
    """What the public sees now, newest first: published and not past their last day. A region
    filter finds the warnings of the region, of the regions around it and of those inside it."""
    async with core.db.session() as session:
        rows = (await session.scalars(
            select(ScamWarning).where(shown_today(core)).order_by(ScamWarning.published_at.desc(), ScamWarning.id.desc())
        )).all()
    if region:
        near = {r.code for r in core.deployment.region_path(region)} | core.deployment.region_and_below(region)
        rows = [w for w in rows if set(w.regions) & near]
    if category:
        rows = [w for w in rows if w.category == category]
    async with core.db.session() as session:
        names = await organisation_names(session, rows[:limit])
    return [public_view(core, w, language, names.get(w.organisation_id)) for w in rows[:limit]]


async def organisation_names(session, warnings: list[ScamWarning]) -> dict[int, str]:  # noqa: ANN001 - an AsyncSession
    """The names of the organisations these warnings are about, by id (one query)."""
    ids = {w.organisation_id for w in warnings if w.organisation_id is not None}
    if not ids:
        return {}
    return dict((await session.execute(select(Organisation.id, Organisation.display_name).where(Organisation.id.in_(ids)))).all())


async def published_warning(core: Core, warning_id: int, language: str) -> PublicWarning | None:
    """One warning the public can see now, with the name of the organisation it is about."""
    async with core.db.session() as session:
        warning = await session.scalar(select(ScamWarning).where(ScamWarning.id == warning_id, shown_today(core)))
        if warning is None:
            return None
        name = (await session.scalar(select(Organisation.display_name).where(Organisation.id == warning.organisation_id))
                if warning.organisation_id is not None else None)
    return public_view(core, warning, language, name)


async def count_view(core: Core, warning_id: int) -> None:
    """One more opening of a published warning today, for the campaign's figures: a count per
    warning and day, nothing about who read it."""
    await add_one(core.db, WarningViews, warning_id=warning_id, day=core.today())
