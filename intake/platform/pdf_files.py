"""PDFs without their metadata and active content: the document information (author, creator,
dates) and XMP metadata (on the document and on any object) go, and so do JavaScript and every
action but going to a page or opening a link, form scripts (XFA), attached and embedded files,
multimedia, and the EXIF and XMP segments of the JPEG photos inside (a phone's scan keeps its
GPS block there). qpdf (through pikepdf) then writes the file anew: earlier revisions and objects
nothing uses are gone too. The pages stay as they were: a cleaned PDF is kept. Only a PDF that
cannot be opened (locked with a password, or damaged beyond repair) is refused. Runs in the file
workers (intake.platform.file_workers).
"""
from __future__ import annotations

import io

import pikepdf
from pikepdf import Array, Dictionary, Name, Stream

from i18n import N_
from intake.domain.answers.invalid import Invalid

LOCKED = N_(
    "This PDF is protected with a password, so we cannot check it. Please send it without the password, or send photos of its pages."
)
UNREADABLE = N_("This PDF could not be opened or cleaned. Please send it again, or send photos of its pages.")

_SAFE_ACTIONS = {"/GoTo", "/URI", "/Named"}  # to a page, to a web address, next/previous page
#: Taken from every dictionary: additional (automatic) actions, scripts, XMP, private data of the
#: program that wrote it, associated files, chained actions, the action run on opening.
_DROPPED_KEYS = ("/AA", "/JS", "/Metadata", "/PieceInfo", "/AF", "/Next", "/OpenAction")
_DROPPED_FROM_CATALOG = ("/Collection", "/Perms", "/SpiderInfo", "/Legal")
_DROPPED_NAME_TREES = ("/JavaScript", "/EmbeddedFiles", "/AlternatePresentations")
_ACTIVE_ANNOTATIONS = {"/FileAttachment", "/RichMedia", "/Screen", "/Movie", "/Sound", "/3D"}


def clean_pdf(data: bytes) -> bytes | Invalid:
    try:
        with pikepdf.open(io.BytesIO(data)) as pdf:
            _clean(pdf)
            out = io.BytesIO()
            # Streams are copied as they are, never decoded: a small file that inflates to gigabytes
            # costs nothing here. Encryption is removed (the default): staff open it without a password.
            pdf.save(out, deterministic_id=True, fix_metadata_version=False, stream_decode_level=pikepdf.StreamDecodeLevel.none)
    except pikepdf.PasswordError:
        return Invalid(LOCKED)
    except (pikepdf.PdfError, pikepdf.DataDecodingError, ValueError, TypeError, KeyError, RecursionError, MemoryError):
        return Invalid(UNREADABLE)
    return out.getvalue()


def _clean(pdf: pikepdf.Pdf) -> None:
    for key in ("/Info", "/ID"):  # the document information; the file's identifier, made anew from the content
        _drop(pdf.trailer, key)
    root = pdf.Root
    for key in _DROPPED_FROM_CATALOG:
        _drop(root, key)
    if isinstance(root.get("/Names"), Dictionary):
        for tree in _DROPPED_NAME_TREES:
            _drop(root.Names, tree)
        if not root.Names.keys():
            del root["/Names"]
    if isinstance(root.get("/AcroForm"), Dictionary):
        _drop(root.AcroForm, "/XFA")  # XML forms carry their own scripts
    for page in pdf.pages:
        annotations = page.obj.get("/Annots")
        if isinstance(annotations, Array):
            page.obj.Annots = Array([a for a in annotations if str(a.get("/Subtype", "")) not in _ACTIVE_ANNOTATIONS]
                                    if all(isinstance(a, Dictionary) for a in annotations) else [])
    for obj in pdf.objects:
        if isinstance(obj, (Dictionary, Stream)):
            _scrub(obj)
        if isinstance(obj, Stream) and _last_filter(obj) == "/DCTDecode":
            _clean_jpeg(obj)


def _drop(dictionary: Dictionary | Stream, key: str) -> None:
    if key in dictionary:
        del dictionary[key]


def _scrub(obj: Dictionary | Stream) -> None:
    """One object and the direct objects inside it (indirect ones are visited on their own)."""
    for key in _DROPPED_KEYS:
        _drop(obj, key)
    action = obj.get("/A")
    if isinstance(action, Dictionary) and str(action.get("/S", "")) not in _SAFE_ACTIONS:
        del obj["/A"]
    if str(obj.get("/Type", "")) == "/EmbeddedFile":
        obj.write(b"")  # an attached file left somewhere unreferenced: nothing of it is written
    for key in list(obj.keys()):
        _scrub_inside(obj[key])


def _scrub_inside(value: object) -> None:
    if isinstance(value, (Dictionary, Array)) and value.is_indirect:
        return
    if isinstance(value, Dictionary):
        _scrub(value)
    elif isinstance(value, Array):
        for item in value:
            _scrub_inside(item)


def _last_filter(stream: Stream) -> str:
    filters = stream.get("/Filter")
    if isinstance(filters, Array):
        return str(filters[-1]) if len(filters) else ""
    return str(filters or "")


def _clean_jpeg(stream: Stream) -> None:
    filters = stream.get("/Filter")
    if isinstance(filters, Array) and len(filters) != 1:
        raise ValueError("a JPEG inside the PDF under another filter")  # qpdf cannot undo only the outer one
    jpeg = stream.read_raw_bytes()
    clean = jpeg_without_metadata(jpeg)
    if clean is None:
        raise ValueError("a JPEG inside the PDF that cannot be read")
    if clean != jpeg:
        stream.write(clean, filter=Name.DCTDecode)
        _drop(stream, "/DecodeParms")


def jpeg_without_metadata(data: bytes) -> bytes | None:
    """The JPEG without its APP1–APP15 segments (EXIF, XMP, maker notes) and comments; kept: JFIF
    (APP0), the colour profile (APP2 ICC_PROFILE) and Adobe's colour transform (APP14), which
    decoding needs. None when the segments cannot be read."""
    if not data.startswith(b"\xff\xd8"):
        return None
    out, position = bytearray(b"\xff\xd8"), 2
    while position + 4 <= len(data):
        if data[position] != 0xFF:
            return None
        marker = data[position + 1]
        if marker == 0xFF:  # fill byte
            position += 1
            continue
        if marker == 0xDA:  # start of scan: the picture itself, to the end
            return bytes(out + data[position:])
        length = int.from_bytes(data[position + 2:position + 4], "big")
        segment = data[position:position + 2 + length]
        metadata = 0xE1 <= marker <= 0xEF or marker == 0xFE
        needed = marker == 0xEE or (marker == 0xE2 and segment[4:16] == b"ICC_PROFILE\x00")
        if not metadata or needed:
            out += segment
        position += 2 + length
    return None
