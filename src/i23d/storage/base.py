"""The storage interface every backend (local disk now, S3-compatible later) implements.

Keys are ``/``-separated relative paths such as ``SESSION_1_2/preview/mesh.glb``; the first
segment is always the session code so a session's files can be removed as one prefix.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Protocol

_SEGMENT = re.compile(r"^[A-Za-z0-9_.-]+$")


def is_valid_key(key: str) -> bool:
    """Whether ``key`` is a storage key every backend accepts: ``/``-separated segments of
    ASCII letters, digits, ``_``, ``.`` and ``-``, none of them ``.`` or ``..``."""
    parts = key.split("/")
    return bool(parts) and all(_SEGMENT.match(p) and p not in (".", "..") for p in parts)


def check_key(key: str) -> list[str]:
    """The key's segments; raises ``ValueError`` for a key that :func:`is_valid_key` refuses."""
    if not is_valid_key(key):
        raise ValueError(f"invalid storage key {key!r}")
    return key.split("/")


class Storage(Protocol):
    """Where artifacts live. Writes are atomic: a reader sees the old object or the new one."""

    def put(self, key: str, data: bytes) -> None:
        """Store ``data`` under ``key``, replacing any previous object atomically."""

    def get(self, key: str) -> bytes:
        """The bytes stored under ``key``; raises ``FileNotFoundError`` if there are none."""

    def exists(self, key: str) -> bool:
        """Whether an object is stored under ``key``."""

    def delete_prefix(self, prefix: str) -> int:
        """Remove every object whose key starts with ``prefix/``; returns how many."""

    def local_path(self, key: str) -> Path | None:
        """A file on this machine holding the object (for zero-copy serving), or None."""

    def download_url(self, key: str, ttl_s: int, content_type: str | None = None) -> str | None:
        """A URL that serves the object straight from the store for ``ttl_s`` seconds (an S3
        presigned URL), answered with ``content_type`` if given; None when the store has no
        such URL, so i23d's signed ``/files/`` link serves the object itself (local disk)."""
