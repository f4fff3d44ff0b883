"""How each notice of a tip fared (sent, waiting for a retry, given up), for staff and the CLI:
the read side of the outbox dispatcher, with no personal data."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import select

from intake.notify.dispatch import FAILED, PENDING
from intake.platform.clock import aware
from intake.platform.core import Core
from intake.platform.models.notifications import Notification


def _iso(moment: datetime | None) -> str | None:
    return aware(moment).isoformat() if moment else None


async def delivery_report(core: Core, tip_id: int) -> list[dict]:
    """How each notice of a tip fared, oldest first (for staff and the CLI; no personal data)."""
    async with core.db.session() as session:
        rows = (
            await session.scalars(select(Notification).where(Notification.tip_id == tip_id).order_by(Notification.id))
        ).all()
    return [
        {
            "id": row.id,
            "event_id": row.event_id,
            "channel": row.channel,
            "kind": row.kind,
            "status": row.status,
            "attempts": row.attempts,
            "last_error": row.last_error,
            "created_at": _iso(row.created_at),
            "next_attempt_at": _iso(row.next_attempt_at) if row.status in (PENDING, FAILED) else None,
            "sent_at": _iso(row.sent_at),
        }
        for row in rows
    ]
