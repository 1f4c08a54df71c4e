"""Where the private halves of the station keys live (DESIGN §5).

1. The OS keychain through ``keyring`` (Windows Credential Manager, macOS Keychain, Secret
   Service / KWallet on Linux desktops) — used when keyring offers a *recommended* backend
   (priority ≥ 1), or a backend the administrator configured explicitly (keyring's config file or
   ``PYTHON_KEYRING_BACKEND``), or one handed to :func:`use_keychain`.
2. Otherwise a passphrase-protected file beside the ledger (``<ledger>.keystore``): every entry is
   sealed with AES-256-GCM under a key derived from the passphrase with scrypt. The passphrase
   comes from ``ZONGZHI_KEYSTORE_PASSPHRASE`` (headless use) or from a provider the GUI installs
   (:func:`app.sync.passphrase.set_passphrase_provider`). The app shows a visible warning while this fallback is used,
   because the file is only as strong as its passphrase.

keyring's own auto-selected low-priority fallbacks (for example the plaintext file keyring of
``keyrings.alt``) are *not* used silently: they would store the keys unencrypted.
"""

from __future__ import annotations

import contextlib
import json
import os
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

import keyring
import keyring.backend
import keyring.core
import keyring.errors
from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.scrypt import Scrypt

from .canonical import b64d, b64e
from .errors import KeystoreError
from .passphrase import passphrase_provider

SERVICE = "zongzhi-station"
PASSPHRASE_ENV = "ZONGZHI_KEYSTORE_PASSPHRASE"
MIN_PASSPHRASE = 8
_FILE_FORMAT = "zongzhi-keystore/1"
_CHECK = b"zongzhi-keystore-check"
SCRYPT_N = 1 << 15
SCRYPT_R = 8
SCRYPT_P = 1

FILE_WARNING = (
    "本机没有可用的系统密钥库，工作站密钥保存在口令保护的文件 {path} 中。"
    "请妥善保管口令，不要把该文件和口令一起拷贝或外传。"
)


class Keystore(Protocol):
    kind: str

    def get(self, name: str) -> str | None: ...

    def put(self, name: str, value: str) -> None: ...

    def delete(self, name: str) -> None: ...

    def location(self) -> str: ...


# --- the OS keychain ----------------------------------------------------------------------

_trusted: keyring.backend.KeyringBackend | None = None


def use_keychain(backend: keyring.backend.KeyringBackend) -> None:
    """Make ``backend`` the keychain (and trust it even if its priority is low).

    For administrators who choose a backend explicitly, and for tests that use a real
    file-backed keyring in a temporary directory.
    """
    global _trusted
    keyring.set_keyring(backend)
    _trusted = backend


def reset_keychain_choice() -> None:
    global _trusted
    _trusted = None


def keychain_available() -> bool:
    """Is there a keychain we may put private keys in?"""
    try:
        backend = keyring.get_keyring()
    except Exception:
        return False
    if _trusted is not None and backend is _trusted:
        return True
    if _usable(backend):
        return True
    try:
        explicit = keyring.core.load_env() or keyring.core.load_config()
    except Exception:
        explicit = None
    return explicit is not None and type(explicit) is type(backend) and _priority(backend) > 0


def _priority(backend: keyring.backend.KeyringBackend) -> float:
    try:
        return float(backend.priority)
    except Exception:
        return 0.0


def _usable(backend: keyring.backend.KeyringBackend) -> bool:
    module = type(backend).__module__
    if module.startswith(("keyring.backends.fail", "keyring.backends.null")):
        return False
    chained = getattr(backend, "backends", None)
    if chained is not None:  # keyring's ChainerBackend
        return any(_usable(b) for b in chained)
    return _priority(backend) >= 1


# keyring backends are not all safe to call from several threads at once (a hub answers many
# stations in parallel; the file-backed ones rewrite one file): one call at a time per process
_keyring_lock = threading.RLock()


