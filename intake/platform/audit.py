"""The audit log: who did what to which tip, and who looked at personal data."""
from __future__ import annotations

from sqlalchemy import insert, select
from sqlalchemy.ext.asyncio import AsyncSession

from intake.platform.core import Core
from intake.platform.models.staff import AuditEvent


def record(session: AsyncSession, core: Core, actor: str, action: str, tip_id: int | None = None, **detail: object) -> None:
    """Add an audit event to the caller's transaction (it commits with the action)."""
    session.add(AuditEvent(at=core.clock.now(), actor=actor, action=action, tip_id=tip_id, detail=detail or None))


async def record_now(core: Core, actor: str, action: str, tip_id: int | None = None, **detail: object) -> None:
    """Audit something in its own transaction: a refused attempt, whose own work rolls back, or a
    view of a tip (every tip page: one prebuilt INSERT, no unit of work to flush)."""
    async with core.db.transaction() as session:
        await session.execute(_INSERT, {"at": core.clock.now(), "actor": actor, "action": action, "tip_id": tip_id, "detail": detail or None})


_INSERT = insert(AuditEvent.__table__)


AUDIT_PAGE_SIZE = 50


async def read_log(
    core: Core, *, tip_id: int | None = None, actor: str | None = None, action: str | None = None,
    before: int | None = None, limit: int = AUDIT_PAGE_SIZE,
) -> tuple[list[AuditEvent], int | None]:
    """One page of the log, newest first, filtered; and the cursor (`before`) of the next page.
    Reading only: the log is append-only, nothing here or elsewhere changes a row."""
    query = select(AuditEvent)
    if tip_id is not None:
        query = query.where(AuditEvent.tip_id == tip_id)
    if actor:
        query = query.where(AuditEvent.actor == actor)
    if action:
        query = query.where(AuditEvent.action == action)
    if before:
        query = query.where(AuditEvent.id < before)
    async with core.db.session() as session:
        rows = list((await session.scalars(query.order_by(AuditEvent.id.desc()).limit(limit + 1))).all())
    return rows[:limit], (rows[limit - 1].id if len(rows) > limit else None)


async def actions(core: Core) -> list[str]:
    """The actions found in the log, for a filter's choices."""
    async with core.db.session() as session:
        return list((await session.scalars(select(AuditEvent.action).distinct().order_by(AuditEvent.action))).all())
