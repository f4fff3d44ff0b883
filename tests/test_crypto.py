"""Keyring, sealed personal data and keyed hashes: round trips, tampering, rotation, key files."""

from __future__ import annotations

import json
import re
import stat
from pathlib import Path

import pytest

from intake.platform.crypto import DecryptionError, Keyring, KeyringError
from intake.platform.keyring_file import (
    InsecureKeys,
    KeysMissing,
    keyring_path,
    load_or_create,
    save_keyring,
    save_new_keyring,
)


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


@pytest.fixture()
def keyring() -> Keyring:
    return Keyring.generate()


def test_generate_shapes(keyring: Keyring) -> None:
    assert re.fullmatch(r"k\d{8}[0-9a-f]{4}", keyring.active_key_id)
    assert set(keyring.keys) == {keyring.active_key_id}
    assert len(keyring.keys[keyring.active_key_id]) == 32
    assert len(keyring.hash_key) == 32
    assert keyring.hash_key != keyring.keys[keyring.active_key_id]


def test_repr_does_not_show_keys(keyring: Keyring) -> None:
    text = repr(keyring)
    assert keyring.active_key_id in text
    assert repr(keyring.hash_key) not in text
    assert repr(keyring.keys[keyring.active_key_id]) not in text


def test_round_trip_bytes(keyring: Keyring) -> None:
    data = bytes(range(256))
    assert keyring.open(keyring.seal(data, purpose="evidence"), purpose="evidence") == data


def test_round_trip_str(keyring: Keyring) -> None:
    blob = keyring.seal("王秀英", purpose="people")
    assert keyring.open(blob, purpose="people") == "王秀英".encode()
    assert keyring.open_text(blob, purpose="people") == "王秀英"


def test_round_trip_dict(keyring: Keyring) -> None:
    data = {"name": "王秀英", "phone": "13800138000", "nested": {"n": [1, 2]}}
    blob = keyring.seal(data, purpose="draft")
    assert keyring.open_json(blob, purpose="draft") == data
    # compact JSON: no spaces after separators
    assert keyring.open(blob, purpose="draft") == json.dumps(
        data, ensure_ascii=False, separators=(",", ":")
    ).encode()


def test_open_accepts_memoryview(keyring: Keyring) -> None:
    blob = keyring.seal(b"x", purpose="people")
    assert keyring.open(memoryview(blob), purpose="people") == b"x"


def test_seal_rejects_other_types(keyring: Keyring) -> None:
    with pytest.raises(TypeError):
        keyring.seal(["a"], purpose="people")  # type: ignore[arg-type]


@pytest.mark.parametrize("purpose", ["", "a\x00b"])
def test_bad_purpose_is_refused(keyring: Keyring, purpose: str) -> None:
    with pytest.raises(ValueError):
        keyring.seal(b"x", purpose=purpose)
    with pytest.raises(ValueError):
        keyring.keyed_hash("x", purpose=purpose)


@pytest.mark.parametrize("secret", ["王秀英", "13800138000", "wang.xiuying@example.cn"])
def test_ciphertext_does_not_contain_plaintext(keyring: Keyring, secret: str) -> None:
    blob = keyring.seal(secret, purpose="people")
    assert secret.encode("utf-8") not in blob
    assert secret.encode("utf-16-le") not in blob
    dict_blob = keyring.seal({"v": secret}, purpose="people")
    assert secret.encode("utf-8") not in dict_blob


def test_same_plaintext_seals_differently(keyring: Keyring) -> None:
    # random nonces: equal ciphertexts would leak which reporters share a phone number
    assert keyring.seal("13800138000", purpose="people") != keyring.seal(
        "13800138000", purpose="people"
    )


def test_blob_format(keyring: Keyring) -> None:
    blob = keyring.seal(b"abc", purpose="people")
    key_id = keyring.active_key_id.encode("ascii")
    assert blob[0] == 1
    assert blob[1] == len(key_id)
    assert blob[2 : 2 + len(key_id)] == key_id
    assert len(blob) == 2 + len(key_id) + 12 + 3 + 16


def test_every_tampered_byte_is_detected(keyring: Keyring) -> None:
    blob = keyring.seal("13800138000", purpose="people")
    for index in range(len(blob)):
        tampered = bytearray(blob)
        tampered[index] ^= 0x01
        with pytest.raises(DecryptionError):
            keyring.open(bytes(tampered), purpose="people")


@pytest.mark.parametrize("cut", [0, 1, 5, 20, -1])
def test_truncated_blob_is_detected(keyring: Keyring, cut: int) -> None:
    blob = keyring.seal("13800138000", purpose="people")
    with pytest.raises(DecryptionError):
        keyring.open(blob[:cut], purpose="people")


def test_wrong_purpose_is_detected(keyring: Keyring) -> None:
    blob = keyring.seal("13800138000", purpose="people")
    with pytest.raises(DecryptionError, match="purpose"):
        keyring.open(blob, purpose="draft")


