"""Build the core from settings: keys, database (migrated), the deployment in force, clock."""
from __future__ import annotations

import logging

from intake.clock import Clock, SystemClock
from intake.config_store import digest, load_active, stored_config
from intake.core import Core
from intake.crypto import load_or_create
from intake.db import Database
from intake.deployment import CONFIG_DIR, read_config
from intake.migrate import migrate
from intake.private_files import protect
from intake import rewards
from intake.settings import Settings

log = logging.getLogger(__name__)


async def bootstrap(settings: Settings | None = None, *, clock: Clock | None = None) -> Core:
    settings = settings or Settings()
    clock = clock or SystemClock()
    db = Database(settings.resolved_database_url)
    protect(settings.var_dir, db.sqlite_path, production=settings.production)  # before anything is written there
    keys = load_or_create(settings.resolved_keys_dir, production=settings.production)
    await migrate(db)
    deployment = await load_active(db, settings.config_dir, clock.now())
    if digest(read_config(settings.config_dir or CONFIG_DIR)) != digest(await stored_config(db) or {}):
        log.info("the configuration files differ from the version in force: see `tipline config apply`")
    core = Core(db=db, keys=keys, deployment=deployment, settings=settings, clock=clock)
    await rewards.versions(core)  # a changed rewards.toml is in force from the day it is first served
    return core
