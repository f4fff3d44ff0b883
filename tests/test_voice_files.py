"""Voice browsers cannot play (WeChat's AMR voice messages, Speex in Ogg) reaches staff as
Ogg/Opus the console plays, checked like every recording; without ffmpeg it is kept as it
arrived, marked, never lost; a damaged AMR is refused. The files are real: tests/data/media
(voice.amr: 2.4 s of AMR-NB 12.2 kbit/s, made by tests/data/media/make_amr.py)."""
from __future__ import annotations

import io
from pathlib import Path

import mutagen
import pytest
from mutagen.oggopus import OggOpus

from intake.domain.answers.invalid import Invalid
from intake.platform.audio_files import UNREADABLE
from intake.platform.file_cleaning import clean_files
from intake.platform.voice_files import AMR, SPEEX, amr_seconds

MEDIA = Path(__file__).parent / "data" / "media"
AMR_VOICE = (MEDIA / "voice.amr").read_bytes()
SPEEX_VOICE = (MEDIA / "voice_speex.ogg").read_bytes()


def test_an_amr_voice_message_is_kept_as_ogg_opus_of_the_same_length_without_tags():
    [kept] = clean_files([AMR_VOICE])
    audio = mutagen.File(io.BytesIO(kept.content))
    assert (kept.kind, kept.media_type) == ("audio", "audio/ogg") and isinstance(audio, OggOpus)
    assert abs(audio.info.length - 2.4) < 0.03 and not audio.tags
    assert b"Lavf" not in kept.content and b"Lavc" not in kept.content  # not even the encoder's name


def test_a_speex_voice_in_ogg_is_converted_too():
    [kept] = clean_files([SPEEX_VOICE])
    audio = mutagen.File(io.BytesIO(kept.content))
    assert kept.media_type == "audio/ogg" and isinstance(audio, OggOpus) and abs(audio.info.length - 1.0) < 0.05


@pytest.mark.parametrize("ffmpeg", ["", "/nonexistent/ffmpeg", "false"])  # not set, not installed, failing
def test_without_a_working_ffmpeg_the_voice_is_kept_as_it_arrived_and_marked(ffmpeg, caplog):
    [amr] = clean_files([AMR_VOICE], ffmpeg)
    assert (amr.kind, amr.media_type, amr.content) == ("audio", AMR, AMR_VOICE)
    [speex] = clean_files([SPEEX_VOICE], ffmpeg)
    assert speex.media_type == SPEEX and not mutagen.File(io.BytesIO(speex.content)).tags
    assert "kept as it arrived" in caplog.text


@pytest.mark.parametrize("damaged", [
    AMR_VOICE[:-7],  # the last frame cut short
    b"#!AMR\n",  # no sound at all
    b"#!AMR\n" + bytes([0x7C]) * 40,  # nothing but "no data" frames
    b"#!AMR\n" + bytes([0x4C]) + b"\0" * 40,  # a reserved frame type
    AMR_VOICE[:6] + b"\xff" + AMR_VOICE[7:],  # not a frame header
    b"#!AMR_MC1.0\n" + AMR_VOICE[6:],  # several channels: not a voice message
])
def test_a_damaged_amr_file_is_refused_with_the_recording_message(damaged):
    refused = clean_files([damaged])
    assert isinstance(refused, Invalid) and refused.message in (UNREADABLE, "We can take photos (JPEG, PNG), PDF documents "
                                                                 "and voice recordings. This file is not one of them.")


def test_the_amr_length_is_read_from_its_frames():
    assert amr_seconds(AMR_VOICE) == pytest.approx(2.4)
