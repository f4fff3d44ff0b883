"""`tipline wechat`: the WeChat Official Account's setup through its API (wechat/)."""
from __future__ import annotations

from typing import Annotated

import typer

from i18n import LANGUAGES
from intake.platform.core import Core
from tipline.runner import with_core

wechat_app = typer.Typer(help="The WeChat Official Account: its custom menu.", no_args_is_help=True)


@wechat_app.command("menu")
def create(
    language: Annotated[str, typer.Option(help=f"the menu's language ({', '.join(LANGUAGES)}; default: the deployment's)")] = "",
) -> None:
    """Create the account's menu (举报 / 查进度 / 说明, with 语言 under 说明) in the account's
    language; it replaces the menu the account had."""
    from wechat.api import ApiError
    from wechat.menu import NameTooLong, create_menu

    if language and language not in LANGUAGES:
        raise typer.BadParameter(f"one of {', '.join(LANGUAGES)}", param_hint="--language")

    async def main(core: Core) -> None:
        s = core.settings
        if not (s.wechat_appid and s.wechat_secret):
            raise SystemExit("the menu is created through the API: set TIPLINE_WECHAT_APPID and TIPLINE_WECHAT_SECRET")
        try:
            body = await create_menu(core, language or None)
        except NameTooLong as error:
            raise SystemExit(f"{error}; create the menu in another language (--language zh_Hans)") from None
        except ApiError as error:
            raise SystemExit(f"WeChat refused the menu: {error}") from None
        typer.echo(" / ".join(button["name"] for button in body["button"]))
        typer.echo("menu created")

    with_core(main)
