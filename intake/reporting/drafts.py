"""Drafts: a report in progress, sealed in the database after every answer.

Keyed by channel and user (a Telegram chat, a browser cookie, a terminal session), so a
conversation resumes after a restart; expired after `draft_ttl_days` without activity.
"""
from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import bindparam, delete, select, update

from intake.domain import purposes
from intake.platform.attachments import draft_files
from intake.platform.rehash import rehash_found
from intake.platform.clock import aware
from intake.domain.conversation import DraftState, start
from intake.platform.core import Core
from intake.platform.models.reporting import Draft
from intake.domain.steps import ChannelCapabilities



@dataclass
class DraftRecord:
    id: str
    channel: str
    state: DraftState
    tip_id: int | None = None


def owner_hash(core: Core, channel: str, owner: str) -> str:
    return core.keys.lookup_hash(f"{channel}:{owner}", purpose="channel-user")


def owner_candidates(core: Core, channel: str, owner: str) -> list[str]:
    """The owner's hash under every hash key, the current one first (key rotation)."""
    return core.keys.lookup_candidates(f"{channel}:{owner}", purpose="channel-user")


#: The columns a record needs (and the owner hash, to re-hash after a key rotation), read with
#: Core: no ORM identity map or row processing for the one read behind every wizard page.
_DRAFTS = Draft.__table__
_FOUND_COLUMNS = (_DRAFTS.c.id, _DRAFTS.c.channel, _DRAFTS.c.owner_hash, _DRAFTS.c.sealed_state, _DRAFTS.c.tip_id)


def _open_draft_of(owner_match):  # noqa: ANN001, ANN202 - a SQL condition on owner_hash
    """The newest unfinished, unexpired draft of a channel's owner (built once, bound per call)."""
    return (
        select(*_FOUND_COLUMNS)
        .where(
            _DRAFTS.c.channel == bindparam("channel"),
            owner_match,
            _DRAFTS.c.tip_id.is_(None),
            _DRAFTS.c.expires_at > bindparam("now"),
        )
        .order_by(_DRAFTS.c.updated_at.desc())
        .limit(1)
    )


_FIND_ONE_HASH = _open_draft_of(_DRAFTS.c.owner_hash == bindparam("owner"))  # the usual case: one hash key
_FIND_ANY_HASH = _open_draft_of(_DRAFTS.c.owner_hash.in_(bindparam("owners", expanding=True)))  # during a rotation


async def find_draft(core: Core, channel: str, owner: str) -> DraftRecord | None:
    """The owner's unfinished, unexpired draft, if any (re-hashed if it predates a key rotation)."""
    candidates = owner_candidates(core, channel, owner)
    params: dict[str, object] = {"channel": channel, "now": core.clock.now()}
    if len(candidates) == 1:
        statement, params["owner"] = _FIND_ONE_HASH, candidates[0]
    else:
        statement, params["owners"] = _FIND_ANY_HASH, candidates
    async with core.db.reader.connect() as connection:  # a read-only look, like core.db.session()
        row = (await connection.execute(statement, params)).first()
    if row is not None and row.owner_hash != candidates[0]:
        await rehash_found(core, Draft.owner_hash, row.owner_hash, candidates[0])
    return _record(core, row) if row else None


async def get_draft(core: Core, draft_id: str) -> DraftRecord | None:
    async with core.db.session() as session:
        row = await session.get(Draft, draft_id)
        if row is None or (row.tip_id is None and aware(row.expires_at) <= core.clock.now()):
            return None
        return _record(core, row)


async def new_draft(
    core: Core, channel: str, owner: str, language: str, capabilities: ChannelCapabilities
) -> DraftRecord:
    now = core.clock.now()
    state = start(language, capabilities)
    row = Draft(
        id=uuid.uuid4().hex,
        channel=channel,
        owner_hash=owner_hash(core, channel, owner),
        sealed_state=core.keys.seal(state.to_dict(), purpose=purposes.DRAFT),
        created_at=now,
        updated_at=now,
        expires_at=now + timedelta(days=core.settings.draft_ttl_days),
    )
    async with core.db.transaction() as session:
        session.add(row)
    return DraftRecord(row.id, channel, state)


#: The save behind every answer, built once and run with Core (no ORM unit of work per answer).
_SAVE = (
    update(_DRAFTS)
    .where(_DRAFTS.c.id == bindparam("draft_id"), _DRAFTS.c.tip_id.is_(None))
    .values(sealed_state=bindparam("sealed"), updated_at=bindparam("now"), expires_at=bindparam("expires"))
)


async def save_draft(core: Core, record: DraftRecord) -> None:
    """Store the state after an answer; activity pushes the expiry back."""
    now = core.clock.now()
    sealed = core.keys.seal(record.state.to_dict(), purpose=purposes.DRAFT)  # sealed before the write begins
    # One UPDATE, no read first: a discarded or already submitted draft matches no row and keeps nothing.
    async with core.db.writer.begin() as connection:  # one transaction, like core.db.transaction()
        await connection.execute(_SAVE, {"draft_id": record.id, "sealed": sealed, "now": now,
                                         "expires": now + timedelta(days=core.settings.draft_ttl_days)})


async def evidence_files(core: Core, record: DraftRecord) -> list[str]:
    """The files a chat sent into a draft as evidence, oldest first: the evidence answer, and
    what "file 1 of 10" counts (a voice note that answered a question goes with the report, but
    is not evidence: DraftState.voice_answers)."""
    return [id_ for id_ in await draft_files(core, record.id) if id_ not in record.state.voice_answers]


async def discard_draft(core: Core, draft_id: str) -> None:
    async with core.db.transaction() as session:
        await session.execute(delete(Draft).where(Draft.id == draft_id, Draft.tip_id.is_(None)))


async def purge_expired_drafts(core: Core) -> int:
    """Delete unsubmitted drafts past their expiry, and submitted ones past it too (the
    receipt they keep for a repeated submit is no longer needed)."""
    async with core.db.transaction() as session:
        result = await session.execute(delete(Draft).where(Draft.expires_at <= core.clock.now()))
        return result.rowcount or 0


def _record(core: Core, row: Draft) -> DraftRecord:
    state = DraftState.from_dict(core.keys.open_json(row.sealed_state, purpose=purposes.DRAFT))
    return DraftRecord(row.id, row.channel, state, row.tip_id)


def draft_of_row(core: Core, row: Draft | None) -> DraftRecord | None:
    """What `get_draft` returns, for a row read by the caller (joined to another read)."""
    if row is None or (row.tip_id is None and aware(row.expires_at) <= core.clock.now()):
        return None
    return _record(core, row)
