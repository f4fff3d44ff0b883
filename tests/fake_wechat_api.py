"""A small fake of WeChat's server API on 127.0.0.1 (TIPLINE_WECHAT_API_BASE points here), for
end-to-end tests of notices and the menu with the channel's real HTTP client.

It serves what the channel uses: cgi-bin/token (a new token each time, the older ones refused
once replaced, as WeChat does after its grace period), message/custom/send (only within 48 hours
of the person's last message, as the test says: `open_window`), message/subscribe/bizsend (only
with a consent given: `consent`, one notice a consent), menu/create, media/get (`media`: id to
bytes) and ticket/getticket (the JS-SDK's ticket). It records every call and can be told to fail:
one HTTP 5xx, a stall until released, an expired token (42001), any errcode once.
"""
from __future__ import annotations

import asyncio
import itertools
from dataclasses import dataclass, field
from typing import Any

import pytest
from aiohttp import web

APPID = "wx5823bf96d3bd56c7"
SECRET = "tipline-test-secret"
MAX_CONTENT_BYTES = 2048


@dataclass
class Delivered:
    """A message a person received: "custom" (its text) or "subscribe" (template and fields)."""

    openid: str
    kind: str
    text: str = ""
    template_id: str = ""
    data: dict[str, str] = field(default_factory=dict)


