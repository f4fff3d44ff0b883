"""Recordings without their tags: an MP3 keeps only its MPEG frames (ID3v2 before them, ID3v1, APE
and Lyrics tags after them are what phones and PC programs write names and places into), an Ogg
voice note keeps an empty comment header, an M4A keeps only the boxes playback needs (the iTunes
tags, QuickTime user data with the place as ©xyz, `meta` and XMP `uuid` boxes go). mutagen reads
the formats and checks the result: a recording it cannot read again, or that still has tags, is
refused rather than kept with them. Runs in the file workers (intake.platform.file_workers).
"""
from __future__ import annotations

import io
import struct

import mutagen
from mutagen.mp3 import MPEGFrame, skip_id3
from mutagen.mp4 import MP4
from mutagen.ogg import OggPage
from mutagen.oggopus import OggOpus
from mutagen.oggspeex import OggSpeex
from mutagen.oggvorbis import OggVorbis

from i18n import N_
from intake.domain.answers.invalid import Invalid

UNREADABLE = N_(
    "This recording could not be opened or cleaned. Please send it again as a voice message, or as an MP3, M4A or OGG file."
)
#: Frames after a gap: a recording with sound beyond something that is not a tag is not cut short.
_RUN_AFTER_GAP = 3


class NotCleanable(ValueError):
    """The file cannot be cleaned safely: it is refused instead."""


def clean_audio(data: bytes, media_type: str) -> bytes | Invalid:
    try:
        cleaned = _CLEANERS[media_type](data)
        _check(cleaned, _seconds(data))
    except (NotCleanable, mutagen.MutagenError, struct.error, ValueError, EOFError, IndexError, KeyError):
        return Invalid(UNREADABLE)
    return cleaned


def _seconds(data: bytes) -> float:
    audio = mutagen.File(io.BytesIO(data))
    if audio is None:
        raise NotCleanable("not a recording mutagen can read")
    return audio.info.length


def _check(cleaned: bytes, seconds: float) -> None:
    """Read again: a recording of the same length, with no tags left."""
    audio = mutagen.File(io.BytesIO(cleaned))
    if audio is None or audio.tags or abs(audio.info.length - seconds) > 0.05:
        raise NotCleanable("the cleaned recording is not the same recording without tags")


# --- MP3 -----------------------------------------------------------------------------------------

def _frames_from(file: io.BytesIO, size: int) -> tuple[int, int]:
    """Walk MPEG frames from the current position: (the end of the last whole one, how many)."""
    end, count = file.tell(), 0
    while end < size:
        try:
            MPEGFrame(file)  # reads one header and moves to the next frame
        except (mutagen.MutagenError, struct.error, ValueError):
            break
        if file.tell() > size:
            break
        end, count = file.tell(), count + 1
    file.seek(end)
    return end, count


def _mp3(data: bytes) -> bytes:
    file = io.BytesIO(data)
    skip_id3(file)  # every ID3v2 tag in front, however many
    start = file.tell()
    end, count = _frames_from(file, len(data))
    if not count:
        raise NotCleanable("no MPEG frame after the tags")
    # What follows the frames must be tags, not more sound after some junk (which would be cut off).
    position = data.find(b"\xff", end + 1)
    while position != -1:
        file.seek(position)
        if _frames_from(file, len(data))[1] >= _RUN_AFTER_GAP:
            raise NotCleanable("sound after a gap in the frames")
        position = data.find(b"\xff", position + 1)
    return data[start:end]


# --- Ogg -----------------------------------------------------------------------------------------

def _ogg(data: bytes) -> bytes:
    """An empty comment header (the vendor string, e.g. "libopus 1.3", stays: it names a library)."""
    file = io.BytesIO(data)
    serials = set()
    while True:
        try:
            serials.add(OggPage(file).serial)
        except EOFError:
            break
    if len(serials) != 1:
        raise NotCleanable("several streams in one Ogg file")  # the others would keep their comments
    audio = mutagen.File(io.BytesIO(data))
    if not isinstance(audio, (OggOpus, OggVorbis, OggSpeex)):
        raise NotCleanable("an Ogg file that is not a voice recording")
    if isinstance(audio, OggOpus):
        audio.tags._pad_data = b""  # binary metadata after the comments, which mutagen would keep
    file.seek(0)
    audio.delete(file)
    if getattr(mutagen.File(io.BytesIO(file.getvalue())).tags, "_pad_data", b""):
        raise NotCleanable("binary metadata left in the comment header")
    return file.getvalue()


