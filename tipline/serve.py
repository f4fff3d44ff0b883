"""`tipline serve`: the public site, the staff console, the notice dispatcher, (with a
Telegram token) the bot and (with a WeChat token) the WeChat callback; with `--workers N`, the public site in N processes.

This is the only place that knows every channel: it registers the bot's Telegram sender and
the e-mail/SMS senders with the core's dispatcher (DESIGN.md), so no channel imports another.

Placement with several workers (a pre-fork of our own, like uvicorn's): the parent migrates the
database once, binds the public port and starts N worker processes that share it (the kernel
hands each connection to one of them). Every worker serves the public site and, in webhook mode,
the bot's webhook on the same port. Worker 0 alone also serves the staff console (one port,
internal), runs the notice dispatcher, looks for due once-a-day jobs (`JOBS`) and, in polling
mode, takes its turn at the bot's long polling: each job and the polling are done by one instance of
the deployment at a time, the one holding its lease (intake/platform/leases.py; Telegram allows one
poller). More dispatchers, on this machine or others, are `tipline dispatch`
processes: they claim work with `FOR UPDATE SKIP LOCKED`. The parent restarts a worker that
dies, and a worker stops when its parent is gone.
"""
from __future__ import annotations

import argparse
import asyncio
import contextlib
import gc
import logging
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from datetime import timedelta
from typing import TYPE_CHECKING

import uvicorn

from intake.platform import leases, ratelimit
from intake.platform.core import Core
from intake.notify.dispatch import Dispatcher
from intake.admin import retention, suggest_learning
from intake.rewards.awards import lapse_due_awards
from intake.platform.schedule import Job, every_period, run_jobs
from intake.notify.unit_alerts import queue_digests
from intake.platform.settings import Settings
from tipline.bootstrap import bootstrap
from tipline.channels import configured_channels
from tipline.suggest_cli import HELDOUT_PATH
from web_form.app import create_app as create_web

if TYPE_CHECKING:
    from bot.settings import BotSettings

# The bot (aiogram) and the console are imported only where they run: a worker that serves
# only the public site starts in a fraction of the time.

log = logging.getLogger(__name__)

MODEL_REFRESH = timedelta(minutes=1)
#: The jobs done once for the whole deployment, by whichever instance takes each one's lease
#: (intake/platform/schedule.py): a new one is one more line.
JOBS = (
    Job("unit digest", queue_digests, every=timedelta(minutes=1)),  # due from the digest hour, once a day per unit
    Job("retention", retention.daily),  # personal data past its retention period is erased
    Job("reward lapse", lapse_due_awards),  # approved awards past their claim period lapse, with notice
    Job("rate-limit purge", ratelimit.purge),  # the database's counters of windows long past
    Job("suggestion retraining", lambda core: suggest_learning.retrain_when_due(core, HELDOUT_PATH)),
)
#: The lease of the Telegram bot's long polling: Telegram answers a second poller 409 Conflict.
TELEGRAM_POLLING = "telegram polling"
RESTART_PAUSE_SECONDS = 1.0  # before a dead worker is started again
PARENT_CHECK_SECONDS = 1.0
ORPHAN_EXIT_SECONDS = 15.0  # an orphaned worker's graceful stop, at most


class _Server(uvicorn.Server):
    """A uvicorn server that leaves signal handling to `serve` (several servers share a loop)."""

    @contextlib.contextmanager
    def capture_signals(self) -> Iterator[None]:
        yield

    def install_signal_handlers(self) -> None:  # older uvicorn
        return None


def settle_heap() -> None:
    """Once start-up is done (modules, the deployment's configuration, the apps and their
    templates, all kept for the life of the process): collect start-up's garbage, then move what
    is left out of the cycle collector's reach, so the full collections a busy server makes walk
    only what requests create, not this (undone when serving stops: the process may go on)."""
    gc.collect()
    gc.freeze()