class FakeWeChatApi:
    def __init__(self) -> None:
        self.calls: list[tuple[str, dict]] = []
        self.delivered: list[Delivered] = []
        self.menus: list[dict] = []
        self.media: dict[str, bytes] = {}
        self.window_open: set[str] = set()  # openids that wrote within 48 hours
        self.consents: dict[str, int] = {}  # openid -> subscription notices accepted
        self.tokens_issued = 0
        self.tickets_issued = 0
        self._tokens = (f"ACCESS_TOKEN_{n}" for n in itertools.count(1))
        self.valid_token = ""
        self._faults: dict[str, list[str]] = {}  # path -> faults to answer, in turn
        self._released = asyncio.Event()
        self._runner: web.AppRunner | None = None
        self.base_url = ""

    async def start(self) -> FakeWeChatApi:
        app = web.Application()
        app.router.add_route("*", "/cgi-bin/{path:.+}", self._handle)
        self._runner = web.AppRunner(app, handle_signals=False, shutdown_timeout=0.5)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
        self.base_url = f"http://127.0.0.1:{port}"
        return self

    async def stop(self) -> None:
        self._released.set()
        if self._runner is not None:
            await self._runner.cleanup()

    # --- what people do -----------------------------------------------------------------------

    def open_window(self, openid: str) -> None:
        self.window_open.add(openid)

    def close_window(self, openid: str) -> None:
        self.window_open.discard(openid)

    def consent(self, openid: str, times: int = 1) -> None:
        self.consents[openid] = self.consents.get(openid, 0) + times

    def received(self, openid: str) -> list[Delivered]:
        return [d for d in self.delivered if d.openid == openid]

    def sent_calls(self, path: str) -> list[dict]:
        return [body for called, body in self.calls if called == path]

    # --- telling it to fail -------------------------------------------------------------------

    def fail_once(self, path: str, status: int = 502) -> None:
        self._faults.setdefault(path, []).append(f"status:{status}")

    def answer_errcode(self, path: str, errcode: int) -> None:
        """Answer the next call of `path` with WeChat's `errcode` (e.g. 45047, too many messages)."""
        self._faults.setdefault(path, []).append(f"errcode:{errcode}")

    def stall(self, path: str) -> None:
        """Hold the next call of `path` until `release()` (then answer 502)."""
        self._released.clear()
        self._faults.setdefault(path, []).append("stall")

    def release(self) -> None:
        self._released.set()

    def expire_token(self) -> None:
        """The current token stops working (42001) before the expiry it was given with."""
        self.valid_token = "expired"

    # --- the API ------------------------------------------------------------------------------

    async def _handle(self, request: web.Request) -> web.StreamResponse:
        path = "cgi-bin/" + request.match_info["path"]
        body: dict[str, Any] = await request.json() if request.can_read_body else {}
        self.calls.append((path, body))
        faults = self._faults.get(path)
        if faults:
            fault = faults.pop(0)
            if fault == "stall":
                await self._released.wait()
                return web.Response(status=502, text="Bad Gateway")
            if fault.startswith("errcode:"):
                return web.json_response({"errcode": int(fault.split(":")[1]), "errmsg": "told to fail"})
            return web.Response(status=int(fault.split(":")[1]), text="Error")
        if path == "cgi-bin/token":
            q = request.query
            if q.get("appid") != APPID or q.get("secret") != SECRET or q.get("grant_type") != "client_credential":
                return web.json_response({"errcode": 40013, "errmsg": "invalid appid"})
            self.valid_token = next(self._tokens)
            self.tokens_issued += 1
            return web.json_response({"access_token": self.valid_token, "expires_in": 7200})
        token = request.query.get("access_token", "")
        if token != self.valid_token:
            code = 42001 if token.startswith("ACCESS_TOKEN_") else 40001
            return web.json_response({"errcode": code, "errmsg": "access_token expired" if code == 42001 else "invalid credential"})
        handler = {
            "cgi-bin/message/custom/send": self._custom_send,
            "cgi-bin/message/subscribe/bizsend": self._subscribe_send,
            "cgi-bin/menu/create": self._menu_create,
            "cgi-bin/media/get": self._media_get,
            "cgi-bin/ticket/getticket": self._ticket,
        }.get(path)
        if handler is None:
            return web.json_response({"errcode": 40050, "errmsg": "invalid api"})
        return await handler(request, body)

    async def _custom_send(self, request: web.Request, body: dict) -> web.Response:
        openid, content = body.get("touser", ""), body.get("text", {}).get("content", "")
        if body.get("msgtype") != "text" or not content or len(content.encode("utf-8")) > MAX_CONTENT_BYTES:
            return web.json_response({"errcode": 45002, "errmsg": "content size out of limit"})
        if openid not in self.window_open:
            return web.json_response({"errcode": 45015, "errmsg": "response out of time limit or subscription is canceled"})
        self.delivered.append(Delivered(openid, "custom", text=content))
        return web.json_response({"errcode": 0, "errmsg": "ok"})

    async def _subscribe_send(self, request: web.Request, body: dict) -> web.Response:
        openid = body.get("touser", "")
        data = body.get("data") or {}
        if not body.get("template_id") or not isinstance(data, dict):
            return web.json_response({"errcode": 47003, "errmsg": "argument invalid"})
        for name, value in data.items():
            text = str(value.get("value", "")) if isinstance(value, dict) else ""
            if not text or (name.startswith("thing") and len(text) > 20) or (name.startswith("phrase") and len(text) > 5):
                return web.json_response({"errcode": 47003, "errmsg": f"argument invalid! data.{name}.value"})
        if self.consents.get(openid, 0) <= 0:
            return web.json_response({"errcode": 43101, "errmsg": "user refuse to accept the msg"})
        self.consents[openid] -= 1  # one-time consent: one notice
        self.delivered.append(Delivered(openid, "subscribe", template_id=body["template_id"],
                                        data={name: value["value"] for name, value in data.items()}))
        return web.json_response({"errcode": 0, "errmsg": "ok"})

    async def _menu_create(self, request: web.Request, body: dict) -> web.Response:
        buttons = body.get("button")
        if not isinstance(buttons, list) or not 1 <= len(buttons) <= 3:
            return web.json_response({"errcode": 40016, "errmsg": "invalid button size"})
        self.menus.append(body)
        return web.json_response({"errcode": 0, "errmsg": "ok"})

    async def _ticket(self, request: web.Request, body: dict) -> web.Response:
        if request.query.get("type") != "jsapi":
            return web.json_response({"errcode": 40097, "errmsg": "invalid args"})
        self.tickets_issued += 1
        return web.json_response({"errcode": 0, "errmsg": "ok", "ticket": f"JSAPI_TICKET_{self.tickets_issued}", "expires_in": 7200})

    async def _media_get(self, request: web.Request, body: dict) -> web.StreamResponse:
        data = self.media.get(request.query.get("media_id", ""))
        if data is None:  # never uploaded, or older than WeChat's three days
            return web.json_response({"errcode": 40007, "errmsg": "invalid media_id"})
        kind = "audio/amr" if data.startswith(b"#!AMR") else "image/jpeg"
        return web.Response(body=data, content_type=kind, headers={"Content-Disposition": 'attachment; filename="media"'})


@pytest.fixture
async def fake_api():
    """The fake WeChat API on a port of its own, for one test."""
    fake = await FakeWeChatApi().start()
    yield fake
    await fake.stop()
