"""Subscriptions to new warnings: "tell me about new warnings in my county", in a Telegram chat
or by e-mail, and the notices that tell subscribers when a warning is published.

A chat subscribes with a button in its own chat (the chat is its proof), at once; an e-mail
address only once the link mailed to it is opened and confirmed (double opt-in), so nobody can
sign someone else up. Addresses are personal data: sealed (purposes.SUBSCRIBER) with the token
of the person's links, and found by keyed hashes (the chat's is the hash its ChannelUser row
has). Opting out deletes the subscription: nothing of the person is kept.

When a second coordinator publishes a warning (intake/prevention/warnings.py raises
WarningPublished), every subscriber of a county the warning touches is queued one notice
through the outbox, in the broadcast lane (a reporter's case notice is claimed first), one
stream per address (in order), one notice per address however many of its counties the warning
touches (none twice). The notice is rendered when it is sent, in the subscriber's language (in
Chinese with the "not yet translated" line otherwise), and not at all when the person opted
out or the warning was withdrawn meanwhile.
"""
from __future__ import annotations

import logging
import secrets
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import delete, insert, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from i18n import DEFAULT_LANGUAGE, LANGUAGES, N_, Translator
from intake.domain import purposes
from intake.domain.answers.emails import parse_email
from intake.domain.answers.invalid import Invalid
from intake.domain.deployment import Deployment, Region
from intake.domain.events import WarningPublished
from intake.domain.refusals import Refused
from intake.notify.outbox import BROADCAST_LANE, SUBSCRIPTION_CONFIRMATION, WARNING_NOTICE, Notice, safety_footer
from intake.platform import audit, ratelimit
from intake.platform.clock import aware
from intake.platform.core import Core
from intake.platform.models.notifications import Notification
from intake.platform.models.prevention import ScamWarning, WarningSubscription
from intake.platform.models.reporting import ChannelUser
from intake.platform.ratelimit import Limit
from intake.prevention.warning_text import warning_text
from intake.prevention.public import organisation_names, public_view
from intake.reporting.drafts import owner_candidates, owner_hash
from intake.reporting.lookups import Client

log = logging.getLogger(__name__)

PENDING, ACTIVE = "pending", "active"
EMAIL, TELEGRAM = "email", "telegram"
#: Subscriptions asked for per client (an address) per hour, as the other public forms.
SUBSCRIBING = Limit("warning-subscriptions", 10, 3600)
#: A confirmation link works this long; an unconfirmed subscription is then forgotten.
CONFIRM_DAYS = 7
#: At most one confirmation mail per address and county in this time: the form cannot be used to flood a mailbox.
RESEND_AFTER = timedelta(hours=1)
MAX_FORM_CHARS = 300  # a field longer than this is cut where it is read (an e-mail address has at most 254)

CHOOSE_COUNTY = N_("Choose the county you want to hear about.")
TOO_MANY = N_("Many subscriptions were asked for from here. Please try again in an hour.")
NOTICE_SUBJECT = N_("New warning about scams in %(region)s: %(title)s")
NOTICE_INTRO = N_("A new warning about scams in %(region)s, which you asked to hear about:")
NOTICE_LINK = N_("The warning on the tip-line's site: %(url)s")
NOTICE_STOP_EMAIL = N_("To stop these e-mails, open %(url)s")
NOTICE_STOP_CHAT = N_("To stop these messages, press the button below or send /warnings.")
CONFIRM_SUBJECT = N_("Please confirm: warnings about scams in %(region)s")
CONFIRM_BODY = N_(
    "Someone, we hope you, asked the elder-fraud tip-line to e-mail new warnings about scams in %(region)s "
    "to this address. To confirm, open this link and press the button: %(url)s")
CONFIRM_IGNORE = N_(
    "If it was not you, do nothing: without a confirmation we send no more e-mails, and the address is "
    "forgotten in %(days)s days.")


class SubscriptionRefused(Refused):
    """The subscription was not made: `message` (a msgid) says why."""

    def __init__(self, message: str, **params: object) -> None:
        super().__init__(message, params or None, reason="refused")


def counties(deployment: Deployment) -> list[Region]:
    """The regions a person may subscribe to: the counties in service (every region in service
    when the deployment has no county level)."""
    regions = [r for r in deployment.regions if not r.retired]
    return [r for r in regions if r.level == "county"] or regions


def _is_county(deployment: Deployment, code: str) -> bool:
    return any(r.code == code for r in counties(deployment))


