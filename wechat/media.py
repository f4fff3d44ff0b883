"""The file of a voice or image message, fetched from WeChat's API (cgi-bin/media/get) for the
report, or why it could not be had: then nothing is stored, and the person is asked to send it
again. The file is checked and sealed by the core's attachment store afterwards, as the bot's are
(AMR and Speex voice converted there for the console: intake/platform/voice_files.py)."""
from __future__ import annotations

import logging

from intake.domain.answers.invalid import Invalid
from intake.domain.channel_kit import texts as kit
from intake.platform import attachments
from intake.platform.core import Core
from intake.platform.voice_files import recording_seconds
from wechat import texts
from wechat.api import ApiError, MediaTooLarge, WeChatApi

log = logging.getLogger(__name__)

#: The name a message's file is stored under (WeChat gives none): its kind, by what WeChat sends.
NAMES = {"voice": "voice.amr", "image": "photo.jpg"}
#: WeChat's longest voice message: a longer recording did not come from its app, and would keep a
#: file worker converting it.
MAX_VOICE_SECONDS = 60


async def fetch(core: Core, media_id: str, api: WeChatApi | None = None, *, kind: str = "image") -> bytes | Invalid:
    s = core.settings
    if not (s.wechat_appid and s.wechat_secret):
        log.warning("wechat: a voice or image message cannot be fetched without TIPLINE_WECHAT_APPID and TIPLINE_WECHAT_SECRET")
        return Invalid(kit.FILE_NOT_DOWNLOADED)
    if not media_id or len(media_id) > 128:
        return Invalid(kit.FILE_NOT_DOWNLOADED)
    try:
        data = await (api or WeChatApi(core)).media(media_id, limit=attachments.MAX_BYTES)
    except MediaTooLarge as error:
        return Invalid(kit.FILE_TOO_BIG, {"size": round(error.size / 1048576, 1), "max": attachments.MAX_BYTES // 1048576})
    except ApiError as error:
        log.warning("wechat: a media file could not be fetched (%s)", error)
        return Invalid(kit.FILE_NOT_DOWNLOADED)
    seconds = recording_seconds(data) if kind == "voice" else 0
    if seconds > MAX_VOICE_SECONDS:
        return Invalid(texts.VOICE_TOO_LONG, {"seconds": seconds, "max": MAX_VOICE_SECONDS})
    return data
