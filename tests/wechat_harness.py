"""A stand-in for WeChat's servers in tests: it signs and posts messages to the callback, as
WeChat does (plain or safe mode), over real HTTP or straight to the ASGI app, and opens the
passive replies."""
from __future__ import annotations

import itertools
import re
from dataclasses import dataclass, field

import httpx

from wechat.crypto import MessageCrypt, signature
from wechat.messages import cdata, fields

TOKEN = "tipline-test-token"
APPID = "wx5823bf96d3bd56c7"
AES_KEY = "jWmYm7qr5nMoAUwZRjGtBxmz3KA1tkAj3ykkR6q2B2C"  # the C# sample's key (tests only)
ACCOUNT = "gh_tipline"

_ids = itertools.count(6054768590064713728)
#: The page mark of a reply in pages: "(1/2) Send “more” to read on." in any language.
PAGE_MARK = re.compile(r"^\((\d+)/(\d+)\)", re.MULTILINE)


def message_xml(openid: str, created: int, kind: str, **extra: str) -> str:
    inner = "".join(f"<{name}>{cdata(value)}</{name}>" for name, value in extra.items())
    return (f"<xml><ToUserName>{cdata(ACCOUNT)}</ToUserName><FromUserName>{cdata(openid)}</FromUserName>"
            f"<CreateTime>{created}</CreateTime><MsgType>{cdata(kind)}</MsgType>{inner}</xml>")


@dataclass
class FakeWeChat:
    client: httpx.AsyncClient
    url: str  # the callback's
    now: callable  # seconds since the epoch, from the app's clock
    aes_key: str = ""
    nonces: itertools.count = field(default_factory=lambda: itertools.count(1320562132))

    def signed_query(self, body_encrypt: str | None = None, *, timestamp: int | None = None, token: str = TOKEN) -> dict:
        timestamp_text, nonce = str(timestamp if timestamp is not None else int(self.now())), str(next(self.nonces))
        query = {"timestamp": timestamp_text, "nonce": nonce, "signature": signature(token, timestamp_text, nonce),
                 "openid": "ignored"}
        if body_encrypt is not None:
            query.update(encrypt_type="aes", msg_signature=signature(token, timestamp_text, nonce, body_encrypt))
        return query

    async def post(self, xml: str, **options) -> httpx.Response:
        if self.aes_key:
            sealed = MessageCrypt(self.aes_key, APPID).encrypt(xml)
            body = f"<xml><ToUserName>{cdata(ACCOUNT)}</ToUserName><Encrypt>{cdata(sealed)}</Encrypt></xml>"
            return await self.client.post(self.url, params=self.signed_query(sealed, **options), content=body.encode())
        return await self.client.post(self.url, params=self.signed_query(**options), content=xml.encode())

    def opened(self, response: httpx.Response) -> str:
        """The text of a passive reply ("" for "success"), its safe-mode seal checked."""
        assert response.status_code == 200, response.status_code
        if response.text == "success":
            return ""
        data = fields(response.content)
        if self.aes_key:
            sealed = data["Encrypt"]
            assert data["MsgSignature"] == signature(TOKEN, data["TimeStamp"], data["Nonce"], sealed)
            data = fields(MessageCrypt(self.aes_key, APPID).decrypt(sealed))
        assert data["MsgType"] == "text"
        return data["Content"]

    async def say(self, openid: str, text: str, *, msg_id: int | None = None) -> str:
        msg_id = msg_id if msg_id is not None else next(_ids)
        return self.opened(await self.post(message_xml(openid, int(self.now()), "text", Content=text, MsgId=str(msg_id))))

    async def event(self, openid: str, event: str, *, created: int | None = None) -> str:
        xml = message_xml(openid, created if created is not None else int(self.now()), "event", Event=event)
        return self.opened(await self.post(xml))

    async def read(self, openid: str, text: str) -> list[str]:
        """What `text` is answered with, every page of it: "more" is sent while pages wait."""
        pages = [await self.say(openid, text)]
        while (mark := PAGE_MARK.findall(pages[-1])) and int(mark[-1][0]) < int(mark[-1][1]):
            pages.append(await self.say(openid, "more"))
        return pages
