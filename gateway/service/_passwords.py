"""Password hashes for the users a service is configured with: scrypt (RFC 7914).

The standard library's ``hashlib.scrypt`` is a memory-hard password hash, so no extra
dependency (passlib, argon2-cffi) is needed for a handful of configured users. Format:
``scrypt$N$r$p$<salt base64>$<hash base64>``; verification is constant-time, and an unknown
user is checked against a dummy hash so the time taken does not tell who exists.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import os

__all__ = ["hash_password", "verify_password"]

N, R, P = 2**14, 8, 1
_DUMMY = None


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def hash_password(password: str, *, n: int = N, r: int = R, p: int = P) -> str:
    salt = os.urandom(16)
    digest = hashlib.scrypt(password.encode("utf-8"), salt=salt, n=n, r=r, p=p, dklen=32,
                            maxmem=128 * n * r * 2)
    return f"scrypt${n}${r}${p}${_b64(salt)}${_b64(digest)}"


def verify_password(password: str, encoded: str | None) -> bool:
    """True if ``password`` matches ``encoded``; ``None`` (no such user) costs the same."""
    global _DUMMY
    if encoded is None:
        if _DUMMY is None:
            _DUMMY = hash_password("not a password")
        encoded, known = _DUMMY, False
    else:
        known = True
    try:
        kind, n, r, p, salt, expected = encoded.split("$")
        if kind != "scrypt":
            return False
        ni, ri, pi = int(n), int(r), int(p)
        found = hashlib.scrypt(password.encode("utf-8", "surrogatepass"),
                               salt=base64.b64decode(salt), n=ni, r=ri, p=pi, dklen=32,
                               maxmem=128 * ni * ri * 2)
    except (ValueError, TypeError):
        return False
    return hmac.compare_digest(found, base64.b64decode(expected)) and known
