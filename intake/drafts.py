"""Drafts: a report in progress, sealed in the database after every answer.

Keyed by channel and user (a Telegram chat, a browser cookie, a terminal session), so a
conversation resumes after a restart; expired after `draft_ttl_days` without activity.
"""
from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import delete, select, update

from intake.clock import aware
from intake.conversation import DraftState, start
from intake.core import Core
from intake.models import Draft
from intake.questionnaire import ChannelCapabilities

SEAL_PURPOSE = "draft"


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


async def find_draft(core: Core, channel: str, owner: str) -> DraftRecord | None:
    """The owner's unfinished, unexpired draft, if any (re-hashed if it predates a key rotation)."""
    from intake.key_rotation import rehash_found

    candidates = owner_candidates(core, channel, owner)
    async with core.db.session() as session:
        row = await session.scalar(
            select(Draft)
            .where(
                Draft.channel == channel,
                Draft.owner_hash.in_(candidates),
                Draft.tip_id.is_(None),
                Draft.expires_at > core.clock.now(),
            )
            .order_by(Draft.updated_at.desc())
            .limit(1)
        )
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
        sealed_state=core.keys.seal(state.to_dict(), purpose=SEAL_PURPOSE),
        created_at=now,
        updated_at=now,
        expires_at=now + timedelta(days=core.settings.draft_ttl_days),
    )
    async with core.db.transaction() as session:
        session.add(row)
    return DraftRecord(row.id, channel, state)


async def save_draft(core: Core, record: DraftRecord) -> None:
    """Store the state after an answer; activity pushes the expiry back."""
    now = core.clock.now()
    sealed = core.keys.seal(record.state.to_dict(), purpose=SEAL_PURPOSE)  # sealed before the write begins
    # One UPDATE, no read first: a discarded or already submitted draft matches no row and keeps nothing.
    async with core.db.transaction() as session:
        await session.execute(
            update(Draft)
            .where(Draft.id == record.id, Draft.tip_id.is_(None))
            .values(sealed_state=sealed, updated_at=now, expires_at=now + timedelta(days=core.settings.draft_ttl_days))
            .execution_options(synchronize_session=False)
        )


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
    state = DraftState.from_dict(core.keys.open_json(row.sealed_state, purpose=SEAL_PURPOSE))
    return DraftRecord(row.id, row.channel, state, row.tip_id)

