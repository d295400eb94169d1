"""Running out of disk: free space of the data directory, and telling "the disk is full" apart
from other errors (``ENOSPC`` from a file write, "database or disk is full" from SQLite,
SQLSTATE 53100 from PostgreSQL)."""

from __future__ import annotations

import errno
import shutil
from dataclasses import dataclass
from pathlib import Path

_FULL_ERRNOS = frozenset({errno.ENOSPC, errno.EDQUOT})
_FULL_MESSAGES = (
    "database or disk is full",
    "no space left on device",
    "disk full",
    "could not extend file",
)


class StorageFull(Exception):
    """There is not enough free space to store what a request or job would write."""

    def __init__(self, free_bytes: int, min_free_bytes: int) -> None:
        super().__init__(f"{free_bytes} bytes free; {min_free_bytes} needed")
        self.free_bytes = free_bytes
        self.min_free_bytes = min_free_bytes


def is_storage_full(exc: BaseException) -> bool:
    """Whether ``exc`` (or an exception it wraps) says the disk or database is full."""
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        if isinstance(current, StorageFull):
            return True
        if isinstance(current, OSError) and current.errno in _FULL_ERRNOS:
            return True
        if (
            getattr(current, "pgcode", None) == "53100"
            or getattr(getattr(current, "diag", None), "sqlstate", None) == "53100"
        ):
            return True
        text = str(current).lower()
        if any(message in text for message in _FULL_MESSAGES):
            return True
        current = getattr(current, "orig", None) or current.__cause__ or current.__context__
    return False


@dataclass(frozen=True)
class DiskSpace:
    """The free space of the file system holding ``path``, against a floor to keep free."""

    path: Path
    min_free_bytes: int

    def free_bytes(self) -> int:
        """Bytes free for this user on ``path``'s file system (of its nearest existing parent
        if it does not exist yet; 0 if none can be read)."""
        path = self.path.absolute()
        while not path.exists() and path != path.parent:
            path = path.parent
        try:
            return shutil.disk_usage(path).free
        except OSError:
            return 0

    def is_low(self) -> bool:
        """Whether free space is under the floor."""
        return self.free_bytes() < self.min_free_bytes

    def require(self) -> None:
        """Raise ``StorageFull`` when free space is under the floor."""
        free = self.free_bytes()
        if free < self.min_free_bytes:
            raise StorageFull(free, self.min_free_bytes)