def test_unknown_key_id_is_detected(keyring: Keyring) -> None:
    blob = Keyring.generate().seal("x", purpose="people")
    with pytest.raises(DecryptionError, match="unknown key id"):
        keyring.open(blob, purpose="people")


def test_decryption_error_is_not_a_value_error() -> None:
    # validation code catches ValueError; a decryption failure must never vanish there
    assert not issubclass(DecryptionError, ValueError)


def test_open_json_of_non_object_fails(keyring: Keyring) -> None:
    blob = keyring.seal("[1, 2]", purpose="draft")
    with pytest.raises(DecryptionError):
        keyring.open_json(blob, purpose="draft")


def test_rotate_keeps_old_keys_and_uses_new_one(keyring: Keyring) -> None:
    old_blob = keyring.seal("王秀英", purpose="people")
    rotated = keyring.rotate()

    assert rotated.active_key_id != keyring.active_key_id
    assert set(rotated.keys) == {keyring.active_key_id, rotated.active_key_id}
    # the hash key rotates too; the old one is kept to find hashes made with it
    assert rotated.hash_key != keyring.hash_key
    assert rotated.hash_keys == {rotated.hash_key_id: rotated.hash_key, keyring.hash_key_id: keyring.hash_key}
    assert keyring.keys == {keyring.active_key_id: keyring.keys[keyring.active_key_id]}

    assert rotated.open_text(old_blob, purpose="people") == "王秀英"
    new_blob = rotated.seal("王秀英", purpose="people")
    new_id = rotated.active_key_id.encode("ascii")
    assert new_blob[2 : 2 + new_blob[1]] == new_id
    assert rotated.open_text(new_blob, purpose="people") == "王秀英"
    with pytest.raises(DecryptionError):
        keyring.open(new_blob, purpose="people")  # the old keyring lacks the new key


def test_many_rotations_give_distinct_ids(keyring: Keyring) -> None:
    for _ in range(50):
        keyring = keyring.rotate()
    assert len(keyring.keys) == 51


def test_keyed_hash(keyring: Keyring) -> None:
    first = keyring.keyed_hash("13800138000", purpose="phone")
    assert re.fullmatch(r"[0-9a-f]{64}", first)
    assert keyring.keyed_hash("13800138000", purpose="phone") == first
    assert keyring.keyed_hash("13800138000", purpose="tracking-code") != first
    assert keyring.keyed_hash("13800138001", purpose="phone") != first
    assert Keyring.generate().keyed_hash("13800138000", purpose="phone") != first


def test_save_and_load(tmp_path: Path, keyring: Keyring) -> None:
    keys_dir = tmp_path / "fresh" / "keys"
    path = keyring_path(keys_dir)
    save_keyring(keyring.rotate(), path)
    saved = keyring.rotate()
    save_keyring(saved, path)  # overwriting works and stays atomic

    assert _mode(path) == 0o600
    assert _mode(keys_dir) == 0o700
    assert list(keys_dir.iterdir()) == [path]  # no temp file left behind
    loaded = Keyring.load(path)
    assert loaded == saved
    doc = json.loads(path.read_text())
    assert set(doc) == {"active", "keys", "hash_key", "created", "hash_key_id", "old_hash_keys", "rotation"}
    assert doc["active"] == saved.active_key_id
    assert Keyring.load(path).finished().rotation is None


def test_a_keyring_that_never_rotated_keeps_its_original_shape(tmp_path: Path, keyring: Keyring) -> None:
    path = keyring_path(tmp_path)
    save_keyring(keyring, path)
    assert set(json.loads(path.read_text())) == {"active", "keys", "hash_key", "created"}
    assert Keyring.load(path).hash_key_id == "h0"  # the id migration 0006e gave existing hashes


def test_lookup_hashes_name_their_key_and_survive_rotation(keyring: Keyring) -> None:
    stored = keyring.lookup_hash("13800138000", purpose="phone")
    assert stored == f"{keyring.hash_key_id}:{keyring.keyed_hash('13800138000', purpose='phone')}"
    rotated = keyring.rotate()
    assert rotated.lookup_candidates("13800138000", purpose="phone")[1] == stored
    assert rotated.lookup_candidates("13800138000", purpose="phone")[0] != stored
    assert rotated.matches(stored, "13800138000", purpose="phone")
    assert not rotated.matches(stored, "13800138001", purpose="phone")
    assert not rotated.is_current_hash(stored)
    retired = rotated.without(keyring.hash_key_id)
    assert not retired.matches(stored, "13800138000", purpose="phone")  # unknown key: no match, no crash
    with pytest.raises(KeyringError):
        rotated.without(rotated.hash_key_id)


