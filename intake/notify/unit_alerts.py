"""Alerts to units: a unit (lead or assisting) learns of a new tip without watching the queue,
at once when the tip is urgent, and gets a daily digest.

Everything goes through the outbox (kind "unit_alert", one stream per unit and channel, so a
unit's alerts arrive in order) to the unit's own addresses from units.toml: `email` and/or
`telegram_chat` (its group chat; the bot's sender delivers it). The addresses are looked up when
an alert is sent, like a reporter's. An alert says which tip, its category, urgency and due
date, and points to the console; it never carries the reporter's data or the description.

When:
- at submission, every lead and assisting unit of the new tip is alerted at once; a deployment
  that wants only urgent tips alerted at once sets `unit_alerts_immediate = "urgent"` (the others
  then wait for the digest);
- when a tip moves to another unit (re-routing, a category change), each newly added unit is
  alerted at once under the same rule;
- when a coordinator sends a supervision notice (督办), the lead unit's e-mail address is told
  which tip (the notice itself is in the tip's timeline);
- the digest, once a day per unit from the configured local hour (`unit_digest_hour`, 08:00 by
  default): tips new to the unit (lead or assisting) since its last digest, the tips it leads
  that are past a deadline now, its tips the reporter answered since the last digest; counts and
  tip numbers only. `unit_digests` keeps one
  row per unit and local day, written with the digest's notices, so a second run sends nothing
  twice, even from two processes at once. A day with nothing to report sends nothing.
"""
from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from zoneinfo import ZoneInfo

from sqlalchemy import and_, func, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from i18n import N_, Translator
from intake.domain import joins
from intake.platform.clock import aware, local_date
from intake.platform.core import Core
from intake.domain.deployment import Unit
from intake.platform.models.notifications import Notification, UnitDigest
from intake.platform.models.tip_records import ReporterMessage
from intake.platform.models.tips import Assignment, Tip
from intake.notify.outbox import UNIT_ALERT, Notice
from intake.domain.workflow import ACTIVE, Status

logger = logging.getLogger(__name__)

#: What an alert is about (the payload's "about"). NEW, REROUTED, DIGEST and SUPERVISION (督办, sent
#: when casework raises SupervisionIssued) are written here; LOOKUP_BUDGET (to the coordinating office:
#: tracking codes are being guessed) by intake/reporting/lookups.py, whose renderer the composition root
#: registers with `register_alert`.
NEW, REROUTED, DIGEST, SUPERVISION, LOOKUP_BUDGET = "new_tip", "rerouted", "digest", "supervision", "lookup_budget"
#: (core, notification) -> the alert to send, or None when there is no longer an address for it.
AlertRenderer = Callable[[Core, Notification], "Notice | None"]
_alerts: dict[str, AlertRenderer] = {}


def register_alert(about: str, renderer: AlertRenderer) -> None:
    """Alerts about `about` are rendered by `renderer` (a layer above this one writes their text)."""
    _alerts[about] = renderer
#: Units read Chinese.
UNIT_LANGUAGE = "zh_Hans"
#: Tip numbers listed per line of a digest; the count always says how many there are.
DIGEST_NUMBERS = 50

