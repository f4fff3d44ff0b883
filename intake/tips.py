"""Reading tips: finding one by its tracking code and showing its public timeline.

The code alone is read-only: it shows the timeline in the reporter's language and never
any personal data.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from i18n import N_, Translator
from intake.clock import aware
from intake.core import Core
from intake.models import Tip
from intake.submission import tracking_hash
from intake.tracking import format_code, normalize_code
from intake.messages import render
from intake.workflow import STATUS_LABELS, Status


@dataclass(frozen=True)
class TimelineEntry:
    at: datetime  # in the deployment's time zone
    status: str
    label: str
    message: str | None
    from_officer: bool  # free text written by staff, shown framed "the officer writes:"


@dataclass(frozen=True)
class PublicView:
    code: str  # grouped for reading aloud
    language: str
    status: str
    status_label: str
    entries: list[TimelineEntry]


async def find_tip(core: Core, code_text: str) -> Tip | None:
    code = normalize_code(code_text)
    if code is None:
        return None
    async with core.db.session() as session:
        return await session.scalar(
            select(Tip).where(Tip.tracking_hash == tracking_hash(core.keys, code)).options(selectinload(Tip.events))
        )


async def public_view(core: Core, code_text: str, language: str | None = None) -> PublicView | None:
    """The tip's public timeline, in `language` or else the reporter's own language."""
    tip = await find_tip(core, code_text)
    if tip is None:
        return None
    lang = language or tip.language
    _ = Translator(lang)
    zone = ZoneInfo(core.settings.timezone)
    entries = [
        TimelineEntry(
            at=aware(event.at).astimezone(zone),
            status=event.to_status,
            label=_(STATUS_LABELS[Status(event.to_status)]),
            message=render(event.public_message, lang, core.deployment),
            from_officer=bool(event.public_message and "text" in event.public_message),
        )
        for event in tip.events
        if event.public_message  # re-routing and other internal steps have none
    ]
    return PublicView(
        code=format_code(normalize_code(code_text) or ""),
        language=lang,
        status=tip.status,
        status_label=_(STATUS_LABELS[Status(tip.status)]),
        entries=entries,
    )


UNKNOWN_CODE = N_(
    "We could not find a report with that tracking code. Please check the 12 digits and try again."
)
