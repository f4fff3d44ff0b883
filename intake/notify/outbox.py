"""The outbox: reporters' notices, written in the same transaction as the event that causes
them, rendered in the reporter's language when they are delivered.

Channels (e-mail, SMS, Telegram, …) are plugins with one small interface, registered by the
composition root; the core never imports a channel's adapter. dispatch.py delivers.

Notices whose text belongs to a layer above this one (an alert to a unit or to a member of staff,
a reward notice) are rendered by renderers registered by kind, also by the composition root, so
the outbox never imports the layers that write them.
"""
from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

from sqlalchemy import and_, exists, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from i18n import N_, Translator
from intake.domain import purposes
from intake.domain.dates_in_words import day_in_words
from intake.platform.clock import aware, local_date
from intake.platform.core import Core
from intake.platform.db import in_chunks
from intake.domain.messages import TRANSLATION_TO_FOLLOW, awaits_translation, render
from intake.platform.models.notifications import Notification
from intake.platform.models.tips import Person, StatusEvent, Tip
from intake.domain.workflow import STATUS_LABELS, Status

#: Notification kind of an alert to a unit's own address (intake/notify/unit_alerts.py, intake/casework/supervision.py).
UNIT_ALERT = "unit_alert"
#: Notification kind of a notice to a member of staff about their account (intake/notify/staff_alerts.py).
STAFF_ALERT = "staff_alert"
#: Notification kinds of a subscriber's notices (intake/prevention/subscriptions.py): a new warning,
#: and the link that confirms an e-mail subscription.
WARNING_NOTICE = "warning"
SUBSCRIPTION_CONFIRMATION = "subscription"
#: The outbox's lanes (Notification.lane), claimed lowest first: a broadcast to subscribers never
#: delays a reporter's case notice (intake/notify/dispatch.py).
CASE_LANE, BROADCAST_LANE = 0, 1

#: (core, session, notification) -> the notice to send, or None when there is no longer anyone to send it to.
Renderer = Callable[[Core, AsyncSession, Notification], Awaitable["Notice | None"]]
#: (core, tip, payload, language) -> (subject, body, SMS template parameters) of a reporter's notice.
TextRenderer = Callable[[Core, Tip, dict, str], tuple[str, str, dict[str, str]]]
#: Notices to somebody other than the reporter, by kind (UNIT_ALERT, STAFF_ALERT).
_renderers: dict[str, Renderer] = {}
#: The reporter's notices of a kind whose text is not a status step's (the reward scheme's), by kind.
_texts: dict[str, TextRenderer] = {}


def register_renderer(kind: str, renderer: Renderer) -> None:
    """Notifications of `kind` go to someone other than the reporter and are rendered by `renderer`."""
    _renderers[kind] = renderer


def register_text(kind: str, renderer: TextRenderer) -> None:
    """A reporter's notifications of `kind` without a status step take their text from `renderer`."""
    _texts[kind] = renderer


def _renderer_of(kind: str) -> Renderer | None:
    renderer = _renderers.get(kind)
    if renderer is None and kind in (UNIT_ALERT, STAFF_ALERT, WARNING_NOTICE, SUBSCRIPTION_CONFIRMATION):
        raise LookupError(f"no renderer registered for {kind!r} notices (tipline.bootstrap registers them)")
    return renderer


SAFETY_FOOTER = N_(
    "We will never ask you for money, bank card numbers, passwords or verification codes. "
    "If you are not sure this message is really from us, call %(phone)s or the government service hotline 12345."
)
#: The footer where the unit's number is the hotline itself (a unit with no number of its own).
SAFETY_FOOTER_HOTLINE = N_(
    "We will never ask you for money, bank card numbers, passwords or verification codes. "
    "If you are not sure this message is really from us, call the government service hotline 12345."
)
GOVERNMENT_HOTLINE = "12345"


