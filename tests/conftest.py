"""Shared fixtures: a real database (SQLite per test, or the PostgreSQL server named by
TIPLINE_TEST_DATABASE_URL), real keys, the default deployment and a controllable clock.

SQLite: the migrations run once per session into a template file, which every test copies
(a copy takes a millisecond, the migrations a fifth of a second). PostgreSQL: one migrated
database, emptied after each test. `test_storage.py` still runs every migration from empty on both.
"""
from __future__ import annotations

import asyncio
import os
import shutil
import sqlite3
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.engine import make_url

from intake.platform.clock import FrozenClock
from intake.platform.db import Database
from intake.domain.deployment import Deployment, load_deployment
from intake.platform.migrate import migrate
from intake.platform.models.base import Base
from intake.platform.settings import Settings
from tipline.bootstrap import bootstrap

POSTGRES_URL = os.environ.get("TIPLINE_TEST_DATABASE_URL", "")


def database_url(tmp_path: Path) -> str:
    return POSTGRES_URL or f"sqlite+aiosqlite:///{tmp_path / 'tipline.db'}"


@pytest.fixture(scope="session")
def deployment() -> Deployment:
    return load_deployment(Settings().config_dir)


@pytest.fixture
async def empty_database_url(tmp_path: Path):
    """A database with nothing in it: a new SQLite file, or a new database on the PostgreSQL server."""
    if not POSTGRES_URL:
        yield f"sqlite+aiosqlite:///{tmp_path / 'empty.db'}"
        return
    name = f"tipline_empty_{os.getpid()}_{tmp_path.name}".lower()[:60]
    admin = Database(POSTGRES_URL)
    async with admin.writer.connect() as connection:
        connection = await connection.execution_options(isolation_level="AUTOCOMMIT")
        await connection.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield make_url(POSTGRES_URL).set(database=name).render_as_string(hide_password=False)
    finally:
        async with admin.writer.connect() as connection:
            connection = await connection.execution_options(isolation_level="AUTOCOMMIT")
            await connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        await admin.dispose()


@pytest.fixture(scope="session")
def migrated_template(tmp_path_factory: pytest.TempPathFactory) -> Path | None:
    """A SQLite file at the newest schema, for tests to copy (None on PostgreSQL)."""
    if POSTGRES_URL:
        return None
    path = tmp_path_factory.mktemp("template") / "tipline.db"

    async def build() -> None:
        db = Database(f"sqlite+aiosqlite:///{path}")
        try:
            await migrate(db)
        finally:
            await db.dispose()

    asyncio.run(build())
    with sqlite3.connect(path) as connection:  # one self-contained file: no WAL beside it
        connection.execute("PRAGMA journal_mode=DELETE")
    return path


@pytest.fixture
def settings(tmp_path: Path, migrated_template: Path | None) -> Settings:
    if migrated_template is not None:
        shutil.copyfile(migrated_template, tmp_path / "tipline.db")
    return Settings(env="test", var_dir=tmp_path, database_url=database_url(tmp_path))


@pytest.fixture
def clock() -> FrozenClock:
    return FrozenClock()


@pytest.fixture
async def core(settings: Settings, clock: FrozenClock):
    core = await bootstrap(settings, clock=clock)
    yield core
    if core.db.dialect == "postgresql":
        tables = ", ".join(t.name for t in Base.metadata.sorted_tables)
        async with core.db.transaction() as session:
            await session.execute(text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))
    await core.db.dispose()
