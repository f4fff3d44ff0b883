"""The files a form posts (the rest of a form's fields are read by the core's channel kit,
intake.domain.channel_kit.fields, shared with the phone intake)."""
from __future__ import annotations

from starlette.datastructures import FormData, UploadFile


def uploads(form: FormData, name: str = "files") -> list[UploadFile]:
    """The files actually chosen (a form with an empty file input posts one nameless part)."""
    return [item for item in form.getlist(name) if isinstance(item, UploadFile) and (item.filename or item.size)]
