"""Partner apps: API keys, and reports submitted through the JSON API.

A partner (a community app, a bank's elder-care line) gets a random key, shown once when it is
added (`add_partner`; the CLI `tipline partners add NAME` calls it); only its keyed hash is
stored, so a copy of the database gives no working key. Keys can be revoked. Adding, revoking
and every report sent with a key are audited.

A report sent through the API passes every answer through the same questionnaire as the form
(`partner_answers.check_report`, so the same validation), and becomes one tip or nothing: the
draft, the tip and its receipt are written in one transaction.
"""
from __future__ import annotations

import secrets
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import bindparam, insert, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from i18n import N_
from intake.platform import audit, ratelimit
from intake.domain import purposes
from intake.platform.rehash import rehash_found
from intake.platform.core import Core
from intake.platform.models.reporting import Draft, Partner
from intake.platform.ratelimit import Limit
from intake.reporting.partner_answers import CAPABILITIES, Checked, FieldError
from intake.reporting.submission import Receipt, create_tip, stored_receipt

CHANNEL = "api"
KEY_PREFIX = "tlp_"
MAX_NAME_CHARS = 100
#: The most reports per hour a partner's own limit may allow (the default is the API's).
MAX_REPORTS_PER_HOUR = 1_000_000


class PartnerError(ValueError):
    """The partner cannot be added (an empty or taken name) or found."""


@dataclass(frozen=True)
class PartnerInfo:
    id: int
    name: str
    key_prefix: str
    created_at: datetime
    revoked_at: datetime | None = None
    reports_per_hour: int | None = None  # None: the API's default limit

    @property
    def active(self) -> bool:
        return self.revoked_at is None


def _info(row: Partner) -> PartnerInfo:
    return PartnerInfo(row.id, row.name, row.key_prefix, row.created_at, row.revoked_at, row.reports_per_hour)


def _key_hash(core: Core, key: str) -> str:
    return core.keys.lookup_hash(key, purpose=purposes.PARTNER_KEY)


async def add_partner(
    core: Core, name: str, *, actor: str = "cli", reports_per_hour: int | None = None,
) -> tuple[PartnerInfo, str]:
    """Add a partner; returns it and its API key, which is shown this once and never stored.

    `reports_per_hour` replaces the API's default limit for this key (a large partner, a benchmark)."""
    name = " ".join(name.split())
    if not name or len(name) > MAX_NAME_CHARS:
        raise PartnerError(f"a partner needs a name of 1 to {MAX_NAME_CHARS} characters")
    if reports_per_hour is not None and not 1 <= reports_per_hour <= MAX_REPORTS_PER_HOUR:
        raise PartnerError(f"a partner's limit must be 1 to {MAX_REPORTS_PER_HOUR:,} reports per hour")
    key = KEY_PREFIX + secrets.token_urlsafe(32)
    try:
        async with core.db.transaction() as session:
            if await session.scalar(select(Partner.id).where(Partner.name == name)) is not None:
                raise PartnerError(f"there is already a partner called {name!r}")
            row = Partner(name=name, key_hash=_key_hash(core, key), key_prefix=key[:12], created_at=core.clock.now(),
                          reports_per_hour=reports_per_hour)
            session.add(row)
            await session.flush()
            audit.record(session, core, actor, "partner.added", None, partner=name, key_prefix=row.key_prefix,
                         **({"reports_per_hour": reports_per_hour} if reports_per_hour is not None else {}))
            info = _info(row)
    except IntegrityError as error:
        raise PartnerError(f"there is already a partner called {name!r}") from error
    return info, key


async def verify_partner(core: Core, key: str | None) -> PartnerInfo | None:
    """The active partner holding `key`, or None (unknown, malformed or revoked)."""
    if not key or not key.startswith(KEY_PREFIX) or len(key) > 200:
        return None
    candidates = core.keys.lookup_candidates(key, purpose=purposes.PARTNER_KEY)  # the key may predate a key rotation
    async with core.db.session() as session:
        row = await session.scalar(select(Partner).where(Partner.key_hash.in_(candidates)))
    if row is None or row.revoked_at is not None:
        return None
    if row.key_hash != candidates[0]:
        row.key_hash = await rehash_found(core, Partner.key_hash, row.key_hash, candidates[0])
    return _info(row)


