"""What an uploaded file is, judged by its content (never its name), and its copy without
metadata: pictures re-encoded (intake below), recordings without their tags (intake.platform.audio_files)
and, where browsers cannot play them (AMR, Speex), converted to Ogg/Opus (intake.platform.voice_files),
PDFs without metadata and active content (intake.platform.pdf_files). "Without location data" holds for
every type we take. Pure functions of the bytes, run in the file workers (intake.platform.file_workers),
in processes of their own, never on the event loop: decoding a 40-megapixel picture takes a second
of CPU and 160 MB.
"""
from __future__ import annotations

import io
import logging
import warnings
from collections.abc import Sequence
from dataclasses import dataclass

from PIL import Image, ImageOps, UnidentifiedImageError

from i18n import N_
from intake.domain.answers.invalid import Invalid
from intake.platform.audio_files import UNREADABLE as AUDIO_UNREADABLE
from intake.platform.audio_files import NotCleanable, clean_audio
from intake.platform.pdf_files import UNREADABLE as PDF_UNREADABLE
from intake.platform.pdf_files import clean_pdf
from intake.platform.voice_files import AMR, AMR_NB_MAGIC, AMR_WB, AMR_WB_MAGIC, convert_amr, convert_speex, is_speex

log = logging.getLogger(__name__)

MAX_BYTES = 20 * 1024 * 1024  # Telegram bots cannot download more; the web form uses the same limit
MAX_PIXELS = 40_000_000  # one picture; above it, a decompression bomb or a panorama: refused
#: All the pictures of one request (ten 16-megapixel phone photos, or four of the largest): what one
#: sender can make the workers decode at a time.
MAX_PIXELS_PER_REQUEST = 4 * MAX_PIXELS

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
    (AMR_WB_MAGIC, 0, "audio", AMR_WB),  # WeChat's voice messages, phones' recorders
    (AMR_NB_MAGIC, 0, "audio", AMR),
)

EMPTY = N_("The file is empty. Please choose it again.")
TOO_BIG = N_("This file is %(size)s MB; the most we can take is %(max)s MB. Please send a smaller photo or a part of the document.")
NOT_ACCEPTED = N_("We can take photos (JPEG, PNG), PDF documents and voice recordings. This file is not one of them.")
PICTURE_UNREADABLE = N_("This picture could not be opened. Please send it again as a photo (JPEG or PNG).")
TOO_MANY_PIXELS = N_("These pictures are too large to take together. Please send them a few at a time.")


@dataclass(frozen=True)
class Detected:
    kind: str
    media_type: str


@dataclass(frozen=True)
class CleanFile:
    """A checked file as it is kept: its bytes without metadata, and what it is."""

    content: bytes
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


def _open_image(data: bytes) -> Image.Image:
    """The picture with only its header read; a bomb is refused here, before any decoding."""
    Image.MAX_IMAGE_PIXELS = MAX_PIXELS
    with warnings.catch_warnings():
        warnings.simplefilter("error", Image.DecompressionBombWarning)  # a bomb is refused, not decoded
        image = Image.open(io.BytesIO(data))
    if image.width * image.height > MAX_PIXELS:  # Pillow only warns below twice its limit
        image.close()
        raise Image.DecompressionBombError(f"{image.width}x{image.height}")
    return image


_UNREADABLE = (UnidentifiedImageError, OSError, Image.DecompressionBombError, Image.DecompressionBombWarning, ValueError,
               MemoryError)


def image_pixels(data: bytes) -> int | Invalid:
    try:
        with _open_image(data) as image:
            return image.width * image.height
    except _UNREADABLE:
        return Invalid(PICTURE_UNREADABLE)


def clean_image(data: bytes) -> CleanFile | Invalid:
    """Re-encode an image without any metadata; the orientation is applied first. Each step's
    image is let go as soon as the next exists: two copies at most (2 × 160 MB at 40 megapixels)."""
    try:
        with _open_image(data) as image:
            image.load()
            upright = ImageOps.exif_transpose(image)
        keep_alpha = upright.mode in ("RGBA", "LA", "P")
        converted = upright.convert("RGBA" if keep_alpha else "RGB")
        del upright
        clean = Image.new(converted.mode, converted.size)
        clean.paste(converted)  # a fresh image: no EXIF, no XMP, no comments
        del converted
        out = io.BytesIO()
        if keep_alpha:
            clean.save(out, format="PNG", optimize=True)
            return CleanFile(out.getvalue(), "image", "image/png")
        clean.save(out, format="JPEG", quality=88)
        return CleanFile(out.getvalue(), "image", "image/jpeg")
    except _UNREADABLE:
        return Invalid(PICTURE_UNREADABLE)


def check_one(data: bytes) -> Detected | Invalid:
    """What the file is, or why it is refused, from its size and first bytes only (no decoding)."""
    if not data:
        return Invalid(EMPTY)
    if len(data) > MAX_BYTES:
        return Invalid(TOO_BIG, {"size": round(len(data) / 1048576, 1), "max": MAX_BYTES // 1048576})
    detected = detect(data)
    return Invalid(NOT_ACCEPTED) if detected is None else detected


def clean_files(files: Sequence[bytes], ffmpeg: str = "ffmpeg") -> list[CleanFile] | Invalid:
    """Every file of one request checked, then cleaned one after another; the first refusal
    refuses them all (a refused file stores nothing, nor do the others sent with it). `ffmpeg`:
    the program that converts voice browsers cannot play (Settings.ffmpeg)."""
    detected: list[Detected] = []
    pixels = 0
    for data in files:
        found = check_one(data)
        if isinstance(found, Invalid):
            return found
        if found.kind == "image":
            size = image_pixels(data)
            if isinstance(size, Invalid):
                return size
            pixels += size
        detected.append(found)
    if pixels > MAX_PIXELS_PER_REQUEST:
        return Invalid(TOO_MANY_PIXELS)
    cleaned: list[CleanFile] = []
    for data, found in zip(files, detected):
        try:
            clean = _CLEANERS[found.kind](data, found.media_type, ffmpeg)
        except Exception:  # noqa: BLE001 - a parser's surprise on a hostile file refuses the file, never the page
            log.exception("a %s could not be cleaned: refused", found.media_type)
            clean = Invalid(_UNREADABLE_KIND[found.kind])
        if isinstance(clean, Invalid):
            return clean
        cleaned.append(clean)
    return cleaned


def _image(data: bytes, _media_type: str, _ffmpeg: str) -> CleanFile | Invalid:
    return clean_image(data)


def _audio(data: bytes, media_type: str, ffmpeg: str) -> CleanFile | Invalid:
    if media_type in (AMR, AMR_WB):
        try:
            content, media_type = convert_amr(data, ffmpeg)
        except NotCleanable:
            return Invalid(AUDIO_UNREADABLE)
        return CleanFile(content, "audio", media_type)
    clean = clean_audio(data, media_type)
    if isinstance(clean, Invalid):
        return clean
    if media_type == "audio/ogg" and is_speex(clean):  # browsers cannot play it
        content, media_type = convert_speex(clean, ffmpeg)
        return CleanFile(content, "audio", media_type)
    return CleanFile(clean, "audio", media_type)


def _document(data: bytes, media_type: str, _ffmpeg: str) -> CleanFile | Invalid:
    clean = clean_pdf(data)
    return clean if isinstance(clean, Invalid) else CleanFile(clean, "document", media_type)


_CLEANERS = {"image": _image, "audio": _audio, "document": _document}
_UNREADABLE_KIND = {"image": PICTURE_UNREADABLE, "audio": AUDIO_UNREADABLE, "document": PDF_UNREADABLE}
