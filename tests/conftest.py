"""Shared fixtures: a real database (SQLite per test, or the PostgreSQL server named by
TIPLINE_TEST_DATABASE_URL), real keys, the default deployment and a controllable clock."""
from __future__ import annotations

import os
from pathlib import Path

import pytest
from sqlalchemy import text

from intake.clock import FrozenClock
from intake.core import Core
from intake.deployment import Deployment, load_deployment
from intake.models import Base
from intake.settings import Settings
from tipline.bootstrap import bootstrap

POSTGRES_URL = os.environ.get("TIPLINE_TEST_DATABASE_URL", "")


def database_url(tmp_path: Path) -> str:
    return POSTGRES_URL or f"sqlite+aiosqlite:///{tmp_path / 'tipline.db'}"


@pytest.fixture(scope="session")
def deployment() -> Deployment:
    return load_deployment(Settings().config_dir)


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
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
