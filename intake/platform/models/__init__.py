"""The registry of the core's tables: importing this package loads every model module, so
`Base.metadata` is complete (for Alembic's env and `create_all`) and every mapper can configure.

It re-exports nothing: import a model from the module that defines it.
"""
from __future__ import annotations

from intake.platform.models import (  # noqa: F401
    base, notifications, operations, prevention, reporting, rewards, staff, tip_records, tips,
)
