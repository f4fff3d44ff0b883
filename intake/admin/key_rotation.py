"""Key rotation: moving every sealed value and every look-up hash over to the current keys.

`tipline keys rotate` saves a keyring with a new encryption key and a new hash key (the old
ones kept, the keyring marked as rotating), then calls `rotate_data`, which works in batches,
one transaction each: an interrupted run loses nothing (an unfinished batch rolls back) and the
next run continues, since the rows already under the new key are the ones it skips.

A sealed value is re-encrypted. A look-up hash cannot be recomputed without its input, so a
hash is moved over here only where its input is at hand (a phone in the sealed personal data,
a chat id in the reporter's sealed contact, a tracking code and PIN in a draft's sealed
receipt), checked against the old hash first; every other one moves when it is next used
(`intake.platform.rehash.rehash_found`, called by the look-ups that try every hash key). `key_usage` says which rows
still use which key, so `tipline keys retire` refuses a key something still needs.
"""
from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from dataclasses import dataclass, field

from sqlalchemy.exc import OperationalError
from sqlalchemy import ColumnElement, LargeBinary, String, and_, func, literal, or_, select, update
from sqlalchemy.orm import InstrumentedAttribute

from intake.domain import purposes
from intake.platform.core import Core
from intake.platform.crypto import DecryptionError, Keyring, blob_header
from intake.platform.models.reporting import AnsweredMessage, ApiToken, Attachment, ChannelUser, Draft, LinkToken, Partner
from intake.platform.models.prevention import WarningSubscription
from intake.platform.models.staff import StaffUser
from intake.platform.models.tip_records import RiskObjection
from intake.platform.models.tips import Person, Tip


#: Every sealed column: (column, purpose). A new sealed column belongs here, or rotation misses it.
SEALED_COLUMNS: tuple[tuple[InstrumentedAttribute, str], ...] = (
    (Person.sealed, purposes.PEOPLE),
    (Draft.sealed_state, purposes.DRAFT),
    (Draft.sealed_receipt, purposes.RECEIPT),
    (Tip.sealed_code, purposes.OWN_CODE),
    (Attachment.sealed_name, purposes.ATTACHMENT_NAME),
    (Attachment.sealed_content, purposes.ATTACHMENT),
    (StaffUser.totp_sealed, purposes.TOTP),
    (RiskObjection.contact_sealed, purposes.RISK_OBJECTION),
    (WarningSubscription.sealed, purposes.SUBSCRIBER),
    # Kept an hour, then purged: counted (a key is not retired under them), never re-sealed.
    (AnsweredMessage.sealed_reply, purposes.CHANNEL_REPLY),
    (ApiToken.sealed_token, purposes.API_TOKEN),  # two hours, then fetched afresh
)
#: Every stored look-up hash ("<hash key id>:<hex>", crypto.lookup_hash).
HASH_COLUMNS: tuple[InstrumentedAttribute, ...] = (
    Tip.tracking_hash, Tip.pin_hash, Tip.channel_user_hash, Draft.owner_hash, Person.phone_hash,
    Person.email_hash, ChannelUser.user_hash, LinkToken.token_hash, Partner.key_hash,
    WarningSubscription.address_hash, WarningSubscription.token_hash,
)
#: Attachments are up to 20 MB each: fewer of them per transaction.
ATTACHMENT_BATCH = 5
BUSY_RETRIES = 5
log = logging.getLogger(__name__)


class RotationError(RuntimeError):
    """A value could not be moved over (its key is missing from the keyring): nothing was lost."""


def _under_other_key(column: InstrumentedAttribute, header: bytes) -> ColumnElement[bool]:
    return and_(column.is_not(None), func.substr(column, 1, len(header)) != literal(header, LargeBinary()))


def _under_key(column: InstrumentedAttribute, header: bytes) -> ColumnElement[bool]:
    return and_(column.is_not(None), func.substr(column, 1, len(header)) == literal(header, LargeBinary()))