def _with_paths(site, hooks):  # noqa: ANN001, ANN202 - ASGI apps
    """The public site, with each of `hooks`' paths (Telegram's webhook, WeChat's callback)
    handed to its channel's app (same port)."""

    async def app(scope, receive, send) -> None:  # noqa: ANN001
        hook = hooks.get(scope["path"]) if scope["type"] == "http" else None
        await (hook or site)(scope, receive, send)

    return app


async def serve(core: Core, *, host: str, web_port: int, console_port: int, bot_settings: BotSettings | None = None,
                webhook_port: int | None = None, ready: asyncio.Event | None = None, stop: asyncio.Event | None = None,
                web_sockets: list[socket.socket] | None = None, primary: bool = True, housekeeping_after: float | None = None) -> None:
    """Serve until `stop` (or SIGINT/SIGTERM). `web_sockets`: the public site's listening
    sockets, shared by the workers; `primary`: this process also runs the console, the
    dispatcher, the once-a-day jobs and the bot's polling (each job and the polling on one
    instance of the deployment at a time: leases). In webhook mode the webhook is on the public
    site's port, or on `webhook_port` when one is given. The once-a-day jobs are looked at every
    `housekeeping_after` seconds (default: the settings' `lease_seconds`)."""
    check_serving(core.settings)
    stop = stop or asyncio.Event()
    if bot_settings is None:
        from bot.settings import BotSettings

        bot_settings = BotSettings()
    site = create_web(core)
    notifier_bot = None
    if bot_settings.telegram_token:
        from bot.app import build_dispatcher, make_bot, make_storage, run_polling, webhook_app
        from bot.notifier import TelegramChannel

        notifier_bot = make_bot(bot_settings.telegram_token, api_base=bot_settings.telegram_api_base or None)
    webhook_mode = notifier_bot is not None and bool(bot_settings.telegram_webhook_url)
    hooks = {}  # paths of the public site's port that a channel's app answers
    if core.settings.wechat_token:
        from wechat.app import CALLBACK_PATH, callback_app
        from wechat.consent import CONSENT_PATH

        hooks[CALLBACK_PATH] = hooks[CONSENT_PATH] = callback_app(core)  # the callback, and the notices' consent page
    servers: list[tuple[_Server, list[socket.socket] | None]] = []
    if webhook_mode:
        # Production: Telegram posts updates behind the same proxy as the public site, checked by
        # the secret token; with Redis the conversation state is shared by every worker.
        bot_dispatcher = build_dispatcher(core, storage=make_storage(bot_settings.redis_url or None))
        hook = webhook_app(notifier_bot, bot_dispatcher, secret=bot_settings.telegram_webhook_secret)
        if webhook_port is None:
            from bot.app import WEBHOOK_PATH

            hooks[WEBHOOK_PATH] = hook
        else:
            servers.append((_server(hook, host, webhook_port, core.settings), None))
    if hooks:
        site = _with_paths(site, hooks)
    servers.insert(0, (_server(site, host, web_port, core.settings), web_sockets))
    dispatcher = None
    holder, lease = leases.this_process(), timedelta(seconds=core.settings.lease_seconds)
    if primary:
        from console.app import create_app as create_console

        servers.append((_server(create_console(core), host, console_port, core.settings), None))
        channels = configured_channels(core.settings, core.settings.var_dir)
        if notifier_bot is not None:
            channels["telegram"] = TelegramChannel(notifier_bot, core)
        if core.settings.wechat_token:  # an unverified account's channel passes every notice on
            from wechat.notifier import WeChatChannel

            channels["wechat"] = WeChatChannel(core)
        dispatcher = Dispatcher(core, channels, worker_id=f"serve-{os.getpid()}", lease_seconds=core.settings.lease_seconds)
        if webhook_mode:
            await notifier_bot.set_webhook(bot_settings.telegram_webhook_url, secret_token=bot_settings.telegram_webhook_secret)

    settle_heap()  # every app is built
    tasks = [asyncio.create_task(server.serve(sockets=sockets)) for server, sockets in servers]
    background = len(tasks)
    if dispatcher is not None:
        tasks.append(asyncio.create_task(dispatcher.run_forever(stop)))
        tasks.append(asyncio.create_task(run_jobs(  # the once-a-day jobs, each by one instance of the deployment
            core, JOBS, stop, holder=holder, check_every=lease.total_seconds() if housekeeping_after is None else housekeeping_after, hold=lease)))
    # Every process: a suggestion model installed elsewhere (another instance, the command line)
    # is in force here within a minute, without a restart.
    tasks.append(asyncio.create_task(every_period(
        "suggestion model refresh", lambda: suggest_learning.refresh(core), stop, every=MODEL_REFRESH,
        first_after=MODEL_REFRESH.total_seconds())))
    if primary and bot_settings.telegram_token and not webhook_mode:
        # One poller for the deployment, whichever instance holds the lease.
        tasks.append(asyncio.create_task(leases.hold_while_running(core, TELEGRAM_POLLING, holder, lambda: run_polling(
            core, bot_settings.telegram_token, api_base=bot_settings.telegram_api_base or None,
            storage=make_storage(bot_settings.redis_url or None), handle_signals=False,
        ), stop, hold=lease)))
    first_cancelled = background + (1 if dispatcher is not None else 0)  # the dispatcher stops by itself

    loop = asyncio.get_running_loop()
    with contextlib.suppress(NotImplementedError, RuntimeError):
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(sig, stop.set)
    while not all(server.started for server, _ in servers):
        if any(task.done() for task in tasks[:background]):
            break  # a server could not start (port taken?): its task holds the error
        await asyncio.sleep(0.05)
    if ready is not None:
        ready.set()
    try:
        await stop.wait()
    finally:
        for server, _ in servers:
            server.should_exit = True
        for task in tasks[first_cancelled:]:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        if notifier_bot is not None:
            await notifier_bot.session.close()
        await ratelimit.close_redis()
        gc.unfreeze()  # what settle_heap set aside is collectable again


