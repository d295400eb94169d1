"""Keeping a long-running worker process's memory flat.

A job's meshes are reference cycles (a ``trimesh.Trimesh`` and its ray, proximity and
permutation helpers point at each other), and they live through the whole job, so the garbage
collector has promoted them to its oldest generation by the time the job drops them. Python
collects that generation only when it has grown by a quarter since the last full collection,
which in a serve process (about 190,000 long-lived objects) means dozens of jobs or more:
until then each job's meshes, textures and caches stay allocated. So after each job the
worker collects all generations, then trims the heap. A full collection walks every tracked
object (about 190,000 in a serve process: over a second on a loaded 2-core machine), so a
serving process first freezes what it built at start (modules, app, engine), which lives as
long as the process: the collection after a job then walks only what came since.

Under glibc each thread that allocates gets its own malloc arena (up to 8 per core), and a
freed image's pages often stay mapped in them; capping the arenas and trimming after each job
returns that memory to the system. Both are no-ops where glibc is not the C library.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import functools
import gc
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


def freeze_startup_heap() -> None:
    """Exempt every object alive now from garbage collection for good (``gc.freeze``). For a
    long-running process, once its app and engine are built; never where such objects are
    made and dropped again (tests), as frozen garbage is never freed."""
    gc.collect()
    gc.freeze()


def release_job_memory() -> int:
    """After a job: free its unreachable reference cycles (a full ``gc.collect``), then return
    the freed heap to the system; the number of unreachable objects found."""
    found = gc.collect()
    release_free_memory()
    return found
