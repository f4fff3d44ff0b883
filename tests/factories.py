"""Making tips and staff for tests, through the same code paths the channels use."""
from __future__ import annotations

import io
import itertools

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


def a_photo(*, gps: bool = True) -> bytes:
    """A small JPEG as a phone takes it: with the camera's make and, by default, where it was taken."""
    out = io.BytesIO()
    exif = Image.Exif()
    exif[0x010F] = "PhoneMaker"
    if gps:
        exif[0x8825] = {1: "N", 2: (39.0, 54.0, 0.0), 3: "E", 4: (116.0, 23.0, 0.0)}
    Image.new("RGB", (64, 48), (200, 30, 30)).save(out, format="JPEG", exif=exif)
    return out.getvalue()