def _touches(deployment: Deployment, warning_regions: list[str], county: str) -> bool:
    """A warning for the county, for a region around it (the city), or for a place inside it."""
    near = {r.code for r in deployment.region_path(county)} | deployment.region_and_below(county)
    return bool(near & set(warning_regions))


def _new_token() -> str:
    return secrets.token_urlsafe(24)


def _open(core: Core, subscription: WarningSubscription) -> dict[str, str]:
    return core.keys.open_json(subscription.sealed, purpose=purposes.SUBSCRIBER)


async def _find(session: AsyncSession, core: Core, channel: str, address: str, region: str) -> WarningSubscription | None:
    return await session.scalar(select(WarningSubscription).where(
        WarningSubscription.address_hash.in_(owner_candidates(core, channel, address)), WarningSubscription.region == region))


def _new(core: Core, channel: str, address: str, region: str, language: str, status: str, base: str = "") -> WarningSubscription:
    token = _new_token()
    sealed = {"address": address, "token": token, **({"base": base} if base else {})}
    return WarningSubscription(
        channel=channel, address_hash=owner_hash(core, channel, address),
        token_hash=core.keys.lookup_hash(token, purpose=purposes.SUBSCRIPTION_TOKEN),
        sealed=core.keys.seal(sealed, purpose=purposes.SUBSCRIBER), region=region, language=language, status=status,
        created_at=core.clock.now())


# --- in a chat ---------------------------------------------------------------------------------

async def subscribe_chat(core: Core, channel: str, address: str, region: str, language: str) -> WarningSubscription:
    """The chat hears of new warnings in `region` from now on (again: its language is updated)."""
    if not _is_county(core.deployment, region):
        raise SubscriptionRefused(CHOOSE_COUNTY)
    language = language if language in LANGUAGES else DEFAULT_LANGUAGE
    try:
        return await _subscribe_chat(core, channel, address, region, language)
    except IntegrityError:  # the same press twice at once: the other one made the row
        return await _subscribe_chat(core, channel, address, region, language)


async def _subscribe_chat(core: Core, channel: str, address: str, region: str, language: str) -> WarningSubscription:
    async with core.db.transaction() as session:
        subscription = await _find(session, core, channel, address, region)
        if subscription is None:
            subscription = _new(core, channel, address, region, language, ACTIVE)
            subscription.confirmed_at = subscription.created_at
            session.add(subscription)
        else:
            subscription.language, subscription.status = language, ACTIVE
        await session.flush()
        audit.record(session, core, "public", "subscription.start", None, subscription=subscription.id, channel=channel)
        return subscription


async def chat_subscriptions(core: Core, channel: str, address: str) -> list[WarningSubscription]:
    async with core.db.session() as session:
        return list((await session.scalars(select(WarningSubscription).where(
            WarningSubscription.address_hash.in_(owner_candidates(core, channel, address)),
            WarningSubscription.status == ACTIVE).order_by(WarningSubscription.id))).all())


async def unsubscribe_chat(core: Core, channel: str, address: str, subscription_id: int) -> WarningSubscription | None:
    """Opt out of one county, from the chat that subscribed (a button pressed in another chat
    changes nothing). Returns what was ended, None when there was nothing."""
    async with core.db.transaction() as session:
        subscription = await session.get(WarningSubscription, subscription_id, with_for_update=True)
        if subscription is None or subscription.address_hash not in owner_candidates(core, channel, address):
            return None
        await session.delete(subscription)
        audit.record(session, core, "public", "subscription.end", None, subscription=subscription.id, channel=channel)
        return subscription


async def set_chat_language(session: AsyncSession, core: Core, channel: str, address: str, language: str) -> None:
    """In the caller's transaction: the person chose another language in the chat, and the
    warnings they hear of come in it too."""
    await session.execute(update(WarningSubscription).where(
        WarningSubscription.address_hash.in_(owner_candidates(core, channel, address))).values(language=language))


# --- by e-mail ---------------------------------------------------------------------------------

@dataclass(frozen=True)
class EmailForm:
    """The public form as typed (already cut at MAX_FORM_CHARS)."""

    email: str
    region: str
    language: str


