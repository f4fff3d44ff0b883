"""Running the bot: the aiogram Dispatcher, long polling, and the webhook app.

The composition root (tipline/) calls these; nothing here reads the environment except
`BotSettings`, which the root may use or replace.

- `build_dispatcher(core, storage=None)`: routers, per-chat rate limit, per-chat ordering.
  Without a storage, conversation state is in memory, which is enough: it only points at the
  draft, and the draft is in the database. With `TIPLINE_REDIS_URL`, `make_storage` gives
  aiogram's RedisStorage (and `build_dispatcher` its cross-process event isolation).
- `run_polling(core, token, api_base=None)`: long polling, the embedded default.
- `webhook_app(core, bot, dispatcher, secret)`: a FastAPI app for Telegram's webhook, checking
  `X-Telegram-Bot-Api-Secret-Token`.
"""
from __future__ import annotations

import asyncio
import logging
import secrets
from collections.abc import Awaitable, Callable
from typing import Any

from aiogram import BaseMiddleware, Bot, Dispatcher
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.client.telegram import TelegramAPIServer
from aiogram.fsm.storage.base import BaseEventIsolation, BaseStorage
from aiogram.fsm.storage.memory import MemoryStorage, SimpleEventIsolation
from aiogram.types import CallbackQuery, Message, TelegramObject, Update
from fastapi import FastAPI, Request, Response
from pydantic_settings import BaseSettings, SettingsConfigDict

from bot import followup, report
from bot.users import get_user, set_blocked
from intake import ratelimit
from intake.core import Core

log = logging.getLogger(__name__)

CHAT_LIMIT = ratelimit.Limit("bot-chat", 60, 60)  # updates per chat per minute
WEBHOOK_PATH = "/telegram/webhook"


class BotSettings(BaseSettings):
    """The bot's settings, from the environment (prefix TIPLINE_) or .env."""

    model_config = SettingsConfigDict(env_prefix="TIPLINE_", env_file=".env", extra="ignore")

    telegram_token: str = ""
    telegram_api_base: str = ""  # a local Bot API server (or the tests' fake); empty: api.telegram.org
    telegram_webhook_url: str = ""  # empty: long polling
    telegram_webhook_secret: str = ""
    redis_url: str = ""  # empty: conversation state in memory (enough: it only points at the draft)


class ChatGuard(BaseMiddleware):
    """Private chats only (a group would show one reporter's questions to others), a rate
    limit per chat, and a person who writes again after blocking the bot is reachable again."""

    async def __call__(self, handler: Callable[[TelegramObject, dict[str, Any]], Awaitable[Any]],
                       event: TelegramObject, data: dict[str, Any]) -> Any:
        core: Core = data["core"]
        if isinstance(event, Message):
            chat = event.chat
        elif isinstance(event, CallbackQuery) and event.message is not None:
            chat = event.message.chat
        else:
            return None
        if chat.type != "private":
            return None
        if not await ratelimit.hit(core, CHAT_LIMIT, f"telegram:{chat.id}"):
            log.warning("a chat is over its rate limit; update dropped")
            return None
        user = await get_user(core, chat.id)
        if user is not None and user.blocked:
            await set_blocked(core, chat.id, False)
        return await handler(event, data)


def make_storage(redis_url: str | None = None) -> BaseStorage:
    if redis_url:
        from aiogram.fsm.storage.redis import RedisStorage

        return RedisStorage.from_url(redis_url)
    return MemoryStorage()


def build_dispatcher(core: Core, *, storage: BaseStorage | None = None) -> Dispatcher:
    """The bot's Dispatcher; handlers receive `core` by injection."""
    storage = storage or MemoryStorage()
    isolation: BaseEventIsolation = SimpleEventIsolation()
    if storage.__class__.__name__ == "RedisStorage":
        isolation = storage.create_isolation()  # type: ignore[attr-defined]
    dispatcher = Dispatcher(storage=storage, events_isolation=isolation, core=core)
    guard = ChatGuard()
    dispatcher.message.outer_middleware(guard)
    dispatcher.callback_query.outer_middleware(guard)
    # Commands and buttons of the follow-up come before the report's catch-all handler.
    dispatcher.include_routers(followup.make_router(), report.make_router())
    return dispatcher


def make_bot(token: str, *, api_base: str | None = None) -> Bot:
    session = AiohttpSession(api=TelegramAPIServer.from_base(api_base)) if api_base else AiohttpSession()
    return Bot(token, session=session)


async def run_polling(core: Core, token: str, *, api_base: str | None = None, storage: BaseStorage | None = None,
                      handle_signals: bool = True, **polling: Any) -> None:
    """Long polling until stopped (SIGINT/SIGTERM when `handle_signals`, or cancelled)."""
    bot = make_bot(token, api_base=api_base)
    dispatcher = build_dispatcher(core, storage=storage)
    try:
        await bot.delete_webhook(drop_pending_updates=False)
        await dispatcher.start_polling(bot, handle_signals=handle_signals, close_bot_session=False, **polling)
    finally:
        await bot.session.close()
        await dispatcher.storage.close()


def webhook_app(bot: Bot, dispatcher: Dispatcher, *, secret: str, path: str = WEBHOOK_PATH) -> FastAPI:
    """A FastAPI app that takes Telegram's webhook calls at `path`. Telegram sends `secret`
    back in X-Telegram-Bot-Api-Secret-Token (set it with `bot.set_webhook(url, secret_token=secret)`);
    a call without it is refused. Updates are handled in the background so Telegram gets its
    answer at once."""
    if not secret:
        raise ValueError("a webhook needs a secret token")
    app = FastAPI(openapi_url=None, docs_url=None, redoc_url=None)
    tasks: set[asyncio.Task] = set()

    @app.post(path)
    async def telegram_webhook(request: Request) -> Response:
        given = request.headers.get("X-Telegram-Bot-Api-Secret-Token", "")
        if not secrets.compare_digest(given.encode(), secret.encode()):
            return Response(status_code=403)
        update = Update.model_validate(await request.json(), context={"bot": bot})
        task = asyncio.create_task(_handle(dispatcher, bot, update))
        tasks.add(task)
        task.add_done_callback(tasks.discard)
        return Response(status_code=200)

    app.state.pending = tasks
    return app


async def _handle(dispatcher: Dispatcher, bot: Bot, update: Update) -> None:
    try:
        await dispatcher.feed_update(bot, update)
    except Exception:  # noqa: BLE001 - one bad update must not go unnoticed, nor stop the others
        log.exception("a webhook update failed")
