"""The outbox dispatcher: delivers queued notices with retries, at least once and in order
per reporter.

A round claims due notifications in one short transaction (PostgreSQL: `FOR UPDATE SKIP
LOCKED`, so dispatchers in several processes never claim the same row; SQLite has one writer,
so the transaction alone serialises claims), marks them `sending` with a lease, delivers them
outside any transaction and records the outcome. A stream is claimed by its earliest undelivered
notification (its head), together with the due notices queued right behind it; a round sends
its streams side by side and each stream's notices one after the other, stopping the stream at
its first failure, so a later notice never overtakes an earlier one that is still waiting for a
retry. Lanes (`Notification.lane`): due case notices are claimed, and started, before any broadcast. A dispatcher that dies mid-send leaves its lease behind; once the lease has passed,
another dispatcher sends the notice again (a duplicate is possible only when a channel took a
notice but its answer was lost).

Statuses: pending -> sending -> sent, or -> failed (retried with backoff) -> ... -> dead (given
up, kept for staff to see), or -> passed (outbox.pass_on: on to the reporter's next channel).
Channels are plugins handed in by the composition root; this module never imports one.
"""
from __future__ import annotations

import asyncio
import logging
import random
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import and_, case, func, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from intake.platform.clock import aware
from intake.platform.core import Core
from intake.platform.db import in_chunks
from intake.platform.models.notifications import Notification
from intake.notify.outbox import PASSED, Channel, DeliveryError, Notice, PassOn, pass_on, render_notice, render_notices

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
        per_stream: int = 20,
        lease_seconds: int = 60,
        max_attempts: int = MAX_ATTEMPTS,
        send_timeout: float | None = None,
        rng: random.Random | None = None,
    ) -> None:
        self.core = core
        self.channels = dict(channels)
        self.worker_id = worker_id
        self.batch = batch  # streams per round, sent side by side
        self.per_stream = per_stream  # notices of one stream per round, sent one after the other
        self.lease = timedelta(seconds=lease_seconds)
        self.max_attempts = max_attempts
        # A send must end well inside the lease, or another dispatcher could send it again.
        self.send_timeout = send_timeout if send_timeout is not None else max(1.0, lease_seconds * 0.75)
        self.rng = rng or random.Random()

    async def run_once(self) -> int:
        """Deliver everything due now (stream by stream, in order); return how many were sent."""
        sent = 0
        # Each round takes the due head of up to `batch` streams with the notices queued behind
        # it; the next notices of a stream are claimed once the ones before them are recorded.
        # Failures are not due again in this call (their backoff lies ahead), so the rounds end.
        for _ in range(10_000):
            claims = await self.claim()
            if not claims:
                break
            sent += await self._deliver_round(claims)
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
        """Take the due head of each stream and mark it `sending`, in one UPDATE … RETURNING,
        then the due notices right behind those heads (`_claim_followers`).

        The heads in one statement: on PostgreSQL its subquery locks the rows it picks (`FOR UPDATE SKIP
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
            .order_by(due.lane, due.next_attempt_at, due.id)
            .limit(self.batch)
        )
        if not self.core.db.is_sqlite:
            picked = picked.with_for_update(skip_locked=True, of=due)
        claim = self._claiming(update(Notification).where(Notification.id.in_(picked)), until)
        claims: list[Claim] = []
        async with self.core.db.transaction() as session:
            rows = list((await session.scalars(claim)).all())
            if rows and self.per_stream > 1:
                rows += await self._claim_followers(session, rows, now, until)
            for row in rows:
                if row.last_error == LEASE_EXPIRED and row.attempts >= self.max_attempts:
                    row.status, row.claimed_until = DEAD, None
                    logger.error("dispatcher %s: notification %s on %s given up: %s", self.worker_id, row.id, row.channel, LEASE_EXPIRED)
                    continue
                if row.last_error == LEASE_EXPIRED:
                    logger.warning("dispatcher %s: notification %s on %s: %s; sending again", self.worker_id, row.id, row.channel, LEASE_EXPIRED)
                claims.append(Claim(row, until))
        claims.sort(key=lambda claim: (claim.notification.lane, claim.notification.id))
        return claims

    async def _claim_followers(self, session: AsyncSession, heads: list[Notification], now: datetime, until: datetime) -> list[Notification]:
        """Claim, with the heads just claimed, the due notices queued right behind each of them
        (up to `per_stream` a stream, stopping at the first one not due), so a stream's backlog
        goes out in one round rather than one round per notice.

        No other dispatcher can be claiming these: while a stream's head is undelivered, nothing
        behind it is anyone's head. A row not due (waiting for its retry) ends the run, so a
        later notice never overtakes it."""
        head_of = {row.stream: row.id for row in heads}
        streams = sorted(head_of)
        behind: dict[str, list[int]] = {}
        for some in in_chunks(streams):
            queued = await session.execute(
                select(Notification.id, Notification.stream, Notification.status, Notification.next_attempt_at, Notification.claimed_until)
                .where(Notification.stream.in_(some), Notification.status.in_(UNDELIVERED))
                .order_by(Notification.stream, Notification.id)
            )
            ended: set[str] = set()
            for id_, stream, status, next_attempt_at, claimed_until in queued:
                if id_ <= head_of[stream] or stream in ended:
                    continue
                taken = behind.setdefault(stream, [])
                due = (
                    aware(next_attempt_at) <= now if status in (PENDING, FAILED)
                    else claimed_until is not None and aware(claimed_until) <= now
                )
                if not due or len(taken) >= self.per_stream - 1:
                    ended.add(stream)
                    continue
                taken.append(id_)
        ids = sorted(id_ for taken in behind.values() for id_ in taken)
        rows: list[Notification] = []
        for some in in_chunks(ids):
            rows += (await session.scalars(self._claiming(
                update(Notification).where(Notification.id.in_(some), Notification.status.in_(UNDELIVERED)), until,
            ))).all()
        return rows

    @staticmethod
    def _claiming(statement, until: datetime):
        """`statement` (an UPDATE of the notifications to claim) marking them `sending` until
        `until`; a notice whose lease had expired counts that try."""
        stale = Notification.status == SENDING  # its dispatcher stopped mid-send: that try counts
        return (
            statement.values(
                status=SENDING,
                claimed_until=until,
                attempts=case((stale, Notification.attempts + 1), else_=Notification.attempts),
                last_error=case((stale, LEASE_EXPIRED), else_=Notification.last_error),
            )
            .returning(Notification)
            .execution_options(synchronize_session=False)
        )

    async def _deliver_round(self, claims: list[Claim]) -> int:
        """Send a round's claims: the streams side by side, each stream's notices one after the
        other in id order. A failure ends its stream's turn (the notices behind it are released
        for a later round, after its retry); the sent ones are recorded together at the end,
        even when a stream's turn broke off with an error (say, the database while recording a
        failure), so that what went out is not sent again."""
        notices = await self._prepared(claims, await self._rendered(claims))
        streams: dict[str, list[int]] = {}
        for i, claim in enumerate(claims):  # claims come in lane, then id order
            streams.setdefault(claim.notification.stream, []).append(i)
        delivered: list[Claim] = []
        outcomes = await asyncio.gather(
            *(self._deliver_stream([claims[i] for i in indexes], [notices[i] for i in indexes], delivered) for indexes in streams.values()),
            return_exceptions=True,
        )
        await self._release([claim for released in outcomes if isinstance(released, list) for claim in released])
        await self._sent(delivered)
        for outcome in outcomes:
            if isinstance(outcome, BaseException):
                raise outcome
        return len(delivered)

    async def _rendered(self, claims: list[Claim]) -> list[Notice | None | Exception]:
        """Each claim's notice, rendered from one read of each table for the round; when that
        fails, one by one, so that only the notice that cannot be rendered waits."""
        notifications = [claim.notification for claim in claims]
        try:
            async with self.core.db.session() as session:
                return list(await render_notices(self.core, session, notifications))
        except Exception as exc:  # noqa: BLE001 - found out below, notice by notice
            logger.warning("dispatcher %s: rendering a round failed (%s); rendering its notices one by one", self.worker_id, type(exc).__name__)
        rendered: list[Notice | None | Exception] = []
        for notification in notifications:
            try:
                async with self.core.db.session() as session:
                    rendered.append(await render_notice(self.core, session, notification))
            except Exception as exc:  # noqa: BLE001 - recorded on the notification, retried
                rendered.append(exc)
        return rendered

    async def _prepared(self, claims: list[Claim], notices: list[Notice | None | Exception]) -> list[Notice | None | Exception]:
        """The notices as each channel's `prepare` returns them (what it looks up for the whole
        round at once); a channel without one, or whose look-up fails, looks up while sending."""
        by_channel: dict[str, list[int]] = {}
        for i, (claim, notice) in enumerate(zip(claims, notices)):
            if isinstance(notice, Notice):
                by_channel.setdefault(claim.notification.channel, []).append(i)
        notices = list(notices)
        for name, indexes in by_channel.items():
            prepare = getattr(self.channels[name], "prepare", None)
            if prepare is None:
                continue
            try:
                prepared = await prepare([notices[i] for i in indexes])
            except Exception as exc:  # noqa: BLE001 - send() looks it up itself then
                logger.warning("dispatcher %s: the %s channel could not prepare a round (%s)", self.worker_id, name, type(exc).__name__)
                continue
            for i, notice in zip(indexes, prepared, strict=True):
                notices[i] = notice
        return notices

    async def _deliver_stream(self, claims: list[Claim], notices: list[Notice | None | Exception], sent: list[Claim]) -> list[Claim]:
        """Send one stream's claimed notices in order, adding the sent ones to `sent`; return
        the ones left untried (to release)."""
        for k, (claim, notice) in enumerate(zip(claims, notices)):
            if k and self.core.clock.now() + timedelta(seconds=self.send_timeout) > claim.until:
                return claims[k:]  # its lease could run out mid-send: a later round takes it
            outcome = await self._deliver(claim, notice)
            if outcome == FAILED:
                return claims[k + 1:]
            if outcome == SENT:
                sent.append(claim)
        return []

    async def _deliver(self, claim: Claim, notice: Notice | None | Exception) -> str:
        """Send one claimed notice: SENT when the channel took it (recorded by `_sent` with the
        rest of its round), FAILED or PASSED (passed on) when not (recorded here)."""
        notification = claim.notification
        if isinstance(notice, Exception):  # recorded on the notification, retried
            await self._failed(claim, f"could not render the notice ({type(notice).__name__})", retry=True)
            return FAILED
        if notice is None:
            await self._failed(claim, "no address", retry=False)
            return FAILED
        channel = self.channels[notification.channel]
        try:
            async with asyncio.timeout(self.send_timeout):
                await channel.send(notice)
        except PassOn as exc:
            await self._passed(claim, str(exc) or f"{notification.channel}: cannot reach the person now")
            return PASSED
        except DeliveryError as exc:
            await self._failed(claim, str(exc) or "delivery failed", retry=exc.retry, wait_at_least=exc.retry_after)
            return FAILED
        except TimeoutError:
            await self._failed(claim, f"no answer from the {notification.channel} channel in {self.send_timeout:g} s", retry=True)
            return FAILED
        except Exception as exc:  # noqa: BLE001 - an adapter's bug must not stop the others
            # Only the type: an adapter's message may quote the address.
            await self._failed(claim, f"{notification.channel} channel error ({type(exc).__name__})", retry=True)
            return FAILED
        return SENT

    async def _sent(self, claims: list[Claim]) -> None:
        """Record a round's delivered notices in one write (one transaction per notice was the
        fan-out's bottleneck on SQLite's single writer: bench/fanout_bench.py)."""
        if not claims:
            return
        ids = [claim.notification.id for claim in claims]
        async with self.core.db.transaction() as session:
            for some in in_chunks(ids):
                await session.execute(
                    update(Notification)
                    .where(Notification.id.in_(some), Notification.status != SENT)
                    .values(status=SENT, sent_at=self.core.clock.now(), attempts=Notification.attempts + 1, claimed_until=None)
                    .execution_options(synchronize_session=False)
                )

    async def _release(self, claims: list[Claim]) -> None:
        """Give back claimed notices that were not tried (the stream stopped before them), as
        they were: due, behind their stream's head, untouched if our lease has been lost."""
        if not claims:
            return
        until = claims[0].until  # a round's claims come from one claim, under one lease
        async with self.core.db.transaction() as session:
            for some in in_chunks([claim.notification.id for claim in claims]):
                await session.execute(
                    update(Notification)
                    .where(Notification.id.in_(some), Notification.status == SENDING, Notification.claimed_until == until)
                    .values(status=case((Notification.attempts > 0, FAILED), else_=PENDING), claimed_until=None)
                    .execution_options(synchronize_session=False)
                )

    async def _still_ours(self, session: AsyncSession, claim: Claim, doing: str) -> Notification | None:
        """The claimed row, locked; None when our lease ran out and another dispatcher took it over."""
        row = await session.get(Notification, claim.notification.id, with_for_update=True)
        if row is None or row.status != SENDING or row.claimed_until is None or aware(row.claimed_until) != claim.until:
            logger.warning("dispatcher %s: notification %s: lease lost before %s", self.worker_id, claim.notification.id, doing)
            return None
        return row

    async def _passed(self, claim: Claim, reason: str) -> None:
        """The channel cannot reach the person now: `outbox.pass_on`, unless our lease was lost."""
        async with self.core.db.transaction() as session:
            if (row := await self._still_ours(session, claim, "passing it on")) is not None:
                await pass_on(session, self.core, row, reason[:MAX_ERROR_CHARS - 40])

    async def _failed(self, claim: Claim, reason: str, *, retry: bool, wait_at_least: float = 0) -> None:
        """Record a failed try. `reason` is the channel's reason: never personal data."""
        reason = reason[:MAX_ERROR_CHARS]
        async with self.core.db.transaction() as session:
            row = await self._still_ours(session, claim, "recording a failure")
            if row is None:
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
