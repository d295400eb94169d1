"""``GET /image-to-3d-sessions/{code}/events``: the session's changes as server-sent events.

The database is the truth, so the stream works whichever process runs the job: it reads the
session row (one indexed read) every ``POLL_S`` and sends the session object whenever the row
changed — status, ``percent_done``, anything. It ends after a status in which no job runs (done
or failed), or with a ``deleted`` event; a comment line keeps idle connections open. Each key
may hold ``event_streams_per_key`` streams per HTTP process.
"""

from __future__ import annotations

import asyncio
import json
import threading
import time
from collections.abc import AsyncIterator
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from starlette.responses import Response, StreamingResponse
from starlette.types import Receive, Scope, Send

from i23d.api.auth import require_caller
from i23d.api.context import AppContext
from i23d.sessions.keys import Caller
from i23d.sessions.service import PROCESSING_STATUSES, ServiceError
from i23d.sessions.view import session_to_dict

router = APIRouter(prefix="/image-to-3d-sessions", tags=["image-to-3d sessions"])

POLL_S = 0.25
KEEPALIVE_S = 15.0


class StreamSlots:
    """How many event streams each key has open in this process, bounded per key."""

    def __init__(self, per_key: int) -> None:
        self.per_key = per_key
        self._open: dict[int, int] = {}
        self._lock = threading.Lock()

    def take(self, key_id: int) -> None:
        """Hold a slot for ``key_id``; 429 when it holds them all."""
        with self._lock:
            if self._open.get(key_id, 0) >= self.per_key:
                raise ServiceError(
                    429,
                    f"this key already has {self.per_key} event streams "
                    f"open (the limit per key); close one, or poll GET",
                    headers={"Retry-After": "5"},
                )
            self._open[key_id] = self._open.get(key_id, 0) + 1

    def give_back(self, key_id: int) -> None:
        """Release a slot taken with :meth:`take`."""
        with self._lock:
            left = self._open.get(key_id, 0) - 1
            if left > 0:
                self._open[key_id] = left
            else:
                self._open.pop(key_id, None)


class EventStream(StreamingResponse):
    """``text/event-stream`` that gives its slot back however the response ends."""

    def __init__(self, content: AsyncIterator[str], slots: StreamSlots, key_id: int) -> None:
        super().__init__(
            content,
            media_type="text/event-stream",
            headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"},
        )
        self.slots = slots
        self.key_id = key_id

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        try:
            await super().__call__(scope, receive, send)
        finally:
            self.slots.give_back(self.key_id)


def _event(name: str, data: Any) -> str:
    return f"event: {name}\ndata: {json.dumps(data, ensure_ascii=False, separators=(',', ':'))}\n\n"


@router.get(
    "/{session_code}/events",
    summary="Stream the session's changes (server-sent events)",
    response_class=StreamingResponse,
)
async def session_events(
    session_code: str, request: Request, caller: Annotated[Caller, Depends(require_caller)]
) -> Response:
    """``event: session`` with the session object at once and after every change; ends after a
    status in which no job runs (``*_done``, ``*_failed``), or with ``event: deleted``.
    Authenticate with the ``x-api-key`` header (browsers: ``fetch`` with a streaming reader)."""
    ctx: AppContext = request.app.state.ctx
    ctx.service.get(caller, session_code)  # 404 before any stream
    slots: StreamSlots = request.app.state.event_streams
    slots.take(caller.key_id)
    return EventStream(_changes(ctx, request, caller, session_code), slots, caller.key_id)


async def _changes(
    ctx: AppContext, request: Request, caller: Caller, code: str
) -> AsyncIterator[str]:
    base = ctx.base_url(request)
    seen: float | None = None
    last_sent = time.monotonic()
    while not await request.is_disconnected():
        try:
            record = ctx.service.get(caller, code)
        except ServiceError:
            yield _event("deleted", {"session_code": code})
            return
        if record.updated_at != seen:
            seen = record.updated_at
            yield _event(
                "session",
                session_to_dict(record, caller.user_id, lambda key: base + ctx.signer.path(key)),
            )
            last_sent = time.monotonic()
            if record.status not in PROCESSING_STATUSES:
                return
        elif time.monotonic() - last_sent >= KEEPALIVE_S:
            yield ": keepalive\n\n"
            last_sent = time.monotonic()
        await asyncio.sleep(POLL_S)
