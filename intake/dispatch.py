"""The outbox dispatcher: delivers queued notices with retries, at least once and in order
per reporter.

A round claims due notifications in one short transaction (PostgreSQL: `FOR UPDATE SKIP
LOCKED`, so dispatchers in several processes never claim the same row; SQLite has one writer,
so the transaction alone serialises claims), marks them `sending` with a lease, delivers them
outside any transaction and records the outcome. Only the earliest undelivered notification of
each stream is ever claimed, so a later notice never overtakes an earlier one that is still
waiting for a retry. A dispatcher that dies mid-send leaves its lease behind; once the lease has
passed, another dispatcher sends the notice again (a duplicate is possible only when a channel
took a notice but its answer was lost).

Statuses: pending -> sending -> sent, or -> failed (retried with backoff) -> ... -> dead (given
up, kept for staff to see). Channels are plugins handed in by the composition root; this
module never imports one.
"""
from __future__ import annotations

import asyncio
import logging
import random
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import and_, case, func, or_, select, update
from sqlalchemy.orm import aliased

from intake.clock import aware
from intake.core import Core
from intake.models import Notification
from intake.outbox import Channel, DeliveryError, render_notice

logger = logging.getLogger(__name__)

PENDING, SENDING, SENT, FAILED, DEAD = "pending", "sending", "sent", "failed", "dead"
UNDELIVERED = (PENDING, FAILED, SENDING)

BACKOFF_BASE_SECONDS = 10
BACKOFF_CAP_SECONDS = 3600
BACKOFF_JITTER = 0.1  # up to 10 % more, so failed notices do not all come back at once
MAX_ATTEMPTS = 20
MAX_ERROR_CHARS = 300
LEASE_EXPIRED = "lease expired: a dispatcher stopped while sending"


def backoff(attempts: int, *, rng: random.Random | None = None) -> timedelta:
    """How long to wait after the `attempts`-th failed try: 10 s, 20 s, 40 s, … at most 1 h."""
    seconds = BACKOFF_BASE_SECONDS * 2 ** max(0, min(attempts - 1, 20))
    seconds *= 1 + (rng or random).uniform(0, BACKOFF_JITTER)
    return timedelta(seconds=min(seconds, BACKOFF_CAP_SECONDS))


@dataclass(frozen=True)
class Claim:
    """A notification this dispatcher holds until `until` (its lease)."""

    notification: Notification
    until: datetime


