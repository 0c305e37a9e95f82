from __future__ import annotations

import json
import uuid
from pathlib import Path

import pytest
from django.conf import settings

from responsemap.lib.clock import FakeClock
from responsemap.protection.keyring import (
    CACHE_SECONDS,
    RECHECK_SECONDS,
    DecryptionError,
    Keyring,
    blind_index,
    crypto_shred_project,
    get_keyring,
    seal,
    unseal,
)
from responsemap.protection.keystore import (
    DirectoryKeyProvider,
    KeyDestroyed,
    KeyUnavailable,
    decode_master_key,
)
from responsemap.protection.master import master_key


@pytest.fixture
def pid() -> str:
    project_id = str(uuid.uuid4())
    get_keyring().create(project_id)
    return project_id


def test_round_trip(pid: str) -> None:
    token = seal(pid, b"binding", "Mesaj an kreyòl — رسالة")
    assert b"Mesaj" not in token
    assert unseal(pid, b"binding", token) == "Mesaj an kreyòl — رسالة"


def test_same_plaintext_seals_differently(pid: str) -> None:
    assert seal(pid, b"b", "same") != seal(pid, b"b", "same")


def test_other_binding_does_not_open(pid: str) -> None:
    token = seal(pid, b"project|triage.feedback|content|row-1", "secret")
    with pytest.raises(DecryptionError, match="another row"):
        unseal(pid, b"project|triage.feedback|content|row-2", token)


def test_other_project_does_not_open(pid: str) -> None:
    other = str(uuid.uuid4())
    get_keyring().create(other)
    token = seal(pid, b"b", "secret")
    with pytest.raises(DecryptionError):
        unseal(other, b"b", token)


def test_altered_ciphertext_fails(pid: str) -> None:
    token = bytearray(seal(pid, b"b", "secret"))
    token[-1] ^= 1
    with pytest.raises(DecryptionError):
        unseal(pid, b"b", bytes(token))


def test_garbage_fails_clearly(pid: str) -> None:
    with pytest.raises(DecryptionError, match="format"):
        unseal(pid, b"b", b"\x09nonsense")


def test_shredding_makes_values_unreadable_and_spares_others(pid: str) -> None:
    other = str(uuid.uuid4())
    get_keyring().create(other)
    mine, theirs = seal(pid, b"b", "mine"), seal(other, b"b", "theirs")
    crypto_shred_project(pid)
    with pytest.raises(DecryptionError, match="destroyed"):
        unseal(pid, b"b", mine)
    assert unseal(other, b"b", theirs) == "theirs"
    with pytest.raises(KeyDestroyed):
        get_keyring().keys(pid)


def test_rotation_keeps_old_values_and_blind_indexes(pid: str) -> None:
    old = seal(pid, b"b", "before")
    index_before = blind_index(pid, "phone", "+50937000000")
    assert get_keyring().rotate(pid) == 2
    new = seal(pid, b"b", "after")
    assert new[1:5] == (2).to_bytes(4, "big")
    assert unseal(pid, b"b", old) == "before"
    assert blind_index(pid, "phone", "+50937000000") == index_before


def test_blind_index_is_per_project_and_per_purpose(pid: str) -> None:
    other = str(uuid.uuid4())
    get_keyring().create(other)
    a = blind_index(pid, "phone", "+50937000000")
    assert a == blind_index(pid, "phone", "+50937000000")
    assert a != blind_index(pid, "phone", "+50937000001")
    assert a != blind_index(other, "phone", "+50937000000")
    assert a != blind_index(pid, "name", "+50937000000")


def test_key_file_holds_no_raw_key_and_needs_the_master_key(pid: str, tmp_path: Path) -> None:
    raw = get_keyring().keys(pid).versions[1]
    path = Path(settings.RESPONSEMAP_KEY_DIR) / f"{pid}.key"
    assert raw not in path.read_bytes()
    assert oct(path.stat().st_mode & 0o777) == "0o600"
    assert json.loads(path.read_text())["project"] == pid
    wrong = DirectoryKeyProvider(Path(settings.RESPONSEMAP_KEY_DIR), b"\x01" * 32)
    with pytest.raises(KeyUnavailable, match="master key"):
        wrong.load(pid)


def test_a_project_key_is_created_once(pid: str) -> None:
    with pytest.raises(FileExistsError):
        get_keyring().create(pid)


def test_master_key_must_be_32_bytes() -> None:
    with pytest.raises(ValueError, match="32 bytes"):
        decode_master_key("c2hvcnQ=")


def test_another_process_drops_a_shredded_key_within_the_recheck(
    pid: str, clock: FakeClock
) -> None:
    """Two keyrings on one key directory stand for two processes: once one shreds the
    key, the other, which had it cached, stops opening within ``RECHECK_SECONDS``, and
    no longer holds it in memory."""
    here = get_keyring()
    there = Keyring(DirectoryKeyProvider(settings.RESPONSEMAP_KEY_DIR, master_key()))
    token = seal(pid, b"b", "secret")
    assert there.keys(pid).versions  # cached over there
    receipt = crypto_shred_project(pid)
    assert receipt.key_id == pid
    assert len(receipt.fingerprint) == 32
    assert receipt.versions == 1
    with pytest.raises(KeyDestroyed):
        here.keys(pid)  # the shredding process: at once
    assert there.keys(pid).versions  # the other still within the recheck interval
    clock.advance(RECHECK_SECONDS)
    with pytest.raises(KeyDestroyed):
        there.keys(pid)
    assert pid not in there.cached()
    with pytest.raises(DecryptionError, match="destroyed"):
        unseal(pid, b"b", token)
    again = crypto_shred_project(pid)  # a resumed destruction: idempotent
    assert (again.fingerprint, again.versions) == ("", 0)


def test_keys_past_their_time_leave_the_cache_at_the_next_use(pid: str, clock: FakeClock) -> None:
    other = str(uuid.uuid4())
    get_keyring().create(other)
    keyring = Keyring(DirectoryKeyProvider(settings.RESPONSEMAP_KEY_DIR, master_key()))
    keyring.keys(pid)
    clock.advance(CACHE_SECONDS)
    keyring.keys(other)
    assert keyring.cached() == [other]
