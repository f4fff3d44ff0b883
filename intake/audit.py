"""The audit log: who did what to which tip, and who looked at personal data."""
from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from intake.core import Core
from intake.models import AuditEvent


def record(session: AsyncSession, core: Core, actor: str, action: str, tip_id: int | None = None, **detail: object) -> None:
    """Add an audit event to the caller's transaction (it commits with the action)."""
    session.add(AuditEvent(at=core.clock.now(), actor=actor, action=action, tip_id=tip_id, detail=detail or None))


async def record_now(core: Core, actor: str, action: str, tip_id: int | None = None, **detail: object) -> None:
    """Audit something in its own transaction: a refused attempt, whose own work rolls back."""
    async with core.db.transaction() as session:
        record(session, core, actor, action, tip_id, **detail)
