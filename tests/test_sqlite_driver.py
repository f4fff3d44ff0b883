"""SQLite through aiosqlite with one trip to the connection's thread per statement
(intake/platform/sqlite_driver.py): what SQLAlchemy reads back from a statement (rows, row
counts, new ids, errors, streamed results) is as with the adapter's own cursor. A database file
of its own: SQLite only, so the PostgreSQL run leaves these out."""
from __future__ import annotations

import aiosqlite
import pytest
from sqlalchemy import Column, Integer, MetaData, String, Table, delete, insert, select, update
from sqlalchemy.exc import IntegrityError

from intake.platform.db import Database

METADATA = MetaData()
THINGS = Table("things", METADATA, Column("id", Integer, primary_key=True), Column("name", String, unique=True))


@pytest.fixture
async def database(tmp_path):
    db = Database(f"sqlite+aiosqlite:///{tmp_path / 'driver.db'}")
    async with db.writer.begin() as connection:
        await connection.run_sync(METADATA.create_all)
    yield db
    await db.dispose()


async def test_a_statement_is_one_trip_to_the_connections_thread(database, monkeypatch):
    trips: list[str] = []
    queued = aiosqlite.Connection._execute

    async def counted(self, fn, *args, **kwargs):  # noqa: ANN001, ANN002, ANN003, ANN202
        trips.append(getattr(fn, "__name__", repr(fn)))
        return await queued(self, fn, *args, **kwargs)

    async with database.session() as session:
        await session.execute(select(THINGS.c.id))  # the connection is open and set up
        monkeypatch.setattr(aiosqlite.Connection, "_execute", counted)
        await session.execute(select(THINGS.c.id).where(THINGS.c.id > 0))
        assert trips == ["_run"]  # was four: open a cursor, execute, fetch the rows, close the cursor


async def test_rows_counts_new_ids_and_errors_read_back_as_before(database):
    async with database.transaction() as session:
        first = await session.execute(insert(THINGS).values(name="a"))
        assert first.inserted_primary_key == (1,)
        await session.execute(insert(THINGS), [{"name": "b"}, {"name": "c"}, {"name": "d"}])
        assert (await session.execute(update(THINGS).where(THINGS.c.id > 2).values(name=THINGS.c.name + "!"))).rowcount == 2
    async with database.session() as session:
        assert (await session.execute(select(THINGS.c.id, THINGS.c.name).order_by(THINGS.c.id))).all() == [
            (1, "a"), (2, "b"), (3, "c!"), (4, "d!")]
        assert (await session.execute(select(THINGS.c.id).where(THINGS.c.id > 9))).first() is None
        streamed = await session.stream(select(THINGS.c.name).order_by(THINGS.c.id))  # the adapter's server-side cursor
        assert [name async for (name,) in streamed] == ["a", "b", "c!", "d!"]
    with pytest.raises(IntegrityError):
        async with database.transaction() as session:
            await session.execute(insert(THINGS).values(name="a"))
    async with database.transaction() as session:
        assert (await session.execute(delete(THINGS).where(THINGS.c.name == "a"))).rowcount == 1
