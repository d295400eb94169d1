"""A lean path for the hottest call, ``GET /image-to-3d-sessions/{code}``.

Clients poll it every second or two while a job runs, so it skips the framework's routing and
dependency machinery: an ASGI middleware answers a GET with a cached valid key directly (one
indexed read, the same view and envelope as the route). Anything else — another path, a
missing or unknown key, an error — falls through to the regular route, so every answer but the
200 is produced in one place.
"""

from __future__ import annotations

import re

from starlette.types import ASGIApp, Receive, Scope, Send

from i23d.api.auth import CallerCache
from i23d.api.context import AppContext
from i23d.api.errors import envelope
from i23d.sessions.service import ServiceError
from i23d.sessions.view import session_to_dict

_PATH = re.compile(r"^/image-to-3d-sessions/([A-Za-z0-9_\-]{1,64})$")


class SessionReadFastPath:
    """ASGI middleware: 200 answers to GET session for callers whose key is cached."""

    def __init__(self, app: ASGIApp, ctx: AppContext, cache: CallerCache) -> None:
        self.app = app
        self.ctx = ctx
        self.cache = cache

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope["method"] == "GET":
            match = _PATH.match(scope["path"])
            if match and await self._answer(scope, match.group(1), send):
                return
        await self.app(scope, receive, send)

    async def _answer(self, scope: Scope, code: str, send: Send) -> bool:
        key = next((v for k, v in scope["headers"] if k == b"x-api-key"), None)
        caller = self.cache.get(key.decode("latin-1")) if key else None
        if caller is None:
            return False
        try:
            record = self.ctx.service.get(caller, code)
        except ServiceError:
            return False
        base = self.ctx.settings.public_base_url.rstrip("/") or _request_base(scope)
        data = session_to_dict(record, caller.user_id, lambda k: base + self.ctx.signer.path(k))
        await envelope(200, "Success", data)(scope, _no_receive, send)
        return True


def _request_base(scope: Scope) -> str:
    host = next((v.decode("latin-1") for k, v in scope["headers"] if k == b"host"), None)
    if host is None:
        server_host, port = scope.get("server") or ("127.0.0.1", 80)
        host = f"{server_host}:{port}"
    return f"{scope.get('scheme', 'http')}://{host}{scope.get('root_path', '')}"


async def _no_receive() -> dict:
    return {"type": "http.disconnect"}
