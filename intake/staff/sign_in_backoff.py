"""The wait that slows password guessing on the staff sign-in, per user name, per client address
and per browser where the person signed in before; it replaces a lock that anyone could set off.

The figures (SECURITY.md repeats them):
- a user name: 5 failures free; then each failure makes the next attempt wait 1 minute, then
  2, 4, 8, and at most 15 minutes. However many addresses guess, one name gets at most about 100
  checked guesses a day.
- a client address: 30 failures free (an office behind one address), then the same waits: one
  address trying many names gets about 130 checked guesses a day.
- a browser where the person completed a sign-in within 30 days (the console's signed cookie):
  its attempts at that person are judged by its own failures only (5 free, the same waits), not
  by the name's or the address's, so a stranger elsewhere never keeps the person out of their
  usual computer for even a minute.
Failures are forgotten a day after the last attempt; a whole sign-in clears its name's (or its
browser's) count.

An attempt while a wait is in force is not checked, and its answer is the answer to a wrong
password, after the same work (intake/staff/auth.py). Names are counted as typed, whether or not anyone
has that name, so a wait says nothing about whether a name exists.

Each attempt is counted before its password is checked, in a short transaction that locks the
rows, and uncounted when the password was right: parallel attempts cannot slip past the count,
and no lock is held while argon2 works.
"""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import case, delete, or_, select, update
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession

from intake.platform.clock import aware
from intake.platform.core import Core
from intake.platform.models.staff import SignInBackoff

NAME, ADDRESS, BROWSER = "name", "address", "browser"
FREE_FAILURES = {NAME: 5, ADDRESS: 30, BROWSER: 5}
FIRST_WAIT = timedelta(minutes=1)
LONGEST_WAIT = timedelta(minutes=15)
FORGET_AFTER = timedelta(hours=24)
#: While someone keeps failing at a name, its owner is told at most this often.
TELL_EVERY = timedelta(hours=24)
PURPOSE = "sign-in-backoff"


def wait_after(kind: str, failures: int) -> timedelta | None:
    """How long the next attempt waits after this many failures (None: no wait)."""
    over = failures - FREE_FAILURES[kind]
    if over < 0:
        return None
    return min(LONGEST_WAIT, FIRST_WAIT * 2 ** min(over, 16))


def key(core: Core, kind: str, value: str) -> str:
    """The row of a name, an address or a browser: a keyed hash, so no name or address is stored."""
    return f"{kind}:{core.keys.keyed_hash(value, purpose=PURPOSE)[:40]}"


def _kind(row_key: str) -> str:
    return row_key.split(":", 1)[0]


@dataclass(frozen=True)
class Reservation:
    """One attempt counted in advance: `waiting_until` when a wait was in force (the attempt is
    not to be checked), else per key (failures now, the wait this count set, the wait before)."""

    keys: tuple[str, ...]
    waiting_until: datetime | None = None
    counted: dict[str, tuple[int, datetime | None, datetime | None]] = field(default_factory=dict)

    @property
    def waiting(self) -> bool:
        return self.waiting_until is not None

    def failures(self, row_key: str) -> int:
        return self.counted[row_key][0] if row_key in self.counted else 0

    def wait_set(self, row_key: str) -> datetime | None:
        return self.counted[row_key][1] if row_key in self.counted else None


async def reserve(core: Core, keys: Sequence[str]) -> Reservation:
    """Count an attempt under `keys` as failed before it is checked, unless one of them is in a
    wait: then nothing is counted and the attempt must not be checked."""
    now = core.clock.now()
    table = SignInBackoff.__table__
    insert = sqlite_insert if core.db.is_sqlite else postgresql_insert
    async with core.db.transaction() as session:
        # A write first (SQLite then holds the write lock), then the rows locked in key order
        # (PostgreSQL: two attempts at the same keys queue here, briefly).
        await session.execute(insert(table).values([
            {"key": row_key, "failures": 0, "last_at": now} for row_key in sorted(set(keys))
        ]).on_conflict_do_nothing(index_elements=[table.c.key]))
        rows = (await session.scalars(
            select(SignInBackoff).where(SignInBackoff.key.in_(set(keys))).order_by(SignInBackoff.key).with_for_update()
        )).all()
        for row in rows:
            if aware(row.last_at) <= now - FORGET_AFTER:
                row.failures, row.wait_until, row.alerted_at = 0, None, None
            row.last_at = now
        waits = [aware(row.wait_until) for row in rows if row.wait_until is not None and aware(row.wait_until) > now]
        if waits:
            return Reservation(tuple(keys), waiting_until=max(waits))
        counted = {}
        for row in rows:
            before = row.wait_until
            row.failures += 1
            wait = wait_after(_kind(row.key), row.failures)
            row.wait_until = now + wait if wait else None
            counted[row.key] = (row.failures, row.wait_until, before)
        return Reservation(tuple(keys), counted=counted)


async def succeeded(session: AsyncSession, reservation: Reservation, clear: Sequence[str] = ()) -> None:
    """The password (or code) was right: take back this attempt's count, in the caller's
    transaction; `clear` the keys a whole sign-in resets (its name, or its browser)."""
    for row_key, (failures, _wait, before) in reservation.counted.items():
        if row_key in clear:
            continue
        # The wait this count set goes too, unless other attempts were counted since.
        await session.execute(update(SignInBackoff).where(SignInBackoff.key == row_key).values(
            failures=SignInBackoff.failures - 1,
            wait_until=case((SignInBackoff.failures == failures, before), else_=SignInBackoff.wait_until),
        ))
    await forget(session, clear)


async def forget(session: AsyncSession, keys: Sequence[str]) -> None:
    """Clear these keys' failures and waits, in the caller's transaction."""
    if keys:
        await session.execute(delete(SignInBackoff).where(SignInBackoff.key.in_(list(keys))))


async def time_to_tell(session: AsyncSession, core: Core, reservation: Reservation, row_key: str) -> bool:
    """Whether the owner of this name (or browser) should hear of its failures now: once it is
    slowed, and then at most every TELL_EVERY. Marks it told (one statement: one notice only)."""
    if reservation.failures(row_key) < FREE_FAILURES[_kind(row_key)]:
        return False
    now = core.clock.now()
    told = await session.execute(
        update(SignInBackoff)
        .where(SignInBackoff.key == row_key, or_(SignInBackoff.alerted_at.is_(None), SignInBackoff.alerted_at <= now - TELL_EVERY))
        .values(alerted_at=now)
    )
    return told.rowcount == 1


async def purge(core: Core) -> int:
    """Forget the rows of names, addresses and browsers quiet for FORGET_AFTER."""
    async with core.db.transaction() as session:
        result = await session.execute(delete(SignInBackoff).where(SignInBackoff.last_at < core.clock.now() - FORGET_AFTER))
        return result.rowcount or 0