async def revoke_partner(core: Core, name: str, *, actor: str = "cli") -> PartnerInfo:
    """Revoke the partner's key at once; its reports stay."""
    async with core.db.transaction() as session:
        row = await session.scalar(select(Partner).where(Partner.name == " ".join(name.split())).with_for_update())
        if row is None:
            raise PartnerError(f"there is no partner called {name!r}")
        if row.revoked_at is None:
            row.revoked_at = core.clock.now()
            audit.record(session, core, actor, "partner.revoked", None, partner=row.name, key_prefix=row.key_prefix)
        return _info(row)


async def list_partners(core: Core) -> list[PartnerInfo]:
    async with core.db.session() as session:
        return [_info(row) for row in (await session.scalars(select(Partner).order_by(Partner.name))).all()]


# --- reports through the API -------------------------------------------------------------------

@dataclass(frozen=True)
class Submitted:
    receipt: Receipt
    notices: tuple[str, ...]


@dataclass(frozen=True)
class KeyReused:
    """The Idempotency-Key already made a tip from another body: nothing is written or shown."""


KEY_REUSED = N_(
    "This Idempotency-Key was already used for a different report. Send a new key for a new report, "
    "or the same report again to get its receipt."
)


_INSERT_DRAFT = insert(Draft.__table__)


def _draft_id(core: Core, partner: PartnerInfo, idempotency_key: str | None) -> str:
    if idempotency_key:
        return core.keys.keyed_hash(f"{partner.id}:{idempotency_key[:200]}", purpose="api-idempotency")[:32]
    return uuid.uuid4().hex


def _repeated(core: Core, existing: Draft, checked: Checked) -> Submitted | KeyReused:
    """The first tip's receipt for the same request sent again; KeyReused for another body
    (a draft from before bodies were hashed has none to compare: its receipt, as then)."""
    if existing.request_hash and checked.fingerprint and existing.request_hash != checked.fingerprint:
        return KeyReused()
    return Submitted(stored_receipt(core, existing), checked.notices)


async def _write_report(
    core: Core, session: AsyncSession, partner: PartnerInfo, checked: Checked, draft_id: str, idempotent: bool,
) -> Submitted | KeyReused:
    """The draft, the tip and its rows, and the audit event, in the caller's transaction; or the
    first tip's receipt again for a repeated Idempotency-Key (KeyReused when the body differs)."""
    # Only a retried Idempotency-Key can find a draft already there (a fresh id cannot).
    existing = await session.get(Draft, draft_id) if idempotent else None
    if existing is not None and existing.sealed_receipt is not None:
        return _repeated(core, existing, checked)
    now = core.clock.now()
    draft = Draft(
        id=draft_id, channel=CHANNEL,
        owner_hash=core.keys.lookup_hash(f"{CHANNEL}:{draft_id}", purpose="channel-user"),
        # The state's own fields, as to_dict gives them (its deep copy is not needed to seal: measured 0.4 ms).
        sealed_state=core.keys.seal(vars(checked.state), purpose=purposes.DRAFT),
        created_at=now, updated_at=now, expires_at=now + timedelta(days=core.settings.draft_ttl_days),
        request_hash=(checked.fingerprint or None) if idempotent else None,
    )
    receipt = await create_tip(core, session, draft, checked.state, CAPABILITIES, None)
    audit.record(session, core, f"partner:{partner.name}", "tip.partner_submitted", receipt.tip_id,
                 partner_id=partner.id)
    # Written after create_tip marked it submitted: one INSERT of the finished draft (tips.draft_id
    # has no foreign key), with Core like the tip's other rows.
    await session.execute(_INSERT_DRAFT, {column.key: getattr(draft, column.key) for column in Draft.__table__.c})
    return Submitted(receipt, checked.notices)


async def _receipt_after_race(core: Core, draft_id: str, checked: Checked) -> Submitted | KeyReused:
    # The same idempotency key sent twice at the same moment: the other request made the tip.
    async with core.db.session() as session:
        existing = await session.get(Draft, draft_id)
        if existing is None or existing.sealed_receipt is None:
            raise LookupError(draft_id)
        return _repeated(core, existing, checked)


