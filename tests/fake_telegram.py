"""A small fake Telegram Bot API server on 127.0.0.1, for end-to-end tests with aiogram's real
Bot and HTTP session (pointed here with TelegramAPIServer.from_base).

It serves what the bot uses (getMe, deleteWebhook, setWebhook, a long-polling getUpdates fed
from a queue, sendMessage, sendPhoto, editMessageText, editMessageReplyMarkup,
answerCallbackQuery, getFile and the file download), records every call, enforces the limits
the bot relies on (4096 characters a message, 20 MB for getFile), and can be told to fail:
answer an HTTP error, stall until released (or for ever, as on a connection that died), take
a message and drop its reply (or hold it until told), answer 403 for a chat that blocked the bot, or
429 with a retry_after.

Several processes of one deployment may share it, each through its own address
(`base_url_for(name)`): every call and message then says which one made it (`via`), and two of
them long-polling at once is counted (`conflicts`: Telegram answers the second 409 Conflict).

`FakeUser` is a person in a private chat: it sends messages, photos, documents, voice notes
and stickers, presses buttons, and returns what the bot sent back.
"""
from __future__ import annotations

import asyncio
import itertools
import json
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web

TOKEN = "123456:TEST-token-for-the-fake-api"
BOT_ID = 123456
MAX_TEXT = 4096
MAX_GETFILE_BYTES = 20 * 1024 * 1024
SEND_METHODS = ("sendMessage", "sendPhoto")


@dataclass
class Sent:
    """A message the bot sent (its current text and buttons: edits change them)."""

    message_id: int
    chat_id: int
    text: str
    reply_markup: dict | None = None
    method: str = "sendMessage"
    edits: list[str] = field(default_factory=list)
    via: str = ""  # which process sent it (base_url_for)

    def buttons(self) -> list[tuple[str, str]]:
        rows = (self.reply_markup or {}).get("inline_keyboard", [])
        return [(b["text"], b.get("callback_data", "")) for row in rows for b in row]

    def as_api(self) -> dict:
        message = {"message_id": self.message_id, "date": 1_790_000_000, "chat": {"id": self.chat_id, "type": "private"},
                   "from": {"id": BOT_ID, "is_bot": True, "first_name": "Tipline"}, "text": self.text}
        if self.reply_markup:
            message["reply_markup"] = self.reply_markup
        return message


@dataclass
class Fault:
    kind: str  # "status", "stall", "drop", "retry_after", "hold"
    times: int | None  # None: until cleared
    status: int = 502
    retry_after: int = 1
    lost: bool = False  # a stalled call is never answered, even after recover()


