"""``GET /healthz``: the database answers and how many jobs wait."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends
from starlette.responses import Response

from i23d import __version__
from i23d.api.context import AppContext, get_context
from i23d.api.errors import envelope

router = APIRouter(tags=["health"])


@router.get("/healthz", summary="Liveness and readiness")
def healthz(ctx: Annotated[AppContext, Depends(get_context)]) -> Response:
    """200 with the queue length when the database answers; 503 otherwise."""
    try:
        queued = ctx.service.queued_jobs()
    except Exception as exc:  # noqa: BLE001 - health reports the failure instead of raising
        return envelope(503, f"database unavailable: {type(exc).__name__}")
    return envelope(200, "OK", {"status": "ok", "version": __version__, "queued_jobs": queued,
                                "workers": ctx.settings.workers})
