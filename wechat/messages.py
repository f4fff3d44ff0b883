"""WeChat's XML, in and out. Parsed with defusedxml: a document type declaration (and so any
entity, internal or external) is refused, never expanded."""
from __future__ import annotations

from dataclasses import dataclass
from xml.etree.ElementTree import ParseError

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import fromstring


class Unreadable(ValueError):
    """Not a WeChat message: not XML, or XML with a DTD or entities."""


@dataclass(frozen=True)
class Incoming:
    """A message or event from a person (the fields this channel reads)."""

    sender: str  # FromUserName: the person's openid
    account: str  # ToUserName: the account's id
    created: str  # CreateTime, seconds
    kind: str  # MsgType: text, event, voice, image, …
    text: str = ""  # Content of a text message
    event: str = ""  # Event of an event (subscribe, unsubscribe, CLICK, …)
    event_key: str = ""
    message_id: str = ""  # MsgId; events have none
    media_id: str = ""  # MediaId of a voice or image message: its file, fetched through the API

    @property
    def once_key(self) -> str:
        """What a retry repeats: the MsgId, or for an event the sender and CreateTime."""
        return f"m:{self.message_id}" if self.message_id else f"e:{self.sender}:{self.created}:{self.event}"


def fields(xml: bytes | str) -> dict[str, str]:
    """The child elements of <xml> and their texts."""
    try:
        root = fromstring(xml, forbid_dtd=True, forbid_entities=True, forbid_external=True)
    except (ParseError, DefusedXmlException, ValueError) as error:
        raise Unreadable(type(error).__name__) from error
    if root.tag != "xml":
        raise Unreadable("not a WeChat message")
    return {child.tag: (child.text or "") for child in root}


def incoming(data: dict[str, str]) -> Incoming:
    return Incoming(
        sender=data.get("FromUserName", "").strip(),
        account=data.get("ToUserName", "").strip(),
        created=data.get("CreateTime", "").strip(),
        kind=data.get("MsgType", "").strip().lower(),
        text=data.get("Content", ""),
        event=data.get("Event", "").strip().lower(),
        event_key=data.get("EventKey", "").strip(),
        message_id=data.get("MsgId", "").strip(),
        media_id=data.get("MediaId", "").strip(),
    )


def cdata(text: str) -> str:
    """Text in a CDATA section; a "]]>" inside is split over two sections."""
    return "<![CDATA[" + text.replace("]]>", "]]]]><![CDATA[>") + "]]>"


def text_reply(to: str, account: str, created: int, text: str) -> str:
    """A passive reply: one text message back to the person who wrote."""
    return (f"<xml><ToUserName>{cdata(to)}</ToUserName><FromUserName>{cdata(account)}</FromUserName>"
            f"<CreateTime>{created}</CreateTime><MsgType>{cdata('text')}</MsgType>"
            f"<Content>{cdata(text)}</Content></xml>")


def encrypted_reply(encrypted: str, msg_signature: str, timestamp: str, nonce: str) -> str:
    """A passive reply in safe mode: the reply sealed, with its signature."""
    return (f"<xml><Encrypt>{cdata(encrypted)}</Encrypt><MsgSignature>{cdata(msg_signature)}</MsgSignature>"
            f"<TimeStamp>{timestamp}</TimeStamp><Nonce>{cdata(nonce)}</Nonce></xml>")
