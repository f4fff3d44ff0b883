"""Build the core from settings: keys, database (migrated), deployment data, clock."""
from __future__ import annotations

from intake.clock import Clock, SystemClock
from intake.core import Core
from intake.crypto import load_or_create
from intake.db import Database
from intake.deployment import load_deployment
from intake.migrate import migrate
from intake.settings import Settings


async def bootstrap(settings: Settings | None = None, *, clock: Clock | None = None) -> Core:
    settings = settings or Settings()
    keys = load_or_create(settings.resolved_keys_dir, production=settings.production)
    db = Database(settings.resolved_database_url)
    await migrate(db)
    return Core(db=db, keys=keys, deployment=load_deployment(settings.config_dir), settings=settings, clock=clock or SystemClock())
