"""Request bodies counted while they stream. A Content-Length can lie, and a chunked body has
none: each app wraps its requests in `CappedBodies`, which counts the bytes as the server hands
them over and stops at the path's cap, so no more than the cap is ever read into memory or
spooled to disk (Starlette spools file parts above 1 MB to a temporary file).

Plain ASGI (scope, receive, send), no web framework: the public site and the staff console may
not import each other, and this is the one piece both need, as the rate limits are; the partner
API, which counted its own JSON body before, now reads it through the same wrapper.
"""
from __future__ import annotations

from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[MutableMapping[str, Any], Receive, Send], Awaitable[None]]


class BodyTooLarge(Exception):
    """Raised where the body is read (e.g. from `await request.form()`): catch it to say so in
    the page; the app's handler answers 413 for any route that does not."""

    def __init__(self, limit: int) -> None:
        super().__init__(f"request body above {limit} bytes")
        self.limit = limit


def declared_length(headers: list[tuple[bytes, bytes]]) -> int | None:
    for name, value in headers:
        if name.lower() == b"content-length":
            return int(value) if value.isdigit() else None
    return None


class CappedBodies:
    """ASGI middleware: the body of every HTTP request may have at most `limit_for(path)` bytes.
    A declared Content-Length above it is refused before anything is read; otherwise the bytes
    are counted as they arrive and the read that passes the cap raises BodyTooLarge (the rest is
    never read by the app: the server discards it)."""

    def __init__(self, app: ASGIApp, *, limit_for: Callable[[str], int]) -> None:
        self.app, self.limit_for = app, limit_for

    async def __call__(self, scope: MutableMapping[str, Any], receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        limit = self.limit_for(scope["path"])
        declared = declared_length(scope.get("headers", []))
        received, refused = 0, False

        async def counted() -> Message:
            nonlocal received, refused
            if refused:  # the body was refused once: for the app the client has gone
                return {"type": "http.disconnect"}
            if declared is not None and declared > limit:
                refused = True
                raise BodyTooLarge(limit)
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    refused = True
                    raise BodyTooLarge(limit)
            return message

        await self.app(scope, counted, send)
