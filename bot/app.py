"""Running the bot: the aiogram Dispatcher, long polling, and the webhook app.

The composition root (tipline/) calls these; nothing here reads the environment (the root
reads `bot.settings.BotSettings`).

- `build_dispatcher(core, storage=None)`: routers, per-chat rate limit, per-chat ordering: an
  update is stored under its chat's lock and its replies are sent after it (bot/replies.py).
  Without a storage, conversation state is in memory, which is enough: it only points at the
  draft, and the draft is in the database. With `TIPLINE_REDIS_URL`, `make_storage` gives
  aiogram's RedisStorage (and `build_dispatcher` its cross-process event isolation).
  The per-chat rate limit counts in Redis when configured; without it, in this process's memory
  while every update reaches this process (long polling: Telegram allows one poller), and in
  the database for a webhook, whose updates reach any worker (`webhook_app` sees to it).
- `run_polling(core, token, api_base=None)`: long polling, the embedded default.
- `webhook_app(core, bot, dispatcher, secret)`: a FastAPI app for Telegram's webhook, checking
  `X-Telegram-Bot-Api-Secret-Token`.
"""
from __future__ import annotations

import asyncio
import logging
import secrets
import time
from collections.abc import AsyncGenerator, Awaitable, Callable, Mapping
from contextlib import asynccontextmanager
from typing import Any

from aiogram import BaseMiddleware, Bot, Dispatcher
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.exceptions import ClientDecodeError
from aiogram.methods import GetUpdates, SendMessage
from aiogram.client.telegram import TelegramAPIServer
from aiogram.fsm.storage.base import BaseEventIsolation, BaseStorage, StateType, StorageKey
from aiogram.fsm.storage.memory import MemoryStorage, SimpleEventIsolation
from aiogram.types import CallbackQuery, ErrorEvent, Message, TelegramObject, Update
from fastapi import FastAPI, Request, Response
from pydantic import ValidationError

from bot import checking, edits, followup, groups, replies, report, texts, warnings_command
from bot.chat import read_for_update
from bot.users import get_user, set_blocked
from i18n import DEFAULT_LANGUAGE, Translator, negotiate
from intake.platform import ratelimit
from intake.platform.core import Core

log = logging.getLogger(__name__)

CHAT_LIMIT = ratelimit.Limit("bot-chat", 60, 60)  # updates per chat per minute
GUARD = "chat_guard"  # the dispatcher's ChatGuard, in its workflow data
WEBHOOK_PATH = "/telegram/webhook"


class ChatGuard(BaseMiddleware):
    """Private chats only (a group would show one reporter's questions to others: bot/groups.py
    answers there instead), messages with a sender only, a rate limit per chat, and a person who
    writes again after blocking the bot is reachable again.

    `local`: the chats' counts in this process's memory (no Redis configured, every update comes
    here); None: counted where every worker sees them (Redis, else the database)."""

    def __init__(self, local: ratelimit.LocalCounts | None) -> None:
        self.local = local

    async def __call__(self, handler: Callable[[TelegramObject, dict[str, Any]], Awaitable[Any]],
                       event: TelegramObject, data: dict[str, Any]) -> Any:
        core: Core = data["core"]
        if isinstance(event, Message) and event.chat.type != "private":
            return await groups.message_in_group(event, core, data["bot"], self.local)
        if isinstance(event, CallbackQuery) and event.message is not None and event.message.chat.type != "private":
            return await groups.button_in_group(event, core)
        if isinstance(event, Message):
            if event.from_user is None:
                # No sender (no client sends that in a private chat): nobody to answer, and the
                # conversation state is keyed by the sender, so no handler could keep its place.
                log.info("a message without a sender dropped")
                return None
            chat = event.chat
        elif isinstance(event, CallbackQuery) and event.message is not None:
            chat = event.message.chat
        else:
            return None
        counted = ratelimit.hit(core, CHAT_LIMIT, f"telegram:{chat.id}", local=self.local)
        # The person and their open draft, in one read (bot/chat.py), for the handler.
        if self.local is not None and not getattr(core.settings, "redis_url", ""):
            allowed = await counted  # in memory: nothing to wait for
            user = await read_for_update(core, chat.id, data.get("state")) if allowed else None
        else:  # the count (a write, or Redis) and the read at once: they do not depend on each other
            allowed, user = await asyncio.gather(counted, read_for_update(core, chat.id, data.get("state")))
        if not allowed:
            log.warning("a chat is over its rate limit; update dropped")
            return None
        if user is not None and user.blocked:
            await set_blocked(core, chat.id, False)
        return await handler(event, data)


