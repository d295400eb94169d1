"""HMAC-signed, expiring download links: ``/files/{token}/{filename}``.

The token carries the storage key and an expiry time, signed with HMAC-SHA256, so a link works
without an API key, cannot be guessed or altered, and stops working when it expires.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
import time
from dataclasses import dataclass
from pathlib import Path

FILES_PREFIX = "/files"


class BadSignature(Exception):
    """The token was altered, is malformed, or does not match the file name."""


class Expired(Exception):
    """The token is authentic but its lifetime is over."""


@dataclass(frozen=True)
class SignedFile:
    """What a verified token grants: one storage key until ``expires_at`` (unix seconds)."""

    key: str
    expires_at: int


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


class UrlSigner:
    """Makes and checks signed file paths with one secret."""

    def __init__(self, secret: bytes, ttl_s: int) -> None:
        if len(secret) < 16:
            raise ValueError("the signing secret must be at least 16 bytes")
        self._secret = secret
        self.ttl_s = ttl_s

    @classmethod
    def from_settings(cls, secret: str, data_dir: Path, ttl_s: int) -> UrlSigner:
        """Use ``secret`` if given, else a random one kept in ``data_dir/signing.key``."""
        if secret:
            return cls(secret.encode(), ttl_s)
        path = Path(data_dir) / "signing.key"
        if not path.exists():
            path.parent.mkdir(parents=True, exist_ok=True)
            tmp = path.with_suffix(".tmp")
            tmp.write_text(secrets.token_hex(32))
            tmp.chmod(0o600)
            tmp.replace(path)
        return cls(path.read_text().strip().encode(), ttl_s)

    def _mac(self, payload: bytes) -> str:
        return _b64(hmac.new(self._secret, payload, hashlib.sha256).digest()[:20])

    def path(self, key: str, now: float | None = None) -> str:
        """The signed path (no scheme or host) for ``key``, valid for ``ttl_s`` from ``now``."""
        expires = int((time.time() if now is None else now) + self.ttl_s)
        payload = f"{expires}:{key}".encode()
        token = f"{_b64(payload)}.{self._mac(payload)}"
        return f"{FILES_PREFIX}/{token}/{key.rsplit('/', 1)[-1]}"

    def verify(self, token: str, filename: str, *, check_expiry: bool = True) -> SignedFile:
        """The key a token grants; raises ``BadSignature`` or ``Expired``."""
        try:
            body, mac = token.split(".", 1)
            payload = _unb64(body)
        except (ValueError, TypeError) as exc:
            raise BadSignature("malformed token") from exc
        # compare_digest refuses non-ASCII text (TypeError): compare bytes.
        if not hmac.compare_digest(
            mac.encode("utf-8", "surrogatepass"), self._mac(payload).encode("ascii")
        ):
            raise BadSignature("signature does not match")
        expires_text, _, key = payload.decode("utf-8", "replace").partition(":")
        if not expires_text.isdigit() or not key or key.rsplit("/", 1)[-1] != filename:
            raise BadSignature("token does not match the file name")
        signed = SignedFile(key=key, expires_at=int(expires_text))
        if check_expiry and signed.expires_at < time.time():
            raise Expired("link expired")
        return signed

    def key_of_url(self, url: str) -> str | None:
        """The storage key a URL of ours points at (expired or not), or None if not ours."""
        path = url.split("?", 1)[0].split("#", 1)[0]
        marker = path.find(FILES_PREFIX + "/")
        if marker < 0:
            return None
        parts = path[marker + len(FILES_PREFIX) + 1 :].split("/")
        if len(parts) != 2:
            return None
        try:
            return self.verify(parts[0], parts[1], check_expiry=False).key
        except BadSignature:
            return None