async def subscribe_email(core: Core, client: Client, form: EmailForm, *, base: str = "") -> dict[str, Invalid] | None:
    """Ask for e-mails about new warnings in a county: the form's errors, or None when a
    confirmation link was queued to the address (or nothing needed sending: the answer is the
    same whether or not the address was already subscribed, so the form tells no one who is).
    `base`: the site's address as the request saw it, for links when public_base_url is unset.
    SubscriptionRefused past the rate limit."""
    errors: dict[str, Invalid] = {}
    email = parse_email(form.email)
    if isinstance(email, Invalid):
        errors["email"] = email
    if not _is_county(core.deployment, form.region):
        errors["region"] = Invalid(CHOOSE_COUNTY)
    if errors:
        return errors
    if not await ratelimit.hit(core, SUBSCRIBING, client.key):
        raise SubscriptionRefused(TOO_MANY)
    language = form.language if form.language in LANGUAGES else DEFAULT_LANGUAGE
    try:
        await _ask_for_confirmation(core, email, form.region, language, base)  # type: ignore[arg-type]
    except IntegrityError:  # the same address asked twice at once: the other request mails the link
        log.info("a subscription to warnings was asked for twice at once; the first one mails the link")
    return None


async def _ask_for_confirmation(core: Core, email: str, region: str, language: str, base: str) -> None:
    now = core.clock.now()
    async with core.db.transaction() as session:
        await _forget_unconfirmed(session, core)
        subscription = await _find(session, core, EMAIL, email, region)
        if subscription is None:
            subscription = _new(core, EMAIL, email, region, language, PENDING, base)
            session.add(subscription)
        elif subscription.status == ACTIVE or (
                subscription.confirmation_sent_at is not None and now - aware(subscription.confirmation_sent_at) < RESEND_AFTER):
            return
        subscription.language, subscription.confirmation_sent_at = language, now
        await session.flush()
        session.add(Notification(
            tip_id=None, stream=f"subscription:{subscription.id}", channel=EMAIL, kind=SUBSCRIPTION_CONFIRMATION,
            payload={"subscription": subscription.id}, status="pending", next_attempt_at=now, created_at=now))
        audit.record(session, core, "public", "subscription.ask", None, subscription=subscription.id, channel=EMAIL)


async def _forget_unconfirmed(session: AsyncSession, core: Core) -> None:
    await session.execute(delete(WarningSubscription).where(
        WarningSubscription.status == PENDING,
        WarningSubscription.created_at < core.clock.now() - timedelta(days=CONFIRM_DAYS)))


async def by_token(core: Core, token: str) -> WarningSubscription | None:
    """The subscription a link's token belongs to (an unconfirmed one only while its link works)."""
    if not token or len(token) > 100:
        return None
    async with core.db.session() as session:
        subscription = await session.scalar(select(WarningSubscription).where(
            WarningSubscription.token_hash.in_(core.keys.lookup_candidates(token, purpose=purposes.SUBSCRIPTION_TOKEN))))
    if subscription is None or (subscription.status == PENDING and _expired(core, subscription)):
        return None
    return subscription


def _expired(core: Core, subscription: WarningSubscription) -> bool:
    return core.clock.now() - aware(subscription.created_at) > timedelta(days=CONFIRM_DAYS)


async def confirm(core: Core, token: str) -> WarningSubscription | None:
    """The person opened the link mailed to them and pressed "confirm": the subscription is on.
    None for an unknown or expired link."""
    found = await by_token(core, token)
    if found is None:
        return None
    async with core.db.transaction() as session:
        subscription = await session.get(WarningSubscription, found.id, with_for_update=True)
        if subscription is None:
            return None
        if subscription.status == PENDING:
            subscription.status, subscription.confirmed_at = ACTIVE, core.clock.now()
            audit.record(session, core, "public", "subscription.start", None, subscription=subscription.id, channel=EMAIL)
        return subscription


async def unsubscribe(core: Core, token: str) -> WarningSubscription | None:
    """One-click opt-out from a link (or a mail client's List-Unsubscribe-Post): the subscription
    is deleted, and notices already queued for it are not sent. None for an unknown link."""
    found = await by_token(core, token)
    if found is None:
        return None
    async with core.db.transaction() as session:
        await session.execute(delete(WarningSubscription).where(WarningSubscription.id == found.id))
        audit.record(session, core, "public", "subscription.end", None, subscription=found.id, channel=found.channel)
    return found


# --- the notices -------------------------------------------------------------------------------