def server_config(app, host: str, port: int, settings: Settings) -> uvicorn.Config:  # noqa: ANN001 - an ASGI app
    """How both apps are served. X-Forwarded-For and X-Forwarded-Proto are believed only from
    TIPLINE_TRUSTED_PROXIES (none by default: the connecting address is the client's, the one
    rate limits count); uvicorn on its own would trust loopback, and FORWARDED_ALLOW_IPS."""
    proxies = settings.trusted_proxy_list
    return uvicorn.Config(app, host=host, port=port, log_level="warning", access_log=False,
                          proxy_headers=bool(proxies), forwarded_allow_ips=",".join(proxies) or None)


def check_serving(settings: Settings) -> None:
    """What production needs before it answers anyone: the host names both apps answer to."""
    if settings.production and not settings.allowed_hosts:
        raise SystemExit("production needs the host names of both apps: set TIPLINE_TRUSTED_HOSTS (e.g. "
                         "tipline.example.gov.cn,console.internal), or TIPLINE_PUBLIC_BASE_URL and TIPLINE_CONSOLE_BASE_URL")


def _server(app, host: str, port: int, settings: Settings) -> _Server:  # noqa: ANN001 - an ASGI app
    return _Server(server_config(app, host, port, settings))


# --- the command: one process, or a parent and its workers ------------------------------------

def run_loop(main) -> None:  # noqa: ANN001 - a coroutine
    """Run `main` on uvloop when it is installed (uvicorn[standard] brings it), as uvicorn itself would."""
    try:
        import uvloop
    except ImportError:
        asyncio.run(main)
        return
    with asyncio.Runner(loop_factory=uvloop.new_event_loop) as runner:
        runner.run(main)


def configure_logging() -> None:
    logging.basicConfig(level=logging.WARNING, format="%(asctime)s [%(process)d] %(name)s %(levelname)s: %(message)s")
    logging.getLogger("alembic.runtime.migration").setLevel(logging.INFO)  # "Running upgrade …": once per database
    for name in ("intake.platform.schedule", "intake.platform.leases"):  # "retention: run by …": once a day per deployment
        logging.getLogger(name).setLevel(logging.INFO)


