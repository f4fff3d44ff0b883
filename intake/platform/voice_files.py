"""Voice that browsers cannot play, made playable: AMR (WeChat's voice messages, many phones'
recorders) and Speex in Ogg, converted with ffmpeg (Debian's package; scripts/system-packages.sh)
into Ogg/Opus, the format of Telegram's voice notes that the console already plays.

An AMR file carries only sound (a header and speech frames, no tags), and is checked frame by
frame before anything reads it; ffmpeg is then told the format (never left to guess it from the
bytes) and reads from a pipe. The converted recording goes through the Ogg cleaner like any other
(intake.platform.audio_files) and must last as long as the original. Without ffmpeg, or when it
fails, the recording is kept as it arrived, marked by its media type (`KEPT_AS_SENT`), so the
console offers it as a download instead of a player: a reporter's voice is never lost.
Runs in the file workers (intake.platform.file_workers), like the other cleaners.
"""
from __future__ import annotations

import io
import logging
import shutil
import subprocess

import mutagen
from mutagen.oggopus import OggOpus
from mutagen.oggspeex import OggSpeex

from intake.platform.audio_files import NotCleanable, clean_audio

log = logging.getLogger(__name__)

AMR_NB_MAGIC = b"#!AMR\n"
AMR_WB_MAGIC = b"#!AMR-WB\n"
AMR = "audio/amr"
AMR_WB = "audio/amr-wb"
SPEEX = "audio/ogg; codecs=speex"
#: Recordings kept as they arrived because they could not be converted (the console cannot play
#: them), by the name of their format.
KEPT_AS_SENT = {AMR: "AMR", AMR_WB: "AMR-WB", SPEEX: "Speex"}
OPUS = "audio/ogg"
FRAME_SECONDS = 0.02  # every AMR frame is 20 ms
#: A minute of voice converts in a fraction of a second; the limit is for a hostile file.
TIMEOUT_SECONDS = 60
#: Payload bytes after each frame's header byte, by frame type (RFC 4867 §5.3; None: not taken).
#: AMR-NB: 8 speech modes, SID, (legacy SIDs and reserved refused), no data.
_NB_SIZES = (12, 13, 15, 17, 19, 20, 26, 31, 5, None, None, None, None, None, None, 0)
#: AMR-WB: 9 speech modes, SID, (reserved refused), speech lost, no data.
_WB_SIZES = (17, 23, 32, 36, 40, 46, 50, 58, 60, 5, None, None, None, None, 0, 0)


def amr_seconds(data: bytes) -> float:
    """How long an AMR file lasts, every frame checked; NotCleanable when it is not one whole
    AMR file of mono frames with sound."""
    if data.startswith(AMR_WB_MAGIC):
        position, sizes = len(AMR_WB_MAGIC), _WB_SIZES
    elif data.startswith(AMR_NB_MAGIC):
        position, sizes = len(AMR_NB_MAGIC), _NB_SIZES
    else:
        raise NotCleanable("not an AMR file (multi-channel AMR is not a voice message)")
    frames = speech = 0
    while position < len(data):
        header = data[position]
        if header & 0x83:  # the padding bits and the top bit are zero in a frame's header
            raise NotCleanable("not an AMR frame header")
        size = sizes[(header >> 3) & 0x0F]
        if size is None or position + 1 + size > len(data):
            raise NotCleanable("a reserved frame type, or a frame cut short")
        position += 1 + size
        frames += 1
        speech += size > 6
    if not speech:
        raise NotCleanable("no speech in the file")
    return frames * FRAME_SECONDS


def recording_seconds(data: bytes) -> int:
    """How long a recording lasts, in whole seconds, as a chat says it ("a voice note of 12
    seconds"); 0 when it cannot be read (the file's check refuses it afterwards)."""
    try:
        if data.startswith(b"#!AMR"):
            return round(amr_seconds(data))
        audio = mutagen.File(io.BytesIO(data))
        return round(audio.info.length) if audio is not None else 0
    except (NotCleanable, mutagen.MutagenError, ValueError, EOFError, IndexError, KeyError):
        return 0


def convert_amr(data: bytes, ffmpeg: str) -> tuple[bytes, str]:
    """An AMR voice as Ogg/Opus, or as it arrived (marked) when it cannot be converted.
    NotCleanable: not an AMR file."""
    seconds = amr_seconds(data)
    media_type = AMR_WB if data.startswith(AMR_WB_MAGIC) else AMR
    converted = _to_opus(data, "amr", seconds, ffmpeg)
    return (converted, OPUS) if converted is not None else (data, media_type)


def is_speex(ogg: bytes) -> bool:
    return isinstance(mutagen.File(io.BytesIO(ogg)), OggSpeex)


def convert_speex(cleaned: bytes, ffmpeg: str) -> tuple[bytes, str]:
    """A Speex voice in Ogg (already without its tags) as Ogg/Opus, or as it is (marked)."""
    seconds = mutagen.File(io.BytesIO(cleaned)).info.length
    converted = _to_opus(cleaned, "ogg", seconds, ffmpeg)
    return (converted, OPUS) if converted is not None else (cleaned, SPEEX)


def _to_opus(data: bytes, input_format: str, seconds: float, ffmpeg: str) -> bytes | None:
    program = shutil.which(ffmpeg) if ffmpeg else None
    if program is None:
        log.warning("ffmpeg (%r) not found: a %s recording is kept as it arrived, unplayable in the console",
                    ffmpeg, input_format)
        return None
    command = [program, "-nostdin", "-hide_banner", "-loglevel", "error", "-f", input_format, "-i", "pipe:0",
               "-map", "0:a:0", "-ac", "1", "-c:a", "libopus", "-b:a", "24k", "-map_metadata", "-1",
               "-fflags", "+bitexact", "-flags:a", "+bitexact", "-f", "ogg", "pipe:1"]
    try:
        done = subprocess.run(command, input=data, capture_output=True, timeout=TIMEOUT_SECONDS, check=False)
    except (OSError, subprocess.TimeoutExpired) as error:
        log.warning("ffmpeg could not convert a %s recording (%s): kept as it arrived", input_format, type(error).__name__)
        return None
    if done.returncode != 0:
        log.warning("ffmpeg refused a %s recording (exit %s): kept as it arrived", input_format, done.returncode)
        return None
    cleaned = clean_audio(done.stdout, OPUS)  # the encoder's tags go; read again, the same length
    if not isinstance(cleaned, bytes):
        log.warning("ffmpeg's Opus of a %s recording did not read back: the recording is kept as it arrived", input_format)
        return None
    converted = mutagen.File(io.BytesIO(cleaned))
    if not isinstance(converted, OggOpus) or abs(converted.info.length - seconds) > 0.1:
        log.warning("ffmpeg's Opus of a %s recording is not as long as it: the recording is kept as it arrived", input_format)
        return None
    return cleaned