class Dispatcher:
    """Delivers the outbox through `channels` (name -> Channel). A notification whose channel is
    not among them waits, untouched, for a dispatcher that has it (a channel not configured or
    down here, or served by another process)."""

    def __init__(
        self,
        core: Core,
        channels: Mapping[str, Channel],
        *,
        worker_id: str,
        batch: int = 100,
        lease_seconds: int = 60,
        max_attempts: int = MAX_ATTEMPTS,
        send_timeout: float | None = None,
        rng: random.Random | None = None,
    ) -> None:
        self.core = core
        self.channels = dict(channels)
        self.worker_id = worker_id
        self.batch = batch
        self.lease = timedelta(seconds=lease_seconds)
        self.max_attempts = max_attempts
        # A send must end well inside the lease, or another dispatcher could send it again.
        self.send_timeout = send_timeout if send_timeout is not None else max(1.0, lease_seconds * 0.75)
        self.rng = rng or random.Random()

    async def run_once(self) -> int:
        """Deliver everything due now (stream by stream, in order); return how many were sent."""
        sent = 0
        # Each round takes the head of every due stream; the next notice of a stream becomes
        # the head once the one before it is sent. Failures are not due again in this call
        # (their backoff lies ahead), so the rounds end.
        for _ in range(10_000):
            claims = await self.claim()
            if not claims:
                break
            results = await asyncio.gather(*(self._deliver(claim) for claim in claims))
            delivered = [claim for claim, ok in zip(claims, results) if ok]
            await self._sent(delivered)
            sent += len(delivered)
        return sent

    async def run_forever(self, stop: asyncio.Event, idle_seconds: float = 1.0) -> None:
        """Deliver until `stop` is set, looking for new work every `idle_seconds`."""
        while not stop.is_set():
            try:
                await self.run_once()
            except Exception:  # noqa: BLE001 - a database hiccup must not end the dispatcher
                logger.exception("dispatcher %s: a round failed; trying again", self.worker_id)
            try:
                await asyncio.wait_for(stop.wait(), timeout=idle_seconds)
            except TimeoutError:
                pass

    async def claim(self) -> list[Claim]:
        """Take the due head of each stream and mark it `sending`, in one UPDATE … RETURNING.

        One statement: on PostgreSQL its subquery locks the rows it picks (`FOR UPDATE SKIP
        LOCKED`), so a concurrent dispatcher skips them; on SQLite the statement takes the
        database's single write lock before it reads, so claims never interleave, even across
        processes."""
        if not self.channels:
            return []
        now = self.core.clock.now()
        until = now + self.lease
        due = aliased(Notification, name="due")
        earlier = aliased(Notification, name="earlier")
        # The head of every stream, computed once (one GROUP BY) rather than a correlated
        # subquery per undelivered row, which made each claim O(n^2)-slow with 10,000 notices
        # queued (bench/fanout_bench.py: 0.3 s a claim on PostgreSQL).
        heads = (
            select(earlier.stream, func.min(earlier.id).label("head"))
            .where(earlier.status.in_(UNDELIVERED))
            .group_by(earlier.stream)
            .subquery("heads")
        )
        picked = (
            select(due.id)
            .join(heads, due.id == heads.c.head)
            .where(
                due.channel.in_(sorted(self.channels)),
                due.status.in_(UNDELIVERED),
                or_(
                    and_(due.status.in_((PENDING, FAILED)), due.next_attempt_at <= now),
                    and_(due.status == SENDING, due.claimed_until <= now),
                ),
            )
            .order_by(due.next_attempt_at, due.id)
            .limit(self.batch)
        )
        if not self.core.db.is_sqlite:
            picked = picked.with_for_update(skip_locked=True, of=due)
        stale = Notification.status == SENDING  # its dispatcher stopped mid-send: that try counts
        claim = (
            update(Notification)
            .where(Notification.id.in_(picked))
            .values(
                status=SENDING,
                claimed_until=until,
                attempts=case((stale, Notification.attempts + 1), else_=Notification.attempts),
                last_error=case((stale, LEASE_EXPIRED), else_=Notification.last_error),
            )
            .returning(Notification)
            .execution_options(synchronize_session=False)
        )
        claims: list[Claim] = []
        async with self.core.db.transaction() as session:
            for row in (await session.scalars(claim)).all():
                if row.last_error == LEASE_EXPIRED and row.attempts >= self.max_attempts:
                    row.status, row.claimed_until = DEAD, None
                    logger.error("dispatcher %s: notification %s on %s given up: %s", self.worker_id, row.id, row.channel, LEASE_EXPIRED)
                    continue
                if row.last_error == LEASE_EXPIRED:
                    logger.warning("dispatcher %s: notification %s on %s: %s; sending again", self.worker_id, row.id, row.channel, LEASE_EXPIRED)
                claims.append(Claim(row, until))
        claims.sort(key=lambda claim: claim.notification.id)
        return claims

    async def _deliver(self, claim: Claim) -> int:
        """Send one claimed notice: 1 when the channel took it (recorded by `_sent` with the
        rest of its round), 0 when it failed (recorded here)."""
        notification = claim.notification
        try:
            async with self.core.db.session() as session:
                notice = await render_notice(self.core, session, notification)
        except Exception as exc:  # noqa: BLE001 - recorded on the notification, retried
            await self._failed(claim, f"could not render the notice ({type(exc).__name__})", retry=True)
            return 0
        if notice is None:
            await self._failed(claim, "no address", retry=False)
            return 0
        channel = self.channels[notification.channel]
        try:
            await asyncio.wait_for(channel.send(notice), timeout=self.send_timeout)
        except DeliveryError as exc:
            await self._failed(claim, str(exc) or "delivery failed", retry=exc.retry, wait_at_least=exc.retry_after)
            return 0
        except TimeoutError:
            await self._failed(claim, f"no answer from the {notification.channel} channel in {self.send_timeout:g} s", retry=True)
            return 0
        except Exception as exc:  # noqa: BLE001 - an adapter's bug must not stop the others
            # Only the type: an adapter's message may quote the address.
            await self._failed(claim, f"{notification.channel} channel error ({type(exc).__name__})", retry=True)
            return 0
        return 1

    async def _sent(self, claims: list[Claim]) -> None:
        """Record a round's delivered notices in one write (one transaction per notice was the
        fan-out's bottleneck on SQLite's single writer: bench/fanout_bench.py)."""
        if not claims:
            return
        async with self.core.db.transaction() as session:
            await session.execute(
                update(Notification)
                .where(Notification.id.in_([claim.notification.id for claim in claims]), Notification.status != SENT)
                .values(status=SENT, sent_at=self.core.clock.now(), attempts=Notification.attempts + 1, claimed_until=None)
                .execution_options(synchronize_session=False)
            )

    async def _failed(self, claim: Claim, reason: str, *, retry: bool, wait_at_least: float = 0) -> None:
        """Record a failed try. `reason` is the channel's reason: never personal data."""
        reason = reason[:MAX_ERROR_CHARS]
        async with self.core.db.transaction() as session:
            row = await session.get(Notification, claim.notification.id, with_for_update=True)
            if row is None or row.status != SENDING or row.claimed_until is None or aware(row.claimed_until) != claim.until:
                # Our lease ran out and another dispatcher has taken the notice over.
                logger.warning("dispatcher %s: notification %s: lease lost before recording a failure", self.worker_id, claim.notification.id)
                return
            row.attempts += 1
            row.last_error = reason
            row.claimed_until = None
            if not retry or row.attempts >= self.max_attempts:
                row.status = DEAD
                logger.error(
                    "dispatcher %s: notification %s on %s given up after %s attempt(s): %s",
                    self.worker_id, row.id, row.channel, row.attempts, reason,
                )
                return
            wait = max(backoff(row.attempts, rng=self.rng), timedelta(seconds=wait_at_least))  # a channel's "retry after" (429)
            row.status = FAILED
            row.next_attempt_at = self.core.clock.now() + wait
            logger.warning(
                "dispatcher %s: notification %s on %s failed (attempt %s): %s; next try in %.0f s",
                self.worker_id, row.id, row.channel, row.attempts, reason, wait.total_seconds(),
            )


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