def _hash_under(column: InstrumentedAttribute, key_id: str) -> ColumnElement[bool]:
    prefix = f"{key_id}:"
    return func.substr(column, 1, len(prefix)) == literal(prefix, String())


def _hash_not_current(column: InstrumentedAttribute, keys: Keyring) -> ColumnElement[bool]:
    return and_(column.is_not(None), ~_hash_under(column, keys.hash_key_id))


@dataclass
class Step:
    """One kind of row to move over: its name, how many need it, how many were done."""

    name: str
    total: int = 0
    done: int = 0
    left_for_later: int = 0  # hashes whose input is not at hand: they move when next used


@dataclass
class RotationReport:
    steps: list[Step] = field(default_factory=list)


Progress = Callable[[Step, int], None]


async def rotate_data(core: Core, *, batch_size: int = 200, progress: Progress | None = None,
                      pause: float = 0.0, steps: list[Step] | None = None) -> RotationReport:
    """Move every row over to the keyring's current keys, batch by batch (see the module)."""
    keys = core.keys
    header = blob_header(keys.active_key_id)
    plan = steps if steps is not None else await plan_rotation(core)
    by_name = {step.name: step for step in plan}
    work = (
        ("people", Person, or_(_under_other_key(Person.sealed, header), _hash_not_current(Person.phone_hash, keys),
                               _hash_not_current(Person.email_hash, keys)), _move_person, batch_size),
        ("chats", Tip, and_(_hash_not_current(Tip.channel_user_hash, keys), Tip.reporter_id.is_not(None)), _move_chat, batch_size),
        ("drafts", Draft, or_(_under_other_key(Draft.sealed_state, header), _under_other_key(Draft.sealed_receipt, header)),
         _move_draft, batch_size),
        ("codes", Tip, _under_other_key(Tip.sealed_code, header), _move_code, batch_size),
        ("attachments", Attachment, or_(_under_other_key(Attachment.sealed_name, header),
                                        _under_other_key(Attachment.sealed_content, header)), _move_attachment,
         min(batch_size, ATTACHMENT_BATCH)),
        ("staff", StaffUser, _under_other_key(StaffUser.totp_sealed, header), _move_staff, batch_size),
        ("objections", RiskObjection, _under_other_key(RiskObjection.contact_sealed, header), _move_objection, batch_size),
        ("subscriptions", WarningSubscription, _subscription_needs_work(keys, header), _move_subscription, batch_size),
    )
    for name, model, needs_work, move, size in work:
        step = by_name[name]
        after = None  # a cursor, so a row that cannot move (a hash without its input) is passed once
        while True:
            query = select(model.id).where(needs_work).order_by(model.id).limit(size)
            if after is not None:
                query = query.where(model.id > after)
            async with core.db.session() as session:
                ids = list((await session.scalars(query)).all())
            if not ids:
                break
            step.left_for_later += await _move_batch(core, model, ids, move)
            after = ids[-1]
            step.done += len(ids)
            if progress is not None:
                progress(step, len(ids))
            if pause:
                await asyncio.sleep(pause)
    return RotationReport(plan)


async def _move_batch(core: Core, model, ids: list, move) -> int:  # noqa: ANN001 - a model class, a mover
    """One batch in one transaction; returns how many rows had to be left for later. SQLite
    refuses a write whose rows another process changed since they were read (a busy
    deployment): the batch is then read and tried again."""
    for attempt in range(BUSY_RETRIES):
        try:
            async with core.db.transaction() as session:
                rows = (await session.scalars(select(model).where(model.id.in_(ids)).order_by(model.id).with_for_update())).all()
                return sum([not await move(core, session, row) for row in rows])
        except OperationalError:
            if attempt == BUSY_RETRIES - 1:
                raise
            log.warning("rotation batch met a busy database; trying it again")
            await asyncio.sleep(0.2 * (attempt + 1))
    return 0