def run(*, host: str, port: int, console_port: int, workers: int = 1) -> None:
    """`tipline serve`: blocks until SIGINT/SIGTERM."""
    configure_logging()
    check_serving(Settings())  # before any worker starts: a worker refused would be restarted forever
    if workers <= 1:
        run_loop(_one_process(host, port, console_port))
        return
    asyncio.run(_migrate_once())  # before any worker starts: they then find the schema up to date
    listener = _listen(host, port)
    _supervise(listener, host=host, port=port, console_port=console_port, workers=workers)


async def _one_process(host: str, port: int, console_port: int) -> None:
    core = await bootstrap(Settings())
    try:
        await serve(core, host=host, web_port=port, console_port=console_port)
    finally:
        await core.db.dispose()


async def _migrate_once() -> None:
    core = await bootstrap(Settings())
    await core.db.dispose()


def _listen(host: str, port: int) -> socket.socket:
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    listener = socket.socket(family, socket.SOCK_STREAM)
    listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    listener.bind((host, port))
    listener.listen(2048)
    listener.set_inheritable(True)
    return listener


def _supervise(listener: socket.socket, *, host: str, port: int, console_port: int, workers: int) -> None:
    stopping = threading.Event()

    def start(index: int) -> subprocess.Popen:
        # A fresh interpreter (no event loop or connection pool inherited), handed the listening socket.
        return subprocess.Popen(
            [sys.executable, "-m", "tipline.serve", "--worker", str(index), "--fd", str(listener.fileno()),
             "--host", host, "--port", str(port), "--console-port", str(console_port), "--parent", str(os.getpid())],
            pass_fds=[listener.fileno()])

    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda *_: stopping.set())
    children = {index: start(index) for index in range(workers)}
    try:
        while not stopping.wait(0.5):
            for index, process in list(children.items()):
                if process.poll() is not None and not stopping.is_set():
                    log.error("worker %s (pid %s) ended with code %s; starting it again", index, process.pid, process.returncode)
                    time.sleep(RESTART_PAUSE_SECONDS)
                    children[index] = start(index)
    finally:
        for process in children.values():
            if process.poll() is None:
                process.terminate()
        deadline = time.monotonic() + 15
        for process in children.values():
            try:
                process.wait(max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                process.kill()
        listener.close()


async def _worker(index: int, listener: socket.socket, host: str, port: int, console_port: int, parent: int) -> None:
    core = await bootstrap(Settings())
    stop = asyncio.Event()

    async def orphaned() -> None:
        while not stop.is_set():
            if os.getppid() != parent:
                log.warning("worker %s: the parent process is gone; stopping", index)
                stop.set()
                # Nobody restarts or stops an orphan: if the graceful stop hangs, end anyway.
                await asyncio.sleep(ORPHAN_EXIT_SECONDS)
                log.error("worker %s: still running %ss after its parent; exiting", index, ORPHAN_EXIT_SECONDS)
                os._exit(1)
            await asyncio.sleep(PARENT_CHECK_SECONDS)

    watch = asyncio.create_task(orphaned())
    try:
        await serve(core, host=host, web_port=port, console_port=console_port, web_sockets=[listener],
                    primary=index == 0, stop=stop)
    finally:
        watch.cancel()
        await core.db.dispose()


def _worker_main(argv: list[str]) -> None:
    parser = argparse.ArgumentParser(prog="tipline.serve", description="one worker of `tipline serve --workers N`")
    for name in ("--worker", "--fd", "--port", "--console-port", "--parent"):
        parser.add_argument(name, type=int, required=True)
    parser.add_argument("--host", required=True)
    args = parser.parse_args(argv)
    configure_logging()
    family = socket.AF_INET6 if ":" in args.host else socket.AF_INET
    listener = socket.socket(family, socket.SOCK_STREAM, fileno=args.fd)
    run_loop(_worker(args.worker, listener, args.host, args.port, args.console_port, args.parent))


if __name__ == "__main__":
    _worker_main(sys.argv[1:])