class FakeTelegram:
    def __init__(self) -> None:
        self.calls: list[tuple[str, dict]] = []
        self.callers: list[str] = []  # beside `calls`: which process made each (base_url_for)
        self.conflicts = 0  # getUpdates while another process's getUpdates was open
        self._polling: dict[str, int] = defaultdict(int)
        self._answer: dict[str, asyncio.Event] = defaultdict(asyncio.Event)  # "hold": answer the calls via this name
        self.chats: dict[int, list[Sent]] = defaultdict(list)
        self.alerts: list[dict] = []  # answerCallbackQuery calls with text
        self.files: dict[str, bytes] = {}
        self.file_sizes: dict[str, int] = {}
        self.downloads: list[str] = []
        self.blocked: set[int] = set()
        self.faults: dict[str, Fault] = {}
        self.webhook: dict | None = None
        self._updates: list[dict] = []
        self._update_ids = itertools.count(1)
        self._message_ids = itertools.count(1000)
        self._confirmed = 0
        self._changed = asyncio.Condition()
        self._released = asyncio.Event()
        self._closing = False
        self._stopped = asyncio.Event()
        self._runner: web.AppRunner | None = None
        self.base_url = ""

    # --- running ---------------------------------------------------------------------------

    async def start(self) -> FakeTelegram:
        app = web.Application(client_max_size=64 * 1024 * 1024)
        app.router.add_route("*", "/bot{token}/{method}", self._method)
        app.router.add_route("*", "/{via}/bot{token}/{method}", self._method)
        app.router.add_get("/file/bot{token}/{path:.+}", self._download)
        app.router.add_get("/{via}/file/bot{token}/{path:.+}", self._download)
        self._runner = web.AppRunner(app, handle_signals=False, shutdown_timeout=0.5)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
        self.base_url = f"http://127.0.0.1:{port}"
        return self

    async def stop(self) -> None:
        self._closing = True
        self._released.set()
        self._stopped.set()
        async with self._changed:
            self._changed.notify_all()
        if self._runner is not None:
            await self._runner.cleanup()

    def base_url_for(self, via: str) -> str:
        """The API's address for one process of several (TIPLINE_TELEGRAM_API_BASE)."""
        return f"{self.base_url}/{via}"

    def sent_via(self, via: str) -> list[Sent]:
        return [sent for chat in self.chats.values() for sent in chat if sent.via == via]

    def callers_of(self, method: str) -> set[str]:
        return {via for (name, _), via in zip(self.calls, self.callers) if name == method}

    # --- telling it to fail -----------------------------------------------------------------

    def fail(self, method: str, status: int = 502, times: int | None = None) -> None:
        self.faults[method] = Fault("status", times, status=status)

    def stall(self, method: str, *, lost: bool = False) -> None:
        """Hold every call of `method` without answering, until `recover()` (then answer 502).
        `lost`: the calls held are never answered, as on a connection that died while the
        network came back: only the caller's own timeout ends them; later calls go through."""
        self._released.clear()
        self.faults[method] = Fault("stall", None, lost=lost)

    def drop_reply(self, method: str, times: int = 1) -> None:
        """Take the message (the chat shows it) but close the connection instead of answering."""
        self.faults[method] = Fault("drop", times)

    def hold(self, method: str) -> None:
        """Take every message at once (the chat shows it) but answer only once `answer(via)` is
        called for the process that sent it (a process killed meanwhile never gets its answer)."""
        self.faults[method] = Fault("hold", None)

    def answer(self, via: str) -> None:
        """Answer the held calls of `via`, and from now on its calls at once."""
        self._answer[via].set()

    def rate_limit(self, method: str, retry_after: int, times: int = 1) -> None:
        self.faults[method] = Fault("retry_after", times, status=429, retry_after=retry_after)

    def recover(self) -> None:
        self.faults.clear()
        self._released.set()

    # --- what a chat does -------------------------------------------------------------------

    def add_file(self, data: bytes, *, size: int | None = None) -> str:
        file_id = f"file-{len(self.files) + 1}"
        self.files[file_id] = data
        self.file_sizes[file_id] = len(data) if size is None else size
        return file_id

    async def feed(self, update: dict) -> int:
        update_id = next(self._update_ids)
        self._updates.append({"update_id": update_id, **update})
        async with self._changed:
            self._changed.notify_all()
        return update_id

    async def processed(self, update_id: int, timeout: float = 10) -> None:
        """Wait until the bot asked for the updates after `update_id`: with sequential polling
        (handle_as_tasks=False) that means it has finished handling it."""
        async with self._changed:
            await asyncio.wait_for(self._changed.wait_for(lambda: self._confirmed > update_id), timeout)

    def sent_to(self, chat_id: int) -> list[Sent]:
        return self.chats[chat_id]

    def count(self, method: str) -> int:
        return sum(1 for name, _ in self.calls if name == method)

    # --- the API ----------------------------------------------------------------------------

    async def _method(self, request: web.Request) -> web.StreamResponse:
        method = request.match_info["method"]
        params = await self._params(request)
        via = request.match_info.get("via", "")
        self.calls.append((method, params))
        self.callers.append(via)
        fault = self.faults.get(method)
        if fault is not None and fault.kind not in ("drop", "hold"):
            if fault.times is not None:
                fault.times -= 1
                if fault.times <= 0:
                    del self.faults[method]
            if fault.kind == "stall":
                await (self._stopped if fault.lost else self._released).wait()
                return _error(502, "Bad Gateway")
            if fault.kind == "retry_after":
                return _error(429, f"Too Many Requests: retry after {fault.retry_after}", retry_after=fault.retry_after)
            return _error(fault.status, "Bad Gateway" if fault.status == 502 else "Error")
        handler = getattr(self, f"_api_{method}", None)
        if handler is None:
            return _error(404, "Not Found: method not found")
        if method == "getUpdates":
            answer = await self._poll(via, params)
        else:
            answer = await handler({**params, "_via": via} if via else params)
        if isinstance(answer, web.Response):
            return answer
        if fault is not None and fault.kind == "hold" and not self._closing:
            await asyncio.wait({asyncio.ensure_future(self._answer[via].wait()), asyncio.ensure_future(self._stopped.wait())},
                               return_when=asyncio.FIRST_COMPLETED)
        if fault is not None and fault.kind == "drop":
            fault.times = (fault.times or 1) - 1
            if fault.times <= 0:
                del self.faults[method]
            request.transport.close()  # the message is taken; its answer never arrives
            return web.Response(status=502)
        return web.json_response({"ok": True, "result": answer})

    @staticmethod
    async def _params(request: web.Request) -> dict[str, Any]:
        params: dict[str, Any] = dict(request.query)
        if request.method == "POST" and request.can_read_body:
            if request.content_type == "application/json":
                params.update(await request.json())
            else:
                for key, value in (await request.post()).items():
                    params[key] = value if not isinstance(value, str) else _maybe_json(value)
        return params

    async def _api_getMe(self, params: dict) -> dict:
        return {"id": BOT_ID, "is_bot": True, "first_name": "Tipline", "username": "tipline_test_bot"}

    async def _api_deleteWebhook(self, params: dict) -> bool:
        self.webhook = None
        return True

    async def _api_setWebhook(self, params: dict) -> bool:
        self.webhook = params
        return True

    async def _poll(self, via: str, params: dict) -> list[dict]:
        if any(count for other, count in self._polling.items() if other != via):
            self.conflicts += 1
        self._polling[via] += 1
        try:
            return await self._api_getUpdates(params)
        finally:
            self._polling[via] -= 1

    async def _api_getUpdates(self, params: dict) -> list[dict]:
        offset = int(params.get("offset") or 0)
        timeout = min(float(params.get("timeout") or 0), 1.0)
        async with self._changed:
            if offset > self._confirmed:
                self._confirmed = offset
                self._changed.notify_all()
            pending = lambda: [u for u in self._updates if u["update_id"] >= offset]  # noqa: E731
            if not pending() and not self._closing:
                try:
                    await asyncio.wait_for(self._changed.wait_for(lambda: bool(pending()) or self._closing), timeout)
                except TimeoutError:
                    pass
            return pending()[:100]

    def _check_chat(self, params: dict) -> web.Response | int:
        chat_id = int(params["chat_id"])
        if chat_id in self.blocked:
            return _error(403, "Forbidden: bot was blocked by the user")
        return chat_id

    async def _api_sendMessage(self, params: dict):
        chat = self._check_chat(params)
        if isinstance(chat, web.Response):
            return chat
        text = str(params.get("text", ""))
        if not text.strip():
            return _error(400, "Bad Request: message text is empty")
        if len(text) > MAX_TEXT:
            return _error(400, "Bad Request: message is too long")
        sent = Sent(next(self._message_ids), chat, text, params.get("reply_markup"), via=params.get("_via", ""))
        self.chats[chat].append(sent)
        return sent.as_api()

    async def _api_sendPhoto(self, params: dict):
        chat = self._check_chat(params)
        if isinstance(chat, web.Response):
            return chat
        sent = Sent(next(self._message_ids), chat, str(params.get("caption", "")), params.get("reply_markup"), "sendPhoto")
        self.chats[chat].append(sent)
        message = sent.as_api()
        message.pop("text")
        message["photo"] = [{"file_id": "sent-photo", "file_unique_id": "sent-photo", "width": 1, "height": 1}]
        return message

    def _find(self, params: dict) -> Sent | None:
        chat, message_id = int(params["chat_id"]), int(params["message_id"])
        return next((m for m in self.chats[chat] if m.message_id == message_id), None)

    async def _api_editMessageText(self, params: dict):
        message = self._find(params)
        if message is None:
            return _error(400, "Bad Request: message to edit not found")
        text = str(params.get("text", ""))
        if len(text) > MAX_TEXT:
            return _error(400, "Bad Request: message is too long")
        message.edits.append(message.text)
        message.text, message.reply_markup = text, params.get("reply_markup")
        return message.as_api()

    async def _api_editMessageReplyMarkup(self, params: dict):
        message = self._find(params)
        if message is None:
            return _error(400, "Bad Request: message to edit not found")
        message.reply_markup = params.get("reply_markup")
        return message.as_api()

    async def _api_answerCallbackQuery(self, params: dict) -> bool:
        if params.get("text"):
            self.alerts.append(params)
        return True

    async def _api_getFile(self, params: dict):
        file_id = str(params["file_id"])
        if file_id not in self.files:
            return _error(400, "Bad Request: invalid file_id")
        if self.file_sizes[file_id] > MAX_GETFILE_BYTES:
            return _error(400, "Bad Request: file is too big")
        return {"file_id": file_id, "file_unique_id": file_id, "file_size": self.file_sizes[file_id], "file_path": f"documents/{file_id}"}

    async def _download(self, request: web.Request) -> web.Response:
        file_id = request.match_info["path"].rsplit("/", 1)[-1]
        if file_id not in self.files:
            return web.Response(status=404)
        self.downloads.append(file_id)
        return web.Response(body=self.files[file_id])


