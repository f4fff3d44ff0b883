"""The account's custom menu (自定义菜单): 举报 / 查进度 / 说明 (with 语言 under it), in the
account's language, created through the API by `tipline wechat menu`. WeChat allows three buttons
in the bar, so 语言 sits under 说明. A tap sends a CLICK event whose key the conversation reads
as the same word typed (wechat/commands.py, MENU_KEYS).

WeChat limits a bar button's name to 16 bytes and a sub-button's to 60 (Chinese and Tibetan take
3 bytes a character): a name over it is refused before anything is sent."""
from __future__ import annotations

from i18n import Translator
from intake.platform.core import Core
from wechat import texts
from wechat.api import WeChatApi

MENU_CREATE = "cgi-bin/menu/create"
BAR_BYTES, SUB_BYTES = 16, 60
LABELS = {"REPORT": texts.MENU_REPORT, "PROGRESS": texts.MENU_PROGRESS, "ABOUT": texts.MENU_ABOUT, "LANGUAGE": texts.MENU_LANGUAGE}


class NameTooLong(ValueError):
    """A button's name is over WeChat's limit in this language."""


def menu(language: str) -> dict:
    """The menu in `language`, as menu/create takes it."""
    _ = Translator(language)

    def click(key: str, limit: int) -> dict:
        name = _(LABELS[key])
        if len(name.encode("utf-8")) > limit:
            raise NameTooLong(f"the menu button {name!r} is {len(name.encode('utf-8'))} bytes; WeChat allows {limit}")
        return {"type": "click", "name": name, "key": key}

    about = click("ABOUT", BAR_BYTES)
    return {"button": [
        click("REPORT", BAR_BYTES),
        click("PROGRESS", BAR_BYTES),
        {"name": about["name"], "sub_button": [click("ABOUT", SUB_BYTES), click("LANGUAGE", SUB_BYTES)]},
    ]}


async def create_menu(core: Core, language: str | None = None) -> dict:
    """Create the menu in `language` (the deployment's default) and return it."""
    body = menu(language or core.settings.default_language)
    await WeChatApi(core).call(MENU_CREATE, body)
    return body
