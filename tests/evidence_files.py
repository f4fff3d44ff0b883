"""Small valid evidence files as phones and PC programs write them, with the metadata they carry:
an MP3 with ID3 and APE tags, an Ogg Opus voice note with Vorbis comments, an M4A voice memo with
iTunes tags and a QuickTime location, and a PDF with an author, XMP, JavaScript, an attached file
and a phone photo (with its GPS block) inside. Built in Python: no encoder is needed (the audio is
silence, which is valid audio)."""
from __future__ import annotations

import io
import struct

import pikepdf
from mutagen.apev2 import APEv2
from mutagen.id3 import ID3, TPE1, TXXX
from mutagen.mp4 import MP4
from mutagen.ogg import OggPage
from mutagen.oggopus import OggOpus
from PIL import Image

NAME = "王秀英"  # the reporter's mother: must never reach staff through a file's tags
PLACE = "+39.9042+116.4074/"  # ISO 6709, as phones write where a recording was made
GPS_TEXT = "39.9042 N, 116.4074 E"
#: Bytes that stand for metadata in every file below; none may be in what staff download.
MARKERS = (NAME.encode("utf-8"), NAME.encode("utf-16-be"), PLACE.encode(), GPS_TEXT.encode(), b"PhoneMaker",
           b"app.alert", b"SECRET-ATTACHMENT", b"xmpmeta", b"Recorder App")


# --- MP3 -----------------------------------------------------------------------------------------

def _mp3_frames(count: int = 40) -> bytes:
    """MPEG-1 layer III, 128 kbit/s, 44.1 kHz, mono: 417-byte frames of silence."""
    header = bytes([0xFF, 0xFB, 0x90, 0xC4])
    return (header + b"\x00" * (417 - 4)) * count


def an_mp3(*, tagged: bool = True) -> bytes:
    buffer = io.BytesIO(_mp3_frames())
    if tagged:
        tags = ID3()
        tags.add(TPE1(encoding=3, text=[NAME]))
        tags.add(TXXX(encoding=3, desc="GPS", text=[GPS_TEXT]))
        tags.save(buffer, v1=2)  # ID3v2 at the start and ID3v1 ("TAG") at the end
        ape = APEv2()
        ape["Artist"] = NAME
        ape["Location"] = PLACE
        ape.save(buffer)
    return buffer.getvalue()


# --- Ogg Opus ------------------------------------------------------------------------------------

def an_ogg_opus(*, tagged: bool = True) -> bytes:
    """A Telegram-style voice note: OpusHead, OpusTags and 50 silent 20 ms packets."""
    head = b"OpusHead" + struct.pack("<BBHIhB", 1, 1, 312, 48000, 0, 0)
    tags = b"OpusTags" + struct.pack("<I", 7) + b"libopus" + struct.pack("<I", 0)
    pages = []
    for sequence, (packet, position) in enumerate([(head, 0), (tags, 0), (b"\xf8\xff\xfe" * 1, 960)]):
        page = OggPage()
        page.packets = [packet] if sequence < 2 else [b"\xf8\xff\xfe"] * 50
        page.serial, page.sequence = 0x5A17, sequence
        page.position = 0 if sequence < 2 else 50 * 960
        page.first, page.last = sequence == 0, sequence == 2
        pages.append(page.write())
    buffer = io.BytesIO(b"".join(pages))
    if tagged:
        opus = OggOpus(buffer)
        opus["ARTIST"] = NAME
        opus["LOCATION"] = PLACE
        opus["ENCODER"] = "Recorder App"
        buffer.seek(0)
        opus.save(buffer)
    return buffer.getvalue()


# --- M4A -----------------------------------------------------------------------------------------

def _box(kind: bytes, payload: bytes) -> bytes:
    return struct.pack(">I", 8 + len(payload)) + kind + payload


def _full(kind: bytes, payload: bytes, version: int = 0, flags: int = 0) -> bytes:
    return _box(kind, struct.pack(">I", (version << 24) | flags) + payload)