async def plan_rotation(core: Core) -> list[Step]:
    """How many rows of each kind still need moving over to the current keys."""
    keys = core.keys
    header = blob_header(keys.active_key_id)
    counts = (
        ("people", select(func.count()).select_from(Person).where(or_(
            _under_other_key(Person.sealed, header), _hash_not_current(Person.phone_hash, keys),
            _hash_not_current(Person.email_hash, keys)))),
        ("chats", select(func.count()).select_from(Tip).where(
            and_(_hash_not_current(Tip.channel_user_hash, keys), Tip.reporter_id.is_not(None)))),
        ("drafts", select(func.count()).select_from(Draft).where(
            or_(_under_other_key(Draft.sealed_state, header), _under_other_key(Draft.sealed_receipt, header)))),
        ("codes", select(func.count()).select_from(Tip).where(_under_other_key(Tip.sealed_code, header))),
        ("attachments", select(func.count()).select_from(Attachment).where(
            or_(_under_other_key(Attachment.sealed_name, header), _under_other_key(Attachment.sealed_content, header)))),
        ("staff", select(func.count()).select_from(StaffUser).where(_under_other_key(StaffUser.totp_sealed, header))),
        ("objections", select(func.count()).select_from(RiskObjection).where(
            _under_other_key(RiskObjection.contact_sealed, header))),
        ("subscriptions", select(func.count()).select_from(WarningSubscription).where(_subscription_needs_work(keys, header))),
    )
    steps = []
    async with core.db.session() as session:
        for name, query in counts:
            steps.append(Step(name, int(await session.scalar(query) or 0)))
    return steps


def _reseal(keys: Keyring, blob: bytes | None, purpose: str, where: str) -> bytes | None:
    if blob is None or keys.sealed_under_active(blob):
        return blob
    try:
        return keys.reseal(blob, purpose=purpose)
    except DecryptionError as error:
        raise RotationError(f"{where}: {error}") from error


def _rehash(keys: Keyring, stored: str | None, value: object, purpose: str) -> str | None:
    """The hash under the current key when `value` is what `stored` hashes; else `stored` as it is."""
    if stored is None or keys.is_current_hash(stored) or not isinstance(value, str):
        return stored
    return keys.lookup_hash(value, purpose=purpose) if keys.matches(stored, value, purpose=purpose) else stored


async def _move_person(core: Core, session, row: Person) -> bool:
    keys = core.keys
    try:
        data = keys.open_json(row.sealed, purpose=purposes.PEOPLE)
    except DecryptionError as error:
        raise RotationError(f"people #{row.id}: {error}") from error
    row.sealed = _reseal(keys, row.sealed, purposes.PEOPLE, f"people #{row.id}")
    row.phone_hash = _rehash(keys, row.phone_hash, data.get("phone"), "phone")
    row.email_hash = _rehash(keys, row.email_hash, data.get("email"), "email")
    return all(keys.is_current_hash(h) for h in (row.phone_hash, row.email_hash) if h)


async def _move_chat(core: Core, session, row: Tip) -> bool:
    """A chat's hash, from the chat id in the reporter's sealed contact; the chat's other rows
    (its language, its drafts, its other tips) carry the same hash and move with it."""
    keys = core.keys
    person = await session.get(Person, row.reporter_id)
    data = keys.open_json(person.sealed, purpose=purposes.PEOPLE) if person else {}
    if not data.get("channel_address"):
        return False
    old = row.channel_user_hash
    new = _rehash(keys, old, f"{data.get('channel', row.channel)}:{data['channel_address']}", "channel-user")
    if new == old:
        return False
    await session.execute(update(Tip).where(Tip.channel_user_hash == old).values(channel_user_hash=new))
    await session.execute(update(ChannelUser).where(ChannelUser.user_hash == old).values(user_hash=new))
    await session.execute(update(Draft).where(Draft.owner_hash == old).values(owner_hash=new))
    return True


