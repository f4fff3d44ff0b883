"""WeChat's message signatures and its "safe mode" encryption (WXBizMsgCrypt, the algorithm of
WeChat's published sample code), with `cryptography`'s AES.

A signature is the SHA-1 of the sorted token, timestamp, nonce (and, in safe mode, the `Encrypt`
text). Safe mode: AES-256-CBC with the key from the 43-character EncodingAESKey and the key's
first 16 bytes as IV, PKCS#7 padding to 32-byte blocks, over 16 random bytes, the message's
length (4 bytes, big-endian), the message and the account's AppID.
"""
from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import os
import struct

from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

BLOCK = 32  # WeChat pads to 32 bytes, not AES's 16


class BadMessage(ValueError):
    """A safe-mode message that does not open: wrong key, damaged, or for another account."""


def signature(*parts: str) -> str:
    return hashlib.sha1("".join(sorted(parts)).encode("utf-8")).hexdigest()


def signature_matches(given: str, *parts: str) -> bool:
    return hmac.compare_digest(given.lower().encode("ascii", "replace"), signature(*parts).encode("ascii"))


def aes_key(encoding_aes_key: str) -> bytes:
    """The 32-byte key of a 43-character EncodingAESKey (ValueError when it is not one)."""
    if len(encoding_aes_key) != 43:
        raise ValueError("an EncodingAESKey has 43 characters")
    try:
        key = base64.b64decode(encoding_aes_key + "=", validate=True)
    except binascii.Error as error:
        raise ValueError("an EncodingAESKey is base64 text") from error
    if len(key) != 32:
        raise ValueError("an EncodingAESKey decodes to 32 bytes")
    return key


class MessageCrypt:
    """Opens and seals safe-mode messages of one account."""

    def __init__(self, encoding_aes_key: str, appid: str) -> None:
        self.key = aes_key(encoding_aes_key)
        self.appid = appid

    def _cipher(self) -> Cipher:
        return Cipher(algorithms.AES(self.key), modes.CBC(self.key[:16]))

    def encrypt(self, message: str, random16: bytes | None = None) -> str:
        random16 = os.urandom(16) if random16 is None else random16
        body = message.encode("utf-8")
        plain = random16 + struct.pack(">I", len(body)) + body + self.appid.encode("utf-8")
        pad = BLOCK - len(plain) % BLOCK
        plain += bytes([pad]) * pad
        encryptor = self._cipher().encryptor()
        return base64.b64encode(encryptor.update(plain) + encryptor.finalize()).decode("ascii")

    def decrypt(self, encrypted: str) -> str:
        try:
            data = base64.b64decode(encrypted, validate=True)
        except (binascii.Error, ValueError) as error:
            raise BadMessage("not base64") from error
        if not data or len(data) % 16:
            raise BadMessage("not whole AES blocks")
        decryptor = self._cipher().decryptor()
        plain = decryptor.update(data) + decryptor.finalize()
        pad = plain[-1]
        if not 1 <= pad <= BLOCK or len(plain) < 20 + pad:
            raise BadMessage("bad padding")
        content = plain[16:-pad]
        (length,) = struct.unpack(">I", content[:4])
        if 4 + length > len(content):
            raise BadMessage("bad length")
        message, appid = content[4:4 + length], content[4 + length:]
        if not hmac.compare_digest(appid, self.appid.encode("utf-8")):
            raise BadMessage("for another account")
        try:
            return message.decode("utf-8")
        except UnicodeDecodeError as error:
            raise BadMessage("not UTF-8") from error
