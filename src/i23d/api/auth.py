"""``x-api-key`` authentication: 401 for a missing or unknown key; lookups cached briefly."""

from __future__ import annotations

import threading
import time
from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import APIKeyHeader

from i23d.api.context import AppContext
from i23d.sessions.errors import ServiceError
from i23d.sessions.keys import Caller, find_caller

API_KEY_HEADER = APIKeyHeader(
    name="x-api-key", auto_error=False, description="your i23d API key (`i23d keys create`)"
)
CACHE_TTL_S = 30.0
_MAX_KEY_LENGTH = 256


class CallerCache:
    """Known keys → callers for ``CACHE_TTL_S`` seconds, so a GET costs no extra query."""

    def __init__(self) -> None:
        self._entries: dict[str, tuple[float, Caller]] = {}
        self._lock = threading.Lock()

    def get(self, key: str) -> Caller | None:
        entry = self._entries.get(key)
        if entry and entry[0] > time.monotonic():
            return entry[1]
        return None

    def put(self, key: str, caller: Caller) -> None:
        with self._lock:
            if len(self._entries) > 10_000:
                self._entries.clear()
            self._entries[key] = (time.monotonic() + CACHE_TTL_S, caller)


def lookup_caller(ctx: AppContext, cache: CallerCache, key: str | None) -> Caller:
    """The caller behind ``key``; raises 401 for a missing or unknown key. A cached key costs
    nothing; a miss is one indexed read."""
    if not key:
        raise ServiceError(
            401, "missing API key: send it in the x-api-key header", field="x-api-key"
        )
    caller = cache.get(key)
    if caller is None:
        caller = find_caller(ctx.db, key) if len(key) <= _MAX_KEY_LENGTH else None
        if caller is None:
            raise ServiceError(401, "invalid API key", field="x-api-key")
        cache.put(key, caller)
    return caller


async def require_caller(
    request: Request, key: Annotated[str | None, Depends(API_KEY_HEADER)]
) -> Caller:
    """The caller behind the request's ``x-api-key``; raises 401 without a valid key.

    Async on purpose: a cached key costs no thread hop; a miss is one indexed read."""
    return lookup_caller(request.app.state.ctx, request.app.state.caller_cache, key)
