"""Evidence files: checked by their content (never their name), images re-encoded without
metadata (EXIF carries the photo's location), sealed in the database like personal data.

A file is uploaded into a draft, and moves to the tip when the draft is submitted.
"""
from __future__ import annotations

import errno
import hashlib
import io
import logging
import uuid
import warnings
from dataclasses import dataclass

from PIL import Image, ImageOps, UnidentifiedImageError
from sqlalchemy import select, update
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncSession

from i18n import N_
from intake.answers import Invalid
from intake.core import Core
from intake.models import Attachment

log = logging.getLogger(__name__)

PURPOSE_CONTENT = "attachment"
PURPOSE_NAME = "attachment-name"
MAX_BYTES = 20 * 1024 * 1024  # Telegram bots cannot download more; the web form uses the same limit
MAX_PIXELS = 40_000_000  # refuse decompression bombs

# Magic numbers of what we accept; anything else (an .exe renamed .jpg) is refused.
_SIGNATURES: tuple[tuple[bytes, int, str, str], ...] = (
    (b"\xff\xd8\xff", 0, "image", "image/jpeg"),
    (b"\x89PNG\r\n\x1a\n", 0, "image", "image/png"),
    (b"GIF8", 0, "image", "image/gif"),
    (b"RIFF", 0, "image", "image/webp"),  # checked further below: RIFF....WEBP
    (b"%PDF-", 0, "document", "application/pdf"),
    (b"OggS", 0, "audio", "audio/ogg"),
    (b"ID3", 0, "audio", "audio/mpeg"),
    (b"\xff\xfb", 0, "audio", "audio/mpeg"),
    (b"ftyp", 4, "audio", "audio/mp4"),  # m4a voice memos; mp4 videos are refused below
)


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


@dataclass(frozen=True)
class Detected:
    kind: str
    media_type: str


def detect(data: bytes) -> Detected | None:
    for magic, offset, kind, media_type in _SIGNATURES:
        if data[offset : offset + len(magic)] == magic:
            if media_type == "image/webp" and data[8:12] != b"WEBP":
                return None
            if media_type == "audio/mp4" and data[8:12] not in (b"M4A ", b"M4B "):
                return None
            return Detected(kind, media_type)
    return None


def clean_image(data: bytes) -> tuple[bytes, str] | Invalid:
    """Re-encode an image without any metadata; the orientation is applied first."""
    Image.MAX_IMAGE_PIXELS = MAX_PIXELS
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)  # a bomb is refused, not decoded
            image = Image.open(io.BytesIO(data))
        with image:
            if image.width * image.height > MAX_PIXELS:  # Pillow only warns below twice its limit
                raise Image.DecompressionBombError(f"{image.width}x{image.height}")
            image.load()
            upright = ImageOps.exif_transpose(image)
            keep_alpha = upright.mode in ("RGBA", "LA", "P")
            converted = upright.convert("RGBA" if keep_alpha else "RGB")
            clean = Image.new(converted.mode, converted.size)
            clean.paste(converted)  # a fresh image: no EXIF, no XMP, no comments
            out = io.BytesIO()
            if keep_alpha:
                clean.save(out, format="PNG", optimize=True)
                return out.getvalue(), "image/png"
            clean.save(out, format="JPEG", quality=88)
            return out.getvalue(), "image/jpeg"
    except (UnidentifiedImageError, OSError, Image.DecompressionBombError, Image.DecompressionBombWarning, ValueError):
        return Invalid(N_("This picture could not be opened. Please send it again as a photo (JPEG or PNG)."))


def check_file(data: bytes) -> tuple[bytes, Detected] | Invalid:
    """The bytes to store and what they are, or why the file is refused."""
    if not data:
        return Invalid(N_("The file is empty. Please choose it again."))
    if len(data) > MAX_BYTES:
        return Invalid(
            N_("This file is %(size)s MB; the most we can take is %(max)s MB. Please send a smaller photo or a part of the document."),
            {"size": round(len(data) / 1048576, 1), "max": MAX_BYTES // 1048576},
        )
    detected = detect(data)
    if detected is None:
        return Invalid(N_("We can take photos (JPEG, PNG), PDF documents and voice recordings. This file is not one of them."))
    if detected.kind == "image":
        cleaned = clean_image(data)
        if isinstance(cleaned, Invalid):
            return cleaned
        data, media_type = cleaned
        detected = Detected("image", media_type)
    return data, detected


async def store(core: Core, data: bytes, filename: str, *, draft_id: str | None = None, tip_id: int | None = None,
                reporter_message_id: int | None = None, session: AsyncSession | None = None) -> str | Invalid:
    """Check and seal one file; returns its id, or why it was refused (nothing is stored then)."""
    checked = check_file(data)
    if isinstance(checked, Invalid):
        return checked
    content, detected = checked
    row = Attachment(
        id=uuid.uuid4().hex, draft_id=draft_id, tip_id=tip_id, reporter_message_id=reporter_message_id,
        kind=detected.kind, media_type=detected.media_type, size=len(content), sha256=hashlib.sha256(content).hexdigest(),
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
        log.error("attachment store full: a %s of %s bytes was refused (%s)", detected.kind, row.size, type(error).__name__)
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


async def move_draft_files_to_tip(session: AsyncSession, draft_id: str, tip_id: int, ids: list[str]) -> None:
    """At submission: the draft's files named in its answers become the tip's."""
    if ids:
        await session.execute(
            update(Attachment).where(Attachment.draft_id == draft_id, Attachment.id.in_(ids)).values(tip_id=tip_id)
        )
