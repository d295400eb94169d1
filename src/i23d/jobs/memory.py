"""Keeping a long-running worker process's memory flat under glibc.

Each thread that allocates gets its own malloc arena (up to 8 per core), and a freed image's
pages often stay mapped in them: resident memory then climbs with every burst of jobs and
never comes back down. Capping the arenas and trimming after each job returns that memory to
the system. Both are no-ops where glibc is not the C library.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import functools
import logging

log = logging.getLogger("i23d.jobs")

_M_ARENA_MAX = -8  # mallopt parameter, <malloc.h>


@functools.cache
def _libc() -> ctypes.CDLL | None:
    name = ctypes.util.find_library("c")
    if not name:
        return None
    try:
        libc = ctypes.CDLL(name)
        libc.mallopt  # noqa: B018 - glibc only
        libc.malloc_trim  # noqa: B018
    except (OSError, AttributeError):
        return None
    return libc


def limit_malloc_arenas(arenas: int) -> bool:
    """Let glibc create at most ``arenas`` malloc arenas from now on (like
    ``MALLOC_ARENA_MAX``); True if it took effect."""
    libc = _libc()
    return bool(libc and libc.mallopt(_M_ARENA_MAX, int(arenas)))


def release_free_memory() -> bool:
    """Return freed heap pages to the system (``malloc_trim(0)``); True if any were."""
    libc = _libc()
    return bool(libc and libc.malloc_trim(0))