def safety_footer(_: Translator, phone: str) -> str:
    """The last lines of every notice to a reporter: what we never ask, and whom to call to check
    it is ours (once, when the unit's number is 12345 itself)."""
    if phone.replace(" ", "").replace("-", "") == GOVERNMENT_HOTLINE:
        return _(SAFETY_FOOTER_HOTLINE)
    return _(SAFETY_FOOTER, phone=phone)


@dataclass(frozen=True)
class Notice:
    """A notice ready to send on one channel."""

    channel: str
    address: str  # e-mail address, phone number, chat id
    language: str
    subject: str
    body: str
    # Chinese SMS gateways send only pre-approved templates: an id and its parameters.
    template: str = "status_update"
    params: dict[str, str] = field(default_factory=dict)
    # What the channel looked up for a whole round before sending (its optional `prepare`, e.g.
    # whether the chat blocked the bot), so that `send` need not read it per notice. Never stored.
    looked_up: Mapping[str, Any] = field(default_factory=dict, compare=False, repr=False)
    # A subscriber's one-click opt-out address (an e-mail's List-Unsubscribe); "" for the rest.
    unsubscribe: str = ""


class DeliveryError(Exception):
    """A failed send; `retry` False when trying again cannot help (an invalid address);
    `retry_after` seconds when the channel said how long to wait (Telegram's 429)."""

    def __init__(self, reason: str, *, retry: bool = True, retry_after: float = 0) -> None:
        super().__init__(reason)
        self.retry = retry
        self.retry_after = retry_after


class Channel(Protocol):
    """What a delivery plugin provides. `send` returns when the channel took the notice.

    A channel may also provide `async def prepare(self, notices: Sequence[Notice]) ->
    list[Notice]`: called once per dispatcher round with every notice it is about to be given,
    it returns them (same order) with `looked_up` filled in from one read for them all."""

    name: str

    async def send(self, notice: Notice) -> None: ...


class PassOn(Exception):
    """A channel cannot reach this person now, and trying again will not help (a WeChat account
    that may not send notices, a closed 48-hour window with no subscription notice): the notice
    goes to the reporter's next channel (`reachable`), or, with none, waits on the status page.
    `reason` is recorded on the notification, never personal data."""


def reachable(core: Core, tip: Tip, person: Person | None) -> list[tuple[str, str]]:
    """Every (channel, address) the reporter can be told on, best first: the chat the tip came
    from, then e-mail, then SMS. Only the first is used, unless a channel passes a notice on."""
    if not tip.notify or person is None:
        return []
    data = core.keys.open_json(person.sealed, purpose=purposes.PEOPLE)
    found = []
    if data.get("channel_address") and tip.channel not in ("web", "terminal"):
        found.append((tip.channel, str(data["channel_address"])))
    if data.get("email"):
        found.append(("email", str(data["email"])))
    if data.get("phone"):
        found.append(("sms", str(data["phone"])))
    return found


def destinations(core: Core, tip: Tip, person: Person | None) -> list[tuple[str, str]]:
    """(channel, address) to notify: the chat the tip came from, else e-mail, else SMS."""
    return reachable(core, tip, person)[:1]


#: A notification its channel passed on (PassOn): see the notice queued after it, if any.
PASSED = "passed"


async def pass_on(session: AsyncSession, core: Core, notification: Notification, reason: str) -> Notification | None:
    """Inside the caller's transaction: `notification` marked passed on, with `reason`, and the
    same notice queued on the reporter's channel after its own; None when there is none (the
    notice waits on the status page)."""
    tip = await session.get(Tip, notification.tip_id) if notification.tip_id else None
    person = await session.get(Person, tip.reporter_id) if tip is not None and tip.reporter_id else None
    channels = [channel for channel, _address in reachable(core, tip, person)] if tip is not None else []
    later = channels[channels.index(notification.channel) + 1:] if notification.channel in channels else []
    now = core.clock.now()
    notification.status, notification.claimed_until, notification.attempts = PASSED, None, notification.attempts + 1
    if not later:
        notification.last_error = f"{reason}; no other channel: on the status page"
        return None
    notification.last_error = f"{reason}; passed on to {later[0]}"
    passed = Notification(
        tip_id=tip.id, event_id=notification.event_id, stream=f"tip:{tip.id}:{later[0]}", channel=later[0],
        kind=notification.kind, payload=notification.payload, status="pending", next_attempt_at=now, created_at=now,
    )
    session.add(passed)
    return passed


