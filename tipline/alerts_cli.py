"""`tipline alerts`: alerts to units (intake/notify/unit_alerts.py). `tipline serve` sends the daily
digest by itself at the configured hour; `tipline alerts digest` is for cron or by hand."""
from __future__ import annotations

import os
from typing import Annotated

import typer

from intake.platform.core import Core
from intake.notify.dispatch import Dispatcher
from intake.notify.unit_alerts import queue_digests
from tipline.channels import configured_channels
from tipline.runner import with_core

alerts_app = typer.Typer(help="Alerts to units: new and urgent tips, the daily digest.", no_args_is_help=True)


@alerts_app.command("digest")
def digest(
    send: Annotated[bool, typer.Option("--send/--queue-only", help="deliver at once, or leave it to the dispatcher")] = True,
) -> None:
    """Queue today's digest for every unit with an e-mail address or Telegram group chat (once a
    day per unit: a second run sends nothing twice) and deliver it."""

    async def main(core: Core) -> None:
        queued = await queue_digests(core, force=True)
        for item in queued:
            c = item.contents
            typer.echo(f"{item.unit}: {len(c.new)} new, {len(c.overdue)} overdue, {len(c.answered)} answered")
        typer.echo(f"digests queued: {len(queued)}")
        if send and queued:
            typer.echo(f"notices sent: {await _deliver(core)}")

    with_core(main)


async def _deliver(core: Core) -> int:
    """What is due in the outbox now (the digests among it), on every channel configured here."""
    from bot.settings import BotSettings

    channels = configured_channels(core.settings, core.settings.var_dir)
    bot_settings = BotSettings()
    sender = None
    if bot_settings.telegram_token:  # aiogram only where it is used: its types take seconds to build
        from bot.app import make_bot
        from bot.notifier import TelegramChannel

        sender = make_bot(bot_settings.telegram_token, api_base=bot_settings.telegram_api_base or None)
        channels["telegram"] = TelegramChannel(sender, core)
    try:
        return await Dispatcher(core, channels, worker_id=f"alerts-{os.getpid()}").run_once()
    finally:
        if sender is not None:
            await sender.session.close()

