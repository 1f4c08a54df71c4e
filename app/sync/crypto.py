"""Station keys, signatures and payload encryption (DESIGN §5).

- Signing: Ed25519. Encryption: X25519 (an ephemeral key per bundle) → HKDF-SHA256 → AES-256-GCM.
  Two separate key pairs: a signing key is never used for key agreement.
- The payload is encrypted in chunks (the STREAM construction): each chunk is sealed with its
  own nonce (8 random bytes + a 32-bit counter) and associated data that names the bundle, the
  chunk index and whether it is the last chunk, so chunks cannot be reordered, dropped or
  truncated without the tag check failing. Memory stays bounded for large bundles.
"""

from __future__ import annotations

import hashlib
import os
import struct
from collections.abc import Iterator
from dataclasses import dataclass

from cryptography.exceptions import InvalidSignature, InvalidTag
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import (
    Ed25519PrivateKey,
    Ed25519PublicKey,
)
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey, X25519PublicKey
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from .canonical import b64d, b64e

ENCRYPTION_NAME = "X25519-HKDF-SHA256/AES-256-GCM-STREAM"
CHUNK_PLAIN = 1 << 20  # 1 MiB of compressed plaintext per sealed chunk
TAG_SIZE = 16
_RAW = serialization.Encoding.Raw
_RAW_PUB = serialization.PublicFormat.Raw
_RAW_PRIV = serialization.PrivateFormat.Raw
_NO_ENC = serialization.NoEncryption()


class DecryptionFailed(Exception):
    """The ciphertext does not authenticate under the derived key (tampered or wrong key)."""


# --- keys ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class KeyPair:
    """A station's private keys (kept in memory only while needed)."""

    sign: Ed25519PrivateKey
    enc: X25519PrivateKey

    @staticmethod
    def generate() -> KeyPair:
        return KeyPair(Ed25519PrivateKey.generate(), X25519PrivateKey.generate())

    @staticmethod
    def from_raw(sign_seed: bytes, enc_raw: bytes) -> KeyPair:
        return KeyPair(
            Ed25519PrivateKey.from_private_bytes(sign_seed),
            X25519PrivateKey.from_private_bytes(enc_raw),
        )

    def raw(self) -> tuple[bytes, bytes]:
        return (
            self.sign.private_bytes(_RAW, _RAW_PRIV, _NO_ENC),
            self.enc.private_bytes(_RAW, _RAW_PRIV, _NO_ENC),
        )

    @property
    def sign_public(self) -> str:
        return b64e(self.sign.public_key().public_bytes(_RAW, _RAW_PUB))

    @property
    def enc_public(self) -> str:
        return b64e(self.enc.public_key().public_bytes(_RAW, _RAW_PUB))


def fingerprint(station_code: str, sign_public: str, enc_public: str) -> str:
    """A short number to read out over the phone: 20 digits in groups of four.

    It covers the station code and both public keys, so a card for another station or with any
    other key shows a different number.
    """
    digest = hashlib.sha256(
        b"zongzhi-card-v1\x00"
        + station_code.encode("ascii")
        + b"\x00"
        + b64d(sign_public)
        + b64d(enc_public)
    ).digest()
    number = int.from_bytes(digest[:12], "big") % 10**20
    digits = f"{number:020d}"
    return "-".join(digits[i : i + 4] for i in range(0, 20, 4))


def check_public_key(text: str) -> bytes:
    """Decode a base64 public key (32 raw bytes) or raise ValueError."""
    raw = b64d(text)
    if len(raw) != 32:
        raise ValueError("public key must be 32 bytes")
    return raw


# --- signatures ---------------------------------------------------------------------------


def sign(key: Ed25519PrivateKey, domain: bytes, message: bytes) -> bytes:
    return key.sign(domain + b"\x00" + message)