REDIS_RETRY_SECONDS = 5.0  # after a Redis failure, memory is used this long before Redis is tried again


def _redis_failure() -> tuple[type[BaseException], ...]:
    from redis.exceptions import RedisError

    return (RedisError, OSError, TimeoutError)


class FallbackStorage(BaseStorage):
    """Redis, and memory while Redis cannot be reached. The state only points at the draft (the
    draft is in the database), so a pointer lost this way is found again: nothing typed is lost."""

    def __init__(self, primary: BaseStorage) -> None:
        self.primary = primary
        self.fallback = MemoryStorage()
        self.down_until = 0.0

    async def _call(self, name: str, *args: Any) -> Any:
        if time.monotonic() >= self.down_until:
            try:
                return await getattr(self.primary, name)(*args)
            except _redis_failure() as error:
                self.down_until = time.monotonic() + REDIS_RETRY_SECONDS
                log.warning("bot: Redis unavailable (%s); conversation state in memory for now", type(error).__name__)
        return await getattr(self.fallback, name)(*args)

    async def set_state(self, key: StorageKey, state: StateType = None) -> None:
        await self._call("set_state", key, state)

    async def get_state(self, key: StorageKey) -> str | None:
        return await self._call("get_state", key)

    async def set_data(self, key: StorageKey, data: Mapping[str, Any]) -> None:
        await self._call("set_data", key, data)

    async def get_data(self, key: StorageKey) -> dict[str, Any]:
        return await self._call("get_data", key)

    def create_isolation(self) -> BaseEventIsolation:
        return FallbackIsolation(self.primary.create_isolation(), self)  # type: ignore[attr-defined]

    async def close(self) -> None:
        await self.primary.close()
        await self.fallback.close()


class FallbackIsolation(BaseEventIsolation):
    """One update at a time per chat across processes (a Redis lock), or in this process while
    Redis is down."""

    def __init__(self, primary: BaseEventIsolation, storage: FallbackStorage) -> None:
        self.primary, self.storage, self.fallback = primary, storage, SimpleEventIsolation()

    @asynccontextmanager
    async def lock(self, key: StorageKey) -> AsyncGenerator[None, None]:
        held = None
        if time.monotonic() >= self.storage.down_until:
            try:
                held = self.primary.lock(key)
                await held.__aenter__()
            except _redis_failure() as error:
                held = None
                self.storage.down_until = time.monotonic() + REDIS_RETRY_SECONDS
                log.warning("bot: Redis unavailable (%s); chats isolated in this process for now", type(error).__name__)
        if held is None:
            async with self.fallback.lock(key):
                yield None
            return
        try:
            yield None
        finally:
            try:
                await held.__aexit__(None, None, None)
            except _redis_failure() as error:  # the lock expires by itself
                log.warning("bot: could not release a Redis lock (%s)", type(error).__name__)

    async def close(self) -> None:
        await self.primary.close()
        await self.fallback.close()


def make_storage(redis_url: str | None = None) -> BaseStorage:
    if redis_url:
        from aiogram.fsm.storage.redis import RedisStorage

        timeouts = {"socket_timeout": 2, "socket_connect_timeout": 1}
        return FallbackStorage(RedisStorage.from_url(redis_url, connection_kwargs=timeouts))
    return MemoryStorage()