PRIORITY_WORDS = {"urgent": N_("Urgent"), "high": N_("High"), "normal": N_("Normal")}
SUBJECTS = {
    NEW: N_("New tip %(id)s for your unit (%(category)s)"),
    REROUTED: N_("Tip %(id)s has been passed to your unit (%(category)s)"),
}
URGENT_SUBJECT = N_("URGENT: %(subject)s")
ROLE_LINES = {
    "lead": N_("Your unit leads the handling of this tip (承办)."),
    "assisting": N_("Your unit assists with this tip (协办)."),
}
TIP_LINE = N_("Tip number: %(id)s")
CATEGORY_LINE = N_("Category: %(category)s")
URGENCY_LINE = N_("Urgency: %(urgency)s")
ACCEPT_LINE = N_("Accept by: %(date)s")
FINISH_LINE = N_("Finish by: %(date)s")
# Urgent (routing.py): money is leaving now, or was lost while the scam goes on.
URGENT_LINE = N_("This tip is urgent: the person targeted may be losing money now. Please act on it at once.")
CONSOLE_LINK = N_("Read the tip and act on it in the staff console: %(url)s")
CONSOLE_LINE = N_("Read the tip and act on it in the staff console. This alert leaves the details out on purpose.")
DIGEST_SUBJECT = N_("Daily digest of %(date)s for %(unit)s: %(new)s new, %(overdue)s overdue, %(answered)s answered")
DIGEST_LINES = {
    "new": N_("New tips for your unit since the last digest: %(count)s"),
    "overdue": N_("Tips of your unit past a deadline: %(count)s"),
    "answered": N_("Tips the reporter answered or added to since the last digest: %(count)s"),
}
NUMBERS_LINE = N_("Tip numbers: %(numbers)s")
MORE_NUMBERS = N_("and %(count)s more")
DIGEST_CONSOLE_LINK = N_("Work through them in the staff console: %(url)s")
DIGEST_CONSOLE_LINE = N_("Work through them in the staff console.")
SUPERVISION_SUBJECT = N_("Supervision notice (督办) about tip %(id)s")
SUPERVISION_BODY = N_(
    "The campaign office has sent your unit a supervision notice (督办) about tip %(id)s. "
    "Please open the tip in the staff console, where the notice is in its timeline, and act on it."
)


def unit_destinations(unit: Unit | None) -> list[tuple[str, str]]:
    """(channel, address) of a unit's alerts: its e-mail, its Telegram group chat."""
    if unit is None or unit.retired:
        return []
    found = []
    if unit.email:
        found.append(("email", unit.email))
    if unit.telegram_chat:
        found.append(("telegram", unit.telegram_chat))
    return found


def _notification(unit: str, channel: str, payload: dict, at: datetime, *, tip_id: int | None, event_id: int | None) -> Notification:
    return Notification(
        tip_id=tip_id, event_id=event_id, stream=f"unit:{unit}:{channel}", channel=channel, kind=UNIT_ALERT,
        payload={"unit": unit, **payload}, status="pending", next_attempt_at=at, created_at=at,
    )


def coordinating_units(deployment) -> list[Unit]:  # noqa: ANN001 - intake.domain.deployment.Deployment
    """The coordinating office of the whole deployment (its root region), or every coordinating
    office when the root has none: the people told about the deployment as a whole."""
    kind = deployment.routing.coordinating_kind
    root = next(region.code for region in deployment.regions if not region.parent)
    units = [unit for unit in deployment.units if unit.kind == kind and not unit.retired]
    return [unit for unit in units if unit.region == root] or units


def queue_unit_alert(core: Core, session: AsyncSession, unit: str, payload: dict) -> list[Notification]:
    """An alert about no tip in particular to each of a unit's addresses, in the caller's transaction."""
    now = core.clock.now()
    queued = []
    for channel, _address in unit_destinations(core.deployment.unit_by_code.get(unit)):
        notification = _notification(unit, channel, payload, now, tip_id=None, event_id=None)
        session.add(notification)
        queued.append(notification)
    return queued


def queue_tip_alerts(
    core: Core, session: AsyncSession, tip: Tip, units: Iterable[tuple[str, str]], *, about: str = NEW,
    event_id: int | None = None,
) -> list[Notification]:
    """Alert each (unit code, "lead" or "assisting") about `tip` at once, inside the caller's
    transaction (the tip must have its id). Non-urgent tips only when the deployment alerts
    every new tip at once."""
    if core.settings.unit_alerts_immediate == "urgent" and tip.priority != "urgent":
        return []
    now = core.clock.now()
    queued, seen = [], set()
    for code, role in units:
        if not code or code in seen:
            continue
        seen.add(code)
        for channel, _address in unit_destinations(core.deployment.unit_by_code.get(code)):
            notification = _notification(code, channel, {"about": about, "role": role}, now, tip_id=tip.id, event_id=event_id)
            session.add(notification)
            queued.append(notification)
    return queued


def queue_supervision_alert(core: Core, session: AsyncSession, unit: str, *, tip_id: int, event_id: int, at: datetime) -> list[Notification]:
    """The alert of a supervision notice (督办) to the unit's e-mail address, if it has one, in the
    caller's transaction. It says which tip, never what the tip is about or who reported it."""
    found = core.deployment.unit_by_code.get(unit)
    if found is None or not found.email:
        return []
    notification = _notification(unit, "email", {"about": SUPERVISION}, at, tip_id=tip_id, event_id=event_id)
    session.add(notification)
    return [notification]


