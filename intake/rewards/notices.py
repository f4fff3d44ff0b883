"""The reporter's reward notices: queued on the reporter's channels in the caller's transaction,
and rendered from the scheme's texts (the composition root registers the renderer by kind)."""
from __future__ import annotations

from datetime import date

from sqlalchemy.ext.asyncio import AsyncSession

from intake.domain.dates_in_words import day_in_words
from intake.domain.deployment import LocalText
from intake.notify.outbox import destinations
from intake.platform.core import Core
from intake.platform.models.notifications import Notification
from intake.platform.models.tips import Person, Tip
from intake.rewards.scheme import scheme


#: Notification kind of a reward notice to the reporter (its text from rewards.toml, not a status step).
REWARD_KIND = "reward"
NOTICE_TEMPLATES = ("reward_approved", "reward_paid", "reward_lapsed", "reward_not_eligible_merged")


async def queue_notice(core: Core, session: AsyncSession, tip: Tip, template: str, **params: str) -> list[Notification]:
    """Queue a reward notice to the tip's reporter on their channel, in the caller's transaction."""
    person = await session.get(Person, tip.reporter_id) if tip.reporter_id else None
    now = core.clock.now()
    queued = []
    for channel, _address in destinations(core, tip, person):
        notification = Notification(
            tip_id=tip.id, event_id=None, stream=f"tip:{tip.id}:{channel}", channel=channel, kind=REWARD_KIND,
            payload={"template": template, "params": dict(params)}, status="pending", next_attempt_at=now, created_at=now,
        )
        session.add(notification)
        queued.append(notification)
    return queued


def render_reward_notice(core: Core, tip: Tip, payload: dict, language: str) -> tuple[str, str, dict[str, str]]:
    """(subject, body, params) of a reward notice in `language`, from the scheme's texts; the
    params are what an SMS gateway's pre-approved template for this notice needs."""
    texts = scheme(core).notices
    params = {
        "amount": "", "until": "", "date": "",
        **{k: str(v) for k, v in (payload.get("params") or {}).items()},
        "unit": core.deployment.unit_name(tip.lead_unit, language) if tip.lead_unit else "",
        "phone": core.deployment.unit_phone(tip.lead_unit),
    }
    for day in ("until", "date"):  # queued as YYYY-MM-DD, read in the reporter's own words
        if params[day]:
            params[day] = day_in_words(date.fromisoformat(params[day]), language)
    text: LocalText | None = getattr(texts, str(payload.get("template")), None)
    if not isinstance(text, LocalText):
        return texts.subject.get(language), "", params
    try:
        body = text.get(language) % params
    except (KeyError, ValueError, TypeError):
        body = text.get(language)
    return texts.subject.get(language), body, params