async def enqueue_for_event(session: AsyncSession, core: Core, tip: Tip, event: StatusEvent) -> list[Notification]:
    """Queue the reporter's notices of `event`, inside the caller's transaction."""
    person = await session.get(Person, tip.reporter_id) if tip.reporter_id else None
    notifications = []
    for channel, _address in destinations(core, tip, person):
        notification = Notification(
            tip_id=tip.id, event_id=event.id, stream=f"tip:{tip.id}:{channel}", channel=channel,
            kind="status", status="pending", next_attempt_at=event.at, created_at=event.at,
        )
        session.add(notification)
        notifications.append(notification)
    return notifications


async def render_notice(core: Core, session: AsyncSession, notification: Notification) -> Notice | None:
    """The notice in the reporter's language, with the address looked up at sending time
    (so no personal data is copied into the outbox). None when there is no longer anyone to tell."""
    return (await render_notices(core, session, [notification]))[0]


async def _by_id(session: AsyncSession, model: type, ids: set[int]) -> dict[int, object]:
    found: dict[int, object] = {}
    for some in in_chunks(sorted(ids)):
        rows = await session.scalars(select(model).where(model.id.in_(some)))
        found.update((row.id, row) for row in rows)
    return found


async def render_notices(core: Core, session: AsyncSession, notifications: Sequence[Notification]) -> list[Notice | None]:
    """`render_notice` of each notification, in order, reading each table once for them all (a
    dispatcher's round: one SELECT of tips, people and events instead of three per notice)."""
    reporters = [n for n in notifications if n.kind not in _renderers]  # unit and staff alerts have renderers
    # Unit alerts' tips too: render_unit_alert's session.get then finds them in the session.
    tips = await _by_id(session, Tip, {n.tip_id for n in notifications if n.tip_id})
    people = await _by_id(session, Person, {t.reporter_id for t in tips.values() if t.reporter_id})
    events = await _by_id(session, StatusEvent, {n.event_id for n in reporters if n.event_id})
    addresses: dict[int, dict[str, str]] = {}  # per tip: one decryption of the reporter's data
    notices: list[Notice | None] = []
    for notification in notifications:
        renderer = _renderer_of(notification.kind)
        if renderer is not None:  # to a unit or a member of staff, not the reporter: no personal data at all
            notices.append(await renderer(core, session, notification))
            continue
        tip = tips.get(notification.tip_id)
        person = people.get(tip.reporter_id) if tip is not None and tip.reporter_id else None
        if tip is None or person is None:
            notices.append(None)
            continue
        if tip.id not in addresses:
            addresses[tip.id] = dict(reachable(core, tip, person))  # a notice passed on is sent to a later one
        address = addresses[tip.id].get(notification.channel)
        if address is None:
            notices.append(None)
            continue
        notices.append(_reporter_notice(core, notification, tip, events.get(notification.event_id), address))
    return notices


ANSWER_IN_CHAT = N_("To answer, reply here in this chat, or on the status page with your tracking code and reply PIN.")
ANSWER_ON_STATUS_PAGE = N_("To answer, open the status page and enter your tracking code and reply PIN.")


def _how_to_answer(notification: Notification, tip: Tip) -> str:
    """Staff asked the reporter something: a notice in the chat the tip came from can be answered
    there (the chat is the credential); an e-mail or a text message only on the status page."""
    return ANSWER_IN_CHAT if notification.channel == tip.channel else ANSWER_ON_STATUS_PAGE


