"""Storage: migrations, SQLite settings, personal data never stored in plain text, and the
database's files readable by their owner only."""
from __future__ import annotations

import asyncio
import os
import stat
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import text

from intake.domain import conversation as conv
from intake.domain.conversation import Context
from intake.platform.db import Database
from intake.reporting.drafts import new_draft, save_draft
from intake.platform.migrate import head_revisions, migrate
from intake.platform.models.base import Base
from intake.domain.steps import ChannelCapabilities
from intake.platform.settings import Settings
from intake.reporting.submission import Receipt, submit_draft
from tests.conftest import POSTGRES_URL
from tests.factories import file_tip
from intake.prevention.subscriptions import EmailForm, subscribe_chat, subscribe_email
from intake.reporting.lookups import Client
from tipline.bootstrap import bootstrap
from tests.walk import ANSWERS_FOR_MOTHER, walk

TERMINAL = ChannelCapabilities()


async def test_schema_is_at_the_latest_migration(core):
    async with core.db.writer.connect() as connection:
        versions = set((await connection.scalars(text("SELECT version_num FROM alembic_version"))).all())
    assert versions == head_revisions()


@pytest.mark.skipif(bool(POSTGRES_URL), reason="SQLite pragmas apply to the embedded database only")
async def test_sqlite_runs_in_wal_mode_with_a_busy_timeout(core):
    async with core.db.writer.connect() as connection:
        assert (await connection.scalar(text("PRAGMA journal_mode"))) == "wal"
        assert (await connection.scalar(text("PRAGMA busy_timeout"))) == 10000


def _modelled(name, type_, _parent_names) -> bool:
    # The search index is the database's own (FTS5 on SQLite with its shadow tables, tsvector
    # on PostgreSQL), kept by raw SQL in intake/casework/search.py rather than described by a model.
    return not (type_ == "table" and name.startswith("tip_search"))


async def test_migrations_are_safe_when_processes_start_together(empty_database_url):
    # Four "processes" racing to migrate one empty database: every migration runs once, all
    # succeed, one schema, and it is the schema the models describe.
    databases = [Database(empty_database_url) for _ in range(4)]
    try:
        await asyncio.gather(*(migrate(db) for db in databases))
        async with databases[0].writer.connect() as connection:
            versions = set((await connection.scalars(text("SELECT version_num FROM alembic_version"))).all())
            assert versions == head_revisions()
            differences = await connection.run_sync(
                lambda sync: compare_metadata(MigrationContext.configure(sync, opts={"compare_type": False, "include_name": _modelled}), Base.metadata))
        assert differences == [], differences
    finally:
        for db in databases:
            await db.dispose()


async def test_raw_database_holds_no_name_phone_or_email_in_plain_text(core, clock):
    ctx = Context(core.deployment, core.today(), TERMINAL)
    record = await new_draft(core, "terminal", "session-1", "zh_Hans", TERMINAL)
    record.state = walk(record.state, ctx, ANSWERS_FOR_MOTHER)
    await save_draft(core, record)
    receipt = await submit_draft(core, record.id, TERMINAL)
    assert isinstance(receipt, Receipt)
    # Subscribers to new warnings: an e-mail address (with its confirmation mail queued) and a chat.
    assert await subscribe_email(core, Client.address("10.1.2.3"), EmailForm("amala.subscriber@example.com", "990121", "bo"),
                                 base="https://tipline.example/") is None
    await subscribe_chat(core, "telegram", "7009998887", "990121", "en")
    secrets = ["王秀英", "李建国", "13800138000", "138 0013 8000", "wang.son@example.com", receipt.code,
               "amala.subscriber@example.com", "7009998887"]
    if core.db.dialect == "sqlite":
        await core.db.dispose()  # flush the WAL into the file we read
        raw = core.db.sqlite_path.read_bytes()
        for wal in core.db.sqlite_path.parent.glob("*-wal"):
            raw += wal.read_bytes()
        for secret in secrets:
            assert secret.encode() not in raw, secret
    else:
        async with core.db.transaction() as session:
            for table in ("people", "tips", "drafts", "status_events", "warning_subscriptions", "notifications", "audit_events"):
                rows = (await session.execute(text(f"SELECT * FROM {table}"))).all()
                dump = repr(rows)
                for secret in secrets:
                    assert secret not in dump, (table, secret)
    assert "13800138000" not in repr(receipt)


# --- file modes: the database file is not for other users of the machine ----------------------

def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


async def _dev_core_with_files(var: Path):
    """A development core on a fresh var directory with a tip written, so the database's -wal
    and -shm files exist (they go away when the last connection closes), under the usual umask."""
    previous = os.umask(0o022)  # what most machines use: files 0644, directories 0755 unless told
    try:
        core = await bootstrap(Settings(env="development", var_dir=var, database_url=""))
        await file_tip(core)
    finally:
        os.umask(previous)
    return core


async def test_the_var_directory_the_database_and_its_wal_and_shm_files_are_for_their_owner_only(tmp_path):
    # The embedded database on disk, whichever database the suite runs on.
    var = tmp_path / "var"
    core = await _dev_core_with_files(var)
    try:
        modes = {path.name: _mode(path) for path in [var, *var.glob("tipline.db*")]}
    finally:
        await core.db.dispose()
    assert modes == {"var": 0o700, "tipline.db": 0o600, "tipline.db-wal": 0o600, "tipline.db-shm": 0o600,
                     "tipline.db.migrate-lock": 0o600}


@pytest.mark.parametrize("loose", ["var", "var/tipline.db", "var/tipline.db-wal", "var/tipline.db-shm"])
async def test_production_refuses_to_start_when_the_database_is_readable_by_others(tmp_path, loose):
    from intake.platform.private_files import InsecureFiles

    var = tmp_path / "var"
    running = await _dev_core_with_files(var)
    production = Settings(env="production", var_dir=var, database_url="")
    try:
        loosened = tmp_path / loose
        loosened.chmod(0o755 if loosened.is_dir() else 0o644)
        with pytest.raises(InsecureFiles, match=f"chmod {'700' if loosened.is_dir() else '600'} {loosened}"):
            await bootstrap(production)
        loosened.chmod(0o700 if loosened.is_dir() else 0o600)
        core = await bootstrap(production)  # once tightened, production starts
        await core.db.dispose()
    finally:
        await running.db.dispose()