async def _move_draft(core: Core, session, row: Draft) -> bool:
    """A draft, and through its sealed receipt (code and PIN) its tip's look-up hashes."""
    keys = core.keys
    row.sealed_state = _reseal(keys, row.sealed_state, purposes.DRAFT, f"draft {row.id}")
    row.sealed_receipt = _reseal(keys, row.sealed_receipt, purposes.RECEIPT, f"draft {row.id}")
    if row.tip_id is not None and row.sealed_receipt is not None:
        receipt = keys.open_json(row.sealed_receipt, purpose=purposes.RECEIPT)
        tip = await session.get(Tip, row.tip_id, with_for_update=True)
        if tip is not None and receipt.get("code"):
            tip.tracking_hash = _rehash(keys, tip.tracking_hash, receipt["code"], purposes.TRACKING_CODE)
            tip.pin_hash = _rehash(keys, tip.pin_hash, f"{receipt['code']}:{receipt.get('pin')}", purposes.REPLY_PIN)
    return True


async def _move_code(core: Core, session, row: Tip) -> bool:
    row.sealed_code = _reseal(core.keys, row.sealed_code, purposes.OWN_CODE, f"tip #{row.id}")
    return True


async def _move_attachment(core: Core, session, row: Attachment) -> bool:
    row.sealed_name = _reseal(core.keys, row.sealed_name, purposes.ATTACHMENT_NAME, f"attachment {row.id}")
    row.sealed_content = _reseal(core.keys, row.sealed_content, purposes.ATTACHMENT, f"attachment {row.id}")
    return True


async def _move_staff(core: Core, session, row: StaffUser) -> bool:
    row.totp_sealed = _reseal(core.keys, row.totp_sealed, purposes.TOTP, f"staff user {row.username}")
    return True


async def _move_objection(core: Core, session, row: RiskObjection) -> bool:
    row.contact_sealed = _reseal(core.keys, row.contact_sealed, purposes.RISK_OBJECTION, f"objection {row.id}")
    return True


def _subscription_needs_work(keys: Keyring, header: bytes) -> ColumnElement[bool]:
    return or_(_under_other_key(WarningSubscription.sealed, header), _hash_not_current(WarningSubscription.address_hash, keys),
               _hash_not_current(WarningSubscription.token_hash, keys))


async def _move_subscription(core: Core, session, row: WarningSubscription) -> bool:
    """A subscriber's address and link token are in its sealed data: both hashes move now."""
    keys = core.keys
    try:
        data = keys.open_json(row.sealed, purpose=purposes.SUBSCRIBER)
    except DecryptionError as error:
        raise RotationError(f"subscription #{row.id}: {error}") from error
    row.sealed = _reseal(keys, row.sealed, purposes.SUBSCRIBER, f"subscription #{row.id}")
    row.address_hash = _rehash(keys, row.address_hash, f"{row.channel}:{data.get('address')}", "channel-user")
    row.token_hash = _rehash(keys, row.token_hash, data.get("token"), purposes.SUBSCRIPTION_TOKEN)
    return keys.is_current_hash(row.address_hash) and keys.is_current_hash(row.token_hash)


async def key_usage(core: Core) -> dict[str, dict[str, int]]:
    """For every key in the keyring (encryption and hash keys): how many values of each column
    use it, e.g. {"k2026…": {"people.sealed": 3}, "h0": {"tips.tracking_hash": 2}}. Only
    non-zero counts; a key nothing uses maps to {}."""
    keys = core.keys
    usage: dict[str, dict[str, int]] = {key_id: {} for key_id in [*keys.keys, *keys.hash_keys]}
    async with core.db.session() as session:
        for key_id in keys.keys:
            header = blob_header(key_id)
            for column, _purpose in SEALED_COLUMNS:
                count = await session.scalar(select(func.count()).select_from(column.class_).where(_under_key(column, header)))
                if count:
                    usage[key_id][f"{column.class_.__tablename__}.{column.key}"] = int(count)
        for key_id in keys.hash_keys:
            for column in HASH_COLUMNS:
                count = await session.scalar(select(func.count()).select_from(column.class_).where(
                    and_(column.is_not(None), _hash_under(column, key_id))))
                if count:
                    usage[key_id][f"{column.class_.__tablename__}.{column.key}"] = int(count)
    return usage