class KeyringStore:
    kind = "keyring"

    def get(self, name: str) -> str | None:
        try:
            with _keyring_lock:
                return keyring.get_password(SERVICE, name)
        except keyring.errors.KeyringError as exc:
            raise KeystoreError(
                f"无法读取系统密钥库（{type(exc).__name__}），请解锁密钥库后重试"
            ) from exc

    def put(self, name: str, value: str) -> None:
        try:
            with _keyring_lock:
                keyring.set_password(SERVICE, name, value)
        except keyring.errors.KeyringError as exc:
            raise KeystoreError(
                f"无法写入系统密钥库（{type(exc).__name__}），请解锁密钥库后重试"
            ) from exc

    def delete(self, name: str) -> None:
        with _keyring_lock, contextlib.suppress(keyring.errors.PasswordDeleteError):
            keyring.delete_password(SERVICE, name)

    def location(self) -> str:
        return f"系统密钥库（{type(keyring.get_keyring()).__name__}）"


# --- the passphrase-protected file ---------------------------------------------------------

_derived: dict[tuple[str, str, str], bytes] = {}
_cache_lock = threading.Lock()
_file_lock = threading.RLock()


def keystore_path(db_path: Path) -> Path:
    return db_path.resolve().with_name(db_path.name + ".keystore")


_remembered: dict[str, str] = {}  # passphrases that opened a keystore in this process


def _passphrase(creating: bool, path: Path) -> str:
    env = os.environ.get(PASSPHRASE_ENV)
    if env:
        return env
    known = _remembered.get(str(path))
    if known:
        return known
    provider = passphrase_provider()
    if provider is not None:
        prompt = (
            f"请设置密钥库口令（至少{MIN_PASSPHRASE}位），用于保护本站同步密钥"
            if creating
            else f"请输入密钥库口令（{path.name}）"
        )
        got = provider(prompt, creating)
        if got:
            return got
        raise KeystoreError("未输入密钥库口令，操作已取消")
    raise KeystoreError(
        f"本机没有系统密钥库，需要密钥库口令：请设置环境变量 {PASSPHRASE_ENV} 后重试"
    )


def _derive(passphrase: str, salt: bytes, n: int, r: int, p: int) -> bytes:
    key = (passphrase, b64e(salt), f"{n}:{r}:{p}")
    with _cache_lock:
        hit = _derived.get(key)
    if hit is not None:
        return hit
    derived = Scrypt(salt=salt, length=32, n=n, r=r, p=p).derive(passphrase.encode("utf-8"))
    with _cache_lock:
        _derived[key] = derived
    return derived


@dataclass
class _FileData:
    salt: bytes
    n: int
    r: int
    p: int
    check: str
    entries: dict[str, str]