async def tell_subscribers(core: Core, session: AsyncSession, event: WarningPublished) -> None:
    """Queue one notice per subscribed address whose counties the new warning touches (in the
    warning's transaction, in the broadcast lane). Chats that blocked the bot are skipped."""
    warning = await session.get(ScamWarning, event.warning_id)
    rows = (await session.execute(
        select(WarningSubscription.id, WarningSubscription.channel, WarningSubscription.address_hash,
               WarningSubscription.region)
        .outerjoin(ChannelUser, ChannelUser.user_hash == WarningSubscription.address_hash)
        .where(WarningSubscription.status == ACTIVE, or_(ChannelUser.blocked.is_(None), ChannelUser.blocked.is_(False)))
        .order_by(WarningSubscription.id))).all()
    by_address: dict[str, tuple[str, list[int]]] = {}
    for id_, channel, address_hash, region in rows:
        if _touches(core.deployment, warning.regions, region):
            by_address.setdefault(address_hash, (channel, []))[1].append(id_)
    now = core.clock.now()
    values = [
        {"tip_id": None, "event_id": None, "stream": _stream(address_hash), "channel": channel, "kind": WARNING_NOTICE,
         "lane": BROADCAST_LANE, "payload": {"warning": warning.id, "subscriptions": ids}, "status": "pending",
         "attempts": 0, "next_attempt_at": now, "created_at": now}
        for address_hash, (channel, ids) in by_address.items()
    ]
    if values:
        await session.execute(insert(Notification), values)


def _stream(address_hash: str) -> str:
    """One stream per address (its warnings in order); the hash, not the address."""
    return "warnings:" + address_hash.rpartition(":")[2][:40]


def _links(core: Core, sealed: dict[str, str]) -> str:
    return (core.settings.public_base_url or sealed.get("base") or "").rstrip("/")


async def render_warning_notice(core: Core, session: AsyncSession, notification: Notification) -> Notice | None:
    """The notice of a new warning to one subscriber, in their language; None when they opted out
    (of every county the warning touches) or the warning is no longer shown."""
    payload = notification.payload or {}
    warning = await session.get(ScamWarning, payload.get("warning"))
    if warning is None or warning.status != "published" or warning.visible_until < core.today():
        return None
    subscriptions = (await session.scalars(select(WarningSubscription).where(
        WarningSubscription.id.in_(payload.get("subscriptions") or []), WarningSubscription.status == ACTIVE)
        .order_by(WarningSubscription.id))).all()
    if not subscriptions:
        return None
    subscription = subscriptions[0]
    sealed = _open(core, subscription)
    language = subscription.language
    _ = Translator(language)
    shown = public_view(core, warning, language, (await organisation_names(session, [warning])).get(warning.organisation_id))
    region = core.deployment.region_name(subscription.region, language)
    base = _links(core, sealed)
    lines = [_(NOTICE_INTRO, region=region), warning_text(core, shown, language)]
    unsubscribe_url = ""
    if base:
        lines.append(_(NOTICE_LINK, url=f"{base}/warnings/{warning.id}?lang={language}"))
    if subscription.channel == EMAIL and base:
        unsubscribe_url = f"{base}/warnings/unsubscribe?t={sealed['token']}&lang={language}"  # opens in their language
        lines.append(_(NOTICE_STOP_EMAIL, url=unsubscribe_url))
    elif subscription.channel != EMAIL:
        lines.append(_(NOTICE_STOP_CHAT))
    lines.append(safety_footer(_, core.deployment.contact.hotline))
    return Notice(
        channel=subscription.channel, address=sealed["address"], language=language,
        subject=_(NOTICE_SUBJECT, region=region, title=shown.title), body="\n\n".join(lines),
        template=WARNING_NOTICE, params={"subscription": str(subscription.id), "region": region},
        unsubscribe=unsubscribe_url)


async def render_confirmation(core: Core, session: AsyncSession, notification: Notification) -> Notice | None:
    """The mail with the confirmation link; None when the subscription is gone or already on."""
    subscription = await session.get(WarningSubscription, (notification.payload or {}).get("subscription"))
    if subscription is None or subscription.status != PENDING:
        return None
    sealed = _open(core, subscription)
    _ = Translator(subscription.language)
    region = core.deployment.region_name(subscription.region, subscription.language)
    url = f"{_links(core, sealed)}/warnings/confirm?t={sealed['token']}&lang={subscription.language}"
    body = "\n\n".join((_(CONFIRM_BODY, region=region, url=url), _(CONFIRM_IGNORE, days=CONFIRM_DAYS),
                        safety_footer(_, core.deployment.contact.hotline)))
    return Notice(channel=EMAIL, address=sealed["address"], language=subscription.language,
                  subject=_(CONFIRM_SUBJECT, region=region), body=body, template=SUBSCRIPTION_CONFIRMATION)
