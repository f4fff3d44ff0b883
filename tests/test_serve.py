"""`tipline serve` wires every channel: the public site, the console, the dispatcher with the
Telegram sender, and the bot, all in one process against a fake Bot API."""
from __future__ import annotations

import asyncio
import socket
import sys

import httpx
from sqlalchemy import func, select

from bot.settings import BotSettings
from intake.platform import ratelimit
from intake.casework.casework import move_tip
from intake.platform.models.operations import RateCounter
from tests.bot_harness import TOKEN, fake_telegram, new_user  # noqa: F401 - fixture
from tests.factories import file_tip, staff
from tipline.serve import serve


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


async def until(condition, seconds: float = 15) -> None:
    for _ in range(int(seconds * 10)):
        if condition():
            return
        await asyncio.sleep(0.1)


async def test_serve_runs_the_site_the_console_the_bot_and_delivers_notices(core, fake_telegram):
    web_port, console_port = free_port(), free_port()
    ready, stop = asyncio.Event(), asyncio.Event()
    settings = BotSettings(telegram_token=TOKEN, telegram_api_base=fake_telegram.base_url, redis_url="")
    running = asyncio.create_task(serve(core, host="127.0.0.1", web_port=web_port, console_port=console_port,
                                        bot_settings=settings, ready=ready, stop=stop))
    try:
        await asyncio.wait_for(ready.wait(), 30)
        async with httpx.AsyncClient() as client:
            start = await client.get(f"http://127.0.0.1:{web_port}/", headers={"Accept-Language": "en"})
            assert start.status_code == 200 and 'lang="en"' in start.text
            console = await client.get(f"http://127.0.0.1:{console_port}/", follow_redirects=False)
            assert console.status_code in (302, 303)

        user = new_user(fake_telegram)
        await user.send("/start")
        await until(lambda: fake_telegram.sent_to(user.chat_id))  # serve's bot handles updates as tasks
        replies = fake_telegram.sent_to(user.chat_id)
        assert any("English" in label for sent in replies for label, _ in sent.buttons()), [(s.text, s.buttons()) for s in replies]

        receipt = await file_tip(core, language="en", channel="telegram", channel_address=str(user.chat_id), owner=str(user.chat_id))
        officer = await staff(core, "officer", "officer", "990121-civil_affairs")
        await move_tip(core, receipt.tip_id, "accepted", staff=officer)
        # The dispatcher inside serve looks for due notices every second.
        await until(lambda: any("Accepted for checking" in (s.text or "") for s in fake_telegram.sent_to(user.chat_id)))
        texts = [sent.text or "" for sent in fake_telegram.sent_to(user.chat_id)]
        assert any("Received" in t for t in texts) and any("Accepted for checking" in t for t in texts)
    finally:
        stop.set()
        await asyncio.wait_for(running, 30)


async def test_serve_in_webhook_mode_sets_the_webhook_and_takes_updates_with_the_secret(core, fake_telegram):
    web_port, console_port, hook_port = free_port(), free_port(), free_port()
    ready, stop = asyncio.Event(), asyncio.Event()
    settings = BotSettings(telegram_token=TOKEN, telegram_api_base=fake_telegram.base_url, redis_url="",
                           telegram_webhook_url="https://tipline.example/telegram/webhook", telegram_webhook_secret="s3cret-token")
    running = asyncio.create_task(serve(core, host="127.0.0.1", web_port=web_port, console_port=console_port,
                                        webhook_port=hook_port, bot_settings=settings, ready=ready, stop=stop))
    try:
        await asyncio.wait_for(ready.wait(), 30)
        assert fake_telegram.count("setWebhook") == 1
        user = new_user(fake_telegram)
        update = {"update_id": 990001, "message": user._message(text="/start", entities=[{"type": "bot_command", "offset": 0, "length": 6}])}
        async with httpx.AsyncClient() as client:
            url = f"http://127.0.0.1:{hook_port}/telegram/webhook"
            refused = await client.post(url, json=update, headers={"X-Telegram-Bot-Api-Secret-Token": "wrong"})
            assert refused.status_code == 403
            taken = await client.post(url, json=update, headers={"X-Telegram-Bot-Api-Secret-Token": "s3cret-token"})
            assert taken.status_code == 200
        await until(lambda: fake_telegram.sent_to(user.chat_id))
        assert any("English" in label for sent in fake_telegram.sent_to(user.chat_id) for label, _ in sent.buttons())
    finally:
        stop.set()
        await asyncio.wait_for(running, 30)


async def test_serve_purges_rate_limit_counters_of_windows_long_past(core, clock):
    """Every counted request writes a counter row without Redis; serve's housekeeping deletes the
    ones that count nothing any more, so the table does not grow for ever."""
    limit = ratelimit.Limit("test-purge", 5, 3600)
    assert await ratelimit.hit(core, limit, "10.0.0.1")
    clock.advance(days=2)
    assert await ratelimit.hit(core, limit, "10.0.0.2")  # today's: still counting
    web_port, console_port = free_port(), free_port()
    ready, stop = asyncio.Event(), asyncio.Event()
    running = asyncio.create_task(serve(core, host="127.0.0.1", web_port=web_port, console_port=console_port,
                                        bot_settings=BotSettings(telegram_token="", redis_url=""), ready=ready, stop=stop,
                                        housekeeping_after=0.05))
    try:
        await asyncio.wait_for(ready.wait(), 30)
        for _ in range(100):
            if await counters(core) == 1:
                break
            await asyncio.sleep(0.05)
        assert await counters(core) == 1
    finally:
        stop.set()
        await asyncio.wait_for(running, 30)


async def counters(core) -> int:
    async with core.db.session() as session:
        return await session.scalar(select(func.count()).select_from(RateCounter))


class _NoAiogram:
    """An import hook that refuses aiogram, as if it were not installed."""

    def find_spec(self, name, path=None, target=None):  # noqa: ANN001, ANN201 - the meta path finder protocol
        if name == "aiogram" or name.startswith("aiogram.") or name == "bot.app":
            raise ImportError(f"{name} imported by a server without a Telegram token")
        return None


async def test_a_server_without_a_telegram_token_never_imports_aiogram(core, monkeypatch):
    """aiogram builds its pydantic types at import: seconds of CPU that every `tipline serve`
    without a bot, and each of its workers, would pay for nothing."""
    for name in [name for name in sys.modules if name.split(".")[0] == "aiogram" or name == "bot.app"]:
        monkeypatch.delitem(sys.modules, name)
    monkeypatch.setattr(sys, "meta_path", [_NoAiogram(), *sys.meta_path])
    monkeypatch.delenv("TIPLINE_TELEGRAM_TOKEN", raising=False)
    ready, stop = asyncio.Event(), asyncio.Event()
    running = asyncio.create_task(serve(core, host="127.0.0.1", web_port=free_port(), console_port=free_port(),
                                        ready=ready, stop=stop))
    await asyncio.wait_for(ready.wait(), 30)
    stop.set()
    await asyncio.wait_for(running, 30)