# --- the daily digest ------------------------------------------------------------------------


@dataclass(frozen=True)
class DigestContents:
    new: list[int]
    overdue: list[int]
    answered: list[int]

    @property
    def empty(self) -> bool:
        return not (self.new or self.overdue or self.answered)

    def payload(self, day: str) -> dict:
        return {
            "about": DIGEST, "day": day,
            **{name: {"count": len(ids), "ids": ids[:DIGEST_NUMBERS]}
               for name, ids in (("new", self.new), ("overdue", self.overdue), ("answered", self.answered))},
        }


def _utc(moment: datetime) -> datetime:
    return moment.astimezone(timezone.utc)  # SQLite compares the stored UTC text


async def digest_contents(session: AsyncSession, unit: str, since: datetime, until: datetime) -> DigestContents:
    """Tips new to `unit` in (since, until], its tips past a deadline at `until`, and its tips
    the reporter wrote to in (since, until]."""
    low, high = _utc(since), _utc(until)
    mine = and_(Assignment.unit_code == unit, Assignment.active.is_(True))
    new = (await session.scalars(
        select(Assignment.tip_id).where(mine, Assignment.assigned_at > low, Assignment.assigned_at <= high)
        .distinct().order_by(Assignment.tip_id)
    )).all()
    overdue = (await session.scalars(
        select(Tip.id).where(Tip.lead_unit == unit, or_(
            and_(Tip.status == Status.SUBMITTED, Tip.accept_due < high),
            and_(Tip.status.in_(ACTIVE), Tip.paused_at.is_(None), Tip.finish_due < high),
        )).order_by(Tip.id)
    )).all()
    answered = (await session.scalars(
        select(ReporterMessage.tip_id).join(Assignment, Assignment.tip_id == ReporterMessage.tip_id)
        .where(mine, ReporterMessage.at > low, ReporterMessage.at <= high).distinct().order_by(ReporterMessage.tip_id)
    )).all()
    return DigestContents(list(new), list(overdue), list(answered))


@dataclass(frozen=True)
class QueuedDigest:
    unit: str
    contents: DigestContents


async def queue_digests(core: Core, *, force: bool = False) -> list[QueuedDigest]:
    """Queue today's digest of every unit with an address that has none yet. Before the digest
    hour (local time) nothing happens, unless `force` (the `tipline alerts digest` command).
    Returns the digests queued now (a unit with nothing to report is marked done, not sent)."""
    now = core.clock.now()
    local = now.astimezone(ZoneInfo(core.settings.timezone))
    if not force and local.hour < core.settings.unit_digest_hour:
        return []
    day = local.date().isoformat()
    async with core.db.session() as session:
        done = set((await session.scalars(select(UnitDigest.unit_code).where(UnitDigest.day == day))).all())
    queued = []
    for unit in core.deployment.units:
        destinations = unit_destinations(unit)
        if not destinations or unit.code in done:
            continue
        try:
            async with core.db.transaction() as session:
                if await session.get(UnitDigest, (unit.code, day)) is not None:
                    continue
                last = await session.scalar(select(func.max(UnitDigest.covered_until)).where(UnitDigest.unit_code == unit.code))
                since = aware(last) if last is not None else now - timedelta(days=1)
                contents = await digest_contents(session, unit.code, since, now)
                session.add(UnitDigest(unit_code=unit.code, day=day, covered_from=since, covered_until=now, created_at=now))
                if contents.empty:
                    continue
                for channel, _address in destinations:
                    session.add(_notification(unit.code, channel, contents.payload(day), now, tip_id=None, event_id=None))
                queued.append(QueuedDigest(unit.code, contents))
        except IntegrityError:  # another process wrote this unit's digest at the same moment
            logger.info("digest of %s for %s: already made by another process", unit.code, day)
    return queued


# --- rendering, when an alert is sent --------------------------------------------------------


def _console_line(core: Core, _: Translator, path: str, link: str, line: str) -> str:
    base = core.settings.console_base_url.rstrip("/")
    return _(link, url=base + path) if base else _(line)


