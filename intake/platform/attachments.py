"""Evidence files: checked by their content (never their name), cleaned of metadata (EXIF
carries the photo's location) by the file workers, away from the event loop, and sealed in the
database like personal data.

A file is uploaded into a draft, and moves to the tip when the draft is submitted.
"""
from __future__ import annotations

import errno
import hashlib
import logging
import uuid
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import select, update
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncSession

from i18n import N_
from intake.platform import file_workers
from intake.domain.answers.invalid import Invalid
from intake.platform.core import Core
from intake.platform.file_cleaning import MAX_BYTES, CleanFile, clean_files  # noqa: F401 - MAX_BYTES: for the channels' texts
from intake.platform.models.reporting import Attachment

log = logging.getLogger(__name__)

PURPOSE_CONTENT = "attachment"
PURPOSE_NAME = "attachment-name"
WORKER_LOST = N_("This file could not be checked just now. Please send it again in a minute.")


STORAGE_FULL = N_(
    "We could not keep this file because our storage is full. Everything else you gave us is kept. "
    "Please go on without the file, or try it again later."
)
_FULL_ERRNOS = {errno.ENOSPC, errno.EDQUOT, errno.EFBIG}
_FULL_SQLSTATES = {"53100", "53000"}  # PostgreSQL: disk_full, insufficient_resources


def storage_full(error: BaseException) -> bool:
    """The store ran out of space: the disk (ENOSPC), SQLite's "database or disk is full",
    PostgreSQL's disk_full."""
    seen: set[int] = set()
    while error is not None and id(error) not in seen:
        seen.add(id(error))
        if isinstance(error, OSError) and error.errno in _FULL_ERRNOS:
            return True
        if getattr(error, "sqlite_errorcode", None) == 13 or "database or disk is full" in str(error):  # SQLITE_FULL
            return True
        if (getattr(error, "sqlstate", None) or getattr(error, "pgcode", None)) in _FULL_SQLSTATES:
            return True
        error = getattr(error, "orig", None) or error.__cause__ or error.__context__
    return False


async def check_files(core: Core, files: Sequence[bytes]) -> list[CleanFile] | Invalid:
    """The files of one request, checked and cleaned in a file worker (intake.platform.file_workers),
    or why they are refused (then none is kept)."""
    if not files:
        return []
    try:
        return await file_workers.shared(core.settings.file_workers).run(clean_files, list(files), core.settings.ffmpeg)
    except file_workers.WorkerLost:
        return Invalid(WORKER_LOST)


async def store(core: Core, file: CleanFile | bytes, filename: str, *, draft_id: str | None = None,
                tip_id: int | None = None, reporter_message_id: int | None = None,
                session: AsyncSession | None = None) -> str | Invalid:
    """Seal one file, checked and cleaned by `check_files` (raw bytes are checked here first);
    returns its id, or why it was refused (nothing is stored then)."""
    if isinstance(file, bytes):
        checked = await check_files(core, [file])
        if isinstance(checked, Invalid):
            return checked
        file = checked[0]
    content = file.content
    row = Attachment(
        id=uuid.uuid4().hex, draft_id=draft_id, tip_id=tip_id, reporter_message_id=reporter_message_id,
        kind=file.kind, media_type=file.media_type, size=len(content), sha256=hashlib.sha256(content).hexdigest(),
        sealed_name=core.keys.seal((filename or "file")[:200], purpose=PURPOSE_NAME),
        sealed_content=core.keys.seal(content, purpose=PURPOSE_CONTENT), created_at=core.clock.now(),
    )
    if session is not None:
        session.add(row)
        return row.id
    try:
        await _write(core, row)
    except (OSError, DBAPIError) as error:
        if not storage_full(error):
            raise
        log.error("attachment store full: a %s of %s bytes was refused (%s)", file.kind, row.size, type(error).__name__)
        return Invalid(STORAGE_FULL)
    return row.id


async def _write(core: Core, row: Attachment) -> None:
    """The store's one write (its own transaction: a full disk refuses the file, not the report)."""
    async with core.db.transaction() as own:
        own.add(row)


@dataclass(frozen=True)
class StoredFile:
    id: str
    kind: str
    media_type: str
    size: int
    name: str
    content: bytes


async def load(core: Core, attachment_id: str) -> StoredFile | None:
    async with core.db.session() as session:
        row = await session.get(Attachment, attachment_id)
    if row is None:
        return None
    return StoredFile(
        row.id, row.kind, row.media_type, row.size,
        core.keys.open_text(row.sealed_name, purpose=PURPOSE_NAME),
        core.keys.open(row.sealed_content, purpose=PURPOSE_CONTENT),
    )


async def list_for_tip(core: Core, tip_id: int) -> list[Attachment]:
    async with core.db.session() as session:
        return list((await session.scalars(select(Attachment).where(Attachment.tip_id == tip_id).order_by(Attachment.created_at))).all())


async def draft_files(core: Core, draft_id: str) -> list[str]:
    """The ids of every file sent into a draft, oldest first."""
    async with core.db.session() as session:
        rows = await session.scalars(
            select(Attachment.id).where(Attachment.draft_id == draft_id, Attachment.tip_id.is_(None))
            .order_by(Attachment.created_at, Attachment.id)
        )
        return list(rows.all())


async def move_draft_files_to_tip(session: AsyncSession, draft_id: str, tip_id: int, ids: list[str]) -> None:
    """At submission: the draft's files named in its answers become the tip's."""
    if ids:
        await session.execute(
            update(Attachment).where(Attachment.draft_id == draft_id, Attachment.id.in_(ids)).values(tip_id=tip_id)
        )