class ReplyingDispatcher(Dispatcher):
    """aiogram's Dispatcher, where each update's replies are collected while it is handled
    (aiogram holds the chat's lock around its middlewares and handlers) and sent after."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.reply_order = replies.ReplyOrder()

    async def feed_update(self, bot: Bot, update: Update, **kwargs: Any) -> Any:
        async with self.reply_order.collect(bot):
            return await super().feed_update(bot, update, **kwargs)


def build_dispatcher(core: Core, *, storage: BaseStorage | None = None, shared_limits: bool = False) -> Dispatcher:
    """The bot's Dispatcher; handlers receive `core` by injection.

    `shared_limits`: updates may reach other processes too (a webhook served by several workers;
    `webhook_app` turns it on), so without Redis the per-chat limit is counted in the database.
    Otherwise (long polling: one poller per bot) it is counted in this process's memory, exactly."""
    storage = storage or MemoryStorage()
    isolation: BaseEventIsolation = SimpleEventIsolation()
    if hasattr(storage, "create_isolation"):  # Redis (through FallbackStorage or not)
        isolation = storage.create_isolation()  # type: ignore[attr-defined]
    dispatcher = ReplyingDispatcher(storage=storage, events_isolation=isolation, core=core)
    guard = ChatGuard(None if shared_limits else ratelimit.LocalCounts())
    dispatcher[GUARD] = guard
    dispatcher.message.outer_middleware(guard)
    dispatcher.edited_message.outer_middleware(guard)
    dispatcher.callback_query.outer_middleware(guard)
    # Commands and buttons of the follow-up come before the report's catch-all handler.
    dispatcher.include_routers(followup.make_router(), warnings_command.make_router(), checking.make_router(),
                               report.make_router(), edits.make_router())
    dispatcher.errors.register(_sorry)
    return dispatcher


async def _sorry(event: ErrorEvent, bot: Bot, core: Core) -> bool:
    """An update we could not handle (the database restarting…): say so kindly, in the person's
    language, instead of silence: send it again, or, when it was stored before the failure, that
    it is kept (sent again, an answer would be filed under the next question)."""
    log.error("bot: an update failed (%s)", type(event.exception).__name__, exc_info=event.exception)
    update = event.update
    source = update.message or (update.callback_query.message if update.callback_query else None)
    person = update.message.from_user if update.message else (update.callback_query.from_user if update.callback_query else None)
    if source is None or source.chat.type != "private":
        return True
    language = None
    try:
        user = await get_user(core, source.chat.id)  # the language chosen in the chat
        language = user.language if user else None
    except Exception:  # noqa: BLE001 - the database may be what failed
        pass
    language = language or negotiate(person.language_code if person else None) or DEFAULT_LANGUAGE
    said = texts.ANSWER_KEPT if replies.stored_before_failing() else texts.SORRY_TRY_AGAIN
    await replies.queue(bot, source.chat.id, SendMessage(chat_id=source.chat.id, text=Translator(language)(said)))
    return True


class _TolerantSession(AiohttpSession):
    """aiogram reads a getUpdates answer as one piece: a single update it cannot read (a field a
    newer Bot API made required, a broken update) fails the whole batch, again and again, and the
    bot stops answering everyone. Here such an update is replaced by a bare one with its id, which
    the dispatcher skips as an unknown kind, so polling moves past it."""

    def check_response(self, bot: Bot, method: Any, status_code: int, content: str) -> Any:
        try:
            return super().check_response(bot, method, status_code, content)
        except ClientDecodeError:
            if not isinstance(method, GetUpdates):
                raise
            data = self.json_loads(content)
            if not isinstance(data, dict) or not isinstance(data.get("result"), list):
                raise
            kept = []
            for raw in data["result"]:
                try:
                    Update.model_validate(raw, context={"bot": bot})
                    kept.append(raw)
                except ValidationError:
                    update_id = raw.get("update_id") if isinstance(raw, dict) else None
                    if not isinstance(update_id, int):
                        raise
                    log.warning("bot: skipped update %s that could not be read", update_id)
                    kept.append({"update_id": update_id})
            return super().check_response(bot, method, status_code, self.json_dumps({**data, "result": kept}))


def make_bot(token: str, *, api_base: str | None = None) -> Bot:
    session = _TolerantSession(api=TelegramAPIServer.from_base(api_base)) if api_base else _TolerantSession()
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
    guard = dispatcher.workflow_data.get(GUARD)
    if isinstance(guard, ChatGuard):
        guard.local = None  # webhook updates reach any worker: chats counted where all see them
    app = FastAPI(openapi_url=None, docs_url=None, redoc_url=None)
    tasks: set[asyncio.Task] = set()

    @app.post(path)
    async def telegram_webhook(request: Request) -> Response:
        given = request.headers.get("X-Telegram-Bot-Api-Secret-Token", "")
        if not secrets.compare_digest(given.encode(), secret.encode()):
            return Response(status_code=403)
        try:
            update = Update.model_validate(await request.json(), context={"bot": bot})
        except (ValueError, ValidationError):  # JSONDecodeError is a ValueError
            # Telegram re-sends anything not answered 2xx: an update we cannot read is dropped, not retried forever.
            log.warning("bot: dropped a webhook update that could not be read")
            return Response(status_code=200)
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
