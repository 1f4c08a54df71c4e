"""Station keys: created at init, private halves only in the keychain (a real file-backed keyring
here) or in the passphrase-protected file keystore; crypto round trips and tamper detection."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import keyring
import pytest
from keyring.backends import fail
from keyrings.alt.file import PlaintextKeyring

from app.db import Database
from app.sync import keystore, passphrase
from app.sync.canonical import b64e
from app.sync.crypto import DecryptionFailed, KeyPair, Opener, Sealer, fingerprint, sign, verify
from app.sync.errors import KeystoreError, KeysUnavailable
from app.sync.keys import ensure_station_keys, key_info, load_station_keys, renew_station_keys
from app.sync.keystore import keychain_available, keystore_path, reset_keychain_choice, use_keychain


def test_keys_go_to_the_keychain_and_never_into_the_ledger(
    village_db: Database, keychain: PlaintextKeyring
) -> None:
    info = ensure_station_keys(village_db)
    assert info.store == "keyring" and not info.warning
    assert ensure_station_keys(village_db).key_id == info.key_id  # idempotent
    keys = load_station_keys(village_db)
    seed, enc = keys.pair.raw()
    stored = keychain.get_password(keystore.SERVICE, f"110105001001/{info.key_id}/private")
    assert stored is not None and b64e(seed) in stored
    wal = Path(str(village_db.path) + "-wal")
    ledger = village_db.path.read_bytes() + (wal.read_bytes() if wal.exists() else b"")
    for secret in (seed, enc):
        assert b64e(secret).encode() not in ledger and secret not in ledger
    assert not keystore_path(village_db.path).exists()
    assert info.fingerprint == fingerprint(
        "110105001001", keys.info.sign_public, keys.info.enc_public
    )


def test_file_keystore_fallback_with_warning(
    village_db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    use_keychain(fail.Keyring())
    reset_keychain_choice()
    assert not keychain_available()
    monkeypatch.setenv("ZONGZHI_KEYSTORE_PASSPHRASE", "correct horse battery")
    info = ensure_station_keys(village_db)
    assert info.store == "file" and "口令保护的文件" in info.warning
    path = keystore_path(village_db.path)
    assert path.exists() and stat.S_IMODE(path.stat().st_mode) == 0o600
    seed, enc = load_station_keys(village_db).pair.raw()
    text = path.read_text(encoding="utf-8")
    assert b64e(seed) not in text and b64e(enc) not in text and "scrypt" in text
    # the wrong passphrase opens nothing
    keystore._derived.clear()
    monkeypatch.setenv("ZONGZHI_KEYSTORE_PASSPHRASE", "wrong passphrase")
    with pytest.raises(KeystoreError, match="口令不正确"):
        load_station_keys(village_db)
    # headless without a passphrase: a clear message naming the variable
    monkeypatch.delenv("ZONGZHI_KEYSTORE_PASSPHRASE")
    with pytest.raises(KeystoreError, match="ZONGZHI_KEYSTORE_PASSPHRASE"):
        load_station_keys(village_db)
    # the GUI's provider is asked when the environment has nothing
    asked: list[str] = []

    def provider(prompt: str, creating: bool) -> str:
        asked.append(prompt)
        return "correct horse battery"

    passphrase.set_passphrase_provider(provider)
    try:
        assert load_station_keys(village_db).pair.raw() == (seed, enc)
        assert asked and "口令" in asked[0]
    finally:
        passphrase.set_passphrase_provider(None)


def test_short_passphrase_is_refused(village_db: Database, monkeypatch: pytest.MonkeyPatch) -> None:
    use_keychain(fail.Keyring())
    reset_keychain_choice()
    monkeypatch.setenv("ZONGZHI_KEYSTORE_PASSPHRASE", "short")
    with pytest.raises(KeystoreError, match="至少需要"):
        ensure_station_keys(village_db)
    assert key_info(village_db) is None


def test_auto_selected_plaintext_keyring_is_not_trusted() -> None:
    """keyrings.alt's plaintext file (priority < 1) would store keys unencrypted."""
    keyring.set_keyring(PlaintextKeyring())
    reset_keychain_choice()
    assert not keychain_available()
    use_keychain(PlaintextKeyring())
    assert keychain_available()


def test_keys_missing_on_another_pc(village_db: Database, keychain: PlaintextKeyring) -> None:
    ensure_station_keys(village_db)
    Path(keychain.file_path).unlink()  # the ledger was copied to a PC whose keychain lacks them
    with pytest.raises(KeysUnavailable, match="card renew"):
        load_station_keys(village_db)
    old = key_info(village_db)
    new = renew_station_keys(village_db)
    assert new.key_id != old.key_id and new.fingerprint != old.fingerprint  # type: ignore[union-attr]
    assert load_station_keys(village_db).info.key_id == new.key_id


def test_signature_and_stream_encryption() -> None:
    pair = KeyPair.generate()
    assert verify(pair.sign_public, b"d", b"message", sign(pair.sign, b"d", b"message"))
    assert not verify(
        pair.sign_public, b"other-domain", b"message", sign(pair.sign, b"d", b"message")
    )
    assert not verify(pair.sign_public, b"d", b"messagE", sign(pair.sign, b"d", b"message"))
    recipient = KeyPair.generate()
    sealer = Sealer(recipient.enc_public, b"ctx")
    chunks = [os.urandom(100), os.urandom(50), b""]
    sealed = [sealer.seal(c, final=i == 2) for i, c in enumerate(chunks)]

    def opener(context: bytes = b"ctx", key: KeyPair = recipient) -> Opener:
        return Opener(key.enc, sealer.params, context)

    o = opener()
    assert [o.open(s, final=i == 2) for i, s in enumerate(sealed)] == chunks and o.finished
    with pytest.raises(DecryptionFailed):  # reordered
        opener().open(sealed[1], final=False)
    o = opener()
    o.open(sealed[0], final=False)
    with pytest.raises(DecryptionFailed):  # truncated: the middle chunk posing as the last
        o.open(sealed[1], final=True)
    with pytest.raises(DecryptionFailed):  # another bundle's context
        opener(b"other").open(sealed[0], final=False)
    with pytest.raises(DecryptionFailed):  # not our key
        opener(key=KeyPair.generate()).open(sealed[0], final=False)


def test_zongzhi_init_creates_the_keys(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from app.cli import main
    from app.db import open_database

    db = tmp_path / "new.sqlite3"
    code = main(
        [
            "--db",
            str(db),
            "init",
            "--station-code",
            "110105001001",
            "--station-name",
            "柳树村综治中心",
            "--level",
            "village",
            "--parent-code",
            "110105001000",
            "--admin-password",
            "admin123",
        ]
    )
    assert code == 0
    out = capsys.readouterr().out
    assert "已创建同步密钥" in out
    opened = open_database(db)
    try:
        info = key_info(opened)
        assert info is not None and info.fingerprint in out and info.store == "keyring"
    finally:
        opened.close()
