"""`tipline serve`: the public site, the staff console, the notice dispatcher and (with a
Telegram token) the bot, in one process on one event loop.

This is the only place that knows every channel: it registers the bot's Telegram sender and
the e-mail/SMS senders with the core's dispatcher (DESIGN.md), so no channel imports another.
"""
from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import signal
from collections.abc import Iterator

import uvicorn

from bot.app import BotSettings, build_dispatcher, make_bot, make_storage, run_polling, webhook_app
from bot.notifier import TelegramChannel
from console.app import create_app as create_console
from intake.core import Core
from intake.dispatch import Dispatcher
from tipline.channels import configured_channels
from web_form.app import create_app as create_web

log = logging.getLogger(__name__)


class _Server(uvicorn.Server):
    """A uvicorn server that leaves signal handling to `serve` (several servers share a loop)."""

    @contextlib.contextmanager
    def capture_signals(self) -> Iterator[None]:
        yield

    def install_signal_handlers(self) -> None:  # older uvicorn
        return None


async def serve(core: Core, *, host: str, web_port: int, console_port: int, bot_settings: BotSettings | None = None,
                webhook_port: int = 8002, ready: asyncio.Event | None = None, stop: asyncio.Event | None = None) -> None:
    stop = stop or asyncio.Event()
    servers = [
        _Server(uvicorn.Config(create_web(core), host=host, port=web_port, log_level="warning", access_log=False)),
        _Server(uvicorn.Config(create_console(core), host=host, port=console_port, log_level="warning", access_log=False)),
    ]
    channels = configured_channels(core.settings, core.settings.var_dir)
    bot_settings = bot_settings or BotSettings()
    notifier_bot = None
    if bot_settings.telegram_token:
        notifier_bot = make_bot(bot_settings.telegram_token, api_base=bot_settings.telegram_api_base or None)
        channels["telegram"] = TelegramChannel(notifier_bot, core)
    dispatcher = Dispatcher(core, channels, worker_id=f"serve-{os.getpid()}")
    if notifier_bot is not None and bot_settings.telegram_webhook_url:
        # Webhook mode (production): Telegram posts updates to its own small app, on its own
        # port behind the same proxy as the public site, checked by the secret token.
        bot_dispatcher = build_dispatcher(core, storage=make_storage(bot_settings.redis_url or None))
        hook = webhook_app(notifier_bot, bot_dispatcher, secret=bot_settings.telegram_webhook_secret)
        servers.append(_Server(uvicorn.Config(hook, host=host, port=webhook_port, log_level="warning", access_log=False)))
        await notifier_bot.set_webhook(bot_settings.telegram_webhook_url, secret_token=bot_settings.telegram_webhook_secret)

    tasks = [asyncio.create_task(server.serve()) for server in servers]
    background = len(tasks)
    tasks.append(asyncio.create_task(dispatcher.run_forever(stop)))
    if bot_settings.telegram_token and not bot_settings.telegram_webhook_url:
        tasks.append(asyncio.create_task(run_polling(
            core, bot_settings.telegram_token, api_base=bot_settings.telegram_api_base or None,
            storage=make_storage(bot_settings.redis_url or None), handle_signals=False,
        )))

    def shutdown() -> None:
        stop.set()

    loop = asyncio.get_running_loop()
    with contextlib.suppress(NotImplementedError, RuntimeError):
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(sig, shutdown)
    while not all(server.started for server in servers):
        if any(task.done() for task in tasks[:background]):
            break  # a server could not start (port taken?): its task holds the error
        await asyncio.sleep(0.05)
    if ready is not None:
        ready.set()
    try:
        await stop.wait()
    finally:
        for server in servers:
            server.should_exit = True
        for task in tasks[background + 1:]:  # the bot's polling; the dispatcher stops by itself
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        if notifier_bot is not None:
            await notifier_bot.session.close()
