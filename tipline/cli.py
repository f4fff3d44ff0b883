"""The `tipline` command: chat, status, db, keys (more arrive with the web, bot and console)."""
from __future__ import annotations

import asyncio
import getpass
import os
from datetime import timedelta
from typing import Annotated, Optional

import typer
from rich.console import Console
from rich.table import Table
from rich.text import Text

from i18n import N_, Translator, negotiate
from intake.domain.dates_in_words import moment_in_words
from intake.domain import joins
from intake.platform.crypto import Keyring
from intake.platform.keyring_file import keyring_path, save_new_keyring
from intake.platform.private_files import private_dir
from intake.platform.settings import Settings
from intake.reporting import lookups
from intake.reporting.lookups import UNKNOWN_CODE, Client, LookupRefused
from tipline.bootstrap import bootstrap
from tipline.alerts_cli import alerts_app
from tipline.admin_cli import config_app, demo, regions_app, route, staff_app
from tipline.chat import TerminalChat
from tipline.i18n_cli import i18n_app
from tipline import keys_cli
from tipline.partners_cli import partners_app
from tipline.posters_cli import posters_app
from tipline.rewards_cli import rewards_app
from tipline.retention_cli import retention_app
from tipline.search_cli import search_app
from tipline.suggest_cli import suggest_app
from tipline.tips_cli import tips_app
from tipline.wechat_cli import wechat_app

app = typer.Typer(help="Elder-fraud tip-line (养老诈骗举报).", no_args_is_help=True, add_completion=False)
db_app = typer.Typer(help="Database schema.", no_args_is_help=True)
keys_app = typer.Typer(help="The deployment's secret keys.", no_args_is_help=True)
app.add_typer(db_app, name="db")
app.add_typer(keys_app, name="keys")
app.add_typer(config_app, name="config")
app.add_typer(regions_app, name="regions")
app.add_typer(staff_app, name="staff")
app.add_typer(tips_app, name="tips")
app.add_typer(partners_app, name="partners")
app.add_typer(posters_app, name="posters")
app.add_typer(rewards_app, name="rewards")
app.add_typer(alerts_app, name="alerts")
app.add_typer(retention_app, name="retention")
app.add_typer(search_app, name="search")
app.add_typer(i18n_app, name="i18n")
app.add_typer(wechat_app, name="wechat")
app.add_typer(suggest_app, name="suggest")
app.command()(route)
app.command()(demo)

LangOption = Annotated[Optional[str], typer.Option("--lang", help="zh, bo or en")]


def _language(value: str | None) -> str | None:
    if value is None:
        return None
    language = negotiate(value)
    if language is None:
        raise typer.BadParameter(f"choose one of: zh, bo, en (got {value!r})")
    return language


@app.command()
def serve(
    host: Annotated[str, typer.Option(help="address to listen on")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="the public site")] = 8000,
    console_port: Annotated[int, typer.Option(help="the staff console")] = 8001,
    workers: Annotated[int, typer.Option(min=1, help="processes serving the public site (production: one per core)")] = 1,
) -> None:
    """Start the public site, the staff console, the notice dispatcher and (with
    TIPLINE_TELEGRAM_TOKEN) the Telegram bot."""
    from tipline.serve import run

    typer.echo(f"public site:   http://{host}:{port}/" + (f"   ({workers} workers)" if workers > 1 else ""))
    typer.echo(f"staff console: http://{host}:{console_port}/   (Ctrl-C stops)")
    run(host=host, port=port, console_port=console_port, workers=workers)


@app.command()
def bot() -> None:
    """Run only the Telegram bot and the notice dispatcher (long polling; needs TIPLINE_TELEGRAM_TOKEN)."""
    import signal

    from bot.app import make_bot, make_storage, run_polling
    from bot.settings import BotSettings
    from bot.notifier import TelegramChannel
    from intake.notify.dispatch import Dispatcher
    from intake.platform import leases
    from tipline.channels import configured_channels
    from tipline.serve import TELEGRAM_POLLING

    bot_settings = BotSettings()
    if not bot_settings.telegram_token:
        raise typer.BadParameter("set TIPLINE_TELEGRAM_TOKEN (the token from @BotFather)")

    async def main() -> None:
        settings = Settings()
        core = await bootstrap(settings)
        sender = make_bot(bot_settings.telegram_token, api_base=bot_settings.telegram_api_base or None)
        channels = {**configured_channels(settings, settings.var_dir), "telegram": TelegramChannel(sender, core)}
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(sig, stop.set)
        delivering = asyncio.create_task(Dispatcher(core, channels, worker_id=f"bot-{os.getpid()}",
                                                    lease_seconds=settings.lease_seconds).run_forever(stop))
        # One poller for the deployment (Telegram answers a second one 409 Conflict): the one holding the lease.
        polling = asyncio.create_task(leases.hold_while_running(core, TELEGRAM_POLLING, leases.this_process(), lambda: run_polling(
            core, bot_settings.telegram_token, api_base=bot_settings.telegram_api_base or None,
            storage=make_storage(bot_settings.redis_url or None), handle_signals=False,
        ), stop, hold=timedelta(seconds=settings.lease_seconds)))
        try:
            await stop.wait()
        finally:
            polling.cancel()
            await asyncio.gather(delivering, polling, return_exceptions=True)
            await sender.session.close()
            await core.db.dispose()

    asyncio.run(main())


