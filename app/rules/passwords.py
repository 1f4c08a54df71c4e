"""Password hashing (scrypt, stdlib) and password policy."""

from __future__ import annotations

import base64
import hashlib
import hmac
import os

from .errors import ValidationError

_N, _R, _P = 2**14, 8, 1
MIN_LENGTH = 6


def hash_password(password: str) -> str:
    salt = os.urandom(16)
    digest = hashlib.scrypt(password.encode("utf-8"), salt=salt, n=_N, r=_R, p=_P, dklen=32)
    return f"scrypt${_N}${_R}${_P}${base64.b64encode(salt).decode()}${base64.b64encode(digest).decode()}"


def verify_password(password: str, stored: str) -> bool:
    try:
        scheme, n, r, p, salt_b64, digest_b64 = stored.split("$")
    except ValueError:
        return False
    if scheme != "scrypt":
        return False
    salt = base64.b64decode(salt_b64)
    expected = base64.b64decode(digest_b64)
    actual = hashlib.scrypt(
        password.encode("utf-8"), salt=salt, n=int(n), r=int(r), p=int(p), dklen=len(expected)
    )
    return hmac.compare_digest(actual, expected)


def check_password_policy(password: str, field: str = "password", label: str = "密码") -> None:
    if len(password) < MIN_LENGTH:
        raise ValidationError.single(field, label, f"至少{MIN_LENGTH}位", "请设置更长的密码")
    if password.isdigit() and len(set(password)) <= 2:
        raise ValidationError.single(field, label, "过于简单", "请勿使用重复数字")
