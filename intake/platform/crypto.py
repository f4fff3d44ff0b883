"""Keys, authenticated encryption of personal data (AES-256-GCM) and keyed hashes for look-ups.

Ciphertexts name their key id, so keys can rotate: old keys stay in the keyring to decrypt.
Stored look-up hashes name their hash key too ("<hash key id>:<hex>", `lookup_hash`): a hash
cannot be recomputed without its input, so look-ups try every hash key (`lookup_candidates`)
and re-hash a hit under the current one (intake/admin/key_rotation.py).
The keyring's file (where it lives, how it is written and checked) is intake/platform/keyring_file.py.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
import logging
import secrets
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

log = logging.getLogger(__name__)

KEY_BYTES = 32  # AES-256
HASH_KEY_BYTES = 32
NONCE_BYTES = 12
TAG_BYTES = 16
BLOB_VERSION = 1
_AES_KEY_SIZES = (16, 24, 32)  # what AESGCM accepts; production insists on 32
#: The id of the one hash key keyrings had before hash keys rotated; stored hashes made with it
#: were given this prefix by migration 0006e.
LEGACY_HASH_KEY_ID = "h0"
HASH_SEPARATOR = ":"
#: How often a running service looks whether `tipline keys rotate` changed the keyring file.
FOLLOW_SECONDS = 2.0


class KeyringError(RuntimeError):
    """The keyring is malformed or cannot be used."""


class DecryptionError(Exception):
    """A blob could not be opened: tampered, wrong purpose, or unknown key id.

    Deliberately not a ValueError, so input-validation code catching ValueError never hides it.
    """


def _new_key_id(existing: dict[str, bytes] | None = None, *, prefix: str = "k") -> str:
    today = datetime.now(UTC).strftime("%Y%m%d")
    while True:
        # Two rotations on one day must not collide, hence the random suffix and the loop.
        key_id = f"{prefix}{today}{secrets.token_hex(2)}"
        if not existing or key_id not in existing:
            return key_id


def _check_purpose(purpose: str) -> bytes:
    # NUL separates purpose from value in keyed_hash; a NUL inside purpose would blur that line.
    if not purpose or "\x00" in purpose:
        raise ValueError("purpose must be a non-empty string without NUL characters")
    return purpose.encode("utf-8")


def _to_bytes(data: bytes | str | dict[str, Any]) -> bytes:
    if isinstance(data, bytes):
        return data
    if isinstance(data, str):
        return data.encode("utf-8")
    if isinstance(data, dict):
        return json.dumps(data, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
    raise TypeError(f"seal() takes bytes, str or dict, not {type(data).__name__}")


def _b64(raw: bytes) -> str:
    return base64.b64encode(raw).decode("ascii")


def _unb64(text: str) -> bytes:
    return base64.b64decode(text.encode("ascii"), validate=True)


@dataclass(frozen=True)
class Keyring:
    """Encryption keys by id, the active one for new ciphertexts, and the HMAC key for look-ups."""

    active_key_id: str
    keys: dict[str, bytes] = field(repr=False)  # repr=False: keys must never reach a log line
    hash_key: bytes = field(repr=False)  # the current hash key, for new look-up hashes
    created: str = ""
    hash_key_id: str = LEGACY_HASH_KEY_ID
    old_hash_keys: dict[str, bytes] = field(default_factory=dict, repr=False)  # kept to find old hashes
    # An unfinished `tipline keys rotate`: {"to": key id, "started": ISO time}; None when done.
    rotation: dict[str, str] | None = None
    # The file this keyring was loaded from: a running service follows it (`_follow_file`).
    source: Path | None = field(default=None, compare=False, repr=False)
    _seen: list[Any] = field(default_factory=lambda: [time.monotonic(), None], compare=False, repr=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "keys", dict(self.keys))  # no aliasing of the caller's dict
        object.__setattr__(self, "old_hash_keys", dict(self.old_hash_keys))
        for key_id in (self.hash_key_id, *self.old_hash_keys):
            if not key_id.isascii() or not key_id.isprintable() or HASH_SEPARATOR in key_id or not 1 <= len(key_id) <= 30:
                raise KeyringError(f"hash key id {key_id!r} must be 1-30 printable ASCII characters without ':'")
        if self.hash_key_id in self.old_hash_keys:
            raise KeyringError(f"hash key {self.hash_key_id!r} is both current and old")
        for key_id, key in self.old_hash_keys.items():
            if not isinstance(key, bytes) or not key:
                raise KeyringError(f"hash key {key_id!r} must be non-empty bytes")
        for key_id, key in self.keys.items():
            if not key_id.isascii() or not key_id.isprintable() or not 1 <= len(key_id) <= 255:
                raise KeyringError(f"key id {key_id!r} must be 1-255 printable ASCII characters")
            if not isinstance(key, bytes) or len(key) not in _AES_KEY_SIZES:
                raise KeyringError(f"key {key_id!r} must be 16, 24 or 32 bytes")
        if self.active_key_id not in self.keys:
            raise KeyringError(f"active key {self.active_key_id!r} is not in the keyring")
        if not isinstance(self.hash_key, bytes) or not self.hash_key:
            raise KeyringError("hash key must be non-empty bytes")

    # --- creation, rotation, the file it follows ---------------------------------------

    @classmethod
    def generate(cls) -> Keyring:
        key_id = _new_key_id()
        return cls(
            active_key_id=key_id,
            keys={key_id: AESGCM.generate_key(bit_length=KEY_BYTES * 8)},
            hash_key=secrets.token_bytes(HASH_KEY_BYTES),
            created=datetime.now(UTC).isoformat(timespec="seconds"),
        )

    @property
    def hash_keys(self) -> dict[str, bytes]:
        """Every hash key by id, the current one first."""
        return {self.hash_key_id: self.hash_key, **self.old_hash_keys}

    def rotate(self) -> Keyring:
        """A new keyring with a fresh encryption key and a fresh hash key; the old ones are kept
        to decrypt and to find old hashes. The caller saves it (intake/admin/key_rotation.py moves the
        data over). Marked as an unfinished rotation until `finished()`."""
        key_id = _new_key_id(self.keys)
        keys = {**self.keys, key_id: AESGCM.generate_key(bit_length=KEY_BYTES * 8)}
        hash_key_id = _new_key_id(self.hash_keys, prefix="h")
        return Keyring(
            key_id, keys, secrets.token_bytes(HASH_KEY_BYTES), self.created, hash_key_id, self.hash_keys,
            {"to": key_id, "started": datetime.now(UTC).isoformat(timespec="seconds")},
        )

    def finished(self) -> Keyring:
        """This keyring with its rotation marked done."""
        return Keyring(self.active_key_id, self.keys, self.hash_key, self.created, self.hash_key_id, self.old_hash_keys)

    def without(self, key_id: str) -> Keyring:
        """This keyring without the old encryption or hash key `key_id` (see `tipline keys retire`)."""
        if key_id in (self.active_key_id, self.hash_key_id):
            raise KeyringError(f"{key_id!r} is the current key: it cannot be retired")
        if key_id not in self.keys and key_id not in self.old_hash_keys:
            raise KeyringError(f"there is no key {key_id!r} in the keyring")
        keys = {k: v for k, v in self.keys.items() if k != key_id}
        old = {k: v for k, v in self.old_hash_keys.items() if k != key_id}
        return Keyring(self.active_key_id, keys, self.hash_key, self.created, self.hash_key_id, old, self.rotation)

    def to_json(self) -> str:
        doc: dict[str, Any] = {
            "active": self.active_key_id,
            "keys": {key_id: _b64(key) for key_id, key in self.keys.items()},
            "hash_key": _b64(self.hash_key),
            "created": self.created,
        }
        # Written only when used, so a keyring that never rotated keeps its original shape.
        if self.hash_key_id != LEGACY_HASH_KEY_ID:
            doc["hash_key_id"] = self.hash_key_id
        if self.old_hash_keys:
            doc["old_hash_keys"] = {key_id: _b64(key) for key_id, key in self.old_hash_keys.items()}
        if self.rotation:
            doc["rotation"] = self.rotation
        return json.dumps(doc, indent=2) + "\n"

    @classmethod
    def from_json(cls, text: str) -> Keyring:
        try:
            doc = json.loads(text)
            keys = {str(key_id): _unb64(value) for key_id, value in doc["keys"].items()}
            return cls(
                active_key_id=str(doc["active"]),
                keys=keys,
                hash_key=_unb64(doc["hash_key"]),
                created=str(doc.get("created", "")),
                hash_key_id=str(doc.get("hash_key_id", LEGACY_HASH_KEY_ID)),
                old_hash_keys={str(k): _unb64(v) for k, v in doc.get("old_hash_keys", {}).items()},
                rotation={str(k): str(v) for k, v in doc["rotation"].items()} if doc.get("rotation") else None,
            )
        except (ValueError, KeyError, TypeError, AttributeError, binascii.Error) as exc:
            # json.JSONDecodeError is a ValueError; the keyring content itself is never echoed.
            raise KeyringError(f"keyring is malformed: {type(exc).__name__}") from exc

    @classmethod
    def load(cls, path: Path) -> Keyring:
        mtime = path.stat().st_mtime_ns
        text = path.read_text(encoding="utf-8")
        try:
            keyring = cls.from_json(text)
        except KeyringError as exc:
            raise KeyringError(f"{path}: {exc}") from exc
        object.__setattr__(keyring, "source", path)
        keyring._seen[1] = mtime
        return keyring

    def _follow_file(self, *, now: bool = False) -> None:
        """A running service picks up `tipline keys rotate` and `retire` by itself: the file is
        looked at (one stat, at most every FOLLOW_SECONDS, or `now` when a blob names a key this
        keyring lacks) and read again when it changed. Keys only come and go through that file."""
        if self.source is None:
            return
        moment = time.monotonic()
        if not now and moment - self._seen[0] < FOLLOW_SECONDS:
            return
        self._seen[0] = moment
        try:
            if self.source.stat().st_mtime_ns == self._seen[1]:
                return
            fresh = Keyring.load(self.source)
        except (OSError, KeyringError) as error:
            log.warning("keyring file changed but could not be read; keeping the keys in memory: %s", error)
            return
        for name in ("active_key_id", "keys", "hash_key", "created", "hash_key_id", "old_hash_keys", "rotation"):
            object.__setattr__(self, name, getattr(fresh, name))
        self._seen[1] = fresh._seen[1]
        log.info("keyring reloaded from %s: current key %s", self.source, self.active_key_id)

    # --- encryption -------------------------------------------------------------------

    def seal(self, data: bytes | str | dict[str, Any], *, purpose: str) -> bytes:
        """Encrypt with the active key. Format: version, key-id length, key id, nonce, ct+tag."""
        purpose_bytes = _check_purpose(purpose)
        self._follow_file()
        key_id = self.active_key_id.encode("ascii")
        header = bytes([BLOB_VERSION, len(key_id)]) + key_id
        nonce = secrets.token_bytes(NONCE_BYTES)
        # The header is authenticated along with the purpose, so no byte of the blob is malleable.
        sealed = AESGCM(self.keys[self.active_key_id]).encrypt(
            nonce, _to_bytes(data), header + purpose_bytes
        )
        return header + nonce + sealed

    def open(self, blob: bytes | bytearray | memoryview, *, purpose: str) -> bytes:
        """Decrypt a blob made by seal() with the same purpose, or raise DecryptionError."""
        purpose_bytes = _check_purpose(purpose)
        blob = bytes(blob)  # some database drivers hand back memoryview
        header, key_id, nonce, sealed = _split_blob(blob)
        if key_id not in self.keys:
            self._follow_file(now=True)  # sealed by a process that already has the new key
        key = self.keys.get(key_id)
        if key is None:
            raise DecryptionError(f"unknown key id {key_id!r}: is the keyring complete?")
        try:
            return AESGCM(key).decrypt(nonce, sealed, header + purpose_bytes)
        except InvalidTag as exc:
            raise DecryptionError(
                f"cannot decrypt {purpose!r} data with key {key_id!r}: "
                "tampered, or sealed for another purpose"
            ) from exc

    def open_text(self, blob: bytes | bytearray | memoryview, *, purpose: str) -> str:
        return self.open(blob, purpose=purpose).decode("utf-8")

    def open_json(self, blob: bytes | bytearray | memoryview, *, purpose: str) -> dict[str, Any]:
        value = json.loads(self.open(blob, purpose=purpose))
        if not isinstance(value, dict):
            raise DecryptionError(f"{purpose!r} data decrypted but is not a JSON object")
        return value

    # --- look-ups ---------------------------------------------------------------------

    def keyed_hash(self, value: str, *, purpose: str) -> str:
        """Hex HMAC-SHA256 of purpose + NUL + value under the current hash key; deterministic,
        separated by purpose. For short-lived values (cookies, rate limits): a stored look-up
        column takes `lookup_hash`, which names its key and so survives a rotation."""
        self._follow_file()
        return self._hmac(self.hash_key, value, purpose)

    def keyed_hash_matches(self, signature: str, value: str, *, purpose: str) -> bool:
        """Whether `signature` is `keyed_hash(value)` (or its first characters) under any hash
        key, current or old: a cookie or form signed before a rotation, or by another instance
        that read the new keyring a moment earlier, is still good."""
        if not signature:
            return False
        for attempt in range(2):
            if any(hmac.compare_digest(signature, self._hmac(key, value, purpose)[:len(signature)])
                   for key in self.hash_keys.values()):
                return True
            if attempt == 0:
                self._follow_file(now=True)  # maybe signed with a key this process has not read yet
        return False

    @staticmethod
    def _hmac(key: bytes, value: str, purpose: str) -> str:
        message = _check_purpose(purpose) + b"\x00" + value.encode("utf-8")
        return hmac.new(key, message, hashlib.sha256).hexdigest()

    def lookup_hash(self, value: str, *, purpose: str, key_id: str | None = None) -> str:
        """"<hash key id>:<hex HMAC>" under the current hash key (or `key_id`), to store and find."""
        if key_id is None:
            self._follow_file()
        key_id = key_id or self.hash_key_id
        key = self.hash_keys.get(key_id)
        if key is None:
            raise KeyringError(f"unknown hash key {key_id!r}: is the keyring complete?")
        return f"{key_id}{HASH_SEPARATOR}{self._hmac(key, value, purpose)}"

    def lookup_candidates(self, value: str, *, purpose: str) -> list[str]:
        """The look-up hash of `value` under every hash key, the current one first."""
        self._follow_file()
        return [self.lookup_hash(value, purpose=purpose, key_id=key_id) for key_id in self.hash_keys]

    def matches(self, stored: str | None, value: str, *, purpose: str) -> bool:
        """Whether a stored look-up hash is the hash of `value` (under whichever key it names)."""
        key_id = hash_key_id_of(stored or "")
        if key_id is not None and key_id not in self.hash_keys:
            self._follow_file(now=True)
        if key_id is None or key_id not in self.hash_keys:
            return False
        return hmac.compare_digest(stored or "", self.lookup_hash(value, purpose=purpose, key_id=key_id))

    def is_current_hash(self, stored: str | None) -> bool:
        return hash_key_id_of(stored or "") == self.hash_key_id

    def sealed_under_active(self, blob: bytes | bytearray | memoryview | None) -> bool:
        return blob is not None and blob_key_id(blob) == self.active_key_id

    def reseal(self, blob: bytes | bytearray | memoryview, *, purpose: str) -> bytes:
        """The same data sealed again under the active key."""
        return self.seal(self.open(blob, purpose=purpose), purpose=purpose)


def hash_key_id_of(stored: str) -> str | None:
    """The hash key id a stored look-up hash names, or None for a malformed one."""
    key_id, separator, _hex = stored.partition(HASH_SEPARATOR)
    return key_id if separator and key_id else None


def blob_header(key_id: str) -> bytes:
    """The first bytes of every blob sealed with `key_id` (to find them with SQL)."""
    raw = key_id.encode("ascii")
    return bytes([BLOB_VERSION, len(raw)]) + raw


def blob_key_id(blob: bytes | bytearray | memoryview) -> str | None:
    """The key id a sealed blob names, or None if it is not a sealed blob."""
    try:
        return _split_blob(bytes(blob))[1]
    except DecryptionError:
        return None


def _split_blob(blob: bytes) -> tuple[bytes, str, bytes, bytes]:
    """(header, key id, nonce, ciphertext+tag) of a sealed blob."""
    if len(blob) < 2 or blob[0] != BLOB_VERSION:
        raise DecryptionError("not a sealed blob of a known version")
    id_len = blob[1]
    header_len = 2 + id_len
    if len(blob) < header_len + NONCE_BYTES + TAG_BYTES:
        raise DecryptionError("sealed blob is truncated")
    try:
        key_id = blob[2:header_len].decode("ascii")
    except UnicodeDecodeError as exc:
        raise DecryptionError("sealed blob has a malformed key id") from exc
    nonce = blob[header_len : header_len + NONCE_BYTES]
    return blob[:header_len], key_id, nonce, blob[header_len + NONCE_BYTES :]
