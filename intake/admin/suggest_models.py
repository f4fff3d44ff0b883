"""The category suggestion's model versions in the database (issue 19): stored as plain JSON,
the newest installed in force; with none installed, the shipped file
(intake/config/suggest_model.json) suggests. The shipped model is not copied into every database:
it is in the code, and its version is recorded on each tip it suggests for all the same.

Training happens outside (intake/domain/category_training.py); this module only keeps what
was trained, says which version is in force, and installs another. The learning loop of issue 19
item 3 (retrain from confirmed tips, install only if no worse) builds on `store` and `install`.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select

from intake.domain.category_model import Model, ModelError, default_model
from intake.platform.db import Database
from intake.platform.models.operations import SuggestModelVersion

SHIPPED, TRAINED = "shipped", "trained"


@dataclass(frozen=True)
class StoredModel:
    version: str
    source: str
    stored_at: datetime | None  # None: the shipped file, not in the database
    installed_at: datetime | None
    figures: dict | None
    in_force: bool


async def store(db: Database, data: dict, *, source: str, now: datetime, figures: dict | None = None, install: bool = False) -> Model:
    """Keep a model version (again storing the same version changes nothing but may install it)."""
    model = Model.from_data(data)  # refuse a malformed model before it is kept
    async with db.transaction() as session:
        row = await session.scalar(select(SuggestModelVersion).where(SuggestModelVersion.version == model.version))
        if row is None:
            row = SuggestModelVersion(version=model.version, source=source, stored_at=now, data=data, figures=figures)
            session.add(row)
        if install:
            row.installed_at = now
    return model


async def install(db: Database, version: str, now: datetime) -> None:
    """Put a stored version in force; the shipped version is stored first if needed (to go back to it)."""
    shipped = default_model()
    if shipped is not None and version == shipped.version:
        await store(db, shipped.data, source=SHIPPED, now=now, install=True)
        return
    async with db.transaction() as session:
        row = await session.scalar(select(SuggestModelVersion).where(SuggestModelVersion.version == version))
        if row is None:
            raise ModelError(f"no model version {version!r} is stored")
        row.installed_at = now


_parsed: dict[str, Model] = {}  # version -> model: a version names its content, so this never goes stale


async def in_force(db: Database) -> Model | None:
    """The newest installed model version, or None when none is (the shipped file then suggests)."""
    async with db.session() as session:
        version = await session.scalar(
            select(SuggestModelVersion.version).where(SuggestModelVersion.installed_at.is_not(None))
            .order_by(SuggestModelVersion.installed_at.desc(), SuggestModelVersion.id.desc()).limit(1))
        if version is None:
            return None
        if version not in _parsed:
            data = await session.scalar(select(SuggestModelVersion.data).where(SuggestModelVersion.version == version))
            _parsed[version] = Model.from_data(data)
        return _parsed[version]


async def versions(db: Database) -> list[StoredModel]:
    """Every stored version, newest first, with the one in force marked."""
    current = await in_force(db)
    async with db.session() as session:
        rows = (await session.execute(select(
            SuggestModelVersion.version, SuggestModelVersion.source, SuggestModelVersion.stored_at,
            SuggestModelVersion.installed_at, SuggestModelVersion.figures,
        ).order_by(SuggestModelVersion.id.desc()))).all()
    stored = [StoredModel(*row, in_force=current is not None and row.version == current.version) for row in rows]
    shipped = default_model()
    if shipped is not None and shipped.version not in {m.version for m in stored}:
        stored.append(StoredModel(shipped.version, SHIPPED, None, None, shipped.data.get("trained"), in_force=current is None))
    return stored