def _maybe_json(value: str) -> Any:
    if value[:1] in "{[":
        try:
            return json.loads(value)
        except ValueError:
            return value
    return value


def _error(status: int, description: str, *, retry_after: int | None = None) -> web.Response:
    body: dict[str, Any] = {"ok": False, "error_code": status, "description": description}
    if retry_after is not None:
        body["parameters"] = {"retry_after": retry_after}
    return web.json_response(body, status=status)


class FakeUser:
    """A person in a private chat with the bot."""

    _message_ids = itertools.count(1)

    def __init__(self, fake: FakeTelegram, chat_id: int, *, language_code: str | None = "en", name: str = "Test") -> None:
        self.fake = fake
        self.chat_id = chat_id
        self.language_code = language_code
        self.name = name

    @property
    def _from(self) -> dict:
        user = {"id": self.chat_id, "is_bot": False, "first_name": self.name}
        if self.language_code:
            user["language_code"] = self.language_code
        return user

    def _message(self, **content: Any) -> dict:
        return {"message_id": next(self._message_ids), "date": 1_790_000_000,
                "chat": {"id": self.chat_id, "type": "private", "first_name": self.name}, "from": self._from, **content}

    async def _feed(self, update: dict) -> list[Sent]:
        self.last_update = update
        before = len(self.fake.sent_to(self.chat_id))
        update_id = await self.fake.feed(update)
        await self.fake.processed(update_id)
        return self.fake.sent_to(self.chat_id)[before:]

    async def send(self, text: str) -> list[Sent]:
        content: dict[str, Any] = {"text": text}
        if text.startswith("/"):
            content["entities"] = [{"type": "bot_command", "offset": 0, "length": len(text.split()[0])}]
        return await self._feed({"message": self._message(**content)})

    async def send_photo(self, data: bytes, *, size: int | None = None, caption: str | None = None) -> list[Sent]:
        file_id = self.fake.add_file(data, size=size)
        photo = [{"file_id": file_id, "file_unique_id": file_id, "width": 64, "height": 48,
                  "file_size": len(data) if size is None else size}]
        return await self._feed({"message": self._message(photo=photo, **({"caption": caption} if caption else {}))})

    async def send_document(self, data: bytes, name: str, *, size: int | None = None, mime: str = "application/octet-stream") -> list[Sent]:
        file_id = self.fake.add_file(data, size=size)
        document = {"file_id": file_id, "file_unique_id": file_id, "file_name": name, "mime_type": mime,
                    "file_size": len(data) if size is None else size}
        return await self._feed({"message": self._message(document=document)})

    async def send_voice(self, data: bytes, *, duration: int = 12) -> list[Sent]:
        file_id = self.fake.add_file(data)
        voice = {"file_id": file_id, "file_unique_id": file_id, "duration": duration, "mime_type": "audio/ogg", "file_size": len(data)}
        return await self._feed({"message": self._message(voice=voice)})

    async def send_sticker(self) -> list[Sent]:
        sticker = {"file_id": "sticker-1", "file_unique_id": "sticker-1", "type": "regular", "width": 512, "height": 512,
                   "is_animated": False, "is_video": False}
        return await self._feed({"message": self._message(sticker=sticker)})

    async def redeliver(self) -> list[Sent]:
        """The last update once more, as Telegram delivers one again when it did not hear that
        the bot took it (the same message id; the fake gives it a new update id)."""
        return await self._feed(self.last_update)

    def last_with_buttons(self) -> Sent:
        for message in reversed(self.fake.sent_to(self.chat_id)):
            if message.buttons():
                return message
        raise AssertionError("the bot sent no message with buttons")

    async def press(self, label: str | None = None, *, index: int | None = None, data_prefix: str | None = None,
                    data: str | None = None, message: Sent | None = None) -> list[Sent]:
        """Press a button of `message` (default: the latest message with buttons), found by its
        label, its position, or the start of its callback data."""
        message = message or self.last_with_buttons()
        buttons = message.buttons()
        if label is not None:
            matches = [data for text, data in buttons if text == label]
        elif data is not None:
            matches = [d for _, d in buttons if d == data]
        elif data_prefix is not None:
            matches = [d for _, d in buttons if d.startswith(data_prefix)]
        else:
            matches = [buttons[index or 0][1]]
        assert matches, f"no button {label or data or data_prefix!r} in {buttons}"
        callback = {"id": f"cq-{next(self._message_ids)}", "from": self._from, "chat_instance": f"ci-{self.chat_id}",
                    "message": message.as_api(), "data": matches[0]}
        return await self._feed({"callback_query": callback})