# --- the API's request: key, limit and report in one transaction -----------------------------------

@dataclass(frozen=True)
class Sent:
    """What became of one API request (`send_with_key`)."""

    partner: PartnerInfo | None  # None: no valid key (nothing counted or written here)
    allowed: bool = True  # False: over the partner's limit (the request counted, nothing else written)
    result: Submitted | KeyReused | list[FieldError] | None = None  # None: nothing was submitted (no `checked`)


class _OverLimit(Exception):
    """Raised to roll the report back when its count is over the partner's limit."""


_PARTNER_BY_HASH = select(
    Partner.id, Partner.name, Partner.key_prefix, Partner.created_at, Partner.revoked_at, Partner.reports_per_hour,
    Partner.key_hash,
).where(Partner.key_hash.in_(bindparam("hashes", expanding=True)))


async def _partner_in(session: AsyncSession, core: Core, key: str) -> PartnerInfo | None:
    """verify_partner, inside the caller's transaction (a key found under an older hash key is
    rehashed in it)."""
    candidates = core.keys.lookup_candidates(key, purpose=purposes.PARTNER_KEY)  # the key may predate a key rotation
    row = (await session.execute(_PARTNER_BY_HASH, {"hashes": candidates})).first()
    if row is None or row.revoked_at is not None:
        return None
    if row.key_hash != candidates[0]:
        await session.execute(update(Partner).where(Partner.key_hash == row.key_hash).values(key_hash=candidates[0]))
    return PartnerInfo(row.id, row.name, row.key_prefix, row.created_at, row.revoked_at, row.reports_per_hour)


def well_formed_key(key: str | None) -> bool:
    return bool(key) and key.startswith(KEY_PREFIX) and len(key) <= 200


async def send_with_key(
    core: Core, key: str | None, checked: Checked | None, limit_of: Callable[[PartnerInfo], Limit], *,
    idempotency_key: str | None = None,
) -> Sent:
    """An API request in one transaction: the partner holding `key`, the report (when `checked`
    has no errors) and the count of the request against `limit_of(partner)`, keyed per partner.

    Every request with a valid key counts, refused or not. The count is written last, so the
    counter row (one per partner, shared by all its requests) is locked only until the commit;
    when it is over the limit the report is rolled back and the request counted on its own."""
    if not well_formed_key(key):
        return Sent(None)
    counted_elsewhere = False  # Redis counted the request: rolling the transaction back does not undo it
    partner: PartnerInfo | None = None
    draft_id = ""
    try:
        async with core.db.transaction() as session:
            partner = await _partner_in(session, core, key)
            if partner is None:
                return Sent(None)
            result: Submitted | KeyReused | list[FieldError] | None = None
            if checked is not None and checked.errors:
                result = checked.errors
            elif checked is not None:
                draft_id = _draft_id(core, partner, idempotency_key)
                result = await _write_report(core, session, partner, checked, draft_id, bool(idempotency_key))
            allowed = await ratelimit.hit(core, limit_of(partner), f"partner:{partner.id}", session=session)
            counted_elsewhere = not session.info.get("rate_counted")
            if allowed:
                return Sent(partner, True, result)
            if isinstance(result, Submitted) and not result.receipt.repeated:
                raise _OverLimit
            return Sent(partner, False)  # the count commits alone
    except _OverLimit:
        if not counted_elsewhere:  # the rolled-back count: count the refused request on its own
            await ratelimit.hit(core, limit_of(partner), f"partner:{partner.id}")
        return Sent(partner, False)
    except IntegrityError as error:
        if partner is None or not draft_id or not idempotency_key:
            raise
        # The same idempotency key sent twice at the same moment: the other request made the tip.
        if not counted_elsewhere:
            if not await ratelimit.hit(core, limit_of(partner), f"partner:{partner.id}"):
                return Sent(partner, False)
        try:
            return Sent(partner, True, await _receipt_after_race(core, draft_id, checked))
        except LookupError:
            raise error from None
