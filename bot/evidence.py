"""Evidence from a chat: photos, documents and voice notes, fetched through getFile into the
core's attachment store (which checks the content, re-encodes images without EXIF, seals).

Bot API bots cannot download more than 20 MB, so larger files are refused by the size Telegram
announces, before anything is downloaded.
"""
from __future__ import annotations

import io
import logging
from dataclasses import dataclass

from aiogram import Bot
from aiogram.exceptions import TelegramAPIError
from aiogram.types import Message

from bot import texts
from intake.platform import attachments
from intake.domain.answers.invalid import Invalid

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Incoming:
    file_id: str
    file_size: int | None
    name: str
    kind: str  # photo, document, voice, audio
    duration: int | None = None


def incoming_file(message: Message) -> Incoming | None:
    """The file a message carries, if any (the largest size of a photo)."""
    if message.photo:
        largest = message.photo[-1]
        return Incoming(largest.file_id, largest.file_size, "photo.jpg", "photo")
    if message.document:
        doc = message.document
        return Incoming(doc.file_id, doc.file_size, doc.file_name or "document", "document")
    if message.voice:
        return Incoming(message.voice.file_id, message.voice.file_size, "voice.ogg", "voice", message.voice.duration)
    if message.audio:
        audio = message.audio
        return Incoming(audio.file_id, audio.file_size, audio.file_name or "audio", "audio", audio.duration)
    return None


def too_big(incoming: Incoming) -> Invalid | None:
    if incoming.file_size is not None and incoming.file_size > attachments.MAX_BYTES:
        return Invalid(texts.FILE_TOO_BIG, {"size": round(incoming.file_size / 1048576, 1), "max": attachments.MAX_BYTES // 1048576})
    return None


async def download(bot: Bot, incoming: Incoming) -> bytes | Invalid:
    """The file's bytes, or why they could not be had (nothing is stored either way)."""
    refused = too_big(incoming)
    if refused:
        return refused
    try:
        file = await bot.get_file(incoming.file_id)
        if file.file_size is not None and file.file_size > attachments.MAX_BYTES:
            return too_big(Incoming(incoming.file_id, file.file_size, incoming.name, incoming.kind)) or Invalid(texts.FILE_NOT_DOWNLOADED)
        if not file.file_path:
            return Invalid(texts.FILE_NOT_DOWNLOADED)
        buffer = io.BytesIO()
        await bot.download_file(file.file_path, destination=buffer, timeout=60)
    except TelegramAPIError as error:
        log.warning("could not download a file from Telegram: %s", type(error).__name__)
        return Invalid(texts.FILE_NOT_DOWNLOADED)
    data = buffer.getvalue()
    if len(data) > attachments.MAX_BYTES:
        return too_big(Incoming(incoming.file_id, len(data), incoming.name, incoming.kind)) or Invalid(texts.FILE_NOT_DOWNLOADED)
    return data
