"""The keyring's file: where it lives, written atomically at mode 0600, created once in
development, and refused in production when it is missing, readable by others or weak."""

from __future__ import annotations

import logging
import os
import stat
import tempfile
from pathlib import Path

from intake.platform.crypto import KEY_BYTES, Keyring, KeyringError

log = logging.getLogger(__name__)

KEYRING_FILE = "keyring.json"


class KeysMissing(KeyringError):
    """Production start-up found no keyring file."""


class InsecureKeys(KeyringError):
    """Production start-up found a keyring that is readable by others or has weak keys."""


def keyring_path(keys_dir: Path) -> Path:
    return keys_dir / KEYRING_FILE


def save_keyring(keyring: Keyring, path: Path) -> None:
    """Write atomically (temp file + os.replace), mode 0600; a new directory gets 0700."""
    tmp = _write_temp(path, keyring.to_json())
    try:
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)
    _fsync_dir(path.parent)


def save_new_keyring(keyring: Keyring, path: Path) -> bool:
    """Write only if no file exists yet (atomic, never overwrites); True if written.

    Two processes starting at once must not each create a keyring and lose one's data.
    """
    tmp = _write_temp(path, keyring.to_json())
    try:
        os.link(tmp, path)
    except FileExistsError:
        return False
    finally:
        tmp.unlink(missing_ok=True)
    _fsync_dir(path.parent)
    return True


def _write_temp(path: Path, text: str) -> Path:
    """Write `text` to a 0600 temp file beside `path` (same filesystem, so replace is atomic)."""
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    fd, name = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    tmp = Path(name)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            os.fchmod(handle.fileno(), 0o600)  # mkstemp already does; stated, not assumed
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    return tmp


def _fsync_dir(directory: Path) -> None:
    # Makes the rename itself durable, so a crash cannot leave no keyring behind.
    fd = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _check_production(path: Path, keyring: Keyring) -> None:
    mode = stat.S_IMODE(path.stat().st_mode)
    if mode & 0o077:
        raise InsecureKeys(
            f"{path} has mode {mode:04o}: group/others can read it. Run `chmod 600 {path}`."
        )
    named = [(f"key {key_id!r}", key) for key_id, key in keyring.keys.items()]
    old_hash = [(f"hash key {key_id!r}", key) for key_id, key in keyring.old_hash_keys.items()]
    for what, key in [*named, ("hash key", keyring.hash_key), *old_hash]:
        if len(key) < KEY_BYTES:
            raise InsecureKeys(f"{path}: {what} has {len(key)} bytes, needs {KEY_BYTES}")
        if not any(key):
            raise InsecureKeys(f"{path}: {what} is all zero bytes")


def load_or_create(keys_dir: Path, *, production: bool) -> Keyring:
    """The keyring in keys_dir: production refuses a missing or insecure one, dev creates one."""
    path = keyring_path(keys_dir)
    try:
        keyring = Keyring.load(path)
    except FileNotFoundError:
        if production:
            raise KeysMissing(
                f"No keyring at {path}. Personal data cannot be stored without it. "
                "Run `tipline keys generate` once (and back the file up), then start again."
            ) from None
        if save_new_keyring(Keyring.generate(), path):
            log.warning("created a new development keyring at %s", path)
        keyring = Keyring.load(path)  # whoever won a creation race, everyone uses their file
    if production:
        _check_production(path, keyring)
    return keyring