class FileStore:
    """``<ledger>.keystore``: JSON with scrypt parameters and AES-GCM sealed entries."""

    kind = "file"

    def __init__(self, path: Path) -> None:
        self.path = path
        self._key: bytes | None = None

    def location(self) -> str:
        return str(self.path)

    # -- file I/O
    def _load(self) -> _FileData | None:
        if not self.path.exists():
            return None
        try:
            raw = json.loads(self.path.read_text(encoding="utf-8"))
            if raw.get("format") != _FILE_FORMAT:
                raise ValueError("format")
            kdf = raw["kdf"]
            return _FileData(
                salt=b64d(kdf["salt"]),
                n=int(kdf["n"]),
                r=int(kdf["r"]),
                p=int(kdf["p"]),
                check=str(raw["check"]),
                entries={str(k): str(v) for k, v in dict(raw["entries"]).items()},
            )
        except (ValueError, KeyError, TypeError) as exc:
            raise KeystoreError(f"密钥库文件 {self.path.name} 已损坏，无法读取") from exc

    def _save(self, data: _FileData) -> None:
        doc = {
            "format": _FILE_FORMAT,
            "kdf": {
                "alg": "scrypt",
                "salt": b64e(data.salt),
                "n": data.n,
                "r": data.r,
                "p": data.p,
            },
            "check": data.check,
            "entries": data.entries,
        }
        tmp = self.path.with_name(self.path.name + ".tmp")
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            json.dump(doc, fh, ensure_ascii=False, indent=1, sort_keys=True)
            fh.flush()
            os.fsync(fh.fileno())
        tmp.replace(self.path)

    # -- sealing
    @staticmethod
    def _seal(key: bytes, name: str, value: bytes) -> str:
        nonce = os.urandom(12)
        return b64e(nonce + AESGCM(key).encrypt(nonce, value, name.encode("utf-8")))

    @staticmethod
    def _open(key: bytes, name: str, sealed: str) -> bytes:
        blob = b64d(sealed)
        return AESGCM(key).decrypt(blob[:12], blob[12:], name.encode("utf-8"))

    def _unlock(self, data: _FileData) -> bytes:
        if self._key is not None:
            return self._key
        passphrase = _passphrase(False, self.path)
        key = _derive(passphrase, data.salt, data.n, data.r, data.p)
        try:
            self._open(key, "\x00check", data.check)
        except (InvalidTag, ValueError) as exc:
            _remembered.pop(str(self.path), None)
            raise KeystoreError(
                f"密钥库口令不正确，无法打开 {self.path.name}；请核对口令（{PASSPHRASE_ENV}）"
            ) from exc
        _remembered[str(self.path)] = passphrase  # for worker threads that cannot ask
        self._key = key
        return key

    def _create(self) -> _FileData:
        passphrase = _passphrase(True, self.path)
        if len(passphrase) < MIN_PASSPHRASE:
            raise KeystoreError(f"密钥库口令至少需要{MIN_PASSPHRASE}位，请重新设置")
        _remembered[str(self.path)] = passphrase
        salt = os.urandom(16)
        key = _derive(passphrase, salt, SCRYPT_N, SCRYPT_R, SCRYPT_P)
        self._key = key
        return _FileData(
            salt, SCRYPT_N, SCRYPT_R, SCRYPT_P, self._seal(key, "\x00check", _CHECK), {}
        )

    # -- API
    def get(self, name: str) -> str | None:
        data = self._load()
        if data is None or name not in data.entries:
            return None
        key = self._unlock(data)
        try:
            return self._open(key, name, data.entries[name]).decode("utf-8")
        except (InvalidTag, ValueError) as exc:
            raise KeystoreError(f"密钥库文件 {self.path.name} 中的条目已损坏") from exc

    def put(self, name: str, value: str) -> None:
        with _file_lock:
            data = self._load()
            if data is None:
                data = self._create()
            key = self._unlock(data)
            data.entries[name] = self._seal(key, name, value.encode("utf-8"))
            self._save(data)

    def delete(self, name: str) -> None:
        with _file_lock:
            data = self._load()
            if data is not None and name in data.entries:
                del data.entries[name]
                self._save(data)


def open_store(kind: str, db_path: Path) -> Keystore:
    if kind == "keyring":
        return KeyringStore()
    if kind == "file":
        return FileStore(keystore_path(db_path))
    raise KeystoreError(f"未知的密钥库类型“{kind}”")


def preferred_store(db_path: Path) -> Keystore:
    """The keychain when there is one, else the file keystore beside the ledger."""
    return KeyringStore() if keychain_available() else FileStore(keystore_path(db_path))


def forget_passphrases() -> None:
    """Drop remembered passphrases (logout, lock)."""
    _remembered.clear()
    with _cache_lock:
        _derived.clear()


def needs_passphrase(kind: str, db_path: Path) -> bool:
    """Would opening this keystore ask for a passphrase (call the provider)?"""
    if kind != "file" or os.environ.get(PASSPHRASE_ENV):
        return False
    return str(keystore_path(db_path)) not in _remembered


def file_warning(db_path: Path) -> str:
    return FILE_WARNING.format(path=keystore_path(db_path))
