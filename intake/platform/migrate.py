"""Bring the database schema up to date, safely when several processes start at once.

PostgreSQL: a transaction-scoped advisory lock. SQLite: an exclusive lock on a file beside
the database (SQLite is always on this machine, so a file lock is enough).
"""
from __future__ import annotations

import asyncio
import fcntl
import functools
from contextlib import contextmanager
from collections.abc import Iterator
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import text
from sqlalchemy.engine import Connection

from intake.platform.db import Database
from intake.platform.private_files import open_private

MIGRATIONS = Path(__file__).parents[1] / "migrations"
ADVISORY_LOCK_KEY = 0x7469706C  # "tipl"


def alembic_config() -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    return config


@functools.cache  # the migration scripts do not change while a process runs; reading them takes 15 ms
def head_revisions() -> frozenset[str]:
    return frozenset(ScriptDirectory.from_config(alembic_config()).get_heads())


def _upgrade(connection: Connection) -> None:
    if connection.dialect.name == "postgresql":
        connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": ADVISORY_LOCK_KEY})
    config = alembic_config()
    config.attributes["connection"] = connection
    command.upgrade(config, "heads")


def current_revisions(connection: Connection) -> set[str]:
    return set(MigrationContext.configure(connection).get_current_heads())


@contextmanager
def _file_lock(path: Path | None) -> Iterator[None]:
    if path is None:
        yield
        return
    lock_path = path.with_name(path.name + ".migrate-lock")
    with open_private(lock_path, "a") as handle:  # empty, but the var directory holds nothing for others
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


async def migrate(db: Database) -> None:
    # On SQLite the first connection also switches the file to WAL, which needs the same
    # exclusive access as a migration: do both under the lock (it blocks a thread, not the loop).
    lock = _file_lock(db.sqlite_path)
    await asyncio.to_thread(lock.__enter__)
    try:
        async with db.writer.connect() as connection:
            if await connection.run_sync(current_revisions) == head_revisions():
                return
        async with db.writer.begin() as connection:
            await connection.run_sync(_upgrade)
    finally:
        lock.__exit__(None, None, None)