def test_save_new_never_overwrites(tmp_path: Path, keyring: Keyring) -> None:
    path = keyring_path(tmp_path)
    assert save_new_keyring(keyring, path)
    assert not save_new_keyring(Keyring.generate(), path)
    assert Keyring.load(path) == keyring
    assert list(tmp_path.iterdir()) == [path]


@pytest.mark.parametrize(
    "text",
    [
        "not json",
        "[]",
        '{"active": "k1", "keys": {}, "hash_key": ""}',
        '{"active": "k1", "keys": {"k1": "!!notbase64!!"}, "hash_key": "AAAA"}',
        '{"active": "k2", "keys": {"k1": "' + "A" * 44 + '"}, "hash_key": "AAAA"}',
    ],
)
def test_malformed_keyring_file(tmp_path: Path, text: str) -> None:
    path = keyring_path(tmp_path)
    path.write_text(text)
    with pytest.raises(KeyringError, match=re.escape(str(path))):
        Keyring.load(path)


def test_production_missing_file(tmp_path: Path) -> None:
    with pytest.raises(KeysMissing, match="tipline keys generate"):
        load_or_create(tmp_path / "keys", production=True)
    assert not (tmp_path / "keys").exists()
    assert issubclass(KeysMissing, RuntimeError)


def test_production_refuses_readable_file(tmp_path: Path, keyring: Keyring) -> None:
    path = keyring_path(tmp_path)
    save_keyring(keyring, path)
    path.chmod(0o644)
    with pytest.raises(InsecureKeys, match="chmod 600"):
        load_or_create(tmp_path, production=True)
    path.chmod(0o600)
    assert load_or_create(tmp_path, production=True) == keyring


def test_production_refuses_group_readable_file(tmp_path: Path, keyring: Keyring) -> None:
    path = keyring_path(tmp_path)
    save_keyring(keyring, path)
    path.chmod(0o640)
    with pytest.raises(InsecureKeys):
        load_or_create(tmp_path, production=True)


@pytest.mark.parametrize(
    ("key", "hash_key"),
    [
        (bytes(32), b"h" * 32),  # all-zero encryption key
        (b"k" * 16, b"h" * 32),  # AES-128-sized key: valid for AESGCM, too short for us
        (b"k" * 32, bytes(32)),  # all-zero hash key
        (b"k" * 32, b"h" * 8),  # short hash key
    ],
)
def test_production_refuses_weak_keys(tmp_path: Path, key: bytes, hash_key: bytes) -> None:
    save_keyring(Keyring("k1", {"k1": key}, hash_key), keyring_path(tmp_path))
    with pytest.raises(InsecureKeys):
        load_or_create(tmp_path, production=True)
    # development tolerates them (test fixtures), it only insists on a usable AES key size
    assert load_or_create(tmp_path, production=False).keys == {"k1": key}


def test_production_refuses_weak_old_key(tmp_path: Path, keyring: Keyring) -> None:
    keys = {**keyring.keys, "kold": bytes(32)}
    save_keyring(Keyring(keyring.active_key_id, keys, keyring.hash_key), keyring_path(tmp_path))
    with pytest.raises(InsecureKeys, match="kold"):
        load_or_create(tmp_path, production=True)


def test_development_creates_missing_keyring(tmp_path: Path) -> None:
    keys_dir = tmp_path / "var" / "keys"
    created = load_or_create(keys_dir, production=False)
    path = keyring_path(keys_dir)
    assert path.is_file()
    assert _mode(path) == 0o600
    assert _mode(keys_dir) == 0o700
    assert Keyring.load(path) == created
    # the second start reuses the file instead of making new keys
    assert load_or_create(keys_dir, production=False) == created
    assert load_or_create(keys_dir, production=True) == created


def test_a_cookie_signed_before_a_rotation_or_by_an_instance_that_read_the_new_keyring_first_still_matches(
        tmp_path: Path, keyring: Keyring) -> None:
    path = keyring_path(tmp_path / "keys")
    save_keyring(keyring, path)
    first, second = Keyring.load(path), Keyring.load(path)  # two instances of one deployment
    before = first.keyed_hash("session-body", purpose="console-session")
    save_keyring(first.rotate(), path)  # `tipline keys rotate`, on any machine
    first._follow_file(now=True)
    after = first.keyed_hash("session-body", purpose="console-session")
    assert after != before
    assert second.keyed_hash_matches(after, "session-body", purpose="console-session")  # reads the new key then
    assert second.hash_key_id == first.hash_key_id
    assert second.keyed_hash_matches(before, "session-body", purpose="console-session")  # signed before: still good
    assert second.keyed_hash_matches(after[:32], "session-body", purpose="console-session")  # a shortened one too
    assert not second.keyed_hash_matches(after, "another-body", purpose="console-session")
    assert not second.keyed_hash_matches(after, "session-body", purpose="web-csrf")
    assert not second.keyed_hash_matches("", "session-body", purpose="console-session")