@app.command()
def chat(
    lang: LangOption = None,
    session: Annotated[str, typer.Option(help="Who is reporting; the same name resumes an unfinished report.")] = "",
) -> None:
    """Report a scam in the terminal, one question at a time."""
    console = Console(highlight=False)

    async def main() -> None:
        core = await bootstrap(Settings())
        try:
            owner = session or getpass.getuser()
            await TerminalChat(core, console, console.input, owner).run(_language(lang))
        finally:
            await core.db.dispose()

    asyncio.run(main())


@app.command()
def status(code: str, lang: LangOption = None) -> None:
    """Show a report's progress from its tracking code (read-only)."""
    console = Console(highlight=False)

    async def main() -> int:
        core = await bootstrap(Settings())
        try:
            view = await lookups.status(core, Client.local(), code, _language(lang))
        except LookupRefused as refused:  # the CLI is one client, counted like any other
            console.print(Translator(_language(lang) or core.settings.default_language)(refused.message))
            return 1
        finally:
            await core.db.dispose()
        if view is None:
            console.print(Translator(_language(lang) or core.settings.default_language)(UNKNOWN_CODE))
            return 1
        _ = Translator(view.language)
        code_label, status_label = _(N_("Tracking code")), _(N_("Status"))
        console.print(Text(joins.labelled(code_label, view.code, view.language), style="bold"))
        console.print(Text(joins.labelled(status_label, view.status_label, view.language), style="bold"))
        table = Table(show_lines=True)
        table.add_column(_(N_("Date")))
        table.add_column(_(N_("Step")))
        table.add_column(_(N_("Message")))
        for entry in view.entries:
            message = entry.message or ""
            if entry.from_officer and message:
                message = _(N_("The officer writes: %(text)s"), text=message)
            if entry.translation_note:
                message += "\n" + entry.translation_note
            table.add_row(moment_in_words(entry.at, view.language), entry.label, message)
        console.print(table)
        return 0

    raise typer.Exit(asyncio.run(main()))


@app.command()
def reply(
    code: str,
    text: str,
    pin: Annotated[str, typer.Option(prompt=True, hide_input=True, help="the 4-digit reply PIN")],
    lang: LangOption = None,
) -> None:
    """Add information to your report, or answer a staff question (tracking code + reply PIN)."""
    from intake.reporting.lookups import ReplyRefused

    console = Console(highlight=False)

    async def main() -> int:
        core = await bootstrap(Settings())
        try:
            language = await lookups.reply_with_pin(core, Client.local(), code, pin, text, language=_language(lang))
        except ReplyRefused as refused:
            console.print(Translator(_language(lang) or core.settings.default_language)(refused.message))
            return 1
        finally:
            await core.db.dispose()
        console.print(Translator(language)(N_("Thank you: your information was added to the report.")))
        return 0

    raise typer.Exit(asyncio.run(main()))


@app.command()
def dispatch(once: Annotated[bool, typer.Option("--once", help="deliver what is due and stop")] = False) -> None:
    """Deliver queued progress notices (e-mail, SMS, WeChat), retrying with backoff. Ctrl-C stops."""
    import signal

    from intake.notify.dispatch import Dispatcher
    from tipline.channels import configured_channels

    async def main() -> None:
        settings = Settings()
        core = await bootstrap(settings)
        channels = configured_channels(settings, settings.var_dir)
        if settings.wechat_token:
            from wechat.notifier import WeChatChannel

            channels["wechat"] = WeChatChannel(core)
        dispatcher = Dispatcher(core, channels, worker_id=f"cli-{os.getpid()}", lease_seconds=settings.lease_seconds)
        try:
            if once:
                typer.echo(f"sent {await dispatcher.run_once()}")
                return
            stop = asyncio.Event()
            loop = asyncio.get_running_loop()
            for sig in (signal.SIGINT, signal.SIGTERM):
                loop.add_signal_handler(sig, stop.set)
            typer.echo(f"delivering on: {', '.join(channels) or 'no channel configured'}")
            await dispatcher.run_forever(stop)
        finally:
            await core.db.dispose()

    asyncio.run(main())


@db_app.command("upgrade")
def db_upgrade() -> None:
    """Migrate the database to the latest schema (also done at every start)."""

    async def main() -> None:
        core = await bootstrap(Settings())
        await core.db.dispose()

    asyncio.run(main())
    typer.echo("database is up to date")


@keys_app.command("generate")
def keys_generate() -> None:
    """Create the deployment's keys if there are none (never overwrites)."""
    settings = Settings()
    private_dir(settings.var_dir)  # 0700 before the keys directory is made inside it
    path = keyring_path(settings.resolved_keys_dir)
    if save_new_keyring(Keyring.generate(), path):
        typer.echo(f"created {path} (mode 0600): back it up, without it personal data cannot be read")
    else:
        typer.echo(f"{path} exists: left as it is")


keys_app.command("rotate")(keys_cli.keys_rotate)
keys_app.command("retire")(keys_cli.keys_retire)
keys_app.command("status")(keys_cli.keys_status)
