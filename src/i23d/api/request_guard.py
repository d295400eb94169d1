"""The door in front of the API routes: the key is checked before a byte of the body is read,
and the body is capped while it streams in.

Without it the framework reads and parses a whole JSON body before any dependency runs, so a
caller without a key could make the server hold hundreds of megabytes. Here a ``POST`` to
``/image-to-3d-sessions...`` without a valid ``x-api-key`` answers 401 at once (the body is
never read); a ``Content-Length`` over ``max_request_bytes`` answers 413 at once; a body that
streams past the cap (chunked, or a lying length) answers 413 as soon as it does. Either way the
connection is closed rather than drained.
"""

from __future__ import annotations

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from i23d.api.auth import CallerCache, lookup_caller
from i23d.api.context import AppContext
from i23d.api.errors import envelope
from i23d.sessions.errors import ServiceError

GUARDED_PREFIX = "/image-to-3d-sessions"
_BODY_METHODS = frozenset({"POST", "PUT", "PATCH"})


class RequestGuard:
    """ASGI middleware: 401 before the body, 413 while it streams."""

    def __init__(self, app: ASGIApp, ctx: AppContext, cache: CallerCache) -> None:
        self.app = app
        self.ctx = ctx
        self.cache = cache

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if (
            scope["type"] != "http"
            or scope["method"] not in _BODY_METHODS
            or not scope["path"].startswith(GUARDED_PREFIX)
        ):
            await self.app(scope, receive, send)
            return
        headers = dict(scope["headers"])
        key = headers.get(b"x-api-key", b"").decode("latin-1")
        try:
            lookup_caller(self.ctx, self.cache, key)
        except ServiceError as exc:
            await _refuse(scope, send, exc.status, exc.message, {"field": exc.field})
            return
        cap = self.ctx.settings.max_request_bytes
        declared = headers.get(b"content-length", b"").strip()
        if declared.isdigit() and int(declared) > cap:
            await _too_large(scope, send, cap)
            return
        body = await _read_capped(receive, cap)
        if body is None:
            await _too_large(scope, send, cap)
            return
        await self.app(scope, _replay(body, receive), send)


async def _read_capped(receive: Receive, cap: int) -> bytes | None:
    """The whole body, or None as soon as it passes ``cap`` bytes."""
    chunks: list[bytes] = []
    size = 0
    while True:
        message = await receive()
        if message["type"] != "http.request":  # the client went away
            return b"".join(chunks)
        chunk = message.get("body", b"")
        size += len(chunk)
        if size > cap:
            return None
        chunks.append(chunk)
        if not message.get("more_body", False):
            return b"".join(chunks)


def _replay(body: bytes, receive: Receive) -> Receive:
    """A receive that hands the app the body already read, in one message."""
    sent = False

    async def replay() -> Message:
        nonlocal sent
        if not sent:
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}
        return await receive()

    return replay


async def _too_large(scope: Scope, send: Send, cap: int) -> None:
    await _refuse(
        scope,
        send,
        413,
        f"the request body is larger than {cap:,} bytes (the "
        "image cap in base64 plus room for the JSON around it); send a smaller image",
        {"field": "body", "max_bytes": cap},
    )


async def _refuse(scope: Scope, send: Send, status: int, message: str, data: dict) -> None:
    """Answer and close: the unread body is never drained."""
    response = envelope(status, message, data, headers={"Connection": "close"})
    await response(scope, _disconnected, send)


async def _disconnected() -> Message:
    return {"type": "http.disconnect"}