# --- M4A -----------------------------------------------------------------------------------------

_CONTAINERS = {b"moov", b"trak", b"mdia", b"minf", b"stbl", b"edts", b"dinf"}
_DROPPED = {b"udta", b"meta", b"uuid"}  # tags, user data (the place), XMP
_KEPT_ON_TOP = {b"ftyp", b"moov", b"mdat"}
_FRAGMENTED = {b"moof", b"mfra", b"sidx", b"mvex"}


def _boxes(data: bytes, start: int, end: int):  # noqa: ANN202 - yields (type, box start, payload start, box end)
    position = start
    while position < end:
        if end - position < 8:
            raise NotCleanable("a truncated box")
        size, kind = struct.unpack(">I4s", data[position:position + 8])
        header = 8
        if size == 1:
            size, header = struct.unpack(">Q", data[position + 8:position + 16])[0], 16
        elif size == 0:
            size = end - position
        if size < header or position + size > end:
            raise NotCleanable("a box larger than its file")
        yield kind, position, position + header, position + size
        position += size


def _box(kind: bytes, payload: bytes) -> bytes:
    return struct.pack(">I", 8 + len(payload)) + kind + payload


def _rebuild(data: bytes, start: int, end: int, offsets: list[tuple[int, int]], base: int) -> bytes:
    """The children of a moov (sub)box without dropped boxes; the positions of the chunk-offset
    tables are noted in `offsets` as (position in the new moov, entry size)."""
    out = bytearray()
    for kind, box_start, payload_start, box_end in _boxes(data, start, end):
        if kind in _FRAGMENTED:
            raise NotCleanable("a fragmented file")
        if kind in _DROPPED:
            continue
        if kind in _CONTAINERS:
            here = base + len(out) + 8
            out += _box(kind, _rebuild(data, payload_start, box_end, offsets, here))
        else:
            if kind in (b"stco", b"co64"):
                offsets.append((base + len(out) + 8, 4 if kind == b"stco" else 8))
            out += _box(kind, data[payload_start:box_end])
    return bytes(out)


def _m4a(data: bytes) -> bytes:
    top = list(_boxes(data, 0, len(data)))
    if any(kind in _FRAGMENTED for kind, *_ in top) or [kind for kind, *_ in top].count(b"moov") != 1:
        raise NotCleanable("not one plain moov")
    offsets: list[tuple[int, int]] = []
    parts: list[tuple[bytes, bytes, int]] = []  # (kind, new bytes, old payload start)
    moov_at = 0
    for kind, box_start, payload_start, box_end in top:
        if kind not in _KEPT_ON_TOP:
            continue
        if kind == b"moov":
            moov_at = len(parts)
            parts.append((kind, _box(b"moov", _rebuild(data, payload_start, box_end, offsets, 8)), payload_start))
        else:
            parts.append((kind, _box(kind, data[payload_start:box_end]), payload_start))
    # Where each mdat's payload was, and where it is now.
    moves, position = [], 0
    for kind, new, old_payload in parts:
        if kind == b"mdat":
            moves.append((old_payload, old_payload + len(new) - 8, position + 8))
        position += len(new)
    moov = bytearray(parts[moov_at][1])
    for table, width in offsets:
        count = struct.unpack(">I", moov[table + 4:table + 8])[0]
        for entry in range(table + 8, table + 8 + count * width, width):
            old = int.from_bytes(moov[entry:entry + width], "big")
            new = next((old - was + now for was, was_end, now in moves if was <= old < was_end), None)
            if new is None:
                raise NotCleanable("a chunk outside the media data")
            moov[entry:entry + width] = new.to_bytes(width, "big")
    parts[moov_at] = (b"moov", bytes(moov), 0)
    cleaned = b"".join(new for _kind, new, _old in parts)
    if MP4(io.BytesIO(cleaned)).tags is not None:
        raise NotCleanable("tags left")
    return cleaned


_CLEANERS = {"audio/mpeg": _mp3, "audio/ogg": _ogg, "audio/mp4": _m4a}