def _reporter_notice(core: Core, notification: Notification, tip: Tip, event: StatusEvent | None, address: str) -> Notice:
    language = tip.language
    _ = Translator(language)
    reported_on = day_in_words(local_date(aware(tip.created_at), core.settings.timezone), language)
    status = Status(event.to_status if event else tip.status)
    status_label = _(STATUS_LABELS[status])
    message = render(event.public_message if event else notification.payload, language, core.deployment) or ""
    phone = core.deployment.unit_phone(tip.lead_unit)
    if event and event.public_message and "text" in event.public_message:
        message = _(N_("The officer writes: %(text)s"), text=message)
        if awaits_translation(event.public_message, language):  # sent again once a colleague translates it
            message += "\n" + _(TRANSLATION_TO_FOLLOW, phone=phone)
    text = _texts.get(notification.kind)
    if text is not None and event is None and notification.payload:
        # E.g. the reward scheme's own texts (rewards.toml); no status-page link in such a notice.
        subject, body, params = text(core, tip, notification.payload, language)
        footer = safety_footer(_, phone)
        return Notice(
            channel=notification.channel, address=address, language=language, subject=subject,
            body="\n\n".join(line for line in (body, footer) if line),
            template=str(notification.payload.get("template")), params=params,
        )
    lines = [
        _(N_("Your report of %(date)s: %(status)s"), date=reported_on, status=status_label),
        message,
        _(_how_to_answer(notification, tip)) if status == Status.NEEDS_INFO else "",
        safety_footer(_, phone),
    ]
    if core.settings.public_base_url:
        lines.append(_(N_("See every step on the status page: %(url)s"), url=core.settings.public_base_url.rstrip("/") + "/status"))
    return Notice(
        channel=notification.channel,
        address=address,
        language=language,
        subject=_(N_("Your report of %(date)s: %(status)s"), date=reported_on, status=status_label),
        body="\n\n".join(line for line in lines if line),
        template="status_update",
        params={"date": reported_on, "status": status_label},
    )


def _waiting(channel: str, owner_hash: str):  # noqa: ANN202 - a SELECT of notifications
    later = aliased(Notification)
    return (select(Notification).join(Tip, Tip.id == Notification.tip_id)
            .where(Tip.channel == channel, Tip.channel_user_hash == owner_hash, Notification.channel == channel,
                   Notification.status == PASSED, Notification.event_id.is_not(None),
                   ~exists().where(and_(later.event_id == Notification.event_id, later.id > Notification.id)))
            .order_by(Notification.id))


async def has_waiting(core: Core, channel: str, owner_hash: str) -> bool:
    """Whether `take_waiting` would find notices the person has not been told yet (a staff
    question among them: their message cannot be its answer before they read it)."""
    async with core.db.session() as session:
        return (await session.scalar(_waiting(channel, owner_hash).with_only_columns(Notification.id).limit(1))) is not None


async def take_waiting(core: Core, channel: str, owner_hash: str) -> list[Notice]:
    """For a channel that can only answer (a WeChat account without customer-service messages):
    the notices it passed on that no other channel took, so that they wait on the status page,
    of the tips the person (`owner_hash`, the keyed hash on their tips) sent through it; oldest
    first, rendered, and marked sent (the person is told them in the answer to their message,
    once)."""
    waiting = _waiting(channel, owner_hash)
    if not await has_waiting(core, channel, owner_hash):  # most messages find none: no write transaction for them
        return []
    async with core.db.transaction() as session:
        rows = list((await session.scalars(waiting.with_for_update(of=Notification))).all())
        if not rows:  # another worker told them just now
            return []
        notices = await render_notices(core, session, rows)
        now = core.clock.now()
        for row in rows:
            row.status, row.sent_at = "sent", now
            row.last_error = (f"{row.last_error or ''}; shown when the person wrote again")[-2000:]
    return [notice for notice in notices if notice is not None]
