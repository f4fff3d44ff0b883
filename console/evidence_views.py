"""The tip's evidence for staff: photos and voice notes shown on the tip page, every file
downloadable. Files are served only to staff who may see the tip (intake.casework.casefile checks scope
and audits every view), under a policy that lets nothing in them run."""
from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import Response

from console.dependencies import ConsoleDep, SignedIn
from console.web import Id
from intake.casework.casefile import evidence_file
from intake.casework.casework import TipNotFound

EXTENSIONS = {
    "image/jpeg": "jpg", "image/png": "png", "image/gif": "gif", "image/webp": "webp",
    "application/pdf": "pdf", "audio/ogg": "ogg", "audio/mpeg": "mp3", "audio/mp4": "m4a",
    "audio/amr": "amr", "audio/amr-wb": "awb", "audio/ogg; codecs=speex": "spx",
}
#: Shown in the page itself; anything else (a PDF) is only downloaded.
INLINE_KINDS = {"image", "audio"}
#: A file is data, never a document that could run: no script, no plug-in, no framing.
FILE_POLICY = "default-src 'none'; img-src 'self'; media-src 'self'; sandbox; frame-ancestors 'none'"


router = APIRouter()


@router.get("/tips/{tip_id}/files/{number}")
async def evidence(tip_id: Id, number: Id, viewer: SignedIn, console: ConsoleDep, download: int = 0) -> Response:
    try:
        stored = await evidence_file(console.core, viewer.staff, tip_id, number)
    except TipNotFound:
        return console.not_found(viewer)
    # The reporter's own file name may name them: the download is named after the tip.
    filename = f"tip-{tip_id}-file-{number}.{EXTENSIONS.get(stored.media_type, 'bin')}"
    disposition = "inline" if stored.kind in INLINE_KINDS and not download else "attachment"
    return Response(stored.content, media_type=stored.media_type, headers={
        "Content-Disposition": f'{disposition}; filename="{filename}"',
        "Content-Security-Policy": FILE_POLICY,
        "X-Content-Type-Options": "nosniff",
        "Cache-Control": "no-store",
    })
