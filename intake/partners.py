"""Partner apps: API keys, and reports submitted through the JSON API.

A partner (a community app, a bank's elder-care line) gets a random key, shown once when it is
added (`add_partner`; the CLI `tipline partners add NAME` calls it); only its keyed hash is
stored, so a copy of the database gives no working key. Keys can be revoked. Adding, revoking
and every report sent with a key are audited.

A report sent through the API passes every answer through the same questionnaire as the form
(`conversation.answer`, so the same validation), and becomes one tip or nothing: the draft, the
tip and its receipt are written in one transaction.
"""
from __future__ import annotations

import secrets
import uuid
from dataclasses import dataclass, replace
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from i18n import LANGUAGES, N_
from intake import audit
from intake import conversation as conv
from intake.answers import Invalid
from intake.conversation import SKIP, Context, DraftState
from intake.core import Core
from intake.drafts import SEAL_PURPOSE
from intake.models import Draft, Partner
from intake.questionnaire import DONT_KNOW, QUESTIONS, STEP_BY_KEY, ChannelCapabilities, Kind, Step
from intake.submission import Receipt, create_tip, stored_receipt

CHANNEL = "api"
#: The API takes no files: evidence is sent later, by the reporter, on the status page.
CAPABILITIES = ChannelCapabilities()
KEY_PREFIX = "tlp_"
KEY_PURPOSE = "partner-api-key"
MAX_NAME_CHARS = 100
#: The most reports per hour a partner's own limit may allow (the default is the API's).
MAX_REPORTS_PER_HOUR = 1_000_000

UNKNOWN_FIELD = N_("There is no question with this name.")
NOT_ASKED = N_("This question does not apply with the other answers given, so please leave it out.")
WRONG_TYPE = N_("Please send this answer as text.")
WRONG_LIST = N_("Please send this answer as a list of choices.")


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


@dataclass(frozen=True)
class FieldError:
    """One answer that was refused: the step key and a message id (with its parameters)."""

    field: str
    error: Invalid


def _info(row: Partner) -> PartnerInfo:
    return PartnerInfo(row.id, row.name, row.key_prefix, row.created_at, row.revoked_at, row.reports_per_hour)


def _key_hash(core: Core, key: str) -> str:
    return core.keys.lookup_hash(key, purpose=KEY_PURPOSE)


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
    from intake.key_rotation import rehash_found

    candidates = core.keys.lookup_candidates(key, purpose=KEY_PURPOSE)  # the key may predate a key rotation
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

def _raw(step: Step, value: object) -> object:
    """A JSON value as the questionnaire takes it; Invalid for a value of the wrong shape."""
    if value is None:
        return SKIP
    if value == DONT_KNOW and step.dont_know:
        return DONT_KNOW
    if step.kind is Kind.MULTI_CHOICE:
        if isinstance(value, str):
            return [value]
        if isinstance(value, list) and all(isinstance(item, str) for item in value):
            return value
        return Invalid(WRONG_LIST)
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, (int, float)):
        return str(value)
    if isinstance(value, str):
        return value
    return Invalid(WRONG_TYPE)


def check_answers(core: Core, answers: dict[str, object], language: str) -> tuple[DraftState, list[FieldError], tuple[str, ...]]:
    """Walk the questionnaire with `answers` (JSON keyed by step key), as a reporter would.

    Returns the finished state, every refused answer (not only the first) and the notices the
    answers call for (call 110 now)."""
    ctx = Context(core.deployment, core.today(), CAPABILITIES)
    state = conv.start(language, CAPABILITIES)
    errors = [FieldError(key, Invalid(UNKNOWN_FIELD)) for key in answers if key not in STEP_BY_KEY]
    notices: list[str] = []
    asked: set[str] = set()
    for _ in range(len(QUESTIONS) + 1):
        if state.at_review:
            break
        step = STEP_BY_KEY[state.current]
        asked.add(step.key)
        raw = _raw(step, answers.get(step.key))
        outcome = conv.answer(state, raw, ctx) if not isinstance(raw, Invalid) else conv.Outcome(state, raw)
        if outcome.error is not None:
            errors.append(FieldError(step.key, outcome.error))
            following = conv.next_key(state.answers, step.key, CAPABILITIES)
            state = replace(state, current=following, history=[*state.history, step.key])
            continue
        state = outcome.state
        notices.extend(outcome.notices)
    errors.extend(FieldError(key, Invalid(NOT_ASKED)) for key in answers if key in STEP_BY_KEY and key not in asked)
    order = {step.key: index for index, step in enumerate(QUESTIONS)}
    errors.sort(key=lambda e: order.get(e.field, -1))
    return state, errors, tuple(dict.fromkeys(notices))


@dataclass(frozen=True)
class Submitted:
    receipt: Receipt
    notices: tuple[str, ...]


async def submit_report(
    core: Core, partner: PartnerInfo, answers: dict[str, object], language: str, *, idempotency_key: str | None = None,
) -> Submitted | list[FieldError]:
    """One tip from a partner's answers, or the list of answers to fix (and nothing written).

    The same `idempotency_key` from the same partner returns the first tip's receipt again."""
    if language not in LANGUAGES:
        raise ValueError(f"unknown language {language!r}")
    state, errors, notices = check_answers(core, answers, language)
    if errors:
        return errors
    missing = conv.missing_steps(state, CAPABILITIES)
    if missing:  # cannot happen after a full walk; kept as a guard
        return [FieldError(step.key, Invalid(N_("Please answer this question."))) for step in missing]
    if idempotency_key:
        draft_id = core.keys.keyed_hash(f"{partner.id}:{idempotency_key[:200]}", purpose="api-idempotency")[:32]
    else:
        draft_id = uuid.uuid4().hex
    now = core.clock.now()
    try:
        async with core.db.transaction() as session:
            # Only a retried Idempotency-Key can find a draft already there (a fresh id cannot).
            existing = await session.get(Draft, draft_id) if idempotency_key else None
            if existing is not None and existing.sealed_receipt is not None:
                return Submitted(stored_receipt(core, existing), notices)
            draft = Draft(
                id=draft_id, channel=CHANNEL,
                owner_hash=core.keys.lookup_hash(f"{CHANNEL}:{draft_id}", purpose="channel-user"),
                sealed_state=core.keys.seal(state.to_dict(), purpose=SEAL_PURPOSE),
                created_at=now, updated_at=now, expires_at=now + timedelta(days=core.settings.draft_ttl_days),
            )
            session.add(draft)
            await session.flush()
            receipt = await create_tip(core, session, draft, state, CAPABILITIES, None)
            audit.record(session, core, f"partner:{partner.name}", "tip.partner_submitted", receipt.tip_id,
                         partner_id=partner.id)
            return Submitted(receipt, notices)
    except IntegrityError:
        # The same idempotency key sent twice at the same moment: the other request made the tip.
        async with core.db.session() as session:
            existing = await session.get(Draft, draft_id)
            if existing is None or existing.sealed_receipt is None:
                raise
            return Submitted(stored_receipt(core, existing), notices)