def an_m4a(*, tagged: bool = True) -> bytes:
    """An AAC voice memo: ftyp, moov (one sound track, its chunk offsets pointing into mdat) and
    mdat after it, as iPhones write them; tagged, it has iTunes tags (artist, and the place as
    ©xyz) and the QuickTime location in moov/udta/©xyz, and a uuid box of XMP."""
    samples = [b"\x21\x00\x03\x40\x68\x1c"] * 20  # tiny AAC frames (silence)
    timescale, per_sample = 44100, 1024
    duration = len(samples) * per_sample
    esds = _full(b"esds", bytes.fromhex("03190000000411400000000000000000000000000580021208060102"))
    mp4a = _box(b"mp4a", b"\x00" * 6 + struct.pack(">H", 1) + b"\x00" * 8 + struct.pack(">HHHHI", 1, 16, 0, 0, timescale << 16) + esds)
    stsd = _full(b"stsd", struct.pack(">I", 1) + mp4a)
    stts = _full(b"stts", struct.pack(">III", 1, len(samples), per_sample))
    stsc = _full(b"stsc", struct.pack(">IIII", 1, 1, len(samples), 1))
    stsz = _full(b"stsz", struct.pack(">II", 0, len(samples)) + b"".join(struct.pack(">I", len(s)) for s in samples))

    def moov(chunk_offset: int) -> bytes:
        stco = _full(b"stco", struct.pack(">II", 1, chunk_offset))
        stbl = _box(b"stbl", stsd + stts + stsc + stsz + stco)
        minf = _box(b"minf", _full(b"smhd", b"\x00" * 4) + _box(b"dinf", _full(b"dref", struct.pack(">I", 1) + _full(b"url ", b"", flags=1))) + stbl)
        mdia = _box(b"mdia", _full(b"mdhd", struct.pack(">IIIIHH", 0, 0, timescale, duration, 0x55C4, 0))
                    + _full(b"hdlr", b"\x00" * 4 + b"soun" + b"\x00" * 12 + b"SoundHandler\x00") + minf)
        tkhd = _full(b"tkhd", struct.pack(">IIIII", 0, 0, 1, 0, duration) + b"\x00" * 8 + struct.pack(">hhhh", 0, 0, 0x0100, 0)
                     + struct.pack(">9I", 0x10000, 0, 0, 0, 0x10000, 0, 0, 0, 0x40000000) + struct.pack(">II", 0, 0), flags=7)
        trak = _box(b"trak", tkhd + mdia)
        mvhd = _full(b"mvhd", struct.pack(">IIII", 0, 0, timescale, duration) + struct.pack(">IH", 0x10000, 0x0100) + b"\x00" * 10
                     + struct.pack(">9I", 0x10000, 0, 0, 0, 0x10000, 0, 0, 0, 0x40000000) + b"\x00" * 24 + struct.pack(">I", 2))
        extra = b""
        if tagged:  # where phones keep the place: QuickTime user data, outside the iTunes tags
            extra = _box(b"udta", _box(b"\xa9xyz", struct.pack(">HH", len(PLACE), 0x15C7) + PLACE.encode()))
        return _box(b"moov", mvhd + trak + extra)

    ftyp = _box(b"ftyp", b"M4A " + struct.pack(">I", 0) + b"M4A mp42isom\x00\x00\x00\x00")
    xmp = _box(b"uuid", bytes.fromhex("be7acfcb97a942e89c71999491e3afac") + b"<x:xmpmeta>" + NAME.encode() + b"</x:xmpmeta>") if tagged else b""
    head = ftyp + xmp
    first = moov(0)
    data = head + moov(len(head) + len(first) + 8) + _box(b"mdat", b"".join(samples))
    buffer = io.BytesIO(data)
    if tagged:
        audio = MP4(buffer)
        audio.add_tags()
        audio.tags["\xa9ART"] = [NAME]
        audio.tags["\xa9xyz"] = [PLACE]
        audio.tags["\xa9too"] = ["Recorder App"]
        buffer.seek(0)
        audio.save(buffer)
    return buffer.getvalue()


# --- PDF -----------------------------------------------------------------------------------------

def _photo_with_gps() -> bytes:
    out = io.BytesIO()
    exif = Image.Exif()
    exif[0x010F] = "PhoneMaker"
    exif[0x8825] = {1: "N", 2: (39.0, 54.0, 0.0), 3: "E", 4: (116.0, 23.0, 0.0)}
    Image.new("RGB", (32, 24), (200, 30, 30)).save(out, format="JPEG", exif=exif)
    return out.getvalue()


def a_pdf(*, tagged: bool = True) -> bytes:
    """One page with a line of text and a photo; tagged, it has an author and a creator tool,
    XMP, JavaScript run on opening and from a link, an attached file, and a photo that still
    carries the phone's make and GPS block."""
    pdf = pikepdf.new()
    page = pdf.add_blank_page(page_size=(300, 200))
    photo = _photo_with_gps()
    image = pikepdf.Stream(pdf, photo, Type=pikepdf.Name.XObject, Subtype=pikepdf.Name.Image, Width=32, Height=24,
                           ColorSpace=pikepdf.Name.DeviceRGB, BitsPerComponent=8, Filter=pikepdf.Name.DCTDecode)
    font = pikepdf.Dictionary(Type=pikepdf.Name.Font, Subtype=pikepdf.Name.Type1, BaseFont=pikepdf.Name.Helvetica)
    page.Resources = pikepdf.Dictionary(XObject=pikepdf.Dictionary(Im0=image), Font=pikepdf.Dictionary(F1=font))
    page.Contents = pdf.make_stream(b"BT /F1 12 Tf 20 150 Td (Contract for the care card) Tj ET q 64 0 0 48 20 20 cm /Im0 Do Q")
    if tagged:
        pdf.docinfo["/Author"] = NAME
        pdf.docinfo["/Creator"] = "Recorder App"
        with pdf.open_metadata(set_pikepdf_as_editor=False) as meta:
            meta["dc:creator"] = [NAME]
        script = pikepdf.Dictionary(S=pikepdf.Name.JavaScript, JS=pikepdf.String("app.alert('opened');"))
        pdf.Root.OpenAction = pdf.make_indirect(script)
        page.Annots = pdf.make_indirect(pikepdf.Array([pikepdf.Dictionary(
            Type=pikepdf.Name.Annot, Subtype=pikepdf.Name.Link, Rect=[0, 0, 100, 20],
            A=pikepdf.Dictionary(S=pikepdf.Name.JavaScript, JS=pikepdf.String("app.alert('clicked');")))]))
        pdf.attachments["notes.txt"] = pikepdf.AttachedFileSpec(pdf, b"SECRET-ATTACHMENT " + NAME.encode(), mime_type="text/plain")
    out = io.BytesIO()
    pdf.save(out)
    return out.getvalue()
