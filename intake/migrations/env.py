"""Alembic environment: runs on the connection handed over by intake.platform.migrate."""
from __future__ import annotations

from alembic import context

import intake.platform.models  # noqa: F401 - the registry: every table on Base.metadata
from intake.platform.models.base import Base

connection = context.config.attributes["connection"]
context.configure(
    connection=connection,
    target_metadata=Base.metadata,
    render_as_batch=connection.dialect.name == "sqlite",  # SQLite alters tables by copying them
    compare_type=True,
)
with context.begin_transaction():
    context.run_migrations()