def _numbers(_: Translator, part: dict) -> str:
    ids = [str(i) for i in part.get("ids", [])]
    more = int(part.get("count", 0)) - len(ids)
    text = joins.listed(ids, _.language)
    return f"{text} {_(MORE_NUMBERS, count=more)}" if more > 0 else text


async def render_unit_alert(core: Core, session: AsyncSession, notification: Notification) -> Notice | None:
    """The alert in the units' language, to the unit's address on the notification's channel as
    configured now. None when there is no longer an address (or a tip) to alert about."""
    payload = notification.payload or {}
    about = payload.get("about")
    if not about or about == SUPERVISION:  # an alert without "about" is a 督办's too
        return _supervision_alert(core, notification)
    if about not in (NEW, REROUTED, DIGEST):  # written by a layer above
        renderer = _alerts.get(str(about))
        if renderer is None:
            raise LookupError(f"no renderer registered for unit alerts about {about!r} (tipline.bootstrap registers them)")
        return renderer(core, notification)
    deployment = core.deployment
    unit = deployment.unit_by_code.get(str(payload.get("unit", "")))
    address = dict(unit_destinations(unit)).get(notification.channel)
    if unit is None or address is None:
        return None
    _ = Translator(UNIT_LANGUAGE)
    if about == DIGEST:
        counts = {name: int((payload.get(name) or {}).get("count", 0)) for name in DIGEST_LINES}
        subject = _(DIGEST_SUBJECT, date=payload.get("day", ""), unit=deployment.unit_name(unit.code, UNIT_LANGUAGE), **counts)
        lines = []
        for name, message in DIGEST_LINES.items():
            part = payload.get(name) or {}
            if counts[name]:
                lines.append(_(message, count=counts[name]) + "\n" + _(NUMBERS_LINE, numbers=_numbers(_, part)))
        lines.append(_console_line(core, _, "/queue", DIGEST_CONSOLE_LINK, DIGEST_CONSOLE_LINE))
        params = {"day": str(payload.get("day", ""))}
    else:
        tip = await session.get(Tip, notification.tip_id) if notification.tip_id else None
        if tip is None:
            return None
        category_label = deployment.category_label(tip.category, UNIT_LANGUAGE)
        subject = _(SUBJECTS[about], id=tip.id, category=category_label)
        if tip.priority == "urgent":
            subject = _(URGENT_SUBJECT, subject=subject)
        tz = core.settings.timezone
        if tip.status == Status.SUBMITTED and tip.accept_due:
            due = _(ACCEPT_LINE, date=local_date(aware(tip.accept_due), tz).isoformat())
        elif tip.finish_due:
            due = _(FINISH_LINE, date=local_date(aware(tip.finish_due), tz).isoformat())
        else:
            due = ""
        lines = [
            _(ROLE_LINES.get(str(payload.get("role")), ROLE_LINES["lead"])),
            "\n".join(line for line in (
                _(TIP_LINE, id=tip.id), _(CATEGORY_LINE, category=category_label),
                _(URGENCY_LINE, urgency=_(PRIORITY_WORDS.get(tip.priority, PRIORITY_WORDS["normal"]))), due,
            ) if line),
            _(URGENT_LINE) if tip.priority == "urgent" else "",
            _console_line(core, _, f"/tips/{tip.id}", CONSOLE_LINK, CONSOLE_LINE),
        ]
        params = {"tip": str(tip.id)}
    body = "\n\n".join(line for line in lines if line)
    if notification.channel != "email":  # a chat message has no subject line of its own
        body = f"{subject}\n\n{body}"
    return Notice(channel=notification.channel, address=address, language=UNIT_LANGUAGE, subject=subject, body=body,
                  template=UNIT_ALERT, params=params)


def _supervision_alert(core: Core, notification: Notification) -> Notice | None:
    """The e-mail to a unit about a 督办: which tip, and where to read it; the address looked up when sent."""
    unit = core.deployment.unit_by_code.get(str((notification.payload or {}).get("unit", "")))
    if unit is None or not unit.email:
        return None
    _ = Translator(UNIT_LANGUAGE)
    subject = _(SUPERVISION_SUBJECT, id=notification.tip_id)
    return Notice(channel="email", address=unit.email, language=UNIT_LANGUAGE, subject=subject,
                  body=_(SUPERVISION_BODY, id=notification.tip_id), template=UNIT_ALERT, params={"tip": str(notification.tip_id)})
