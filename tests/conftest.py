"""Shared fixtures: a real database (SQLite per test, or the PostgreSQL server named by
TIPLINE_TEST_DATABASE_URL), real keys, the default deployment and a controllable clock.

SQLite: the product starts once per session on a template database and keyring, which every
test copies (a copy takes a millisecond, the migrations alone a fifth of a second). PostgreSQL: one migrated
database per pytest-xdist worker, emptied after each test. `test_storage.py` still runs every
migration from empty on both.

The PostgreSQL run takes only the tests that touch the database under test (they use the
`settings`, `empty_database_url` or `migrated_template` fixture, or are marked `database`); the
others (the questionnaire, the catalogs, the architecture, servers that make their own
databases, and browser checks of markup marked `same_on_every_database`) gave the same answer in
the SQLite run and are deselected, not skipped.
"""
from __future__ import annotations

import asyncio
import os
import shutil
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

# pytest-xdist's workers inherit COLUMNS=80 and LINES from execnet; rich would fix that width into
# the CLI's consoles when their modules are imported, and wrap what `tests.cli.run_tipline` (which
# sets COLUMNS=200 for each command, as a wide terminal would) reads. Remove them first.
os.environ.pop("COLUMNS", None)
os.environ.pop("LINES", None)

import httpx
import pytest
from sqlalchemy import text
from sqlalchemy.engine import make_url

from intake.platform.clock import FrozenClock
from intake.platform.db import Database
from intake.domain.deployment import Deployment, load_deployment
from intake.platform.models.base import Base
from intake.platform.settings import Settings
from tipline.bootstrap import bootstrap

# A test's own HTTP clients wait up to 30 s for an answer, not httpx's 5: a timeout is no place to
# assert speed (bench/ measures it), and a real server on a loaded 2-core machine running the suite
# has answered a walk's page after more than 5 s. The product's clients set their own timeouts.
httpx.AsyncClient.__init__.__kwdefaults__["timeout"] = httpx.Timeout(30.0)
httpx.Client.__init__.__kwdefaults__["timeout"] = httpx.Timeout(30.0)

#: The server's database named by the environment; each xdist worker uses its own beside it.
SHARED_POSTGRES_URL = os.environ.get("TIPLINE_TEST_DATABASE_URL", "")
WORKER = os.environ.get("PYTEST_XDIST_WORKER", "")
DATABASE_FIXTURES = {"settings", "empty_database_url", "migrated_template"}


def _worker_url(url: str, worker: str) -> str:
    if not url or not worker:
        return url
    parsed = make_url(url)
    return parsed.set(database=f"{parsed.database}_{worker}").render_as_string(hide_password=False)


POSTGRES_URL = _worker_url(SHARED_POSTGRES_URL, WORKER)


async def _recreate(admin_url: str, name: str, *, create: bool) -> None:
    admin = Database(admin_url)
    try:
        async with admin.writer.connect() as connection:
            connection = await connection.execution_options(isolation_level="AUTOCOMMIT")
            await connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            if create:
                await connection.execute(text(f'CREATE DATABASE "{name}"'))
    finally:
        await admin.dispose()


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "database: uses the database under test without the usual fixtures")
    config.addinivalue_line("markers", "postgresql: needs the PostgreSQL server of the suite's PostgreSQL run")
    config.addinivalue_line("markers", "alone: measures time, so it runs after the parallel run, alone")
    config.addinivalue_line("markers", "same_on_every_database: checks only what the browser shows of a page's markup "
                                       "(accessibility, layout), so the PostgreSQL run leaves it to the SQLite run")
    if POSTGRES_URL != SHARED_POSTGRES_URL:  # an xdist worker: a database of its own, new each run
        asyncio.run(_recreate(SHARED_POSTGRES_URL, make_url(POSTGRES_URL).database, create=True))


def pytest_unconfigure(config: pytest.Config) -> None:
    if POSTGRES_URL != SHARED_POSTGRES_URL:
        asyncio.run(_recreate(SHARED_POSTGRES_URL, make_url(POSTGRES_URL).database, create=False))


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if not SHARED_POSTGRES_URL:
        needs_server = [item for item in items if item.get_closest_marker("postgresql")]
        if needs_server:  # left to the PostgreSQL run
            config.hook.pytest_deselected(items=needs_server)
            items[:] = [item for item in items if item not in needs_server]
        return
    uses_database = [item for item in items
                     if (DATABASE_FIXTURES & set(getattr(item, "fixturenames", ())) or item.get_closest_marker("database"))
                     and not item.get_closest_marker("same_on_every_database")]
    if len(uses_database) < len(items):
        kept = set(uses_database)
        config.hook.pytest_deselected(items=[item for item in items if item not in kept])
        items[:] = uses_database


@asynccontextmanager
async def fresh_postgres_database(suffix: str) -> AsyncIterator[str]:
    """A new, empty database on the suite's PostgreSQL server beside this worker's, dropped after."""
    url = make_url(POSTGRES_URL)
    name = f"{url.database}_{suffix}"
    await _recreate(SHARED_POSTGRES_URL, name, create=True)
    try:
        yield url.set(database=name).render_as_string(hide_password=False)
    finally:
        await _recreate(SHARED_POSTGRES_URL, name, create=False)


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
    """A SQLite database and keyring as the product leaves them after its first start (the newest
    schema, the configuration files as version 1, the reward scheme recorded), for tests to copy
    (None on PostgreSQL). Starting from them saves each test the migrations, the switch to WAL,
    a new keyring and those first writes: about a third of a test's start."""
    if POSTGRES_URL:
        return None
    directory = tmp_path_factory.mktemp("template")
    path = directory / "tipline.db"

    async def first_start() -> None:
        core = await bootstrap(Settings(env="test", var_dir=directory, database_url=f"sqlite+aiosqlite:///{path}"),
                               clock=FrozenClock())  # the clock fixture's start: the same rows a test's start would write
        await core.db.dispose()

    asyncio.run(first_start())
    assert not path.with_name(path.name + "-wal").exists()  # checkpointed on close: the one file is the database
    return path


@pytest.fixture
def settings(tmp_path: Path, migrated_template: Path | None) -> Settings:
    if migrated_template is not None:
        shutil.copyfile(migrated_template, tmp_path / "tipline.db")
        shutil.copytree(migrated_template.parent / "keys", tmp_path / "keys")
    return Settings(env="test", var_dir=tmp_path, database_url=database_url(tmp_path))


#: Empties the worker's PostgreSQL database for the next test, in one round trip (a statement per
#: table took 45-65 ms a test, this 15): DELETE of a few rows is quicker than TRUNCATE, and the ids
#: start again at 1 as on a fresh SQLite copy.
EMPTY_POSTGRES = "BEGIN; " + "; ".join([
    *(f'DELETE FROM "{table.name}"' for table in reversed(Base.metadata.sorted_tables)),
    "SELECT setval(c.oid, 1, false) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
    "WHERE c.relkind = 'S' AND n.nspname = current_schema()",
]) + "; COMMIT"


@pytest.fixture
def clock() -> FrozenClock:
    return FrozenClock()


@pytest.fixture
async def core(settings: Settings, clock: FrozenClock):
    core = await bootstrap(settings, clock=clock)
    yield core
    if core.db.dialect == "postgresql":
        async with core.db.writer.connect() as connection:
            await (await connection.get_raw_connection()).driver_connection.execute(EMPTY_POSTGRES)
    await core.db.dispose()
