"""The callback WeChat calls (GET to verify the server, POST for every message), as a small
ASGI app the composition root mounts on the public site at CALLBACK_PATH.

Every call is signed with the account's token; a call whose signature does not match, or whose
timestamp is more than five minutes off, is refused (403). With an EncodingAESKey only safe-mode
messages are taken: a plain message's signature does not cover its body. Each message is
answered once (wechat/once.py) with a passive reply, inside WeChat's five seconds.
"""
from __future__ import annotations

import logging
from dataclasses import dataclass

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from starlette.routing import Route

from intake.platform.body_limits import BodyTooLarge, CappedBodies
from intake.platform.core import Core
from wechat import conversation, once
from wechat.consent import CONSENT_PATH, consent_page
from wechat.crypto import BadMessage, MessageCrypt, signature, signature_matches
from wechat.messages import Unreadable, encrypted_reply, fields, incoming, text_reply
from wechat.split import split
from wechat.users import heard_from

log = logging.getLogger(__name__)

CALLBACK_PATH = "/wechat/callback"
MAX_BODY_BYTES = 64 * 1024  # a WeChat message is a few hundred bytes
MAX_CLOCK_SKEW_SECONDS = 300
RETRY_WAIT_SECONDS = 4.5  # a retry waits this long for the first post's reply (WeChat waits 5)
SUCCESS = "success"  # WeChat's "taken, nothing to say": no retry, nothing shown


@dataclass(frozen=True)
class Account:
    """What the account's server configuration page says."""

    token: str
    appid: str = ""
    aes_key: str = ""  # empty: plain mode

    @classmethod
    def from_settings(cls, core: Core) -> Account:
        s = core.settings
        return cls(token=s.wechat_token, appid=s.wechat_appid, aes_key=s.wechat_aes_key)


def callback_app(core: Core, account: Account | None = None) -> CappedBodies:
    account = account or Account.from_settings(core)
    if not account.token:
        raise ValueError("the WeChat callback needs the account's token (TIPLINE_WECHAT_TOKEN)")
    crypt = MessageCrypt(account.aes_key, account.appid) if account.aes_key else None

    def fresh(timestamp: str) -> bool:
        return timestamp.isdigit() and abs(core.clock.now().timestamp() - int(timestamp)) <= MAX_CLOCK_SKEW_SECONDS

    async def verify(request: Request) -> Response:
        """The server check when the URL is saved: echo `echostr` only to a signed call."""
        q = request.query_params
        timestamp, nonce = q.get("timestamp", ""), q.get("nonce", "")
        if not fresh(timestamp) or not signature_matches(q.get("signature", ""), account.token, timestamp, nonce):
            return Response(status_code=403)
        return PlainTextResponse(q.get("echostr", ""))

    async def receive(request: Request) -> Response:
        q = request.query_params
        timestamp, nonce = q.get("timestamp", ""), q.get("nonce", "")
        if not fresh(timestamp):
            return Response(status_code=403)
        body = await request.body()
        try:
            if crypt is not None:
                if q.get("encrypt_type") != "aes":
                    return Response(status_code=403)
                sealed = fields(body).get("Encrypt", "")
                if not sealed or not signature_matches(q.get("msg_signature", ""), account.token, timestamp, nonce, sealed):
                    return Response(status_code=403)
                data = fields(crypt.decrypt(sealed))
            else:
                if not signature_matches(q.get("signature", ""), account.token, timestamp, nonce):
                    return Response(status_code=403)
                data = fields(body)
        except BadMessage:
            log.warning("wechat: a signed message did not open (wrong EncodingAESKey or AppID?)")
            return Response(status_code=403)
        except Unreadable as error:
            log.warning("wechat: refused a body that is not a WeChat message (%s)", error)
            return Response(status_code=400)
        message = incoming(data)
        if not message.sender:  # an event without a user: nothing to answer, nothing to store
            return PlainTextResponse(SUCCESS)
        if await once.claim(core, message.sender, message.once_key):
            if not (message.kind == "event" and message.event == "unsubscribe"):
                await heard_from(core, message.sender)  # the 48-hour window of customer-service messages opens
            try:
                text = await conversation.reply(core, message)
            except Exception:
                await once.forget(core, message.sender, message.once_key)  # WeChat's retry may take it afresh
                raise
            await once.record(core, message.sender, message.once_key, text or "")
        else:  # WeChat's retry: the first post's reply, never a second handling
            text = await once.stored_reply(core, message.sender, message.once_key, wait_seconds=RETRY_WAIT_SECONDS)
        if not text:
            return PlainTextResponse(SUCCESS)
        parts = split(text)
        if len(parts) > 1:  # a passive reply is one message; the rest needs customer-service messages
            log.warning("wechat: a reply of %s messages was cut to its first", len(parts))
        xml = text_reply(message.sender, message.account, int(core.clock.now().timestamp()), parts[0])
        if crypt is None:
            return Response(xml, media_type="application/xml")
        sealed_reply = crypt.encrypt(xml)
        return Response(encrypted_reply(sealed_reply, signature(account.token, timestamp, nonce, sealed_reply), timestamp, nonce),
                        media_type="application/xml")

    async def too_large(request: Request, exc: Exception) -> Response:
        return Response(status_code=413)

    async def notices(request: Request) -> Response:
        return await consent_page(core, request)

    app = Starlette(routes=[Route(CALLBACK_PATH, verify, methods=["GET"]), Route(CALLBACK_PATH, receive, methods=["POST"]),
                            Route(CONSENT_PATH, notices, methods=["GET"])],
                    exception_handlers={BodyTooLarge: too_large})
    return CappedBodies(app, limit_for=lambda path: MAX_BODY_BYTES)
