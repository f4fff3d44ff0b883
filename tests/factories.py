"""Making tips and staff for tests, through the same code paths the channels use."""
from __future__ import annotations

import io
import itertools
import os

from PIL import Image

from intake.domain.conversation import Context
from intake.reporting.drafts import new_draft, save_draft
from intake.domain.steps import ChannelCapabilities
from intake.staff.staff import add_staff
from intake.reporting.submission import Receipt, submit_draft
from tests.walk import ANSWERS_FOR_MOTHER, walk

TERMINAL = ChannelCapabilities()
_owners = itertools.count(1)


async def file_tip(core, answers: dict | None = None, *, language: str = "zh_Hans", channel: str = "terminal",
                   channel_address: str | None = None, owner: str | None = None, **overrides) -> Receipt:
    ctx = Context(core.deployment, core.today(), TERMINAL)
    record = await new_draft(core, channel, owner or f"reporter-{next(_owners)}", language, TERMINAL)
    record.state = walk(record.state, ctx, {**(answers or ANSWERS_FOR_MOTHER), **overrides})
    await save_draft(core, record)
    receipt = await submit_draft(core, record.id, TERMINAL, channel_address=channel_address)
    assert isinstance(receipt, Receipt)
    return receipt


async def staff(core, username: str, role: str, unit: str | None, language: str = "zh_Hans"):
    return await add_staff(core, username, role=role, unit=unit, language=language)


def a_photo(size: tuple[int, int] = (64, 48), *, gps: bool = True, color: str | tuple[int, int, int] = (200, 30, 30),
            image_format: str = "JPEG", noise: bool = False) -> bytes:
    """The tests' one picture maker: by default a small JPEG as a phone takes it, with the camera's
    make and where it was taken (`gps=False`: no EXIF at all). `noise`: random pixels, so the
    picture stays big after re-encoding."""
    image = Image.frombytes("RGB", size, os.urandom(size[0] * size[1] * 3)) if noise else Image.new("RGB", size, color)
    options: dict[str, object] = {"quality": 95} if noise else {}
    if gps:
        exif = Image.Exif()
        exif[0x010F] = "PhoneMaker"
        exif[0x8825] = {1: "N", 2: (39.0, 54.0, 0.0), 3: "E", 4: (116.0, 23.0, 0.0)}
        options["exif"] = exif
    out = io.BytesIO()
    image.save(out, format=image_format, **options)
    return out.getvalue()


#: The usual road of a tip through the workflow, from "submitted" to each status on it.
ROAD = {
    "accepted": ("accepted",),
    "verifying": ("accepted", "verifying"),
    "substantiated": ("accepted", "verifying", "substantiated"),
    "unsubstantiated": ("accepted", "verifying", "unsubstantiated"),
}


async def move_to(core, tip_id: int, status: str, *, staff) -> None:
    """Move a submitted tip along the usual road to `status`, one step after another, as `staff`."""
    from intake.casework.casework import move_tip

    for step in ROAD[status]:
        await move_tip(core, tip_id, step, staff=staff)
