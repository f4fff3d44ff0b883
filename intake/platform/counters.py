"""Counts kept per day (look-ups, warning views): one row per key and day, one more on each use,
nothing else stored. Two requests may both find no row for the day yet; the one whose insert
loses counts in the row the other made."""
from __future__ import annotations

from sqlalchemy import update
from sqlalchemy.exc import IntegrityError

from intake.platform.db import Database


async def add_one(db: Database, model, **key: object) -> None:  # noqa: ANN001 - a mapped class with a `count` column
    """`model`'s row for `key` (its primary key columns) counts one more; made at 1 when missing."""
    for _attempt in range(3):
        async with db.transaction() as session:
            done = await session.execute(update(model).where(*(getattr(model, name) == value for name, value in key.items()))
                                         .values(count=model.count + 1))
            if done.rowcount:
                return
        try:
            async with db.transaction() as session:
                session.add(model(**key, count=1))
            return
        except IntegrityError:  # another request added the row first: count in it
            continue
