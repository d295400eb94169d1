"""The storage interface every backend (local disk now, S3-compatible later) implements.

Keys are ``/``-separated relative paths such as ``SESSION_1_2/preview/mesh.glb``; the first
segment is always the session code so a session's files can be removed as one prefix.
"""

from __future__ import annotations

from pathlib import Path
from typing import Protocol


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