def verify(sign_public: str, domain: bytes, message: bytes, signature: bytes) -> bool:
    try:
        Ed25519PublicKey.from_public_bytes(check_public_key(sign_public)).verify(
            signature, domain + b"\x00" + message
        )
    except (InvalidSignature, ValueError):
        return False
    return True


# --- payload encryption -------------------------------------------------------------------


def _derive(shared: bytes, eph_pub: bytes, recipient_pub: bytes, context: bytes) -> bytes:
    return HKDF(
        algorithm=hashes.SHA256(),
        length=32,
        salt=eph_pub + recipient_pub,
        info=b"zongzhi-bundle-v1\x00" + context,
    ).derive(shared)


@dataclass(frozen=True)
class SealParams:
    """What the recipient needs (besides its private key) to open the payload."""

    ephemeral_public: str
    nonce_prefix: str


class Sealer:
    """Encrypts a stream of chunks to one recipient."""

    def __init__(self, recipient_enc_public: str, context: bytes) -> None:
        recipient_raw = check_public_key(recipient_enc_public)
        eph = X25519PrivateKey.generate()
        eph_raw = eph.public_key().public_bytes(_RAW, _RAW_PUB)
        shared = eph.exchange(X25519PublicKey.from_public_bytes(recipient_raw))
        self._aead = AESGCM(_derive(shared, eph_raw, recipient_raw, context))
        self._prefix = os.urandom(8)
        self._context = context
        self._index = 0
        self.params = SealParams(b64e(eph_raw), b64e(self._prefix))

    def seal(self, chunk: bytes, *, final: bool) -> bytes:
        nonce = self._prefix + struct.pack(">I", self._index)
        aad = self._context + struct.pack(">IB", self._index, 1 if final else 0)
        self._index += 1
        return self._aead.encrypt(nonce, chunk, aad)

    @property
    def chunks(self) -> int:
        return self._index


class Opener:
    """Decrypts the chunks sealed by :class:`Sealer` for this station's X25519 key."""

    def __init__(self, enc_key: X25519PrivateKey, params: SealParams, context: bytes) -> None:
        try:
            eph_raw = check_public_key(params.ephemeral_public)
            prefix = b64d(params.nonce_prefix)
        except ValueError as exc:
            raise DecryptionFailed("bad parameters") from exc
        if len(prefix) != 8:
            raise DecryptionFailed("bad nonce prefix")
        my_raw = enc_key.public_key().public_bytes(_RAW, _RAW_PUB)
        shared = enc_key.exchange(X25519PublicKey.from_public_bytes(eph_raw))
        self._aead = AESGCM(_derive(shared, eph_raw, my_raw, context))
        self._prefix = prefix
        self._context = context
        self._index = 0
        self.finished = False

    def open(self, sealed: bytes, *, final: bool) -> bytes:
        if self.finished:
            raise DecryptionFailed("data after the final chunk")
        nonce = self._prefix + struct.pack(">I", self._index)
        aad = self._context + struct.pack(">IB", self._index, 1 if final else 0)
        try:
            plain = self._aead.decrypt(nonce, sealed, aad)
        except InvalidTag as exc:
            raise DecryptionFailed("tag mismatch") from exc
        self._index += 1
        self.finished = final
        return plain


def frame(sealed: bytes) -> bytes:
    """A length-prefixed frame of the payload file."""
    return struct.pack(">I", len(sealed)) + sealed


def iter_frames(data: Iterator[bytes], max_frame: int) -> Iterator[bytes]:
    """Split a byte stream into frames; raise ValueError on a malformed or oversized frame."""
    buf = bytearray()
    for piece in data:
        buf.extend(piece)
        while len(buf) >= 4:
            (size,) = struct.unpack(">I", bytes(buf[:4]))
            if size < TAG_SIZE or size > max_frame:
                raise ValueError("bad frame size")
            if len(buf) < 4 + size:
                break
            yield bytes(buf[4 : 4 + size])
            del buf[: 4 + size]
    if buf:
        raise ValueError("truncated frame")
